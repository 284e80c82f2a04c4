"""The emulated scenario service, driven over HTTP by the official SDK and by plain requests."""

from __future__ import annotations

import io
import time
import uuid
from datetime import datetime

import pandas as pd
import pytest
import requests
from graphql import parse, validate
from helpers import TOKEN
from origin_sdk.OriginSession import OriginSession
from origin_sdk.service.Project import Project
from origin_sdk.service.Scenario import Scenario

from origin_frames.emulator import Emulator, EmulatorOptions
from origin_frames.emulator._protocol import tenant_of
from origin_frames.emulator.scenario import _published
from origin_frames.emulator.scenario.models import ScenarioBackend
from origin_frames.emulator.scenario.resolvers import service_schema

OTHER = "other-tenant-token-987654"


def _gql(base_url: str, query: str, variables: dict | None = None, token: str | None = TOKEN):
    """POSTs one GraphQL document; returns the response."""
    headers = {"Private-Token": token} if token is not None else {}
    return requests.post(
        base_url + "/v1/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=10,
    )


def _session(emu: Emulator, token: str = TOKEN) -> OriginSession:
    """The official client bound to an emulator with a given token."""
    return OriginSession(
        {
            "token": token,
            "scenario_base_url": emu.scenario_base_url,
            "inputs_base_url": emu.inputs_base_url,
        }
    )


def _latest_central(sdk: OriginSession, region: str = "gbr") -> dict:
    """The newest published Central scenario of a region group, by publicationDate."""
    central = [s for s in sdk.get_aurora_scenarios(region) if s["name"].startswith("Central")]
    return max(central, key=lambda s: s["publicationDate"])


def _new_scenario(sdk: OriginSession, name: str = "My run", **extra: object) -> dict:
    """Creates a project and a scenario based on the newest gbr Central one."""
    project = sdk.create_project({"name": f"Project for {name}"})
    return sdk.create_scenario(
        {
            "projectGlobalId": project["projectGlobalId"],
            "name": name,
            "baseScenarioGlobalId": _latest_central(sdk)["scenarioGlobalId"],
            **extra,
        }
    )


# -- schema -------------------------------------------------------------------------------
def test_every_scenario_service_document_of_the_official_client_validates() -> None:
    from origin_sdk.gql.queries import config_queries, project_queries, scenario_queries

    documents = [
        value
        for module in (config_queries, project_queries, scenario_queries)
        for name, value in vars(module).items()
        if isinstance(value, str) and value.lstrip().startswith(("query", "mutation"))
    ]
    assert len(documents) == 16
    for document in documents:
        assert validate(service_schema(), parse(document)) == [], document


def test_unknown_field_fails_validation_with_the_standard_message(emulator: Emulator) -> None:
    answer = _gql(emulator.scenario_base_url, "{ getScenarios { scenarioGlobalId nope } }")
    assert answer.status_code == 200
    errors = answer.json()["errors"]
    assert [e["message"] for e in errors] == [
        "Cannot query field 'nope' on type 'Scenario'. Did you mean 'name'?"
    ]
    assert "data" not in answer.json()


def test_unknown_filter_field_fails_validation(emulator: Emulator) -> None:
    answer = _gql(
        emulator.scenario_base_url,
        "query ($f: ScenarioFilter) { getScenarios(filter: $f) { name } }",
        {"f": {"region": "gbr"}},
    )
    message = answer.json()["errors"][0]["message"]
    assert "'ScenarioFilter' not to include unknown field 'region'" in message


