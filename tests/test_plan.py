"""Planning against the emulator: properties of plan/apply, and bad inputs that send nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import editable, new_scenario, state, transforms_log
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from origin_frames import OriginFrames
from origin_frames._apply import apply_plan
from origin_frames._diff import effective, flatten
from origin_frames._exceptions import ApplyError, PlanError, ValidationError
from origin_frames._plan import build_plan

OPS = ("scale", "percentage", "absolute", "clear")


def property_frame(client: OriginFrames, sid: str) -> pd.DataFrame:
    """Every kind of cell: CCGT (yearly, monthly, definitions), demand, commodities and
    interconnectors of gbr."""
    frames = [
        flatten(client.technologies(sid, regions=["gbr"], technologies=["CCGT"])),
        flatten(client.demand(sid, regions=["gbr"])),
        flatten(client.commodities(sid, regions=["gbr"])),
        flatten(client.interconnectors(sid, regions=["gbr"])),
    ]
    frame = editable(client, pd.concat(frames, ignore_index=True)).reset_index(drop=True)
    for name in ("transform_type",):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


edits = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**9), st.sampled_from(OPS),
              st.floats(min_value=0.5, max_value=0.99)),
    min_size=1, max_size=25,
)


# Every example makes real HTTP round trips: no shrinking (it would replay dozens of them).
@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=edits)
def test_applied_plan_reads_back_as_the_edit_and_replans_to_nothing(client, sdk, ops):
    scenario = new_scenario(sdk, "property")
    edit = property_frame(client, scenario)
    edit["transform_type"] = edit["transform_type"].astype(object)
    for pick, op, factor in ops:
        i = pick % len(edit)
        original = edit.at[i, "original"]
        if op == "scale":
            edit.at[i, "value"] = edit.at[i, "value"] * factor
        elif op == "percentage":
            pct = round((factor - 1.0) * 100.0, 6)
            edit.loc[i, ["transform_type", "transform_value"]] = ["Percentage", pct]
            edit.at[i, "value"] = original * (1.0 + pct / 100.0)
        elif op == "absolute":
            edit.loc[i, ["transform_type", "transform_value"]] = ["Absolute", original * factor]
            edit.at[i, "value"] = original * factor
        else:
            edit.loc[i, ["transform_type", "transform_value"]] = [None, np.nan]
            edit.at[i, "value"] = original
    plan = build_plan(client, scenario, edit)
    result = apply_plan(client, plan, progress=False)
    assert result.ok
    back = property_frame(client, scenario)
    np.testing.assert_allclose(state(back)["value"].to_numpy(),
                               state(edit)["value"].to_numpy(), rtol=1e-9, atol=1e-12)
    assert len(build_plan(client, scenario, edit)) == 0


def _good_row(client: OriginFrames, sid: str) -> dict[str, Any]:
    """An editable exogenous CCGT capacity cell of gbr in 2030, as a plain dict."""
    tech = flatten(client.technologies(sid, regions=["gbr"], technologies=["CCGT"]))
    row = tech[(tech["variable"] == "capacity") & (tech["year"] == 2030)].iloc[0]
    keys = ["region", "technology", "year", "domain", "variable", "kind", "sub_region",
            "sub_technology", "subsidy", "month"]
    out = {k: (None if pd.isna(row[k]) else row[k]) for k in keys}
    out["value"] = float(row["value"]) * 0.9
    return out


BAD = [
    pytest.param({"region": "atlantis"}, "unknown region", id="unknown-region"),
    pytest.param({"technology": "Warp Drive"}, "unknown technology", id="unknown-technology"),
    pytest.param({"variable": "flux"}, "unknown variable", id="unknown-variable"),
    pytest.param({"sub_technology": "CCGT Z-class"}, "no such cell", id="unknown-sub-key"),
    pytest.param({"year": 2101}, "outside the model's range", id="year-out-of-range"),
    pytest.param({"month": 3}, "no such cell", id="month-on-a-yearly-cell"),
    pytest.param({"value": "lots"}, "not numeric", id="non-numeric"),
    pytest.param({"value": float("inf")}, "infinite", id="infinite"),
    pytest.param({"value": None}, "value is null", id="null-value"),
    pytest.param({"transform_type": "Multiply", "transform_value": 2.0}, "not one of",
                 id="bad-transform-type"),
    pytest.param({"variable": "marginalLossFactor"}, "locked", id="locked-parameter"),
    pytest.param({"value": 1e9}, "hardLimit", id="beyond-hard-limit"),
    pytest.param({"transform_type": "Delta", "transform_value": None},
                 "transform_value is null", id="type-without-value"),
]


@pytest.mark.parametrize(("override", "message"), BAD)
def test_bad_input_is_reported_and_nothing_reaches_the_server(client, sdk, override,
                                                             message):
    sid = new_scenario(sdk, "bad")
    good = _good_row(client, sid)
    other = {**good, "year": 2031}
    rows = pd.DataFrame([other, {**good, **override}])
    log = transforms_log(client, sid)
    with pytest.raises(ValidationError) as info:
        plan = build_plan(client, sid, rows)
        apply_plan(client, plan, progress=False)
    report = info.value.report
    assert set(report.index) == {1}
    assert any(message in reason for reason in report["reason"])
    assert report["fix"].notna().all()
    assert message in str(info.value)
    assert transforms_log(client, sid) == log


def test_duplicate_rows_are_all_reported(client, sdk):
    sid = new_scenario(sdk, "dup")
    good = _good_row(client, sid)
    rows = pd.DataFrame([good, good])
    with pytest.raises(ValidationError, match="duplicate key") as info:
        build_plan(client, sid, rows)
    assert info.value.report.index.tolist() == [0, 1]
    assert transforms_log(client, sid) == []


def test_published_scenario_is_refused_at_plan_time_with_the_copy_hint(client, sdk):
    sid = sdk.get_aurora_scenarios("gbr")[0]["scenarioGlobalId"]
    good = _good_row(client, sid)
    with pytest.raises(PlanError, match="published Aurora scenario") as info:
        build_plan(client, sid, pd.DataFrame([good]))
    assert "baseScenarioGlobalId" in str(info.value) and "--new-scenario" in str(info.value)


def test_published_scenario_plan_built_offline_is_refused_by_the_server(client, sdk):
    sid = sdk.get_aurora_scenarios("gbr")[0]["scenarioGlobalId"]
    good = _good_row(client, sid)
    current = client.technologies(sid, regions=["gbr"], technologies=["CCGT"])
    plan = build_plan(None, sid, pd.DataFrame([good]), current=flatten(current),
                      config=client.inputs_config())  # fmt: skip
    assert len(plan) == 1
    with pytest.raises(ApplyError, match="1 of 1 calls failed") as info:
        apply_plan(client, plan, progress=False)
    assert info.value.result.calls["status"].tolist() == ["failed"]
    assert info.value.result.calls["error"].iloc[0]


def test_effective_value_rule_matches_the_server(client, sdk):
    sid = new_scenario(sdk, "rule")
    good = _good_row(client, sid)
    rows = pd.DataFrame([
        {**good, "year": y, "value": None, "transform_type": t, "transform_value": v}
        for y, t, v in ((2030, "Absolute", 5.0), (2031, "Delta", 2.5),
                        (2032, "Percentage", -10.0))
    ])
    plan = build_plan(client, sid, rows)
    apply_plan(client, plan, progress=False)
    tech = flatten(client.technologies(sid, regions=["gbr"], technologies=["CCGT"]))
    got = tech.merge(rows[["region", "technology", "year", "variable", "kind",
                           "sub_technology"]], how="inner").sort_values("year")
    expected = effective(got["original"].to_numpy(),
                         np.array(["Absolute", "Delta", "Percentage"], dtype=object),
                         np.array([5.0, 2.5, -10.0]))
    np.testing.assert_allclose(got["value"].to_numpy(), expected)
    np.testing.assert_allclose(plan.cells.sort_values("year")["after"].to_numpy(), expected)
