"""Input-domain getters against the emulator, each checked against the official SDK's numbers."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from helpers import TOKEN

from origin_frames import NotFoundError, OriginError, OriginFrames, schemas
from origin_frames import _queries as q
from origin_frames._contract import COLUMNS, INDEX_LEVELS


@pytest.fixture
def batched(emulator) -> OriginFrames:
    """A client with small batches (40 reads a request), so every read here spans several."""
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False, batch_size=40) as c:  # fmt: skip
        yield c


# -- helpers: flatten the official SDK's answers and ours into {key: original} -------------------
def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def ours(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, float | None]:
    flat = frame.reset_index()
    out: dict[tuple, float | None] = {}
    columns = [flat[k].astype(object).where(flat[k].notna(), None).tolist() for k in keys]
    for key, original in zip(zip(*columns, strict=True), flat["original"].tolist(), strict=True):
        out[key] = _num(original)
    return out


def sdk_technology(doc: dict[str, Any]) -> dict[tuple, float | None]:
    out: dict[tuple, float | None] = {}
    for kind, field in (("exogenous", "getExogenous"), ("endogenous", "getEndogenous")):
        node = doc.get(field) or {}
        for var, cells in (node.get("parameters") or {}).items():
            for c in cells or []:
                out[(kind, var, c["year"], c.get("month"))] = _num(c["original"])
        for var, c in (node.get("definitions") or {}).items():
            if c:
                out[(kind, var, None, None)] = _num(c["original"])
    return out


def sdk_rows(docs: list[dict[str, Any]], region_of, technology_of, variables) -> dict:
    out: dict[tuple, float | None] = {}
    for doc in docs:
        for row in doc.get("variables") or []:
            for var in variables:
                if row.get(var):
                    key = (region_of(doc), technology_of(doc), var, row["year"])
                    out[key] = _num(row[var]["original"])
    return out


def assert_contract(frame: pd.DataFrame, model) -> None:
    assert list(frame.index.names) == list(INDEX_LEVELS)
    assert list(frame.columns) == list(COLUMNS)
    model.validate(frame)


# -- technologies -------------------------------------------------------------------------------
def test_get_technology_matches_the_official_sdk(batched, sdk, sid) -> None:
    frame = batched.get_technology(sid, "CCGT", "gbr")
    assert_contract(frame, schemas.TechnologyCells)
    assert len(frame) > 100
    expected = sdk_technology(sdk.get_technology(sid, "CCGT", "gbr"))
    assert ours(frame, ["kind", "variable", "year", "month"]) == expected


def test_get_technology_with_a_sub_technology_matches_the_sdk(batched, sdk, sid) -> None:
    frame = batched.get_technology(sid, "CCGT", "gbr", exogenous_sub_technology="CCGT H-class")
    assert set(frame.loc[frame["kind"] == "exogenous", "sub_technology"]) == {"CCGT H-class"}
    doc = sdk.get_technology(sid, "CCGT", "gbr", exogenous_sub_technology="CCGT H-class")
    assert ours(frame, ["kind", "variable", "year", "month"]) == sdk_technology(doc)


def test_technologies_reads_every_view_of_the_region(batched, sdk, sid) -> None:
    frame = batched.technologies(sid, regions=["gbr"])
    assert_contract(frame, schemas.TechnologyCells)
    names = batched.get_technology_names(sid).loc["gbr"]
    assert set(frame.index.get_level_values("technology")) == set(names.index)
    views = frame.reset_index()[["technology", "kind", "sub_region", "sub_technology", "subsidy"]]
    assert len(views.drop_duplicates()) == len(names)
    # Spot-check one base view against the SDK.
    ccgt = frame.xs("CCGT", level="technology", drop_level=False)
    ccgt = ccgt[ccgt["sub_technology"].isna() & ccgt["sub_region"].isna()]
    expected = sdk_technology(sdk.get_technology(sid, "CCGT", "gbr"))
    assert ours(ccgt, ["kind", "variable", "year", "month"]) == expected


def test_technologies_batches_requests_and_stays_identical(batched, emulator, sid) -> None:
    one = batched.technologies(sid, regions=["gbr"], technologies=["CCGT", "OCGT", "Coal"])
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False, batch_size=2, concurrency=3) as small:  # fmt: skip
        before = small.transport.stats["requests"]
        many = small.technologies(sid, regions=["gbr"], technologies=["CCGT", "OCGT", "Coal"])
        assert small.transport.stats["requests"] - before > 3
    pd.testing.assert_frame_equal(one.sort_index(), many.sort_index())


def test_unknown_region_or_technology_is_not_found(batched, sid) -> None:
    with pytest.raises(NotFoundError, match="xyz"):
        batched.technologies(sid, regions=["xyz"])
    with pytest.raises(NotFoundError, match="Unobtainium"):
        batched.technologies(sid, regions=["gbr"], technologies=["Unobtainium"])


def test_get_technology_of_an_unknown_technology_names_the_valid_ones(batched, sid) -> None:
    with pytest.raises(OriginError, match="CCGT"):
        batched.get_technology(sid, "Unobtainium", "gbr")


def test_unknown_scenario_is_not_found(batched) -> None:
    with pytest.raises(NotFoundError):
        batched.technologies("00000000-0000-0000-0000-000000000000")


# -- demand -------------------------------------------------------------------------------------
def test_get_demand_matches_the_official_sdk(batched, sdk, sid) -> None:
    frame = batched.get_demand(sid)
    assert_contract(frame, schemas.DemandCells)
    config = batched.inputs_config()["demand"]
    system = [v["name"] for v in config["demandVariables"]]
    tech = [v["name"] for v in config["demandTechnologyVariables"]]
    docs = sdk.get_demand(sid)
    expected = sdk_rows(docs, lambda d: d["region"], lambda d: "system", system)
    expected.update(
        sdk_rows(
            [t for d in docs for t in d["technologies"]],
            lambda d: d["region"]["original"],
            lambda d: d["originTechnology"]["original"],
            tech,
        )
    )
    assert ours(frame, ["region", "technology", "variable", "year"]) == expected


def test_demand_filters_regions(batched, sid) -> None:
    frame = batched.demand(sid, regions=["gbr", "fra"])
    assert set(frame.index.get_level_values("region")) == {"gbr", "fra"}
    assert {"demand", "demand_technology"} == set(frame["domain"].astype(str))


def test_demand_alone_reads_the_same_system_rows_without_the_technologies(batched, sid) -> None:
    both = batched.demand(sid, regions=["gbr"])
    alone = batched.demand(sid, regions=["gbr"], domains=["demand"])
    system = both[both["domain"] == "demand"]
    assert set(alone["domain"].astype(str)) == {"demand"}
    assert len(alone) == len(system) > 0
    pd.testing.assert_frame_equal(alone.sort_index(), system.sort_index(), check_categorical=False)
    alone_doc, _ = q.demand_document(sid, batched._demand_selection(), ["gbr"], technologies=False)
    both_doc, _ = q.demand_document(sid, batched._demand_selection(), ["gbr"])
    assert "technologies" not in alone_doc and "technologies" in both_doc


def test_get_demand_technologies_matches_the_official_sdk(batched, sdk, sid) -> None:
    frame = batched.get_demand_technologies(sid, {"region": "gbr"})
    assert set(frame["domain"].astype(str)) == {"demand_technology"}
    tech = [v["name"] for v in batched.inputs_config()["demand"]["demandTechnologyVariables"]]
    expected = sdk_rows(
        sdk.get_demand_technologies(sid, {"region": "gbr"}),
        lambda d: d["region"]["original"],
        lambda d: d["originTechnology"]["original"],
        tech,
    )
    assert ours(frame, ["region", "technology", "variable", "year"]) == expected


# -- commodities --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("regions", "native"),
    [
        pytest.param(None, False, id="average"),
        pytest.param(["gbr"], False, id="one-region"),
        pytest.param(["gbr"], True, id="native-units"),
    ],
)
def test_get_commodities_matches_the_official_sdk(batched, sdk, sid, regions, native) -> None:
    frame = batched.get_commodities(sid, native_units_flag=native, regions=regions)
    assert_contract(frame, schemas.CommodityCells)
    docs = sdk.get_commodities(sid, native_units_flag=native, regions=regions)
    region = regions[0] if regions else "all"
    expected = {
        (region, d["commodity"], c["year"]): _num(c["original"]) for d in docs for c in d["prices"]
    }
    assert ours(frame, ["region", "technology", "year"]) == expected
    assert frame["unit"].notna().all()


def test_commodities_of_several_regions_stack_per_region(batched, sid) -> None:
    frame = batched.commodities(sid, regions=["gbr", "fra"], commodities=["gas"])
    assert set(frame.index.droplevel("year").unique()) == {("gbr", "gas"), ("fra", "gas")}


# -- interconnectors ----------------------------------------------------------------------------
def test_get_interconnectors_matches_the_official_sdk(batched, sdk, sid) -> None:
    frame = batched.get_interconnectors(sid, "gbr", "fra")
    assert_contract(frame, schemas.InterconnectorCells)
    assert len(frame) > 0
    variables = [v["name"] for v in batched.inputs_config()["interconnectors"]["variables"]]
    expected = sdk_rows(
        sdk.get_interconnectors(sid, "gbr", "fra"), lambda d: d["from"], lambda d: d["to"],
        variables,
    )  # fmt: skip
    assert ours(frame, ["region", "technology", "variable", "year"]) == expected


def test_interconnectors_between_unconnected_regions_is_an_empty_valid_frame(batched, sid) -> None:
    connections = batched.get_interconnectors_connections(sid)
    regions = sorted(set(connections.index.get_level_values("region")))
    connected = set(connections.index)
    pair = next((a, b) for a in regions for b in regions if a != b and (a, b) not in connected)
    frame = batched.get_interconnectors(sid, *pair)
    assert len(frame) == 0
    assert_contract(frame, schemas.InterconnectorCells)


# -- everything ---------------------------------------------------------------------------------
def test_inputs_concatenates_every_domain_of_some_regions(batched, sid) -> None:
    frame = batched.inputs(sid, regions=["irl"])
    assert_contract(frame, schemas.InputCells)
    assert {"technology", "demand", "commodity", "interconnector"} <= set(
        frame["domain"].astype(str)
    )
    parts = [batched.technologies(sid, ["irl"]), batched.demand(sid, ["irl"]),
             batched.commodities(sid, ["irl"]), batched.interconnectors(sid, ["irl"])]  # fmt: skip
    assert len(frame) == sum(len(p) for p in parts)


def test_inputs_rejects_unknown_domains(batched, sid) -> None:
    with pytest.raises(OriginError, match="weather"):
        batched.inputs(sid, domains=["weather"])


@pytest.mark.parametrize(
    ("progress", "shown"),
    [pytest.param(True, True, id="on"), pytest.param(False, False, id="off"),
     pytest.param(None, False, id="auto-no-tty")],  # fmt: skip
)
def test_progress_bar_on_multi_request_reads(emulator, sid, capsys, progress, shown) -> None:
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=progress, batch_size=4) as client:  # fmt: skip
        client.technologies(sid, regions=["gbr"], technologies=["CCGT", "OCGT", "Coal"])
    assert ("technologies" in capsys.readouterr().err) is shown