# -- published catalogue --------------------------------------------------------------------
def test_published_catalogue_lists_four_cases_of_twenty_vintages_per_region_group(
    sdk: OriginSession,
) -> None:
    everything = sdk.get_aurora_scenarios()
    assert len(everything) == 3 * 4 * 20
    assert {s["regionGroupCode"] for s in everything} == {"gbr", "deu", "aus"}
    gbr = sdk.get_aurora_scenarios("gbr")
    assert len(gbr) == 80
    assert {s["name"] for s in gbr} >= {
        "Central Apr 2022", "Net Zero Apr 2022", "Central Jan 2024", "Net Zero Oct 2026",
        "Low Apr 2025",
    }
    assert min(s["publicationDate"] for s in gbr) == "2022-01-15T00:00:00Z"
    dates = [s["publicationDate"] for s in gbr]
    assert dates == sorted(dates, reverse=True)  # newest first
    for s in gbr:
        assert s["scenarioType"] == "AURORA_SCENARIO"
        assert s["scenarioRunStatus"] == "Complete"
        assert s["scenarioOutputsAvailable"] is True
        assert s["scenarioLaunchable"] is False
        assert s["years"] == list(range(2025, 2061))
        assert datetime.fromisoformat(s["publicationDate"].replace("Z", "+00:00")).day == 15
        assert s["scenarioGlobalId"] == str(uuid.uuid5(_published.ID_NAMESPACE, f"gbr/{s['name']}"))


@pytest.mark.parametrize("code", ["gbr", "GBR", "Gbr"], ids=["lower", "upper", "mixed"])
def test_region_filter_is_case_insensitive(sdk: OriginSession, code: str) -> None:
    reference = [s["scenarioGlobalId"] for s in sdk.get_aurora_scenarios("gbr")]
    assert [s["scenarioGlobalId"] for s in sdk.get_aurora_scenarios(code)] == reference


def test_unknown_region_group_gives_an_empty_list(sdk: OriginSession) -> None:
    assert sdk.get_aurora_scenarios("atlantis") == []


def test_get_scenario_by_id_returns_details(sdk: OriginSession) -> None:
    summary = _latest_central(sdk, "deu")
    detail = sdk.get_scenario_by_id(summary["scenarioGlobalId"])
    assert detail["name"] == "Central Oct 2026"
    assert detail["defaultCurrency"] == "eur2024"
    assert detail["currencies"] == ["eur2024", "usd2024"]
    assert detail["sensitivity"] == "Central"
    sid = summary["scenarioGlobalId"]
    assert detail["regions"] == {
        "deu": {
            "regionCode": "deu",
            "metaUrl": f"v1/downloads/{sid}/deu/meta.json",
            "dataUrlBase": f"v1/downloads/{sid}/deu/data/",
        }
    }
    assert detail["advancedSettings"]["retentionPolicy"] is None
    assert detail["runDetails"][0]["runStatus"] == "Complete"


def test_unknown_scenario_id_gives_an_empty_list_so_the_sdk_fails_on_index(
    sdk: OriginSession,
) -> None:
    with pytest.raises(IndexError):
        sdk.get_scenario_by_id("no-such-scenario")


def test_latest_scenario_helper_picks_the_newest_central(sdk: OriginSession) -> None:
    latest = Scenario.get_latest_scenario_from_region(sdk, "gbr", "central")
    assert latest.scenario["name"] == "Central Oct 2026"
    assert latest.scenario["publicationDate"] == "2026-10-15T00:00:00Z"


def test_eur_group_is_published_only_at_scale_one() -> None:
    assert ScenarioBackend(EmulatorOptions()).list_scenarios("t", region_group="eur") == []
    eur = ScenarioBackend(EmulatorOptions(scale=1)).list_scenarios("t", region_group="eur")
    assert len(eur) == 80
    assert eur[0]["regions"].keys() == {"deu"}


def test_data_seed_differs_by_case_and_vintage_and_is_stable() -> None:
    a = ScenarioBackend(EmulatorOptions())
    b = ScenarioBackend(EmulatorOptions())
    ids = [s["scenarioGlobalId"] for s in a.list_scenarios("t", region_group="gbr")]
    seeds = [a.session_spec(i, "t").data_seed for i in ids]  # type: ignore[union-attr]
    assert len(set(seeds)) == len(ids)
    assert seeds == [b.session_spec(i, "t").data_seed for i in ids]  # type: ignore[union-attr]
    assert seeds[0] == _published.data_seed(0, "gbr", "Central", "2026-10")
    assert ScenarioBackend(EmulatorOptions(seed=1)).session_spec(ids[0], "t").data_seed != seeds[0]


