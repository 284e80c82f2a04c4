"""Helpers and constants shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import requests
from origin_sdk.OriginSession import OriginSession

from origin_frames import OriginFrames
from origin_frames._diff import _neutral_to_null, effective, flatten
from origin_frames._frames import CellFrameBuilder, add_technology_blocks
from origin_frames._queries import ExoRead, TechRead, TechSelection

TOKEN = "test-token-abcdef123456"  # the one token of the conftest fixtures (sdk, client)


def post_inputs(emu: Any, document: str, variables: dict[str, Any] | None, token: str,
                timeout: float = 60) -> requests.Response:  # fmt: skip
    """One GraphQL POST to an emulator's inputs service, asserted HTTP 200."""
    answer = requests.post(
        emu.inputs_base_url + "/v1/graphql",
        json={"query": document, "variables": variables},
        headers={"Private-Token": token},
        timeout=timeout,
    )
    assert answer.status_code == 200
    return answer


def first_gbr_scenario(emu: Any, token: str) -> str:
    """The id of the emulator's first published gbr scenario, straight from its scenario API."""
    answer = requests.post(
        emu.scenario_base_url + "/v1/graphql",
        json={"query": '{ getScenarios(filter: {regionGroupCode: "gbr"}) { scenarioGlobalId } }'},
        headers={"Private-Token": token},
        timeout=30,
    )
    return str(answer.json()["data"]["getScenarios"][0]["scenarioGlobalId"])


# -- scenarios, inputs and the transforms log on the emulator (plan/apply tests) ------------------
LOG = """query ($sessionId: String!) {
  getSession(sessionId: $sessionId) { transforms { updateParameters } }
}"""


def new_scenario(sdk: OriginSession, name: str = "edit") -> str:
    """A tenanted scenario (published ones are read-only) based on the first gbr scenario."""
    base = sdk.get_aurora_scenarios("gbr")[0]["scenarioGlobalId"]
    project = sdk.create_project({"name": f"p-{name}", "productId": 1})["projectGlobalId"]
    scenario = sdk.create_scenario(
        {"projectGlobalId": project, "name": name, "baseScenarioGlobalId": base,
         "regionGroupCode": "gbr"}
    )
    return scenario["scenarioGlobalId"]


def transforms_log(client: OriginFrames, sid: str) -> list[dict[str, Any]]:
    """The session's transforms log: one ``updateParameters`` per mutation received."""
    data = client.transport.graphql("inputs", LOG, {"sessionId": sid})
    return [t["updateParameters"] for t in data["getSession"]["transforms"]]


