"""Catalogue getters and mutations against the emulator, checked against the official SDK."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from origin_frames import ConfigurationError, NotFoundError, OriginError, schemas


# -- scenarios ------------------------------------------------------------------------------------
@pytest.mark.parametrize("region", [pytest.param(None, id="all"), pytest.param("deu", id="deu")])
def test_aurora_scenarios_match_the_official_sdk(client, sdk, region) -> None:
    frame = client.get_aurora_scenarios(region)
    schemas.Scenarios.validate(frame)
    expected = sdk.get_aurora_scenarios(region)
    assert frame.index.tolist() == [s["scenarioGlobalId"] for s in expected]
    assert frame["name"].tolist() == [s["name"] for s in expected]
    assert frame["region_group_code"].astype(str).tolist() == [
        s["regionGroupCode"] for s in expected
    ]
    assert str(frame["publication_date"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["scenario_launchable"].dtype) == "boolean"


def test_unknown_region_group_gives_an_empty_frame_with_columns(client) -> None:
    frame = client.get_aurora_scenarios("zzz")
    assert len(frame) == 0
    assert "name" in frame.columns and frame.index.name == "scenario_id"


def test_scenario_by_id_is_the_detail_view(client, sdk, sid) -> None:
    frame = client.get_scenario_by_id(sid)
    expected = sdk.get_scenario_by_id(sid)
    assert frame.index.tolist() == [sid]
    row = frame.iloc[0]
    assert row["default_currency"] == expected["defaultCurrency"]
    assert frame.attrs["regions"][sid] == expected["regions"]
    assert row["regions"] == ", ".join(expected["regions"])
    for key, value in expected["advancedSettings"].items():
        column = "advanced_settings_" + re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
        assert row[column] == value or (value is None and pd.isna(row[column]))
    nested = [c for c in frame.columns if any(isinstance(v, dict) for v in frame[c])]
    assert nested == []


def test_unknown_scenario_by_id_is_not_found(client) -> None:
    with pytest.raises(NotFoundError):
        client.get_scenario_by_id("00000000-0000-0000-0000-000000000000")


def test_scenario_lifecycle_returns_records_as_frames(client, sid) -> None:
    project = client.create_project({"name": "Frames", "productId": "SaaS"})
    pid = project.index[0]
    created = client.create_scenario(
        {"projectGlobalId": pid, "name": "Low gas", "baseScenarioGlobalId": sid}
    )
    new = created.index[0]
    assert created.loc[new, "name"] == "Low gas" and created.loc[new, "project_id"] == pid
    updated = client.update_scenario({"scenarioGlobalId": new, "description": "edited"})
    assert updated.loc[new, "description"] == "edited"
    launched = client.launch_scenario(new)
    assert launched.loc[new, "scenario_run_status"] == "Queued"
    assert client.get_project(pid).loc[pid, "scenario_ids"] == [new]
    assert client.get_project_scenarios(pid).index.tolist() == [new]
    deleted = client.delete_scenario(new)
    assert deleted.index.tolist() == [new] and "result" in deleted.columns
    with pytest.raises(NotFoundError):
        client.get_scenario_by_id(new)


# -- projects ---------------------------------------------------------------------------------
def test_project_crud_and_pins_match_the_official_sdk(client, sdk) -> None:
    created = client.create_project({"name": "Alpha", "description": "d", "productId": "Advisory"})
    pid = created.index[0]
    assert created.loc[pid, "product_id"] == "2"  # looked up by name, sent as id
    schemas.Projects.validate(created)
    listed = client.get_projects()
    assert listed.index.tolist() == [p["projectGlobalId"] for p in sdk.get_projects()]
    detail, theirs = client.get_project(pid), sdk.get_project(pid)
    assert detail.loc[pid, "product_name"] == theirs["productName"] == "Advisory"
    assert detail.loc[pid, "scenario_ids"] == [s["scenarioGlobalId"] for s in theirs["scenarios"]]
    renamed = client.update_project({"projectGlobalId": pid, "name": "Beta"})
    assert renamed.loc[pid, "name"] == "Beta"
    assert client.pin_project(pid).loc[pid, "result"] is True
    assert bool(client.get_projects().loc[pid, "is_project_pinned"]) is True
    assert client.unpin_project(pid).loc[pid, "result"] is True
    assert client.delete_project(pid).loc[pid, "result"] is True
    assert pid not in client.get_projects().index


def test_every_product_is_accepted_by_integer_id_string_id_or_name(client, sdk) -> None:
    products = sdk._OriginSession__get_dash_config()["products"]
    assert len(products) >= 4
    for product in products:
        ids = set()
        for given in (product["productId"], str(product["productId"]), product["name"]):
            created = client.create_project({"name": f"p {given}", "productId": given})
            ids.add(created.iloc[0]["product_id"])
        assert ids == {str(product["productId"])}
        # The official client resolves the integer id and the name; a string id matches
        # only if the service's ids are strings (they are integers here).
        assert sdk.get_project_product_id(product["name"]) == product["productId"]


def test_unknown_product_lists_the_valid_ones(client) -> None:
    with pytest.raises(ConfigurationError, match="SaaS"):
        client.create_project({"name": "x", "productId": "Nope"})


def test_unknown_project_is_not_found(client) -> None:
    with pytest.raises(NotFoundError):
        client.get_project("00000000-0000-0000-0000-000000000000")


# -- inputs catalogues ------------------------------------------------------------------------
def test_technology_names_list_every_view_of_the_groupings(client, sdk, sid) -> None:
    frame = client.get_technology_names(sid)
    schemas.TechnologyNames.validate(frame)
    groupings = sdk.get_technology_names(sid)
    assert set(frame.index.get_level_values("region")) == set(groupings)
    ccgt = frame.loc[("gbr", "CCGT")]
    g = groupings["gbr"]["CCGT"]
    exo = set(ccgt.loc[ccgt["kind"] == "exogenous", "sub_technology"].dropna())
    assert exo == set(g["subTechnologiesExogenous"])
    endo = set(ccgt.loc[ccgt["kind"] == "endogenous", "sub_technology"].dropna())
    assert endo == set(g["subTechnologiesEndogenous"])


def test_sub_regions_and_subsidies_appear_as_views(client) -> None:
    aus = str(client.get_aurora_scenarios("aus").index[0])
    frame = client.get_technology_names(aus)
    assert frame["sub_region"].notna().any()
    assert frame["subsidy"].notna().any()
    assert set(frame.loc[frame["subsidy"].notna(), "kind"]) == {"exogenous"}


def test_demand_regions_match_the_official_sdk(client, sdk, sid) -> None:
    frame = client.get_demand_regions(sid)
    schemas.DemandRegions.validate(frame)
    assert frame.index.tolist() == sdk.get_demand_regions(sid)
    assert (frame["peak_load_demand"] > 0).all()


def test_demand_technology_names_match_the_official_sdk_documents(client, sdk, sid) -> None:
    frame = client.get_demand_technology_names(sid)
    # The official names-only query is refused by the service; its full documents are not.
    expected = sdk.get_demand_technologies(sid)
    assert sorted(zip(frame.index.get_level_values("region"), frame["origin_technology"],
                      strict=True)) == sorted(
        (d["region"]["original"], d["originTechnology"]["original"]) for d in expected
    )  # fmt: skip


def test_interconnector_connections_match_the_official_sdk(client, sdk, sid) -> None:
    frame = client.get_interconnectors_connections(sid)
    expected = sdk.get_interconnectors_connections(sid)
    ours: dict[str, set[str]] = {}
    for region, other in frame.index:
        ours.setdefault(region, set()).add(other)
    assert ours == {k: set(v) for k, v in expected.items()}


def test_inputs_session_frames(client, sdk, sid) -> None:
    regions = client.get_inputs_session(sid)
    schemas.EnabledRegions.validate(regions)
    info = sdk.get_inputs_session(sid)
    enabled = info["productRegionInformation"]["enabledRegions"]
    assert regions.index.tolist() == [r["code"] for r in enabled]
    assert regions["is_main_region"].sum() == 1
    assert regions.attrs["default_currency"] == info["defaultCurrency"]
    groups = client.get_inputs_data_groups(sid)
    assert set(groups.index) == set(info["dataGroups"])
    log = client.get_inputs_transforms(sid)
    assert len(log) == len(info["transforms"] or [])
    schemas.TransformsLog.validate(log)


def test_transforms_log_records_an_update(client, sdk, sid) -> None:
    project = client.create_project({"name": "p"})
    mine = client.create_scenario(
        {"projectGlobalId": project.index[0], "name": "edit", "baseScenarioGlobalId": sid}
    ).index[0]
    sdk.update_interconnectors(
        mine, "gbr", "fra", "importCapacity",
        [{"year": 2030, "transform": {"type": "Delta", "value": 100}}],
    )  # fmt: skip
    log = client.get_inputs_transforms(mine)
    assert len(log) >= 1 and log.index.tolist() == list(range(len(log)))
    frame = client.get_interconnectors(mine, "gbr", "fra")
    cell = frame.loc[("gbr", "fra", 2030)]
    cell = cell[cell["variable"] == "importCapacity"]
    assert cell["transform_type"].tolist() == ["Delta"]
    assert cell["value"].tolist() == pytest.approx((cell["original"] + 100).tolist())


def test_meta_json_lists_download_definitions(client, sdk, sid) -> None:
    regions = client.get_scenario_by_id(sid).attrs["regions"][sid]
    frame = client.get_meta_json(regions["gbr"]["metaUrl"])
    schemas.DownloadDefinitions.validate(frame)
    theirs = sdk.get_meta_json(regions["gbr"]["metaUrl"])
    assert frame["filename"].tolist() == [d["filename"] for d in theirs["dataDefinitions"]]
    assert frame.attrs["years"] == theirs["years"]
    assert ("system", "1y") in {idx[:2] for idx in frame.index}
    assert frame["needs_year"].any() and frame.attrs["years"]


def test_weather_years_are_a_list(client, sdk, sid) -> None:
    assert client.get_weather_year_list(sid) == sdk.get_weather_year_list(sid)


def test_mutation_errors_name_the_bad_fields(client) -> None:
    with pytest.raises(OriginError):
        client.create_scenario({"projectGlobalId": "nope", "name": ""})


def test_frames_are_plain_pandas(client, sid) -> None:
    assert isinstance(client.get_scenario_by_id(sid), pd.DataFrame)