def test_get_config_describes_region_groups_and_products(emulator: Emulator) -> None:
    query = "{ getConfig { regionGroups currencies sensitivities products isAuthor } }"
    config = _gql(emulator.scenario_base_url, query).json()["data"]["getConfig"]
    groups = config["regionGroups"]
    assert set(groups) == {"gbr", "deu", "aus"}
    assert groups["gbr"]["regionGroupCode"] == "gbr"
    assert list(groups["gbr"]["regions"])[:3] == ["gbr", "irl", "fra"]
    assert set(groups["aus"]["regions"]) == {"aus", "nsw", "qld", "sa", "tas", "vic"}
    assert {"productId": 2, "name": "Advisory"} in config["products"]
    assert len(config["products"]) >= 4
    assert config["sensitivities"] == ["Central", "High", "Low", "Net Zero"]
    assert "gbp2024" in {c["currencyCode"] for c in config["currencies"]}
    assert config["isAuthor"] is False


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        pytest.param("gbr", list(range(2010, 2020)), id="gbr-supported"),
        pytest.param("aus", [], id="aus-unsupported"),
    ],
)
def test_weather_year_list(sdk: OriginSession, region: str, expected: list[int]) -> None:
    sid = _latest_central(sdk, region)["scenarioGlobalId"]
    assert sdk.get_weather_year_list(sid) == expected


# -- projects -------------------------------------------------------------------------------
def test_project_lifecycle_through_the_official_client(sdk: OriginSession) -> None:
    created = sdk.create_project({"name": "Alpha", "description": "first", "productId": "Advisory"})
    pid = created["projectGlobalId"]
    assert created["productId"] == "2"  # the client sent the id it looked up by name
    assert [p["name"] for p in sdk.get_projects()] == ["Alpha"]
    project = sdk.get_project(pid)
    assert project["productName"] == "Advisory"
    assert project["isProjectPinned"] is False
    assert project["scenarios"] == []

    updated = sdk.update_project(
        {"projectGlobalId": pid, "name": "Beta", "productId": "SaaS", "description": "second"}
    )
    assert (updated["name"], updated["description"], updated["productId"]) == (
        "Beta",
        "second",
        "1",
    )

    assert sdk.pin_project(pid) is True
    assert sdk.get_project(pid)["isProjectPinned"] is True
    assert sdk.unpin_project(pid) is True
    assert sdk.get_project(pid)["isProjectPinned"] is False

    assert sdk.delete_project(pid) is True
    assert sdk.get_projects() == []
    with pytest.raises(Exception, match="was not found"):
        sdk.get_project(pid)


def test_unknown_product_id_is_a_graphql_error_listing_the_products(emulator: Emulator) -> None:
    answer = _gql(
        emulator.scenario_base_url,
        "mutation ($p: InputProject!) { createProject(project: $p) { projectGlobalId } }",
        {"p": {"name": "x", "productId": "42"}},
    ).json()
    error = answer["errors"][0]
    assert error["errorKey"] == "BadUserInput"
    assert "productId '42'" in error["message"]
    assert "1 (SaaS), 2 (Advisory), 3 (Internal)" in error["message"]


def test_get_or_create_project_by_name_pins_and_does_not_duplicate(sdk: OriginSession) -> None:
    first = Project.get_or_create_project_by_name(sdk, "Pinned work", pin_project=True)
    assert first.refresh().get("isProjectPinned") is True
    again = Project.get_or_create_project_by_name(sdk, "Pinned work", pin_project=True)
    assert again.project_id == first.project_id
    assert [p["name"] for p in sdk.get_projects()] == ["Pinned work"]


def test_get_or_create_scenario_by_name_creates_once(sdk: OriginSession) -> None:
    project = Project.get_or_create_project_by_name(sdk, "Scenarios")
    base = _latest_central(sdk)["scenarioGlobalId"]
    first = project.get_or_create_scenario_by_name("Low gas", base)
    assert first.scenario["baseScenarioGlobalId"] == base
    assert first.scenario["projectGlobalId"] == project.project_id
    again = project.get_or_create_scenario_by_name("LOW GAS", base)
    assert again.scenario_id == first.scenario_id
    assert [s["name"] for s in project.refresh().get("scenarios")] == ["Low gas"]


