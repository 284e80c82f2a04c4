"""An emulator users can keep: ``serve --state PATH`` survives restarts; ``--endpoint`` reaches it.

The end-to-end test is what a user does in two shells: ``origin-frames serve --state``
in one, ``plan ... --out plan.json`` and later ``apply plan.json`` in the other, with
the server restarted in between (real subprocesses throughout).
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from origin_sdk.OriginSession import OriginSession

from origin_frames import OriginFrames
from origin_frames._cli import main
from origin_frames._config import ENDPOINT_ENV, Settings
from origin_frames._exceptions import ConfigurationError
from origin_frames._plan import log_mark
from origin_frames.emulator import Emulator

TOKEN = "state-token-0123456789abcdef"
SUBPROCESS_TIMEOUT_S = 60


def _sdk(emu: Emulator, token: str = TOKEN) -> OriginSession:
    return OriginSession(
        {"token": token, "scenario_base_url": emu.scenario_base_url,
         "inputs_base_url": emu.inputs_base_url}
    )  # fmt: skip


def _tx(year: int, kind: str, value: float, month: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"year": year, "transform": {"type": kind, "value": value}}
    if month is not None:
        item["month"] = month
    return item


def _edited_copy(sdk: OriginSession) -> str:
    """A scenario copy with an edit of every kind, a commodity rebase and a project."""
    published = sdk.get_aurora_scenarios("gbr")
    project = sdk.create_project({"name": "kept"})
    sid = sdk.create_scenario(
        {"projectGlobalId": project["projectGlobalId"], "name": "kept copy",
         "baseScenarioGlobalId": published[0]["scenarioGlobalId"]}
    )["scenarioGlobalId"]  # fmt: skip
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", [_tx(2030, "Delta", 7.0)], "gbr")
    sdk.update_technology_exogenous(
        sid, "CCGT", "availability", [_tx(2032, "Percentage", -5.0, month=3)], "fra"
    )
    sdk.update_system_demand(sid, "gbr", "totalDemand", [_tx(2040, "Percentage", 10.0)])
    sdk.update_commodity_price(sid, "gas", ["gbr"], [_tx(2035, "Absolute", 40.0)])
    sdk.change_base_commodities_assumptions(sid, published[5]["scenarioGlobalId"])
    sdk.update_interconnectors(sid, "gbr", "fra", "importCapacity", [_tx(2030, "Delta", 1.0)])
    return str(sid)


def _everything(sdk: OriginSession, sid: str) -> list[Any]:
    return [
        sdk.get_scenario_by_id(sid),
        sdk.get_projects(),
        sdk.get_technology(sid, "CCGT", "gbr"),
        sdk.get_technology(sid, "CCGT", "fra"),
        sdk.get_demand(sid, {"region": "gbr"}),
        sdk.get_commodities(sid, regions=["gbr"]),
        sdk.get_interconnectors(sid, "gbr", "fra"),
    ]


def test_a_restart_keeps_projects_copies_and_every_transform(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with Emulator(state_path=state) as emu:
        sdk = _sdk(emu)
        sid = _edited_copy(sdk)
        seen = _everything(sdk, sid)
        with OriginFrames(TOKEN, endpoint=emu.url) as client:
            mark = log_mark(client, sid)  # sha256 of the transforms log
    assert seen[2]["getExogenous"]["parameters"]["capacity"][5]["transform"] is not None
    with Emulator(state_path=state) as emu:
        sdk = _sdk(emu)
        assert _everything(sdk, sid) == seen
        with OriginFrames(TOKEN, endpoint=emu.url) as client:
            assert log_mark(client, sid) == mark
        assert _sdk(emu, "someone-else-token-000").get_projects() == []


def test_the_state_file_holds_owners_as_digests_never_tokens(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with Emulator(state_path=str(state)) as emu:
        _edited_copy(_sdk(emu))
    raw = state.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("state.db-")
    )
    assert TOKEN.encode() not in raw
    with sqlite3.connect(state) as db:
        owners = {o for (o,) in db.execute("SELECT owner FROM projects")}
    assert len(owners) == 1 and re.fullmatch(r"[0-9a-f]{64}", owners.pop())


def test_deleted_scenarios_stay_deleted_and_reset_forgets_everything(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with Emulator(state_path=state) as emu:
        sdk = _sdk(emu)
        sid = _edited_copy(sdk)
        kept = _edited_copy(sdk)
        sdk.delete_scenario(sid)
    with Emulator(state_path=state) as emu:
        sdk = _sdk(emu)
        mine = [s["scenarioGlobalId"] for p in sdk.get_projects()
                for s in sdk.get_project(p["projectGlobalId"])["scenarios"]]  # fmt: skip
        assert mine == [kept]
        requests.post(emu.url + "/_emulator/reset", timeout=5).raise_for_status()
    with Emulator(state_path=state) as emu:
        assert _sdk(emu).get_projects() == []


def test_a_state_file_of_another_seed_or_no_state_file_is_refused(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with Emulator(state_path=state, seed=1):
        pass
    with pytest.raises(ValueError, match="made with --seed 1 --scale 0"):
        Emulator(state_path=state, seed=2).start()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, " * 100)
    with pytest.raises(ValueError, match="is not an emulator state file"):
        Emulator(state_path=str(notes)).start()
    assert notes.read_text().startswith("not a database")


# -- endpoint resolution ---------------------------------------------------------------------
def test_endpoint_derives_both_service_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENDPOINT_ENV, raising=False)
    settings = Settings.resolve(token="t", endpoint="http://127.0.0.1:9/")
    assert settings.scenario_base_url == "http://127.0.0.1:9/scenarioExplr"
    assert settings.inputs_base_url == "http://127.0.0.1:9/modelInputs"
    monkeypatch.setenv(ENDPOINT_ENV, "http://127.0.0.1:8")
    assert Settings.resolve(token="t").inputs_base_url == "http://127.0.0.1:8/modelInputs"
    explicit = Settings.resolve(token="t", scenario_base_url="http://h:1/s")
    assert explicit.scenario_base_url == "http://h:1/s"
    assert explicit.inputs_base_url == "http://127.0.0.1:8/modelInputs"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"endpoint": "http://h:1", "inputs_base_url": "http://h:1/i"}, "not both"),
        ({"endpoint": "ftp://h:1"}, "endpoint base URL 'ftp://h:1' is not an http"),
    ],
)
def test_bad_endpoints_are_configuration_errors(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.resolve(token="t", **kwargs)


def test_cli_commands_reach_a_running_emulator_with_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AURORA_ORIGIN_SCENARIO_API_BASE_URL", "AURORA_ORIGIN_INPUTS_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AURORA_API_KEY", TOKEN)
    with Emulator(state_path=str(tmp_path / "state.db")) as emu:
        with OriginFrames(TOKEN, endpoint=emu.url) as client:
            client.create_project({"name": "reached"})
        assert main(["projects", "--endpoint", emu.url]) == 0
        assert "reached" in capsys.readouterr().out
        assert main(["projects", "--endpoint", emu.url, "--emulator"]) == 1
        assert "drop one" in capsys.readouterr().err


# -- two shells, a restart in between (real processes) ---------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(state: Path, port: int) -> Iterator[str]:
    """``origin-frames serve --state`` in its own process; yields its endpoint."""
    command = [sys.executable, "-m", "origin_frames._cli", "serve", "--port", str(port),
               "--state", str(state)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        found = [line.split()[1] for line in lines if line.startswith("endpoint:")]
        assert found, f"serve printed no endpoint line: {lines}"
        yield found[0]
    finally:
        process.terminate()
        process.wait(timeout=30)


def _cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "origin_frames._cli", *argv], capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT_S, env=env, check=False,
    )  # fmt: skip


CHANGES = (
    "domain,region,technology,variable,kind,year,transform_type,transform_value\n"
    "technology,gbr,CCGT,capex,endogenous,2030,Percentage,10\n"
    "technology,gbr,CCGT,capex,endogenous,2031,Absolute,500\n"
)


@pytest.mark.slow
def test_plan_in_one_shell_apply_in_another_after_a_serve_restart(tmp_path: Path) -> None:
    state, port = tmp_path / "state.db", _free_port()
    changes = tmp_path / "changes.csv"
    changes.write_text(CHANGES)
    plan = tmp_path / "plan.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURORA_", "ORIGIN_"))}
    env |= {"AURORA_API_KEY": TOKEN, "HOME": str(tmp_path)}
    with _serve(state, port) as endpoint:
        made = _cli("plan", "latest:gbr:central:oct:2026", str(changes), "--new-scenario", "Mine",
                    "--out", str(plan), "--endpoint", endpoint, env=env)  # fmt: skip
    assert "saved plan" in made.stdout, made.stderr
    sid = re.search(r"created scenario (\S+)", made.stdout).group(1)  # type: ignore[union-attr]
    with _serve(state, port) as endpoint:
        applied = _cli("apply", str(plan), env=env | {ENDPOINT_ENV: endpoint})
        assert applied.returncode == 0, applied.stderr
        assert "[applied: 1]" in applied.stdout and "verified=True" in applied.stdout
        again = _cli("apply", str(plan), env=env | {ENDPOINT_ENV: endpoint})
    assert again.returncode == 1
    assert "already applied" in again.stderr and ".report" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    time.sleep(0.1)
    with _serve(state, port) as endpoint:
        with OriginFrames(TOKEN, endpoint=endpoint, progress=False) as client:
            tech = client.get_technology(sid, "CCGT", region="gbr").reset_index()
            projects = client.get_projects()
    capex = tech[(tech["variable"] == "capex") & (tech["kind"] == "endogenous")]
    cells = capex.set_index("year")
    assert cells.loc[2031, "value"] == 500.0 and cells.loc[2030, "transform_type"] == "Percentage"
    assert list(projects["name"]) == ["origin-frames"]
    assert TOKEN.encode() not in state.read_bytes()
