"""The emulated inputs service, driven over HTTP by the official SDK (unchanged) and requests."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
import requests
from graphql import parse, validate
from helpers import TOKEN
from origin_sdk.OriginSession import OriginSession
from origin_sdk.service.InputsEditor import InputsEditor

from origin_frames.emulator import Emulator
from origin_frames.emulator.inputs import config as cfg
from origin_frames.emulator.inputs.resolvers import build_schema

OTHER = "other-tenant-token-987654"


# -- helpers ------------------------------------------------------------------------------
def _tx(year: int | None, kind: str, value: float | None, month: int | None = None) -> dict:
    """One transform item as the official client sends it."""
    item: dict[str, Any] = {"year": year, "transform": {"type": kind, "value": value}}
    if month is not None:
        item["month"] = month
    return item


def _effective(cell: dict) -> float:
    """The effective value as a client computes it from a wire cell."""
    t = cell["transform"]
    if t is None:
        return cell["original"]
    if t["type"] == "Absolute":
        return t["value"]
    if t["type"] == "Delta":
        return cell["original"] + t["value"]
    return cell["original"] * (1 + t["value"] / 100)


def _by_year(cells: list[dict]) -> dict[int, dict]:
    return {c["year"]: c for c in cells}


def _published(sdk: OriginSession, group: str = "gbr") -> str:
    """The id of the newest published Central scenario of a region group."""
    central = [s for s in sdk.get_aurora_scenarios(group) if s["name"].startswith("Central")]
    return max(central, key=lambda s: s["publicationDate"])["scenarioGlobalId"]


def _new_scenario(sdk: OriginSession, base: str | None = None, **extra: object) -> str:
    """A tenanted scenario (in a new project) based on ``base`` or the newest gbr Central."""
    project = sdk.create_project({"name": "Inputs tests"})
    created = sdk.create_scenario(
        {
            "projectGlobalId": project["projectGlobalId"],
            "name": "Inputs test run",
            "baseScenarioGlobalId": base or _published(sdk),
            **extra,
        }
    )
    return created["scenarioGlobalId"]


def _post(emu: Emulator, query: str, variables: dict | None = None, token: str = TOKEN) -> dict:
    """One GraphQL request to the inputs service; returns the JSON answer."""
    response = requests.post(
        emu.inputs_base_url + "/v1/graphql",
        json={"query": query, "variables": variables},
        headers={"Private-Token": token},
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()


def _error_of(exc: pytest.ExceptionInfo[BaseException]) -> dict:
    """The single GraphQL error entry the official client raised."""
    errors = exc.value.args[0]
    assert isinstance(errors, list) and len(errors) == 1, errors
    return errors[0]


# -- schema -------------------------------------------------------------------------------
def _official_documents() -> list[str]:
    """Every inputs-service document the official client 0.33.0 can send."""
    import origin_sdk.gql.queries.input_queries as q

    config = cfg.get_config()
    tech, demand, ic = config["technology"], config["demand"], config["interconnectors"]
    return [
        q.get_config_gql,
        q.get_session_information_gql,
        q.get_technology_names_gql,
        q.get_technology_gql(tech),
        q.update_endo_technology_gql(tech),
        q.update_exo_technology_gql(tech),
        q.get_demand_regions_gql,
        q.get_demand_gql(demand),
        q.update_system_demand_gql(demand),
        q.get_demand_technology_names,
        q.get_demand_technologies_gql(demand),
        q.update_demand_technology(demand),
        q.get_commodities_gql,
        q.update_commodity_gql,
        q.rebase_commodities_gql,
        q.get_interconnectors_gql(ic),
        q.get_interconnectors_regions_gql(),
        q.update_interconnectors(ic),
        q.get_workbook_status,
    ]


def test_every_inputs_document_of_the_official_client_validates() -> None:
    documents = _official_documents()
    assert len(documents) == 19
    for document in documents:
        assert validate(build_schema(), parse(document)) == [], document


def test_schema_enums_are_generated_from_the_config() -> None:
    schema = build_schema()
    exo = set(schema.get_type("ExogenousPlantVariable").values)  # type: ignore[union-attr]
    endo = set(schema.get_type("EndogenousPlantVariable").values)  # type: ignore[union-attr]
    demand_tech = set(schema.get_type("EnumDemandTechnology").values)  # type: ignore[union-attr]
    assert exo == {p.name for p in cfg.PARAMETERS if p.applies_to_exo}
    assert endo == {p.name for p in cfg.PARAMETERS if p.applies_to_endo} | {
        "discountRate",
        "discountRateLow",
    }
    assert demand_tech == {d.name for d in cfg.DEMAND_TECHNOLOGIES}
    official = "capacity capex opex lifetimeBuildLimit yearlyBuildLimit loadFactorAverage"
    official += " efficiency efficiencySEL marginalLossFactor"
    assert set(official.split()) <= exo | endo


def test_get_config_lists_parameters_with_ranges_and_a_monthly_and_a_locked_one(sdk) -> None:
    # The SDK caches getConfig; read it through a request it sends itself.
    answer = sdk._graphql_request(sdk.inputs_service_graphql_url, _official_documents()[0])
    params = {p["name"]: p for p in answer["technology"]["parameters"]}
    assert params["availability"]["isMonthlyRegionTechParameter"] is True
    assert [n for n, p in params.items() if p["lock"]] == ["marginalLossFactor"]
    assert params["capex"]["initialRange"] == {"upper": 10000.0, "lower": 50.0}
    assert params["capex"]["hardLimit"] == {"upper": 50000.0, "lower": 0.0}
    names = {d["name"] for d in answer["technology"]["definitions"]}
    assert {"CCGT", "Onshore Wind", "Offshore Wind", "Solar PV", "Battery"} <= names
    units = {c["name"]: c["units"] for c in answer["commodities"]["commoditiesAvailable"]}
    assert units["gas"] == "p/therm" and units["oil"] == "USD/bbl"


# -- session ------------------------------------------------------------------------------
def test_inputs_session_describes_regions_years_and_hides_the_token(sdk) -> None:
    sid = _new_scenario(sdk)
    info = sdk.get_inputs_session(sid)
    regions = info["productRegionInformation"]["enabledRegions"]
    assert regions[0]["code"] == "gbr"
    assert [r["code"] for r in regions if r["isMainRegion"]] == ["gbr"]
    assert (info["modelMinYear"], info["modelMaxYear"]) == (2025, 2060)
    assert info["meta"]["sessionId"] == sid
    assert TOKEN not in str(info)
    assert info["transforms"] == []
    assert info["defaultCurrency"] == "gbp2024"


def test_unknown_session_answers_not_found_with_advice(sdk) -> None:
    with pytest.raises(Exception) as exc:
        sdk.get_inputs_session("no-such-scenario")
    error = _error_of(exc)
    assert error["errorKey"] == "NotFound"
    assert "getScenarios" in error["message"]


def test_other_tenants_cannot_see_a_tenanted_session(sdk, emulator: Emulator) -> None:
    sid = _new_scenario(sdk)
    published = _published(sdk)
    answer = _post(
        emulator,
        "query($s: String!) { getSession(sessionId: $s) { modelMinYear } }",
        {"s": sid},
        token=OTHER,
    )
    assert answer["data"] is None
    assert answer["errors"][0]["errorKey"] == "NotFound"
    shared = _post(
        emulator,
        "query($s: String!) { getSession(sessionId: $s) { modelMinYear } }",
        {"s": published},
        token=OTHER,
    )
    assert shared["data"]["getSession"]["modelMinYear"] == 2025


# -- technologies -------------------------------------------------------------------------
def test_technology_names_carry_sub_technologies_and_aus_sub_regions(sdk) -> None:
    gbr = sdk.get_technology_names(_published(sdk))
    assert list(gbr) == ["gbr", "irl", "fra", "bel", "nld", "deu", "dnk", "nor"]
    assert gbr["gbr"]["CCGT"]["subTechnologiesExogenous"] == ["CCGT H-class", "CCGT F-class"]
    assert "Nuclear" not in gbr["nor"]
    aus = sdk.get_technology_names(_published(sdk, "aus"))["aus"]
    assert sorted(aus["Solar PV"]["subRegions"]) == ["nsw", "qld", "sa", "tas", "vic"]
    assert aus["Solar PV"]["subRegions"]["nsw"]["subsidies"] == ["LRET", "Merchant"]
    assert aus["CCGT"]["subRegions"]["vic"]["subsidies"] == []


def test_get_technology_returns_ordered_yearly_monthly_and_definition_cells(sdk) -> None:
    tech = sdk.get_technology(_published(sdk), "CCGT", "gbr")
    exo = tech["getExogenous"]["parameters"]
    years = [c["year"] for c in exo["capacity"]]
    assert years == list(range(2025, 2061))
    monthly = exo["availability"]
    assert [(c["year"], c["month"]) for c in monthly[:13]] == [(2025, m) for m in range(1, 13)] + [
        (2026, 1)
    ]
    assert len(monthly) == 36 * 12
    assert all(0.5 <= c["original"] <= 1 for c in monthly)
    capex = [c["original"] for c in tech["getEndogenous"]["parameters"]["capex"]]
    assert capex[-1] < capex[0]  # capex falls over the horizon
    rate = tech["getEndogenous"]["definitions"]["discountRate"]
    assert 6 <= rate["original"] <= 9 and rate["transform"] is None
    assert all(c["transform"] is None and c["validationWarnings"] == [] for c in exo["capacity"])


def test_parameters_that_do_not_apply_to_a_technology_are_empty(sdk) -> None:
    wind = sdk.get_technology(_published(sdk), "Onshore Wind", "gbr")["getExogenous"]["parameters"]
    assert wind["efficiency"] == [] and wind["efficiencySEL"] == []
    capacity = [c["original"] for c in wind["capacity"]]
    assert capacity[-1] > capacity[0]  # renewables grow
    assert 0.2 < wind["loadFactorAverage"][0]["original"] < 0.35


def test_sub_region_sub_technology_and_subsidy_select_their_own_cells(sdk) -> None:
    aus = _published(sdk, "aus")
    whole = sdk.get_technology(aus, "Solar PV", "aus")
    part = sdk.get_technology(
        aus,
        "Solar PV",
        "aus",
        subregion="nsw",
        exogenous_sub_technology="Solar PV rooftop",
        subsidy="LRET",
    )
    unsubsidised = sdk.get_technology(
        aus, "Solar PV", "aus", subregion="nsw", exogenous_sub_technology="Solar PV rooftop"
    )
    cap_whole = whole["getExogenous"]["parameters"]["capacity"][0]["original"]
    cap_part = part["getExogenous"]["parameters"]["capacity"][0]["original"]
    cap_other = unsubsidised["getExogenous"]["parameters"]["capacity"][0]["original"]
    assert 0 < cap_part < cap_whole
    assert cap_other != cap_part
    with pytest.raises(Exception) as exc:
        sdk.get_technology(aus, "CCGT", "aus", subregion="nsw", subsidy="LRET")
    assert "Valid values: (none)" in _error_of(exc)["message"]


def test_unknown_technology_and_sub_technology_errors_list_valid_values(sdk) -> None:
    sid = _published(sdk)
    with pytest.raises(Exception) as exc:
        sdk.get_technology(sid, "Fusion", "gbr")
    error = _error_of(exc)
    assert error["errorKey"] == "BadUserInput"
    assert "'Fusion'" in error["message"] and "'CCGT'" in error["message"]
    with pytest.raises(Exception) as exc:
        sdk.get_technology(sid, "CCGT", "gbr", exogenous_sub_technology="CCGT Z-class")
    assert "'CCGT H-class'" in _error_of(exc)["message"]
    with pytest.raises(Exception) as exc:
        sdk.get_technology(sid, "CCGT", "xyz")
    assert "'gbr'" in _error_of(exc)["message"]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        pytest.param("Absolute", 12345.0, lambda o: 12345.0, id="absolute-sets"),
        pytest.param("Delta", -500.0, lambda o: o - 500.0, id="delta-adds"),
        pytest.param("Percentage", 10.0, lambda o: o * 1.1, id="percentage-scales"),
    ],
)
def test_exogenous_update_stores_each_transform_type(sdk, kind, value, expected) -> None:
    sid = _new_scenario(sdk)
    before = _by_year(
        sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]["capacity"]
    )
    answer = sdk.update_technology_exogenous(
        sid, "CCGT", "capacity", [_tx(2030, kind, value)], "gbr"
    )
    returned = _by_year(answer["capacity"])[2030]
    assert returned["transform"] == {"type": kind, "value": value}
    after = _by_year(
        sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]["capacity"]
    )
    original = before[2030]["original"]
    assert after[2030]["original"] == original
    assert math.isclose(_effective(after[2030]), expected(original), rel_tol=1e-12)
    assert after[2031]["transform"] is None
    # A new transform replaces the old one (relative to the original, not stacked).
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", [_tx(2030, "Delta", 1.0)], "gbr")
    again = _by_year(
        sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]["capacity"]
    )
    assert _effective(again[2030]) == pytest.approx(original + 1.0)


def test_monthly_cell_update_and_null_value_clears_it(sdk) -> None:
    sid = _new_scenario(sdk)
    tx = [_tx(2031, "Absolute", 0.8, month=7), _tx(2031, "Percentage", -5.0, month=8)]
    answer = sdk.update_technology_exogenous(sid, "CCGT", "availability", tx, "gbr")
    cells = {(c["year"], c["month"]): c for c in answer["availability"]}
    assert _effective(cells[(2031, 7)]) == 0.8
    assert _effective(cells[(2031, 8)]) == pytest.approx(cells[(2031, 8)]["original"] * 0.95)
    assert cells[(2031, 9)]["transform"] is None
    cleared = sdk.update_technology_exogenous(
        sid, "CCGT", "availability", [_tx(2031, "Absolute", None, month=7)], "gbr"
    )
    cells = {(c["year"], c["month"]): c for c in cleared["availability"]}
    assert cells[(2031, 7)]["transform"] is None
    assert cells[(2031, 8)]["transform"] == {"type": "Percentage", "value": -5.0}


def test_endogenous_definition_is_updated_without_a_year(sdk) -> None:
    sid = _new_scenario(sdk)
    answer = sdk.update_technology_endogenous(
        sid,
        "CCGT",
        "discountRate",
        [{"transform": {"type": "Absolute", "value": 8.5}}],
        "gbr",
        sub_technology="CCGT new build",
    )
    assert answer["definitions"]["discountRate"]["transform"] == {"type": "Absolute", "value": 8.5}
    read = sdk.get_technology(sid, "CCGT", "gbr", endogenous_sub_technology="CCGT new build")
    assert _effective(read["getEndogenous"]["definitions"]["discountRate"]) == 8.5
    plain = sdk.get_technology(sid, "CCGT", "gbr")["getEndogenous"]["definitions"]["discountRate"]
    assert plain["transform"] is None  # the aggregate plant is a different key
    with pytest.raises(Exception) as exc:
        sdk.update_technology_endogenous(
            sid, "CCGT", "discountRate", [_tx(2030, "Absolute", 8.0)], "gbr"
        )
    assert "has no years" in _error_of(exc)["message"]


def test_validation_warnings_and_errors_follow_initial_range_and_hard_limit(sdk) -> None:
    sid = _new_scenario(sdk)
    tx = [
        _tx(2030, "Absolute", 12000.0),
        _tx(2031, "Absolute", 60000.0),
        _tx(2032, "Absolute", 9000.0),
    ]
    answer = sdk.update_technology_endogenous(sid, "CCGT", "capex", tx, "gbr")
    cells = _by_year(answer["parameters"]["capex"])
    assert cells[2030]["validationWarnings"] == [
        "capex 2030: 12000 is above the initialRange upper bound 10000"
    ]
    assert cells[2030]["validationErrors"] == []
    assert cells[2031]["validationErrors"] == [
        "capex 2031: 60000 is above the hardLimit upper bound 50000"
    ]
    assert len(cells[2031]["validationWarnings"]) == 1
    assert cells[2032]["validationWarnings"] == [] and cells[2032]["validationErrors"] == []


def test_published_scenarios_are_read_only(sdk) -> None:
    with pytest.raises(Exception) as exc:
        sdk.update_technology_exogenous(
            _published(sdk), "CCGT", "capacity", [_tx(2030, "Delta", 1.0)], "gbr"
        )
    error = _error_of(exc)
    assert error["errorKey"] == "Forbidden"
    assert error["message"] == (
        "Published Aurora scenarios cannot be edited: create a scenario from it in a project "
        "and edit that."
    )


def test_locked_and_read_only_parameters_are_refused(sdk) -> None:
    sid = _new_scenario(sdk)
    with pytest.raises(Exception) as exc:
        sdk.update_technology_exogenous(
            sid, "CCGT", "marginalLossFactor", [_tx(2030, "Absolute", 1.0)], "gbr"
        )
    assert _error_of(exc)["errorKey"] == "Forbidden"
    with pytest.raises(Exception) as exc:
        sdk.update_technology_endogenous(sid, "Coal", "capex", [_tx(2030, "Absolute", 1.0)], "gbr")
    assert "readOnlyParameters" in _error_of(exc)["message"]


def test_bad_tx_items_are_all_named_in_one_error(sdk) -> None:
    sid = _new_scenario(sdk)
    tx = [
        _tx(2070, "Absolute", 1.0),
        _tx(2030, "Absolute", 1.0),
        _tx(2030, "Delta", 2.0),
        _tx(2031, "Absolute", 1.0, month=3),
    ]
    with pytest.raises(Exception) as exc:
        sdk.update_technology_exogenous(sid, "CCGT", "capacity", tx, "gbr")
    message = _error_of(exc)["message"]
    assert "tx[0].year 2070 is outside the model years 2025-2060" in message
    assert "tx[2] repeats the cell of tx[1]" in message
    assert "tx[3].month 3" in message
    # Nothing was applied: the update is all-or-nothing.
    capacity = sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]["capacity"]
    assert all(c["transform"] is None for c in capacity)


def test_unknown_parameter_enum_value_fails_graphql_validation(sdk) -> None:
    with pytest.raises(Exception) as exc:
        sdk.update_technology_exogenous(
            _new_scenario(sdk), "CCGT", "capexx", [_tx(2030, "Absolute", 1.0)], "gbr"
        )
    error = _error_of(exc)
    assert "ExogenousPlantVariable" in error["message"] and "capexx" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_aliased_technology_reads_batch_in_one_request(sdk, emulator: Emulator) -> None:
    sid = _published(sdk)
    names = ["CCGT", "Solar PV", "Battery"]
    fields = " ".join(
        f't{i}: getTechnology(name: $n{i}, region: "gbr") '
        "{ name getExogenous { parameters { capacity { year original } } } }"
        for i in range(len(names))
    )
    decl = ", ".join(f"$n{i}: String!" for i in range(len(names)))
    query = f"query($s: String!, {decl}) {{ getSession(sessionId: $s) {{ {fields} }} }}"
    variables = {"s": sid, **{f"n{i}": n for i, n in enumerate(names)}}
    answer = _post(emulator, query, variables)
    session = answer["data"]["getSession"]
    assert [session[f"t{i}"]["name"] for i in range(3)] == names
    assert all(
        len(session[f"t{i}"]["getExogenous"]["parameters"]["capacity"]) == 36 for i in range(3)
    )


# -- demand -------------------------------------------------------------------------------
def test_demand_filter_and_aggregate_regions(sdk) -> None:
    sid = _published(sdk)
    assert sdk.get_demand_regions(sid)[:2] == ["gbr", "irl"]
    gbr = sdk.get_demand(sid, {"region": "gbr"})
    fra = sdk.get_demand(sid, {"region": "fra"})
    assert len(gbr) == 1 and gbr[0]["region"] == "gbr"
    both = sdk.get_demand(sid, {"regions": ["gbr", "fra"]}, aggregate_regions=True)
    assert len(both) == 1 and both[0]["region"] == "gbr,fra"
    total = both[0]["variables"][5]["totalDemand"]["original"]
    parts = [d[0]["variables"][5]["totalDemand"]["original"] for d in (gbr, fra)]
    assert total == pytest.approx(sum(parts))
    # At seed, system totalDemand = baseDemand + every demand technology's totalDemand.
    row = gbr[0]["variables"][10]
    techs = sum(t["variables"][10]["totalDemand"]["original"] for t in gbr[0]["technologies"])
    assert row["totalDemand"]["original"] == pytest.approx(row["baseDemand"]["original"] + techs)


def test_total_demand_change_propagates_the_same_relative_change_to_components(sdk) -> None:
    sid = _new_scenario(sdk)
    before = sdk.get_demand(sid, {"region": "gbr"})[0]
    tx = [_tx(2030, "Percentage", 10.0)]
    sdk.update_system_demand(sid, "gbr", "totalDemand", tx)
    after = sdk.get_demand(sid, {"region": "gbr"})[0]
    i = 2030 - 2025
    assert _effective(after["variables"][i]["baseDemand"]) == pytest.approx(
        before["variables"][i]["baseDemand"]["original"] * 1.1
    )
    for b, a in zip(before["technologies"], after["technologies"], strict=True):
        assert _effective(a["variables"][i]["totalDemand"]) == pytest.approx(
            b["variables"][i]["totalDemand"]["original"] * 1.1
        )
        assert a["variables"][i + 1]["totalDemand"]["transform"] is None
    components = _effective(after["variables"][i]["baseDemand"]) + sum(
        _effective(t["variables"][i]["totalDemand"]) for t in after["technologies"]
    )
    assert components == pytest.approx(_effective(after["variables"][i]["totalDemand"]))
    # Re-sending the same payload is idempotent.
    sdk.update_system_demand(sid, "gbr", "totalDemand", tx)
    again = sdk.get_demand(sid, {"region": "gbr"})[0]
    assert again["variables"][i]["baseDemand"] == after["variables"][i]["baseDemand"]


def test_system_demand_update_over_several_regions_answers_the_joined_region(sdk) -> None:
    sid = _new_scenario(sdk)
    answer = sdk.update_system_demand(sid, ["gbr", "irl"], "baseDemand", [_tx(2040, "Delta", 1.5)])
    assert answer["region"] == "gbr,irl"
    for region in ("gbr", "irl"):
        row = sdk.get_demand(sid, {"region": region})[0]["variables"][15]
        assert row["baseDemand"]["transform"] == {"type": "Delta", "value": 1.5}


def test_demand_technologies_names_and_update_with_a_regions_list(sdk) -> None:
    sid = _new_scenario(sdk)
    # The names-only selection is not supported by the service (see docs/fidelity.md).
    with pytest.raises(Exception) as exc:
        sdk.get_demand_technology_names(sid)
    assert _error_of(exc)["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    full = sdk.get_demand_technologies(sid)
    assert {n["originTechnology"]["original"] for n in full} == {
        d.name for d in cfg.DEMAND_TECHNOLOGIES
    }
    answer = sdk.update_demand_technology_variable(
        sid, ["gbr", "fra"], "heatPumps", "totalDemand", [_tx(2035, "Absolute", 42.0)]
    )
    assert [a["region"]["original"] for a in answer] == ["gbr", "fra"]
    techs = sdk.get_demand_technologies(sid, {"technology": "heatPumps"})
    changed = {t["region"]["original"]: t["variables"][10]["totalDemand"] for t in techs}
    assert _effective(changed["gbr"]) == 42.0 and _effective(changed["fra"]) == 42.0
    assert changed["irl"]["transform"] is None


# -- commodities --------------------------------------------------------------------------
def test_commodities_average_region_filter_and_native_units(sdk) -> None:
    sid = _published(sdk)
    average = sdk.get_commodities(sid, commodities=["gas"])
    assert len(average) == 1 and len(average[0]["regions"]) == 8
    pair = sdk.get_commodities(sid, regions=["gbr", "fra"], commodities=["gas", "coal"])
    # One document per commodity over the regions asked for (their average).
    assert [(d["commodity"], d["regions"]) for d in pair] == [
        ("gas", ["gbr", "fra"]),
        ("coal", ["gbr", "fra"]),
    ]
    per_region = [
        sdk.get_commodities(sid, regions=[r], commodities=["gas"])[0] for r in average[0]["regions"]
    ]
    assert [d["regions"] for d in per_region] == [[r] for r in average[0]["regions"]]
    mean = sum(d["prices"][3]["original"] for d in per_region) / 8
    assert average[0]["prices"][3]["original"] == pytest.approx(mean)
    third = {d["regions"][0]: d["prices"][3]["original"] for d in per_region}
    pair_mean = (third["gbr"] + third["fra"]) / 2
    assert pair[0]["prices"][3]["original"] == pytest.approx(pair_mean)
    native = sdk.get_commodities(sid, native_units_flag=True, regions=["gbr"], commodities=["gas"])
    stored = per_region[0]["prices"][0]["original"]
    factor = cfg.COMMODITY_BY_NAME["gas"].factor
    assert native[0]["prices"][0]["original"] == pytest.approx(stored / factor)
    assert 50 < native[0]["prices"][0]["original"] < 150  # p/therm


def test_commodity_update_in_native_units_for_a_regions_list(sdk) -> None:
    sid = _new_scenario(sdk)
    answer = sdk.update_commodity_price(
        sid, "gas", ["gbr", "irl"], [_tx(2030, "Absolute", 80.0)], native_units_flag=True
    )
    # One commodity document over the regions sent, which the caller reads ["prices"] from.
    assert answer["commodity"] == "gas" and answer["regions"] == ["gbr", "irl"]
    assert _by_year(answer["prices"])[2030]["transform"]["value"] == pytest.approx(80.0)
    gbr, fra = (
        sdk.get_commodities(sid, regions=[r], commodities=["gas"])[0] for r in ("gbr", "fra")
    )
    cell = _by_year(gbr["prices"])[2030]
    assert _effective(cell) == pytest.approx(80.0 * cfg.COMMODITY_BY_NAME["gas"].factor)
    assert _by_year(fra["prices"])[2030]["transform"] is None


def test_rebasing_commodities_swaps_originals_keeps_transforms_and_records_it(sdk) -> None:
    sid = _new_scenario(sdk)
    other = [s for s in sdk.get_aurora_scenarios("gbr") if s["name"].startswith("High")][0]
    reference = other["scenarioGlobalId"]
    sdk.update_commodity_price(sid, "coal", ["gbr"], [_tx(2030, "Percentage", 20.0)])
    mine = sdk.get_commodities(sid, regions=["gbr"], commodities=["coal"])[0]
    theirs = sdk.get_commodities(reference, regions=["gbr"], commodities=["coal"])[0]
    assert mine["prices"][5]["original"] != theirs["prices"][5]["original"]
    sdk.change_base_commodities_assumptions(sid, reference)
    rebased = sdk.get_commodities(sid, regions=["gbr"], commodities=["coal"])[0]
    assert [c["original"] for c in rebased["prices"]] == [c["original"] for c in theirs["prices"]]
    assert rebased["prices"][5]["transform"] == {"type": "Percentage", "value": 20.0}
    groups = sdk.get_inputs_session(sid)["dataGroups"]
    assert groups["commodities"]["reference"] == reference
    assert groups["technology"]["reference"] != reference


# -- interconnectors ----------------------------------------------------------------------
def test_interconnector_connections_read_and_update(sdk) -> None:
    sid = _new_scenario(sdk)
    connections = sdk.get_interconnectors_connections(sid)
    assert sorted(connections["gbr"]) == ["bel", "deu", "dnk", "fra", "irl", "nld", "nor"]
    docs = sdk.get_interconnectors(sid, "fra", "gbr")
    assert len(docs) == 1 and docs[0]["ends"] == ["gbr", "fra"]
    answer = sdk.update_interconnectors(
        sid, "gbr", "fra", "importCapacity", [_tx(2030, "Delta", 1000.0)]
    )
    cell = answer["variables"][5]["importCapacity"]
    assert _effective(cell) == pytest.approx(cell["original"] + 1000.0)
    with pytest.raises(Exception) as exc:
        sdk.update_interconnectors(sid, "fra", "gbr", "importCapacity", [_tx(2030, "Delta", 1.0)])
    assert "from='gbr', to='fra'" in _error_of(exc)["message"]


# -- log, forks, workbook, editor ---------------------------------------------------------
def test_transforms_log_records_each_update_without_the_session_id(sdk) -> None:
    sid = _new_scenario(sdk)
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", [_tx(2030, "Delta", 1.0)], "gbr")
    sdk.update_commodity_price(sid, "gas", ["gbr"], [_tx(2031, "Absolute", 30.0)])
    log = sdk.get_inputs_session(sid)["transforms"]
    assert len(log) == 2
    first = log[0]["updateParameters"]
    assert "sessionId" not in first
    assert first["parameter"] == "capacity" and first["tx"][0]["year"] == 2030
    assert log[1]["steps"][0]["operation"] == "updateCommodity"


def test_forks_copy_transforms_only_when_asked(sdk) -> None:
    base = _new_scenario(sdk)
    sdk.update_technology_exogenous(base, "CCGT", "capacity", [_tx(2030, "Delta", 7.0)], "gbr")
    kept = _new_scenario(sdk, base=base, preserveBaseScenarioTransformations=True)
    fresh = _new_scenario(sdk, base=base, preserveBaseScenarioTransformations=False)

    def cell(sid: str) -> dict:
        return _by_year(
            sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]["capacity"]
        )[2030]

    assert cell(kept)["transform"] == {"type": "Delta", "value": 7.0}
    assert cell(fresh)["transform"] is None
    assert cell(fresh)["original"] == cell(base)["original"]
    # The copy is independent of its base.
    sdk.update_technology_exogenous(kept, "CCGT", "capacity", [_tx(2030, "Delta", 9.0)], "gbr")
    assert cell(base)["transform"]["value"] == 7.0


def test_deleted_scenarios_lose_their_session(sdk) -> None:
    sid = _new_scenario(sdk)
    sdk.get_inputs_session(sid)
    sdk.delete_scenario(sid)
    with pytest.raises(Exception) as exc:
        sdk.get_inputs_session(sid)
    assert _error_of(exc)["errorKey"] == "NotFound"


def test_workbook_status_is_requested_then_completed_with_a_download(sdk, emulator) -> None:
    sid = _published(sdk)
    query = (
        "query($s: String!, $r: String) { getSession(sessionId: $s) { getWorkbookStatus"
        "(requestId: $r) { generationStatus downloadURL requestId } } }"
    )
    first = _post(emulator, query, {"s": sid, "r": None})["data"]["getSession"]["getWorkbookStatus"]
    assert first["generationStatus"] == "Requested" and first["downloadURL"] is None
    url = sdk.get_workbook_download_url(sid)  # the SDK polls (sleeps 2.5 s once)
    body = requests.get(url, timeout=10)
    assert body.status_code == 200 and sid in body.text


def test_inputs_editor_helper_drives_the_service(sdk) -> None:
    sid = _new_scenario(sdk)
    editor = InputsEditor(sid, sdk)
    assert editor.inputs_session["meta"]["sessionId"] == sid
    assert "CCGT" in editor.get_technology_names()["gbr"]
    assert editor.get_demand_for_region("irl")["region"] == "irl"
    editor.update_exogenous_technology_variable(
        "Battery", "capacity", [_tx(2040, "Percentage", 50.0)], "gbr"
    )
    battery = editor.get_supply_technology("Battery", "gbr")
    cell = _by_year(battery["getExogenous"]["parameters"]["capacity"])[2040]
    assert _effective(cell) == pytest.approx(cell["original"] * 1.5)
    editor.update_system_demand_variable("gbr", "baseDemand", [_tx(2030, "Delta", 2.0)])
    assert len(editor.get_demand_technologies()) == 8 * len(cfg.DEMAND_TECHNOLOGIES)
    assert editor.get_commodities(regions=["gbr"], commodities=["oil"])[0]["commodity"] == "oil"


# -- loading window -----------------------------------------------------------------------
def test_data_fields_answer_one_data_not_ready_error_while_the_session_loads() -> None:
    with Emulator(not_ready_s=0.5) as emu:
        sdk = OriginSession(
            {
                "token": TOKEN,
                "scenario_base_url": emu.scenario_base_url,
                "inputs_base_url": emu.inputs_base_url,
            }
        )
        sid = _published(sdk)
        # getSession itself answers at once, its groups marked loading.
        session = sdk.get_inputs_session(sid)
        assert session["modelMinYear"] == 2025
        groups = session["dataGroups"].values()
        assert all(g["loading"] is True and g["loadingRequest"] for g in groups)
        query = "query($s: String!) { getSession(sessionId: $s) { getTechnologyGroupings } }"
        first = _post(emu, query, {"s": sid})
        assert first["data"] == {"getSession": {"getTechnologyGroupings": None}}
        assert len(first["errors"]) == 1 and first["errors"][0]["errorKey"] == "DataNotReady"
        assert first["errors"][0]["path"] == ["getSession", "getTechnologyGroupings"]
        time.sleep(0.55)
        assert _post(emu, query, {"s": sid})["data"]["getSession"]["getTechnologyGroupings"]
        assert not any(g["loading"] for g in sdk.get_inputs_session(sid)["dataGroups"].values())
        # The official client retries on its own (one 2.5 s sleep) for a fresh session.
        started = time.monotonic()
        other = _published(sdk, "deu")
        assert sdk.get_technology_names(other)["deu"]["CCGT"]
        assert 2.0 < time.monotonic() - started < 6.0


def test_demand_technologies_aggregate_and_technology_routed_demand_update(sdk, emulator) -> None:
    sid = _new_scenario(sdk)
    update = """mutation($s: String!, $tx: [YearlyNumberItemInput]!) {
      updateDemandVariable(sessionId: $s, variable: "totalDemand", technology: electrolysers,
                           regions: ["gbr"], tx: $tx) { region }
    }"""
    answer = _post(emulator, update, {"s": sid, "tx": [_tx(2050, "Absolute", 9.0)]})
    assert answer["data"]["updateDemandVariable"]["region"] == "gbr"
    read = """query($s: String!) { getSession(sessionId: $s) {
      getDemandTechnologies(filter: {regions: ["gbr", "irl"], technology: "electrolysers"},
                            aggregateRegions: true) {
        region { original } variables { year totalDemand { original transform { type value } } }
      } } }"""
    docs = _post(emulator, read, {"s": sid})["data"]["getSession"]["getDemandTechnologies"]
    assert len(docs) == 1 and docs[0]["region"]["original"] == "gbr,irl"
    cell = docs[0]["variables"][25]["totalDemand"]
    single = sdk.get_demand_technologies(sid, {"regions": ["irl"], "technology": "electrolysers"})
    irl = single[0]["variables"][25]["totalDemand"]["original"]
    assert cell["transform"] == {"type": "Absolute", "value": pytest.approx(9.0 + irl)}
    assert docs[0]["variables"][24]["totalDemand"]["transform"] is None


def test_unknown_demand_variable_and_missing_region_are_explained(sdk) -> None:
    sid = _new_scenario(sdk)
    with pytest.raises(Exception) as exc:
        sdk.update_system_demand(sid, "gbr", "peakDemand", [_tx(2030, "Delta", 1.0)])
    message = _error_of(exc)["message"]
    assert "'peakDemand'" in message and "'totalDemand', 'baseDemand'" in message
    with pytest.raises(Exception) as exc:
        sdk.update_system_demand(sid, [], "baseDemand", [_tx(2030, "Delta", 1.0)])
    assert "Send region or regions" in _error_of(exc)["message"]