def test_deleting_a_project_deletes_its_scenarios(sdk: OriginSession, emulator: Emulator) -> None:
    scenario = _new_scenario(sdk)
    sdk.delete_project(scenario["projectGlobalId"])
    scenarios = emulator.state.scenarios
    assert scenarios.session_spec(scenario["scenarioGlobalId"], tenant_of(TOKEN)) is None


# -- tenanted scenarios ----------------------------------------------------------------------
def test_create_scenario_copies_the_base_and_joins_the_project(
    sdk: OriginSession, emulator: Emulator
) -> None:
    base = _latest_central(sdk)
    created = _new_scenario(
        sdk, "Copy", description="d", defaultCurrency="usd2024", weatherYear=2012
    )
    assert created["scenarioType"] == "TENANTED_SCENARIO"
    assert created["scenarioRunStatus"] == "NotLaunched"
    assert created["scenarioOutputsAvailable"] is False
    assert created["scenarioLaunchable"] is True
    assert created["regionGroupCode"] == "gbr"
    assert created["baseScenarioGlobalId"] == base["scenarioGlobalId"]
    assert (created["defaultCurrency"], created["weatherYear"]) == ("usd2024", 2012)
    assert created["publicationDate"] is None
    project = sdk.get_project(created["projectGlobalId"])
    assert [s["scenarioGlobalId"] for s in project["scenarios"]] == [created["scenarioGlobalId"]]

    tenant = tenant_of(TOKEN)  # tenants are token digests: state never holds a token
    spec = emulator.state.scenarios.session_spec(created["scenarioGlobalId"], tenant)
    base_spec = emulator.state.scenarios.session_spec(base["scenarioGlobalId"], TOKEN)
    assert spec is not None and base_spec is not None
    assert (spec.published, spec.tenant, spec.region_group) == (False, tenant, "gbr")
    assert spec.data_seed == base_spec.data_seed
    assert (base_spec.published, base_spec.tenant) == (True, None)
    assert "abcdef123456" not in repr(emulator.state.scenarios._scenarios)


def test_create_scenario_names_every_bad_field(sdk: OriginSession) -> None:
    with pytest.raises(Exception) as failure:
        sdk.create_scenario(
            {
                "projectGlobalId": "nope",
                "name": "x",
                "baseScenarioGlobalId": _latest_central(sdk)["scenarioGlobalId"],
                "defaultCurrency": "jpy2024",
                "weatherYear": 1900,
                "years": [2020, 2030],
            }
        )
    [error] = failure.value.args[0]
    assert error["errorKey"] == "BadUserInput"
    for fragment in ("project 'nope'", "jpy2024", "weatherYear 1900", "[2020]", "getProjects"):
        assert fragment in error["message"]


def test_create_scenario_with_unknown_base_is_not_found(sdk: OriginSession) -> None:
    project = sdk.create_project({"name": "p"})
    with pytest.raises(Exception) as failure:
        sdk.create_scenario(
            {
                "projectGlobalId": project["projectGlobalId"],
                "name": "x",
                "baseScenarioGlobalId": "b",
            }
        )
    [error] = failure.value.args[0]
    assert error["errorKey"] == "NotFound"
    assert "base scenario 'b' was not found" in error["message"]


def test_update_scenario_changes_only_the_given_fields(sdk: OriginSession) -> None:
    created = _new_scenario(sdk, "Before", description="keep me")
    updated = sdk.update_scenario(
        {"scenarioGlobalId": created["scenarioGlobalId"], "name": "After", "years": [2030, 2025]}
    )
    assert updated["name"] == "After"
    assert updated["description"] == "keep me"
    assert updated["years"] == [2025, 2030]
    assert sdk.get_scenario_by_id(created["scenarioGlobalId"])["name"] == "After"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda sdk, sid: sdk.update_scenario({"scenarioGlobalId": sid, "name": "x"}),
                     id="update"),
        pytest.param(lambda sdk, sid: sdk.delete_scenario(sid), id="delete"),
        pytest.param(lambda sdk, sid: sdk.launch_scenario(sid), id="launch"),
    ],
)  # fmt: skip
def test_published_scenarios_are_forbidden_to_change(sdk: OriginSession, call) -> None:
    sid = _latest_central(sdk)["scenarioGlobalId"]
    with pytest.raises(Exception) as failure:
        call(sdk, sid)
    [error] = failure.value.args[0]
    assert error["errorKey"] == "Forbidden"
    assert "createScenario" in error["message"]


