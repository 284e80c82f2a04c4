"""Frames users hold plan correctly: empty-category keys, native units, stale demand
transforms; bad values and read-only scenarios are refused before anything is sent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from origin_frames import ArgumentError, OriginFrames, PlanError, ValidationError
from origin_frames._diff import flatten
from origin_frames._parquet import read_parquet, to_parquet
from origin_frames._plan import build_plan


def copy_of(client: OriginFrames, region: str = "gbr") -> str:
    """A tenanted copy of the region's first published scenario."""
    base = str(client.get_aurora_scenarios(region).index[0])
    project = str(client.create_project({"name": f"held-{region}"}).index[0])
    made = client.create_scenario(
        {"projectGlobalId": project, "name": "held", "baseScenarioGlobalId": base}
    )
    return str(made.index[0])


def edit_rows(frame: pd.DataFrame, rows: list[int], factor: float = 1.1) -> pd.DataFrame:
    """A copy with ``value`` scaled at the given positions (non-zero values stay non-zero)."""
    out = frame.copy()
    col = out.columns.get_loc("value")
    out.iloc[rows, col] = out.iloc[rows, col] * factor + 1.0
    return out


# -- point 1: categorical keys whose categories are empty ------------------------------------
@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda c, s: c.get_technology(s, "CCGT", region="gbr"), id="get_technology"),
        pytest.param(lambda c, s: c.technologies(s, regions=["gbr"], technologies=["OCGT"],
                                                 sub_keys=False), id="no-sub-keys"),
        pytest.param(lambda c, s: c.update_technology_exogenous(
            s, "CCGT", "capacity", [{"year": 2030, "transform": {"type": "Delta", "value": 1}}],
            region="gbr"), id="updater-answer"),
    ],
)  # fmt: skip
def test_frame_with_all_null_sub_keys_plans_to_nothing_and_edits_exactly(client, read, tmp_path):
    sid = copy_of(client)
    frame = read(client, sid)
    assert len(frame["sub_region"].cat.categories) == 0  # the pairing that crashed
    assert len(client.plan(sid, frame)) == 0
    to_parquet(frame, tmp_path / "f.parquet")
    assert len(client.plan(sid, read_parquet(tmp_path / "f.parquet"))) == 0
    edited = edit_rows(frame, [0, 1])
    plan = client.plan(sid, edited)
    assert sorted(plan.cells["row"].tolist()) == [0, 1]
    assert client.apply(plan).ok
    assert len(client.plan(sid, edited)) == 0


# -- point 2: native commodity units -------------------------------------------------------------
def test_native_unit_commodity_frame_plans_in_default_units(client, tmp_path):
    sid = copy_of(client)
    native = client.get_commodities(sid, native_units_flag=True, regions=["gbr"])
    assert native.attrs["commodity_units"] == "native"
    assert len(client.plan(sid, native)) == 0
    gas = np.flatnonzero(native.index.get_level_values("technology") == "gas")[:6]
    edited = edit_rows(native, gas.tolist())
    plan = client.plan(sid, edited)
    assert sorted(plan.cells["row"].tolist()) == gas.tolist()
    default = client.get_commodities(sid, regions=["gbr"])
    factor = default["value"].to_numpy()[gas] / native["value"].to_numpy()[gas]
    np.testing.assert_allclose(plan.cells["after"], edited["value"].to_numpy()[gas] * factor)
    assert client.apply(plan).ok
    again = client.get_commodities(sid, native_units_flag=True, regions=["gbr"])
    np.testing.assert_allclose(again["value"], edited["value"], rtol=1e-9)
    assert len(client.plan(sid, again)) == 0
    keys_only = edited.reset_index()[["region", "technology", "year", "domain", "variable",
                                      "value"]]  # fmt: skip
    assert keys_only.attrs["commodity_units"] == "native"
    assert len(client.plan(sid, keys_only)) == 0
    edited.to_csv(tmp_path / "native.csv")
    assert len(client.plan(sid, pd.read_csv(tmp_path / "native.csv"))) == 0  # by unit column


def test_native_and_default_commodity_frames_concatenated_plan_to_nothing(client):
    sid = copy_of(client)
    both = pd.concat([client.get_commodities(sid, native_units_flag=True, regions=["gbr"]),
                      client.get_commodities(sid, regions=["fra"]),
                      client.get_commodities(sid, native_units_flag=True)])  # fmt: skip
    assert len(client.plan(sid, both)) == 0


def test_commodity_row_in_an_unknown_unit_is_refused(client, emulator):
    sid = copy_of(client)
    frame = client.get_commodities(sid, regions=["gbr"], commodities=["gas"])
    bad = edit_rows(frame.assign(unit="EUR/kg"), [0])
    with pytest.raises(ValidationError, match="neither the default nor the native unit") as info:
        client.plan(sid, bad)
    assert info.value.report.index.tolist() == [0]


def test_native_rows_without_a_client_are_refused(client):
    sid = copy_of(client)
    native = client.get_commodities(sid, native_units_flag=True, regions=["gbr"])
    current = flatten(client.get_commodities(sid, regions=["gbr"]))
    with pytest.raises(ValidationError, match="native units, and no client"):
        build_plan(None, sid, native, current=current, config=client.inputs_config())


