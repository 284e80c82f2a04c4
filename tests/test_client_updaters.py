"""The seed's updaters on OriginFrames: List[Transform] or frames in, re-read cells out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from origin_frames import OriginFrames, ValidationError


@pytest.fixture
def scenario(client: OriginFrames) -> str:
    """A tenanted scenario made from the latest gbr Central (published ones are read-only)."""
    base = client.get_aurora_scenarios("gbr")
    base_id = str(base.sort_values("publication_date").index[-1])
    project = client.create_project({"name": "updaters"}).index[0]
    created = client.create_scenario(
        {"projectGlobalId": project, "name": "upd", "baseScenarioGlobalId": base_id}
    )
    return str(created.index[0])


def _transforms_log(client: OriginFrames, scenario: str) -> int:
    return len(client.get_inputs_transforms(scenario))


def _cell(frame: pd.DataFrame, year: int) -> pd.Series:
    return frame[frame.index.get_level_values("year") == year].iloc[0]


def test_exogenous_update_from_seed_transforms_returns_the_new_cells(client, scenario, sdk):
    cells = client.update_technology_exogenous(
        scenario,
        "CCGT",
        "capacity",
        [{"year": 2030, "transform": {"type": "Delta", "value": 50.0}}],
        region="gbr",
    )
    assert set(cells["variable"].astype(str)) == {"capacity"}
    assert set(cells["kind"].astype(str)) == {"exogenous"}
    row = _cell(cells, 2030)
    assert row["transform_type"] == "Delta"
    assert row["value"] == pytest.approx(row["original"] + 50.0)
    # The official client sees the same transform.
    seed = sdk.get_technology(scenario, "CCGT", "gbr")
    seed_cell = next(
        c for c in seed["getExogenous"]["parameters"]["capacity"] if c["year"] == 2030
    )
    assert seed_cell["transform"] == {"type": "Delta", "value": 50.0}


def test_endogenous_update_accepts_a_frame_of_values(client, scenario):
    years = [2030, 2031, 2032]
    change = pd.DataFrame({"year": years, "value": [400.0, 390.0, 380.0]})
    cells = client.update_technology_endogenous(
        scenario, "Solar PV", "capex", change, region="gbr"
    )
    got = cells[cells.index.get_level_values("year").isin(years)]
    np.testing.assert_allclose(got["value"].to_numpy(), [400.0, 390.0, 380.0])
    assert set(got["transform_type"].astype(str)) == {"Absolute"}


def test_a_null_transform_clears_a_technology_cell(client, scenario):
    client.update_technology_exogenous(
        scenario, "CCGT", "capacity",
        [{"year": 2031, "transform": {"type": "Percentage", "value": 10.0}}], region="gbr",
    )  # fmt: skip
    cells = client.update_technology_exogenous(
        scenario, "CCGT", "capacity", [{"year": 2031, "transform": None}], region="gbr"
    )
    row = _cell(cells, 2031)
    assert pd.isna(row["transform_type"])
    assert row["value"] == pytest.approx(row["original"])


def test_system_demand_update_applies_to_each_region(client, scenario):
    cells = client.update_system_demand(
        scenario,
        ["gbr", "fra"],
        "baseDemand",
        [{"year": 2035, "transform": {"type": "Percentage", "value": 5.0}}],
    )
    at = cells[cells.index.get_level_values("year") == 2035]
    assert sorted(at.index.get_level_values("region")) == ["fra", "gbr"]
    np.testing.assert_allclose(at["value"].to_numpy(), at["original"].to_numpy() * 1.05)


def test_demand_technology_commodity_and_interconnector_updates(client, scenario):
    demand_tech = client.update_demand_technology_variable(
        scenario, "gbr", "heatPumps", "totalDemand",
        [{"year": 2040, "transform": {"type": "Delta", "value": 2.0}}],
    )  # fmt: skip
    row = _cell(demand_tech, 2040)
    assert row["value"] == pytest.approx(row["original"] + 2.0)

    gas = client.update_commodity_price(
        scenario, "gas", ["gbr"],
        [{"year": 2030, "transform": {"type": "Percentage", "value": 15.0}}],
    )  # fmt: skip
    row = _cell(gas, 2030)
    assert row.name[:2] == ("gbr", "gas")
    assert row["value"] == pytest.approx(row["original"] * 1.15)

    connections = client.get_interconnectors_connections(scenario)
    assert len(connections) > 0
    link = client.interconnectors(scenario, ["gbr"])
    to_region = str(link.index.get_level_values("technology")[0])
    variable = str(link["variable"].iloc[0])
    ic = client.update_interconnectors(
        scenario, "gbr", to_region, variable,
        [{"year": 2030, "transform": {"type": "Absolute", "value": 4321.0}}],
    )  # fmt: skip
    assert _cell(ic, 2030)["value"] == pytest.approx(4321.0)


def test_rebase_swaps_commodity_originals_and_keeps_transforms(client, scenario):
    client.update_commodity_price(
        scenario, "gas", [], [{"year": 2030, "transform": {"type": "Delta", "value": 1.0}}]
    )
    before = client.commodities(scenario, commodities=["gas"])
    other = client.get_aurora_scenarios("gbr")
    other_id = str(other[other["name"].astype(str).str.startswith("High")].index[0])
    after = client.change_base_commodities_assumptions(scenario, other_id)
    gas_before = _cell(before[before.index.get_level_values("technology") == "gas"], 2030)
    gas_after = _cell(after[after.index.get_level_values("technology") == "gas"], 2030)
    assert gas_after["original"] != pytest.approx(gas_before["original"])
    assert gas_after["transform_type"] == "Delta"
    assert gas_after["value"] == pytest.approx(gas_after["original"] + 1.0)


@pytest.mark.parametrize(
    "transform, reason",
    [
        pytest.param([{"year": 2030, "transform": {"type": "Double", "value": 2}}],
                     "type", id="unknown-type"),
        pytest.param([{"year": 2030, "transform": {"type": "Delta", "value": 1}},
                      {"year": 2030, "transform": {"type": "Delta", "value": 2}}],
                     "twice", id="duplicate-year"),
        pytest.param([{"year": 2030, "transform": {"type": "Delta", "value": float("inf")}}],
                     "finite", id="infinite"),
    ],
)  # fmt: skip
def test_bad_transform_items_are_refused_and_nothing_is_sent(client, scenario, transform, reason):
    sent_before = _transforms_log(client, scenario)
    with pytest.raises(ValidationError) as error:
        client.update_system_demand(scenario, "gbr", "baseDemand", transform)
    assert reason in str(error.value)
    assert "Fix:" in str(error.value)
    assert _transforms_log(client, scenario) == sent_before


def test_scenario_frame_update_sends_only_changed_fields(client, scenario):
    row = client.get_scenario_by_id(scenario)
    unchanged = client.update_scenario(row)
    assert unchanged.empty
    renamed = client.update_scenario(row.assign(name="Renamed", description="new words"))
    assert renamed["name"].tolist() == ["Renamed"]
    assert client.get_scenario_by_id(scenario)["description"].tolist() == ["new words"]


def test_frame_edit_of_a_read_only_catalogue_column_is_refused(client, scenario):
    row = client.get_scenario_by_id(scenario)
    with pytest.raises(ValidationError, match="cannot be edited"):
        client.update_scenario(row.assign(region_group_code="deu"))
    assert client.get_scenario_by_id(scenario)["region_group_code"].astype(str).tolist() == [
        "gbr"
    ]


def test_project_frame_update_renames_and_reports_unknown_ids(client, scenario):
    projects = client.get_projects()
    updated = client.update_project(projects.assign(description="Q3 study"))
    assert updated["description"].tolist() == ["Q3 study"] * len(projects)
    ghost = projects.rename(index={projects.index[0]: "no-such-project"})
    with pytest.raises(ValidationError, match="no such record"):
        client.update_project(ghost.assign(name="x"))