def test_delete_scenario_forgets_it(sdk: OriginSession, emulator: Emulator) -> None:
    created = _new_scenario(sdk)
    sid = created["scenarioGlobalId"]
    assert sdk.delete_scenario(sid) is True
    with pytest.raises(IndexError):
        sdk.get_scenario_by_id(sid)
    assert emulator.state.scenarios.session_spec(sid, tenant_of(TOKEN)) is None
    assert sdk.get_project(created["projectGlobalId"])["scenarios"] == []


def test_launch_moves_through_queued_running_complete() -> None:
    step = 0.3
    with Emulator(launch_step_s=step) as emu:
        sdk = _session(emu)
        sid = _new_scenario(sdk)["scenarioGlobalId"]
        launched = sdk.launch_scenario(sid)
        t0 = time.monotonic()
        assert launched["scenarioRunStatus"] == "Queued"
        assert launched["scenarioLaunchable"] is False
        with pytest.raises(Exception, match="already Queued"):
            sdk.launch_scenario(sid)
        seen = ["Queued"]
        for _ in range(200):  # bounded poll: 200 x 20 ms
            current = sdk.get_scenario_by_id(sid)
            if current["scenarioRunStatus"] != seen[-1]:
                seen.append(current["scenarioRunStatus"])
            if seen[-1] == "Complete" or time.monotonic() - t0 > 4.0:
                break
            time.sleep(0.02)
        assert seen == ["Queued", "Running", "Complete"]
        assert current["scenarioOutputsAvailable"] is True
        started = datetime.fromisoformat(current["runStartedAtUTC"].replace("Z", "+00:00"))
        completed = datetime.fromisoformat(current["runCompletedAtUTC"].replace("Z", "+00:00"))
        assert (completed - started).total_seconds() == pytest.approx(step, abs=0.01)
        assert current["runDetails"][0]["runStatus"] == "Complete"
        # Outputs of the completed run download like a published scenario's.
        csv = Scenario(sid, sdk).get_scenario_data_csv("gbr", "system", "1y")
        assert csv.splitlines()[1].startswith("year,gbp2024/MWh")


def test_run_clock_is_computed_from_timestamps() -> None:
    now = [1_000_000.0]
    backend = ScenarioBackend(EmulatorOptions(launch_step_s=10), clock=lambda: now[0])
    pid = backend.create_project("t", {"name": "p"})["projectGlobalId"]
    base = backend.list_scenarios("t", region_group="aus")[0]["scenarioGlobalId"]
    sid = backend.create_scenario(
        "t", {"projectGlobalId": pid, "name": "s", "baseScenarioGlobalId": base}
    )["scenarioGlobalId"]
    observed = []
    for offset in (0.0, 9.9, 10.0, 19.9, 20.0, 500.0):
        if offset == 0.0:
            observed.append(backend.launch_scenario("t", sid)["scenarioRunStatus"])
            continue
        now[0] = 1_000_000.0 + offset
        observed.append(backend.get_scenario(sid, "t")["scenarioRunStatus"])
    assert observed == ["Queued", "Queued", "Running", "Running", "Complete", "Complete"]
    assert backend.get_scenario(sid, "t")["runCompletedAtUTC"] == "1970-01-12T13:47:00.000Z"


def test_outputs_of_an_unlaunched_scenario_are_404(sdk: OriginSession, emulator: Emulator) -> None:
    created = _new_scenario(sdk)
    meta_url = created["regions"]["gbr"]["metaUrl"]
    answer = requests.get(
        f"{emulator.scenario_base_url}/{meta_url}", headers={"Private-Token": TOKEN}, timeout=5
    )
    assert answer.status_code == 404
    assert "its run is NotLaunched" in answer.json()["message"]


