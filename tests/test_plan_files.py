"""Saved plan files are tamper-evident: edited files are refused, stored calls are never
trusted, and today's rules are re-run before sending. Zero mutations are counted on the
server, never through the client's own counters: the emulator's request log (every
mutation that reached the wire) and the sessions' transforms logs (every one applied)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import TOKEN, SdkViaClient, transforms_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from origin_frames import (
    Emulator,
    OriginError,
    OriginFrames,
    PlanFileError,
    ValidationError,
    _diff,
    _planfile,
)
from origin_frames._cli import main
from origin_frames._plan import Plan, _cells_frame

FIXTURES = [HealthCheck.function_scoped_fixture]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """An emulator of its own, two tenanted scenarios and a saved plan for the first."""
    with Emulator() as emu, OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url,
                                         progress=False) as client:  # fmt: skip
        sid, other = SdkViaClient(client).new_scenario(), SdkViaClient(client).new_scenario()
        tech = _diff.flatten(client.technologies(sid, regions=["gbr"], technologies=["CCGT"]))
        capex = tech[(tech["variable"] == "capex") & tech["year"].notna()].head(4)
        gas = _diff.flatten(client.commodities(sid, regions=["gbr"], commodities=["gas"]))
        edit = pd.concat([capex.assign(value=capex["value"] * 1.1),
                          gas.head(3).assign(value=gas.head(3)["value"] + 1)])  # fmt: skip
        plan = client.plan(sid, edit)
        assert len(plan.calls) == 2
        doc = json.loads(plan.to_json(tmp_path_factory.mktemp("plan") / "p.json").read_text())
        yield {"client": client, "sid": sid, "other": other, "plan": plan, "doc": doc,
               "emu": emu}  # fmt: skip


def logs(world: dict[str, Any]) -> tuple[int, int, int]:
    """Mutations on the wire, and those each scenario applied, as the server recorded them."""
    client = world["client"]
    return (len(world["emu"].mutations()), len(transforms_log(client, world["sid"])),
            len(transforms_log(client, world["other"])))  # fmt: skip


def write(doc: dict[str, Any], path: Path, redigest: bool) -> Path:
    """Writes a (tampered) plan document, its digest recomputed when asked."""
    if redigest:
        doc = {**doc, "digest": _planfile.digest(doc)}
    path.write_text(json.dumps(doc))
    return path


def test_saved_plan_reloads_with_identical_cells_and_calls(world, tmp_path):
    plan = world["plan"]
    loaded = Plan.from_json(plan.to_json(tmp_path / "p.json"))
    pd.testing.assert_frame_equal(loaded.cells, plan.cells)
    assert loaded.calls["variables"].tolist() == plan.calls["variables"].tolist()
    assert loaded.log_mark is None  # a loaded plan always gets the stale re-read


def test_plan_file_keeps_floats_exactly(world, tmp_path):
    plan = world["plan"]
    cells = plan.cells.assign(transform_value=plan.cells["transform_value"] + 1e-7 / 3)
    cells["after"] = _diff.effective(cells["original"], cells["transform_type"],
                                     cells["transform_value"])  # fmt: skip
    call_frame, ids = _diff.assign_calls(cells)
    exact = Plan(plan.scenario_id, cells, call_frame, plan.fingerprint, plan.created_at)
    loaded = Plan.from_json(exact.to_json(tmp_path / "exact.json"))
    assert np.array_equal(loaded.cells["transform_value"], cells["transform_value"])


# -- tampering --------------------------------------------------------------------------------
def _paths(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every field path of a plan document (top level, each cell and call field)."""
    out: list[tuple[Any, ...]] = [(k,) for k in doc]
    for part in ("cells", "calls"):
        for i, record in enumerate(doc[part]):
            out += [(part, i, k) for k in record]
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _wrong_values(value: Any) -> list[Any]:
    """Values of a type the field can never hold."""
    if value is None:  # the field may be a str, float or int: wrong for all of them
        return [True, [1], {"a": 1}]
    if isinstance(value, bool) or isinstance(value, str):
        return [True, [1], {"a": 1}, 1.5] if not isinstance(value, bool) else ["x", 2.5]
    if isinstance(value, int | float):
        return ["oops", True, [1]]
    if isinstance(value, list):
        return ["oops", {"a": 1}]
    return ["oops", [1]]


