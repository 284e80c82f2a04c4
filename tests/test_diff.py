"""The pure diff engine on synthetic frames of the frame contract (no server)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import SYNTHETIC_CONFIG, SYNTHETIC_SID, synthetic_current

from origin_frames import _diff
from origin_frames._exceptions import ValidationError
from origin_frames._plan import Plan, build_plan, compile_transforms, from_wide, to_wide


def plan_of(changes: pd.DataFrame | list[pd.DataFrame]) -> Plan:
    """Plans against the synthetic state without a client."""
    return build_plan(None, SYNTHETIC_SID, changes, current=synthetic_current(),
                      config=SYNTHETIC_CONFIG)


def test_untouched_copy_plans_nothing():
    plan = plan_of(synthetic_current())
    assert len(plan) == 0
    assert not plan
    assert "no changes" in repr(plan)


def test_edited_value_becomes_absolute_and_only_changed_rows_appear():
    cur = synthetic_current()
    edited = cur.copy()
    mask = (edited["variable"] == "capex").to_numpy() & (
        edited.index.get_level_values("region") == "gbr"
    )
    edited.loc[mask, "value"] = 900.0
    plan = plan_of(edited)
    assert len(plan) == 3
    assert set(plan.cells["transform_type"]) == {"Absolute"}
    assert len(plan.calls) == 1
    variables = plan.calls.iloc[0]["variables"]
    assert variables == {
        "sessionId": SYNTHETIC_SID, "parameter": "capex",
        "tx": [{"year": y, "transform": {"type": "Absolute", "value": 900.0}}
               for y in (2030, 2031, 2032)],
        "name": "ccgt", "region": "gbr", "subRegion": None, "subsidy": None,
        "subTechnology": None,
    }


@pytest.mark.parametrize(
    ("ttype", "tvalue", "expected"),
    [
        pytest.param("Absolute", 5.0, 5.0, id="absolute"),
        pytest.param("Delta", 5.0, 805.0, id="delta"),
        pytest.param("Percentage", 10.0, 880.0, id="percentage"),
    ],
)
def test_explicit_transform_is_kept_as_written_with_its_effective_value(ttype, tvalue, expected):
    change = pd.DataFrame(
        {"region": ["gbr"], "technology": ["ccgt"], "year": [2030], "domain": ["technology"],
         "variable": ["capex"], "kind": ["exogenous"], "transform_type": [ttype],
         "transform_value": [tvalue]}
    )
    plan = plan_of(change)
    cell = plan.cells.iloc[0]
    assert (cell["transform_type"], cell["transform_value"]) == (ttype, tvalue)
    assert cell["after"] == pytest.approx(expected)
    assert cell["before"] == 800.0


def test_clearing_a_technology_definition_sends_a_null_value_without_year():
    change = pd.DataFrame(
        {"region": ["gbr"], "technology": ["ccgt"], "year": [None], "domain": ["technology"],
         "variable": ["discountRate"], "kind": ["endogenous"], "transform_type": ["clear"]}
    )
    plan = plan_of(change)
    assert plan.cells["change"].tolist() == ["cleared"]
    variables = plan.calls.iloc[0]["variables"]
    assert plan.calls.iloc[0]["mutation"] == "technology_endogenous"
    assert variables["tx"] == [{"year": None, "transform": {"type": "Absolute", "value": None}}]
    assert "subsidy" not in variables


def test_clearing_a_cell_without_transform_is_a_no_op():
    change = pd.DataFrame(
        {"region": ["gbr"], "technology": ["ccgt"], "year": [2030], "domain": ["technology"],
         "variable": ["capex"], "kind": ["exogenous"], "transform_type": [None],
         "transform_value": [np.nan]}
    )
    assert len(plan_of(change)) == 0


def test_identical_demand_changes_merge_across_regions_into_one_call():
    change = pd.DataFrame(
        {"region": ["gbr", "fra", "gbr", "fra"], "technology": ["system"] * 4,
         "year": [2030, 2030, 2031, 2031], "domain": ["demand"] * 4,
         "variable": ["totalDemand"] * 4,
         "transform_type": ["Percentage", "Percentage", "Delta", "Delta"],
         "transform_value": [5.0, 5.0, 1.0, 1.0]}
    )
    plan = plan_of(change)
    assert len(plan.calls) == 1
    merged = plan.calls.iloc[0]
    assert merged["n_cells"] == 4
    assert merged["regions"] == ("fra", "gbr")
    assert merged["variables"]["regions"] == ["fra", "gbr"]
    assert merged["variables"]["autoCapacityMarketTarget"] is None


def test_monthly_cells_carry_month_and_are_sorted_by_year_then_month():
    change = pd.DataFrame(
        {"region": ["gbr"] * 3, "technology": ["solar"] * 3, "year": [2031, 2030, 2030],
         "month": [1, 2, 1], "domain": ["technology"] * 3, "variable": ["availability"] * 3,
         "kind": ["exogenous"] * 3, "value": [0.6, 0.7, 0.8]}
    )
    tx = plan_of(change).calls.iloc[0]["variables"]["tx"]
    assert [(i["year"], i["month"]) for i in tx] == [(2030, 1), (2030, 2), (2031, 1)]


def test_several_domains_concatenated_plan_together():
    tech = pd.DataFrame({"region": ["gbr"], "technology": ["ccgt"], "year": [2030],
                         "domain": ["technology"], "variable": ["capex"],
                         "kind": ["exogenous"], "value": [1.0]})
    gas = pd.DataFrame({"region": ["all"], "technology": ["gas"], "year": [2030],
                        "domain": ["commodity"], "variable": ["price"], "value": [1.0]})
    ic = pd.DataFrame({"region": ["gbr"], "technology": ["fra"], "year": [2030],
                       "domain": ["interconnector"], "variable": ["capacity"], "value": [3.0]})
    cur = synthetic_current().reset_index()
    extra = cur[cur["domain"] == "commodity"].head(1).assign(region="all")
    current = pd.concat([cur.astype(object), extra.astype(object)], ignore_index=True)
    plan = build_plan(None, SYNTHETIC_SID, [tech, gas, ic], current=current,
                      config=SYNTHETIC_CONFIG)
    by_kind = dict(zip(plan.calls["mutation"], plan.calls["variables"], strict=True))
    assert set(by_kind) == {"technology_exogenous", "commodity", "interconnector"}
    assert "regions" not in by_kind["commodity"]
    assert by_kind["interconnector"]["from"] == "gbr"
    assert by_kind["interconnector"]["to"] == "fra"


BAD = [
    pytest.param({"region": "xxx"}, "unknown region", id="unknown-region"),
    pytest.param({"technology": "nope"}, "unknown technology", id="unknown-technology"),
    pytest.param({"variable": "nope"}, "unknown variable", id="unknown-variable"),
    pytest.param({"year": 2099}, "outside the model's range", id="year-out-of-range"),
    pytest.param({"month": 13}, "month outside", id="month-out-of-range"),
    pytest.param({"value": "abc"}, "not numeric", id="non-numeric"),
    pytest.param({"value": np.inf}, "infinite", id="infinite"),
    pytest.param({"value": np.nan}, "value is null", id="null-value"),
    pytest.param({"value": None, "transform_type": "Double", "transform_value": 1.0},
                 "not one of Absolute", id="bad-transform-type"),
    pytest.param({"value": None, "transform_type": "Delta", "transform_value": None},
                 "transform_value is null", id="type-without-value"),
    pytest.param({"value": 25000.0}, "hardLimit", id="beyond-hard-limit"),
    pytest.param({"variable": "capacity", "value": 5.0}, "locked", id="locked"),
    pytest.param({"technology": "nuclear", "variable": "discountRate", "year": None,
                  "kind": "endogenous", "value": 8.0}, "read-only", id="read-only"),
    pytest.param({"value": 1.0, "transform_type": "Delta", "transform_value": 5.0},
                 "disagrees", id="value-transform-conflict"),
]


@pytest.mark.parametrize(("override", "message"), BAD)
def test_bad_rows_are_reported_with_reason_and_fix(override, message):
    good = {"region": "gbr", "technology": "ccgt", "year": 2030, "domain": "technology",
            "variable": "capex", "kind": "exogenous", "value": 900.0}
    rows = pd.DataFrame([good | {"year": 2031}, good | override])
    with pytest.raises(ValidationError) as info:
        plan_of(rows)
    report = info.value.report
    assert report.index.tolist() == [1]
    assert message in report["reason"].iloc[0]
    assert report["fix"].iloc[0]
    assert message in str(info.value)


def test_duplicate_keys_and_several_problems_are_reported_together():
    good = {"region": "gbr", "technology": "ccgt", "year": 2030, "domain": "technology",
            "variable": "capex", "kind": "exogenous", "value": 900.0}
    rows = pd.DataFrame([good, good, good | {"region": "xxx"}])
    with pytest.raises(ValidationError) as info:
        plan_of(rows)
    assert info.value.report.index.tolist() == [0, 1, 2]


def test_value_beyond_initial_range_is_a_warning_in_the_plan():
    change = pd.DataFrame({"region": ["gbr"], "technology": ["ccgt"], "year": [2030],
                           "domain": ["technology"], "variable": ["capex"],
                           "kind": ["exogenous"], "value": [6000.0]})
    plan = plan_of(change)
    assert plan.warnings["warning"].iloc[0].startswith("outside initialRange")
    assert "1 warnings" in repr(plan)


def test_plan_round_trips_through_json(tmp_path):
    edited = synthetic_current()
    editable = (edited["variable"] != "capacity") & (
        edited.index.get_level_values("technology") != "nuclear"
    )
    edited.loc[editable.to_numpy(), "value"] += 1.0
    plan = plan_of(edited)
    assert len(plan) > 10
    loaded = Plan.from_json(plan.to_json(tmp_path / "plan.json"))
    assert loaded.fingerprint == plan.fingerprint
    pd.testing.assert_frame_equal(loaded.cells, plan.cells)
    assert loaded.calls["variables"].tolist() == plan.calls["variables"].tolist()
    assert loaded.calls["regions"].tolist() == plan.calls["regions"].tolist()


def test_summary_and_html_describe_the_plan():
    edited = synthetic_current()
    editable = (edited["variable"] != "capacity") & (
        edited.index.get_level_values("technology") != "nuclear"
    )
    edited.loc[editable.to_numpy(), "value"] *= 2
    plan = plan_of(edited)
    summary = plan.summary()
    assert summary["cells"].sum() == len(plan)
    assert "<table" in plan._repr_html_()
    assert plan.to_frame().index.names == ["region", "technology", "year"]


def test_wide_round_trip_plans_the_same_as_the_tidy_edit():
    cur = synthetic_current()
    tech = cur[cur["domain"] == "technology"]
    wide = to_wide(tech)
    wide["capex"] = wide["capex"] + 10
    plan = plan_of(from_wide(wide))
    assert len(plan) == 6
    assert set(plan.cells["variable"]) == {"capex"}


def test_compile_transforms_accepts_seed_transforms_and_frames_alike():
    seed = [{"year": 2031, "transform": {"type": "Delta", "value": 2}},
            {"year": 2030, "transform": {"type": "Percentage", "value": 5}}]
    frame = pd.DataFrame({"year": [2030, 2031], "transform_type": ["Percentage", "Delta"],
                          "transform_value": [5.0, 2.0]})
    kwargs = dict(region="gbr", technology="ccgt", variable="capex", kind="exogenous")
    a = compile_transforms("technology", SYNTHETIC_SID, transform=seed, **kwargs)
    b = compile_transforms("technology", SYNTHETIC_SID, transform=frame, **kwargs)
    assert a == b
    assert [i["year"] for i in a["tx"]] == [2030, 2031]


def test_compile_transforms_rejects_null_values_outside_technology():
    with pytest.raises(ValidationError, match="only technology"):
        compile_transforms("commodity", SYNTHETIC_SID, region=["gbr"], technology="gas",
                           variable="price", transform=[{"year": 2030, "transform": None}])


def test_alignment_matches_every_row_of_a_shuffled_copy():
    cur = synthetic_current().reset_index()
    shuffled = cur.sample(frac=1.0, random_state=1).reset_index(drop=True)
    desired, _ = _diff.normalise_changes(shuffled)
    pos, dup = _diff.align(desired, cur)
    assert not dup.any()
    assert (pos >= 0).all()
    back = cur.iloc[pos].reset_index(drop=True)
    assert back["original"].tolist() == shuffled["original"].tolist()


def test_edited_copy_with_stale_transform_columns_follows_its_value():
    cur = synthetic_current()
    edited = cur.copy()
    is_def = (edited["variable"] == "discountRate").to_numpy() & (
        edited.index.get_level_values("technology") == "ccgt"
    )
    # The row was read as Delta 1 (value 7); the user edits only the value.
    edited.loc[is_def, "value"] = 9.0
    plan = plan_of(edited)
    assert plan.cells["transform_type"].tolist() == ["Absolute", "Absolute"]
    assert plan.cells["after"].tolist() == [9.0, 9.0]
    # The same edited copy against a server that now holds Absolute 9 changes nothing.
    applied = cur.copy()
    applied["transform_type"] = applied["transform_type"].astype(object)
    applied.loc[is_def, ["transform_type", "transform_value", "value"]] = ["Absolute", 9.0, 9.0]
    replanned = build_plan(None, SYNTHETIC_SID, edited, current=applied, config=SYNTHETIC_CONFIG)
    assert len(replanned) == 0