# -- downloads --------------------------------------------------------------------------------
def test_meta_json_lists_download_definitions_and_years(sdk: OriginSession) -> None:
    detail = sdk.get_scenario_by_id(_latest_central(sdk)["scenarioGlobalId"])
    meta = sdk.get_meta_json(detail["regions"]["gbr"]["metaUrl"])
    kinds = {(d["type"], d["granularity"]) for d in meta["dataDefinitions"]}
    assert kinds == {("system", "1y"), ("system", "1m"), ("technology", "1y"),
                     ("interconnector", "1h")}  # fmt: skip
    assert all("{currency}" in d["filename"] for d in meta["dataDefinitions"])
    hourly = [d for d in meta["dataDefinitions"] if d["granularity"] == "1h"]
    assert "{year}" in hourly[0]["filename"]
    assert meta["years"] == list(range(2025, 2061))


def test_download_types_through_the_sdk_helper(sdk: OriginSession) -> None:
    scenario = Scenario(_latest_central(sdk, "aus")["scenarioGlobalId"], sdk)
    types = scenario.get_download_types("aus")
    assert {"type": "system", "granularity": "1y", "subType": None} in types
    assert {"type": "interconnector", "granularity": "1h", "subType": "flows"} in types


def test_system_csv_has_units_row_years_and_plausible_prices(sdk: OriginSession) -> None:
    scenario = Scenario.get_latest_scenario_from_region(sdk, "gbr", "central")
    frame = pd.read_csv(io.StringIO(scenario.get_scenario_data_csv("gbr", "system", "1y")),
                        header=[0, 1])  # fmt: skip
    assert frame[("Year", "year")].tolist() == list(range(2025, 2061))
    assert ("Baseload price", "gbp2024/MWh") in frame.columns
    assert ("Demand", "TWh") in frame.columns
    prices = frame[("Baseload price", "gbp2024/MWh")]
    assert prices.between(20, 200).all()
    assert frame[("Demand", "TWh")].between(200, 600).all()

    usd = pd.read_csv(
        io.StringIO(scenario.get_scenario_data_csv("gbr", "system", "1y", currency="usd2024")),
        header=[0, 1],
    )
    assert ("Baseload price", "usd2024/MWh") in usd.columns
    assert usd[("Baseload price", "usd2024/MWh")].mean() > prices.mean()


def test_monthly_technology_and_hourly_files(sdk: OriginSession) -> None:
    scenario = Scenario.get_latest_scenario_from_region(sdk, "gbr", "high")
    monthly = pd.read_csv(io.StringIO(scenario.get_scenario_data_csv("gbr", "system", "1m")),
                          header=[0, 1])  # fmt: skip
    assert len(monthly) == 36 * 12
    assert sorted(monthly[("Month", "month")].unique()) == list(range(1, 13))
    tech = pd.read_csv(io.StringIO(scenario.get_scenario_data_csv("gbr", "technology", "1y")),
                       header=[0, 1])  # fmt: skip
    assert ("Capacity", "GW") in tech.columns
    assert "CCGT" in set(tech[("Technology", "-")])
    hourly = pd.read_csv(
        io.StringIO(scenario.get_scenario_data_csv("gbr", "interconnector", "1h", year=2028)),
        header=[0, 1],
    )
    assert len(hourly) == 366 * 24  # 2028 is a leap year
    assert ("gbr-fra", "MW") in hourly.columns


def test_derived_neighbour_region_downloads(sdk: OriginSession) -> None:
    scenario = Scenario.get_latest_scenario_from_region(sdk, "gbr", "central")
    assert set(scenario.get_scenario_regions()) == {
        "gbr", "irl", "fra", "bel", "nld", "deu", "dnk", "nor"
    }  # fmt: skip
    fra = pd.read_csv(io.StringIO(scenario.get_scenario_data_csv("fra", "system", "1y")),
                      header=[0, 1])  # fmt: skip
    gbr = pd.read_csv(io.StringIO(scenario.get_scenario_data_csv("gbr", "system", "1y")),
                      header=[0, 1])  # fmt: skip
    assert fra[("Year", "year")].tolist() == list(range(2025, 2061))
    assert not fra[("Demand", "TWh")].equals(gbr[("Demand", "TWh")])