def editable(client: OriginFrames, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose parameter is not locked."""
    params = client.inputs_config()["technology"]["parameters"]
    locked = [p["name"] for p in params if p.get("lock")]
    return frame[~frame["variable"].isin(locked)]


def small_inputs(client: OriginFrames, sid: str) -> pd.DataFrame:
    """CCGT in gbr, gbr demand, gbr/fra commodities and gbr interconnectors."""
    frames = [
        client.technologies(sid, regions=["gbr"], technologies=["CCGT"]),
        client.demand(sid, regions=["gbr"]),
        client.commodities(sid, regions=["gbr", "fra"]),
        client.interconnectors(sid, regions=["gbr"]),
    ]
    return editable(client, pd.concat([flatten(f) for f in frames], ignore_index=True))


def state(frame: pd.DataFrame) -> pd.DataFrame:
    """Effective values and transforms by key, a neutral Delta 0 counting as none."""
    flat = flatten(frame)
    key = ["region", "technology", "year", "domain", "variable", "kind", "sub_region",
           "sub_technology", "subsidy", "month"]
    tt, tv = _neutral_to_null(flat["transform_type"].astype(object).to_numpy(),
                              flat["transform_value"].to_numpy(dtype=float))
    out = flat[key].astype(object).where(flat[key].notna(), None)
    out["value"] = flat["value"].to_numpy(dtype=float)
    out["tt"] = pd.Series([None if pd.isna(t) else t for t in tt], dtype=object)
    out["tv"] = tv
    return out.sort_values(key, na_position="first").reset_index(drop=True)


def demand_rows(client: OriginFrames, sid: str, regions: list[str]) -> pd.DataFrame:
    """The flat demand cells of ``regions``."""
    return flatten(client.demand(sid, regions=regions))


class SdkViaClient:
    """Creates a tenanted scenario through our client (the SDK has no retries)."""

    def __init__(self, client: OriginFrames) -> None:
        self.client = client

    def new_scenario(self) -> str:
        base = str(self.client.get_aurora_scenarios("gbr").index[0])
        project = self.client.create_project({"name": "faults", "productId": 1})
        pid = str(project.index[0])
        created = self.client.create_scenario(
            {"projectGlobalId": pid, "name": "faults", "baseScenarioGlobalId": base,
             "regionGroupCode": "gbr"}
        )
        return str(created.index[0])


# -- synthetic frames for the pure diff engine (no server) ----------------------------------------
SYNTHETIC_SID = "scn-1"
SYNTHETIC_CONFIG = {
    "technology": {
        "parameters": [
            {"name": "capex", "lock": False, "appliesToExo": True, "appliesToEndoBui": True,
             "isMonthlyRegionTechParameter": False,
             "initialRange": {"lower": 0, "upper": 5000},
             "hardLimit": {"lower": 0, "upper": 20000}},
            {"name": "capacity", "lock": True, "appliesToExo": True, "appliesToEndoBui": False,
             "isMonthlyRegionTechParameter": False, "initialRange": None, "hardLimit": None},
            {"name": "availability", "lock": False, "appliesToExo": True,
             "appliesToEndoBui": False, "isMonthlyRegionTechParameter": True,
             "initialRange": None, "hardLimit": None},
        ],
        "definitionParameters": [
            {"name": "discountRate", "lock": False, "appliesToExo": False,
             "appliesToEndoBui": True, "isMonthlyRegionTechParameter": False,
             "initialRange": None, "hardLimit": None},
        ],
        "definitions": [{"name": "nuclear", "readOnlyParameters": ["discountRate"]}],
    },
    "demand": {"demandVariables": [{"name": "totalDemand"}], "demandTechnologyVariables": []},
    "commodities": {"commoditiesAvailable": [{"name": "gas", "units": "x"}]},
    "interconnectors": {"variables": [{"name": "capacity"}]},
}


def synthetic_current() -> pd.DataFrame:
    """A small current frame covering every domain, monthly and definition cells."""
    rows = []

    def add(region, tech, year, domain, variable, kind=None, month=None, original=100.0,
            tt=None, tv=np.nan):
        rows.append(dict(region=region, technology=tech, year=year, domain=domain,
                         variable=variable, kind=kind, sub_region=None, sub_technology=None,
                         subsidy=None, month=month, original=original, transform_type=tt,
                         transform_value=tv))

    for region in ("gbr", "fra"):
        for year in (2030, 2031, 2032):
            add(region, "ccgt", year, "technology", "capex", "exogenous", original=800.0)
            add(region, "ccgt", year, "technology", "capacity", "exogenous", original=10.0)
            add(region, "system", year, "demand", "totalDemand", original=300.0)
            add(region, "gas", year, "commodity", "price", original=20.0)
            for month in (1, 2):
                add(region, "solar", year, "technology", "availability", "exogenous",
                    month=month, original=0.5)
        add(region, "nuclear", None, "technology", "discountRate", "endogenous", original=7.0)
        add(region, "ccgt", None, "technology", "discountRate", "endogenous", original=6.0,
            tt="Delta", tv=1.0)
    add("gbr", "fra", 2030, "interconnector", "capacity", original=2.0)
    frame = pd.DataFrame(rows)
    frame["year"] = frame["year"].astype("Int64")
    frame["month"] = frame["month"].astype("Int64")
    frame["value"] = effective(
        frame["original"].to_numpy(), frame["transform_type"].to_numpy(dtype=object),
        frame["transform_value"].to_numpy(),
    )
    for name in ("region", "technology", "domain", "variable", "kind", "transform_type"):
        frame[name] = frame[name].astype("category")
    return frame.set_index(["region", "technology", "year"])


# -- wire answers for the frame builders (no server) ----------------------------------------------
SELECTION = TechSelection(
    exo_yearly=("capex",),
    exo_monthly=("availability",),
    endo_yearly=("capex",),
    endo_monthly=(),
    endo_defs=("discountRate",),
    units={"capex": "GBP/kW", "availability": "%", "discountRate": "%"},
)


def cell(year: int | None, original: float | None, transform=None, month=None, warnings=()):
    """One wire cell as the inputs API answers it."""
    out = {
        "original": original,
        "validationWarnings": list(warnings),
        "validationErrors": [],
        "transform": transform,
    }
    if year is not None:
        out["year"] = year
    if month is not None:
        out["month"] = month
    return out


def technology_answer() -> dict:
    """A technology batch answer: exogenous, endogenous and definition cells of CCGT."""
    return {
        "t0": {
            "name": "CCGT",
            "region": "gbr",
            "x0": {
                "parameters": {
                    "capex": [
                        cell(2030, 100.0),
                        cell(2031, 100.0, {"type": "Absolute", "value": 80.0}),
                        cell(2032, 100.0, {"type": "Delta", "value": -5.0}),
                        cell(2033, 100.0, {"type": "Percentage", "value": 10.0}),
                        cell(2034, None),
                    ],
                    "availability": [cell(2030, 90.0, month=m) for m in (1, 2)],
                }
            },
            "x1": {"parameters": {"capex": [cell(2030, 50.0, warnings=["high", "odd"])]}},
            "d0": {
                "parameters": {"capex": [cell(2030, 120.0)]},
                "definitions": {"discountRate": cell(None, 7.0)},
            },
        }
    }


READS = [TechRead("CCGT", "gbr", None, (ExoRead(), ExoRead("CCGT H-class")), (None,))]


def technology_frame(
    session: dict[str, Any], reads: list[TechRead], selection: TechSelection
) -> pd.DataFrame:
    """The frame the client builds from one technology batch answer (same builder calls)."""
    builder = CellFrameBuilder()
    add_technology_blocks(builder, session, reads, selection)
    return builder.frame()



# -- misbehaving servers on real sockets ----------------------------------------------------------
@contextmanager
def scripted_server(script: list[bytes | float], closed: list[int] | None = None
                    ) -> Iterator[str]:  # fmt: skip
    """A server answering every connection with ``script``: bytes are sent, floats slept.

    The connection stays open after the script (a server that stalls, not one that closes).
    ``closed`` gets one entry per connection the client closed before the server did.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    open_conns: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            for step in script:
                if stop.is_set():
                    return
                if isinstance(step, float):
                    stop.wait(step)
                else:
                    conn.sendall(step)
            conn.settimeout(0.05)
            while not stop.is_set():
                try:
                    if conn.recv(1) == b"":
                        raise ConnectionResetError
                except TimeoutError:
                    continue
        except OSError:
            if closed is not None and not stop.is_set():
                closed.append(1)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            open_conns.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for conn in open_conns:
            conn.close()