@st.composite
def tampered(draw: st.DrawFn, doc: dict[str, Any], other: str) -> tuple[dict, str, bool]:
    """A tampered copy of a plan document, the kind of tampering, and whether the digest
    was recomputed (so that only the checks behind it can refuse the file)."""
    doc = copy.deepcopy(doc)
    kind = draw(st.sampled_from(["session", "scenario", "missing", "wrong-type", "value"]))
    redigest = draw(st.booleans())
    if kind == "session":
        call = draw(st.integers(0, len(doc["calls"]) - 1))
        doc["calls"][call]["variables"]["sessionId"] = other
    elif kind == "scenario":
        doc["scenario_id"] = other
    elif kind == "value":
        cell = draw(st.integers(0, len(doc["cells"]) - 1))
        doc["cells"][cell]["transform_value"] = draw(st.floats(-1e12, 1e12))
    else:
        path = draw(st.sampled_from([p for p in _paths(doc) if p != ("digest",)]))
        parent = _get(doc, path[:-1])
        if kind == "missing":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(st.sampled_from(_wrong_values(parent[path[-1]])))
        return doc, f"{kind}:{'.'.join(map(str, path))}", redigest
    return doc, kind, redigest


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_every_tampered_plan_file_is_refused_and_nothing_is_sent(world, tmp_path, data):
    doc, kind, redigest = data.draw(tampered(world["doc"], world["other"]))
    path = write(doc, tmp_path / "tampered.json", redigest)
    before = logs(world)
    with pytest.raises(OriginError) as info:
        Plan.from_json(path, client=world["client"]).apply(progress=False)
    assert logs(world) == before
    message = str(info.value)
    assert world["client"].transport.settings.token.reveal() not in message
    if kind.startswith(("missing", "wrong-type")):
        assert isinstance(info.value, PlanFileError)
        field = kind.split(":", 1)[1]
        # The message names the field (pydantic's dotted location, or the key).
        assert field in message or field.rsplit(".", 1)[-1] in message, message
    elif not redigest:
        assert isinstance(info.value, PlanFileError) and "digest" in message


def _forge(plan: Plan, cells: pd.DataFrame, path: Path) -> Path:
    """A consistent plan file (cells, calls, digest agree) for edited cells: what someone who
    recomputes everything could write. Only the checks at apply time stand in the way."""
    cells = _cells_frame(cells)
    call_frame, ids = _diff.assign_calls(cells)
    cells["call_id"] = ids
    return Plan(plan.scenario_id, cells, call_frame, plan.fingerprint, plan.created_at,
                log_mark=plan.log_mark).to_json(path)  # fmt: skip


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURES)
@given(value=st.floats(50_000.5, 1e13))
def test_forged_value_past_the_hard_limit_is_refused_before_sending(world, tmp_path, value):
    plan = world["plan"]
    cells = plan.cells.copy()
    capex = (cells["variable"] == "capex").to_numpy()
    cells.loc[capex, ["transform_type", "transform_value", "after"]] = ["Absolute", value, value]
    path = _forge(plan, cells, tmp_path / "forged.json")
    before = logs(world)
    with pytest.raises(ValidationError, match="hardLimit"):
        Plan.from_json(path, client=world["client"]).apply(progress=False)
    assert logs(world) == before


def test_forged_original_is_caught_by_the_stale_re_read(world, tmp_path):
    plan = world["plan"]
    cells = plan.cells.copy()
    # An "original" near zero would let a Delta look small enough for the limits.
    cells["original"] = 0.0
    cells["after"] = _diff.effective(cells["original"], cells["transform_type"],
                                     cells["transform_value"])  # fmt: skip
    before = logs(world)
    with pytest.raises(OriginError, match="changed on the server"):
        Plan.from_json(_forge(plan, cells, tmp_path / "f.json"), client=world["client"]).apply(
            progress=False
        )
    assert logs(world) == before


def test_after_that_does_not_follow_from_the_transform_is_refused(world, tmp_path):
    doc = copy.deepcopy(world["doc"])
    doc["cells"][0]["after"] = doc["cells"][0]["after"] + 1.0
    with pytest.raises(PlanFileError, match="cells.0"):
        Plan.from_json(write(doc, tmp_path / "a.json", redigest=True))


def test_plan_file_of_the_old_format_asks_to_plan_again(world, tmp_path):
    doc = {**world["doc"], "format": 1}
    with pytest.raises(PlanFileError, match="plan again"):
        Plan.from_json(write(doc, tmp_path / "old.json", redigest=False))


@pytest.mark.parametrize("drop", ["calls", "cells", "scenario_id", "digest"])
def test_cli_apply_of_a_plan_file_missing_a_key_is_one_line_naming_it(
    world, tmp_path, capsys, monkeypatch, drop
):
    doc = {k: v for k, v in world["doc"].items() if k != drop}
    path = write(doc, tmp_path / "plan.json", redigest=False)
    monkeypatch.delenv("AURORA_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["apply", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert drop in err and "Field required" in err