def test_deu_scenario_derives_its_own_group_regions(sdk: OriginSession) -> None:
    scenario = Scenario.get_latest_scenario_from_region(sdk, "deu", "central")
    assert "pol" in scenario.get_scenario_regions()
    assert "gbr" not in scenario.get_scenario_regions()


def test_downloads_are_deterministic_across_instances() -> None:
    texts = []
    for _ in range(2):
        with Emulator() as emu:
            sdk = _session(emu)
            sid = _latest_central(sdk)["scenarioGlobalId"]
            url = f"{emu.scenario_base_url}/v1/downloads/{sid}/gbr/data/system_1y_gbp2024.csv"
            location = requests.get(
                url, params={"noredirect": "true"}, headers={"Private-Token": TOKEN}, timeout=5
            ).headers["location"]
            texts.append(requests.get(location, timeout=5).text)
    assert texts[0] == texts[1]


@pytest.mark.parametrize(
    ("suffix", "fragment"),
    [
        pytest.param("nor/data/system_1y_gbp2024.csv", None, id="ok-neighbour"),
        pytest.param("xyz/data/system_1y_gbp2024.csv", "Region 'xyz'", id="unknown-region"),
        pytest.param("gbr/data/weird_1y_gbp2024.csv", "is not an output", id="unknown-type"),
        pytest.param("gbr/data/system_1y_jpy2024.csv", "Currency 'jpy2024'", id="bad-currency"),
        pytest.param("gbr/data/interconnector_1h_2099_gbp2024.csv", "Year 2099", id="bad-year"),
        pytest.param("gbr/meta.json", None, id="ok-meta"),
    ],
)
def test_download_route_answers_404_json_for_unknown_parts(
    sdk: OriginSession, emulator: Emulator, suffix: str, fragment: str | None
) -> None:
    sid = _latest_central(sdk)["scenarioGlobalId"]
    answer = requests.get(
        f"{emulator.scenario_base_url}/v1/downloads/{sid}/{suffix}",
        params={"noredirect": "true", "checkstatus": "true"},
        headers={"Private-Token": TOKEN},
        timeout=5,
    )
    if fragment is None:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 404
        assert answer.headers["Content-Type"] == "application/json"
        assert fragment in answer.json()["message"]


def test_download_answers_425_then_a_signed_short_lived_url() -> None:
    with Emulator(download_delay_s=0.3) as emu:
        sdk = _session(emu)
        sid = _latest_central(sdk)["scenarioGlobalId"]
        url = f"{emu.scenario_base_url}/v1/downloads/{sid}/gbr/data/system_1y_eur2024.csv"
        params = {"noredirect": "true", "checkstatus": "true"}
        headers = {"Private-Token": TOKEN}
        statuses = []
        deadline = time.monotonic() + 5.0
        for _ in range(100):  # bounded poll
            answer = requests.get(url, params=params, headers=headers, timeout=5)
            statuses.append(answer.status_code)
            if answer.status_code != 425 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert statuses[0] == 425
        assert statuses[-1] == 200
        location = answer.headers["location"]
        assert location.startswith(emu.url + "/scenarioExplr/files/")
        assert "signature=" in location and "expires=" in location
        csv = requests.get(location, timeout=5)  # no token: the URL itself authorises
        assert csv.status_code == 200
        assert csv.text.splitlines()[1].split(",")[1] == "eur2024/MWh"
        tampered = requests.get(location.replace(f"/{sid}/gbr/", f"/{sid}/fra/"), timeout=5)
        assert tampered.status_code == 403


def test_download_without_noredirect_is_a_redirect_to_the_file(
    sdk: OriginSession, emulator: Emulator
) -> None:
    sid = _latest_central(sdk)["scenarioGlobalId"]
    url = f"{emulator.scenario_base_url}/v1/downloads/{sid}/gbr/data/technology_1y_gbp2024.csv"
    answer = requests.get(url, headers={"Private-Token": TOKEN}, timeout=5)
    assert answer.status_code == 200
    assert answer.history[0].status_code == 302
    assert answer.text.startswith("Year,Technology,Capacity")


# -- auth, tenancy, reset ---------------------------------------------------------------------
def test_missing_token_is_401(emulator: Emulator) -> None:
    answer = _gql(emulator.scenario_base_url, "{ getProjects { name } }", token=None)
    assert answer.status_code == 401