# -- point 3: a change with the current effective value is no change -----------------------------
def test_replanning_an_applied_demand_edit_over_percentage_components_is_a_no_op(client):
    sid = copy_of(client)
    client.update_system_demand(sid, "gbr", "totalDemand",
                                [{"year": 2030, "transform": {"type": "Percentage", "value": 10}}])
    demand = client.demand(sid, ["gbr"])
    years = demand.index.get_level_values("year")
    total = (demand["variable"] == "totalDemand") & (demand["domain"] == "demand")
    rows = np.flatnonzero(total & years.isin([2030, 2031]))
    edited = edit_rows(demand, rows.tolist(), 1.05)
    plan = client.plan(sid, edited)
    assert set(plan.cells.loc[plan.cells["change"] == "changed", "row"]) == set(rows.tolist())
    assert client.apply(plan).ok
    assert len(client.plan(sid, edited)) == 0
    assert len(client.plan(sid, client.demand(sid, ["gbr"]))) == 0


# -- points 4 and 5: refused with the row or argument named, nothing sent ----------------------
@pytest.mark.parametrize(
    ("value", "said"),
    [
        pytest.param(True, "boolean column", id="bool"),
        pytest.param(1 + 2j, "complex column", id="complex"),
        pytest.param("1.5", "got str '1.5'", id="numeric-text"),
        pytest.param(object(), "got object", id="object"),
    ],
)
def test_value_that_is_not_a_real_number_is_refused(client, emulator, value, said):
    sid = copy_of(client)
    frame = client.get_technology(sid, "CCGT", region="gbr").iloc[:3]
    before = len(emulator.mutations())
    bad = frame.assign(value=pd.Series([value] * 3, index=frame.index,
                                       dtype=None if isinstance(value, bool | complex) else object))
    with pytest.raises(ValidationError, match=said) as info:
        client.plan(sid, bad)
    assert info.value.report.index.tolist() == [0, 1, 2]
    assert "Fix: give value as a finite float" in str(info.value)
    assert len(emulator.mutations()) == before


@pytest.mark.parametrize("year", ["twenty", 2030.5, True])
def test_year_that_is_not_a_whole_number_is_reported_as_given(client, year):
    sid = copy_of(client)
    frame = client.get_technology(sid, "CCGT", region="gbr").iloc[:2].reset_index()
    bad = frame.assign(year=pd.Series([year, year], dtype=object))
    with pytest.raises(ValidationError, match="year is not a whole number") as info:
        client.plan(sid, bad)
    assert info.value.report["year"].tolist() == [year, year]
    assert "Fix: give year as an integer" in str(info.value)


def test_frame_matching_no_server_cell_says_why_for_every_row(client):
    sid = copy_of(client)
    frame = client.get_technology(sid, "CCGT", region="gbr").iloc[:2].reset_index()
    with pytest.raises(ValidationError, match="unknown region or name") as info:
        client.plan(sid, frame.assign(technology="NoSuchTech"))
    assert info.value.report.index.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        pytest.param([], "empty list", id="empty-list"),
        pytest.param(None, "changes is None", id="none"),
        pytest.param({"value": 1}, "changes is dict", id="dict"),
        pytest.param("frame.csv", "changes is str", id="path-text"),
    ],
)
def test_plan_of_something_that_is_not_frames_is_an_argument_error(client, changes, said):
    sid = copy_of(client)
    with pytest.raises(ArgumentError, match=said) as info:
        client.plan(sid, changes)
    assert isinstance(info.value, TypeError) and "pass the edited frame" in str(info.value)


def test_two_value_columns_and_a_stray_list_item_are_refused(client):
    sid = copy_of(client)
    frame = client.get_technology(sid, "CCGT", region="gbr").iloc[:2]
    with pytest.raises(ArgumentError, match=r"changes\[1\] is str 'x'"):
        client.plan(sid, [frame, "x"])
    with pytest.raises(ArgumentError, match=r"more than one column named \['value'\]"):
        client.plan(sid, pd.concat([frame, frame[["value"]]], axis=1))


@pytest.mark.parametrize(
    ("call", "said"),
    [
        pytest.param(lambda c, s: c.technologies(s, regions=5), "regions must be a list",
                     id="regions-int"),
        pytest.param(lambda c, s: c.demand(s, regions="gbr"), r"regions=\['gbr'\]",
                     id="regions-str"),
        pytest.param(lambda c, s: c.get_commodities(s, native_units_flag="yes"),
                     "native_units_flag must be True or False", id="flag-text"),
        pytest.param(lambda c, s: c.get_technology(s, "CCGT", region=None),
                     "region must be text", id="region-none"),
    ],
)  # fmt: skip
def test_getter_argument_of_the_wrong_type_names_the_argument(client, call, said):
    sid = copy_of(client)
    with pytest.raises(ArgumentError, match=said):
        call(client, sid)


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        pytest.param({"token": 12345}, "token must be text, not int:", id="token"),
        pytest.param({"scenario_base_url": 123}, "scenario_base_url must be text", id="url"),
        pytest.param({"timeout": "abc"}, "timeout must be a number of seconds", id="timeout"),
        pytest.param({"concurrency": "4"}, "concurrency must be an int", id="concurrency"),
    ],
)
def test_constructor_argument_of_the_wrong_type_names_the_argument(kwargs, said):
    with pytest.raises(ArgumentError, match=said) as info:
        OriginFrames(**{"token": "t", **kwargs})
    assert "12345" not in str(info.value)  # a token is never echoed


def test_published_scenario_is_refused_before_anything_is_read_or_sent(client, emulator):
    sid = str(client.get_aurora_scenarios("gbr").index[0])
    frame = client.get_technology(sid, "CCGT", region="gbr").iloc[:2]
    before = len(emulator.mutations())
    with pytest.raises(PlanError, match="--new-scenario NAME"):
        client.plan(sid, edit_rows(frame, [0]))
    assert len(emulator.mutations()) == before