def test_token_outside_the_accepted_set_is_401() -> None:
    with Emulator(tokens={"good"}) as emu:
        assert _gql(emu.scenario_base_url, "{ getProjects { name } }", token="good").ok
        refused = _gql(emu.scenario_base_url, "{ getProjects { name } }", token="bad")
        assert refused.status_code == 401


def test_readonly_token_reads_but_cannot_mutate() -> None:
    with Emulator(readonly_tokens={"viewer"}) as emu:
        viewer = _session(emu, "viewer")
        assert len(viewer.get_aurora_scenarios("aus")) == 80
        with pytest.raises(RuntimeError, match="permissions"):
            viewer.create_project({"name": "nope"})
        assert viewer.get_projects() == []


def test_tenants_cannot_see_each_others_projects_or_scenarios(emulator: Emulator) -> None:
    alice, bob = _session(emulator, TOKEN), _session(emulator, OTHER)
    created = _new_scenario(alice, "Alice's")
    sid, pid = created["scenarioGlobalId"], created["projectGlobalId"]
    assert bob.get_projects() == []
    with pytest.raises(Exception, match="was not found"):
        bob.get_project(pid)
    with pytest.raises(IndexError):
        bob.get_scenario_by_id(sid)
    with pytest.raises(Exception, match="was not found"):
        bob.delete_scenario(sid)
    assert emulator.state.scenarios.session_spec(sid, tenant_of(OTHER)) is None
    tenanted = _gql(
        emulator.scenario_base_url,
        "query ($f: ScenarioFilter) { getScenarios(filter: $f) { scenarioGlobalId } }",
        {"f": {"scenarioType": "TENANTED_SCENARIO"}},
        token=OTHER,
    ).json()["data"]["getScenarios"]
    assert tenanted == []
    own = _gql(
        emulator.scenario_base_url,
        "query ($f: ScenarioFilter) { getScenarios(filter: $f) { scenarioGlobalId } }",
        {"f": {"scenarioType": "TENANTED_SCENARIO"}},
    ).json()["data"]["getScenarios"]
    assert own == [{"scenarioGlobalId": sid}]


def test_reset_restores_the_seed(emulator: Emulator, sdk: OriginSession) -> None:
    published_before = [s["scenarioGlobalId"] for s in sdk.get_aurora_scenarios()]
    created = _new_scenario(sdk)
    emulator.reset()
    assert sdk.get_projects() == []
    with pytest.raises(IndexError):
        sdk.get_scenario_by_id(created["scenarioGlobalId"])
    assert [s["scenarioGlobalId"] for s in sdk.get_aurora_scenarios()] == published_before


def test_backend_is_safe_under_concurrent_writers() -> None:
    from concurrent.futures import ThreadPoolExecutor

    backend = ScenarioBackend(EmulatorOptions())
    base = backend.list_scenarios("t", region_group="gbr")[0]["scenarioGlobalId"]
    pid = backend.create_project("t", {"name": "p"})["projectGlobalId"]

    def work(i: int) -> str:
        fields = {"projectGlobalId": pid, "name": f"s{i}", "baseScenarioGlobalId": base}
        return backend.create_scenario("t", fields)["scenarioGlobalId"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(work, range(80)))
    assert len(set(ids)) == 80
    names = [s["name"] for s in backend.get_project("t", pid)["scenarios"]]
    assert sorted(names) == sorted(f"s{i}" for i in range(80))


def test_unfiltered_listing_puts_own_scenarios_after_published(sdk: OriginSession) -> None:
    created = _new_scenario(sdk, "Mine")
    query = "{ getScenarios { scenarioGlobalId scenarioType } }"
    listed = _gql(sdk.scenario_service_url, query).json()["data"]["getScenarios"]
    assert len(listed) == 3 * 80 + 1
    assert listed[-1] == {
        "scenarioGlobalId": created["scenarioGlobalId"],
        "scenarioType": "TENANTED_SCENARIO",
    }
    assert {s["scenarioType"] for s in listed[:-1]} == {"AURORA_SCENARIO"}
