"""The emulator's fast list executor answers exactly what graphql-core's own executor does."""

from __future__ import annotations

import pytest
from graphql.execution.executor import Executor
from helpers import first_gbr_scenario, post_inputs
from origin_sdk.gql.queries import input_queries as iq

from origin_frames.emulator import Emulator, _gql

TOKEN = "executor-test-token"


def _post(emu: Emulator, document: str, variables: dict | None = None) -> dict:
    return post_inputs(emu, document, variables, TOKEN, timeout=30).json()


def _both(emu: Emulator, monkeypatch: pytest.MonkeyPatch, document: str, variables: dict) -> tuple:
    fast = _post(emu, document, variables)
    with monkeypatch.context() as patch:
        patch.setattr(_gql, "EXECUTOR_CLASS", Executor)
        standard = _post(emu, document, variables)
    return fast, standard


@pytest.fixture
def gbr_session(emulator: Emulator) -> str:
    return first_gbr_scenario(emulator, TOKEN)


@pytest.mark.parametrize("technology", ["CCGT", "Solar PV", "Battery"])
def test_technology_answers_are_identical_to_graphql_cores(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str, technology: str
) -> None:
    config = _post(emulator, iq.get_config_gql)["data"]["getConfig"]
    document = iq.get_technology_gql(config["technology"])
    variables = {"sessionId": gbr_session, "techName": technology, "region": "gbr"}
    fast, standard = _both(emulator, monkeypatch, document, variables)
    assert "errors" not in fast
    assert fast == standard
    cells = fast["data"]["getSession"]["getTechnology"]["getExogenous"]["parameters"]["capacity"]
    assert len(cells) > 8  # long enough to take the fast path


def test_aliases_typename_and_skip_are_honoured_like_graphql_core(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str
) -> None:
    document = """query ($s: String!, $no: Boolean!) { getSession(sessionId: $s) {
        getTechnology(name: "CCGT", region: "gbr") { getExogenous { parameters {
            capacity { y: year __typename original @skip(if: $no) transform { kind: type } }
    } } } } }"""
    for skip in (True, False):
        fast, standard = _both(emulator, monkeypatch, document, {"s": gbr_session, "no": skip})
        assert fast == standard
        technology = fast["data"]["getSession"]["getTechnology"]
        first = technology["getExogenous"]["parameters"]["capacity"][0]
        assert first["__typename"] == "Cell"
        assert ("original" in first) is (not skip)
        assert set(first) >= {"y", "transform"}


def test_demand_and_commodity_answers_are_identical_to_graphql_cores(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str
) -> None:
    config = _post(emulator, iq.get_config_gql)["data"]["getConfig"]
    for document, variables in (
        (iq.get_demand_gql(config["demand"]), {"sessionId": gbr_session}),
        (iq.get_commodities_gql, {"sessionId": gbr_session, "regions": ["gbr", "fra"]}),
    ):
        fast, standard = _both(emulator, monkeypatch, document, variables)
        assert "errors" not in fast
        assert fast == standard


@pytest.mark.parametrize(
    "cell_selection",
    [
        pytest.param("year original validationWarnings validationErrors transform { type value }",
                     id="rendered-order"),  # fmt: skip
        pytest.param("transform { value type } validationErrors original year", id="reordered"),
        pytest.param("y: year o: original t: transform { k: type }", id="aliases"),
        pytest.param("__typename month year original", id="typename-and-absent-month"),
        pytest.param("original transform { __typename type }", id="nested-typename"),
    ],
)
def test_rendered_cells_answer_like_graphql_core_for_any_selection(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str, cell_selection: str
) -> None:
    document = """query ($s: String!) { getSession(sessionId: $s) {
        getTechnology(name: "CCGT", region: "gbr") {
            getExogenous { parameters { capacity { %s } availability { month %s } } }
            getEndogenous { definitions { discountRate { %s } } }
    } } }""" % ((cell_selection,) * 3)
    fast, standard = _both(emulator, monkeypatch, document, {"s": gbr_session})
    assert "errors" not in fast
    assert fast == standard
    assert _post(emulator, document, {"s": gbr_session}) == fast  # cached answer is the same


def test_an_update_then_a_read_through_both_executors_agree(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from origin_sdk.OriginSession import OriginSession

    sdk = OriginSession({"token": TOKEN, "scenario_base_url": emulator.scenario_base_url,
                         "inputs_base_url": emulator.inputs_base_url})  # fmt: skip
    gbr = [s for s in sdk.get_aurora_scenarios("gbr") if s["name"].startswith("Central")][0]
    project = sdk.create_project({"name": "executor"})
    created = sdk.create_scenario({"projectGlobalId": project["projectGlobalId"], "name": "e",
                                   "baseScenarioGlobalId": gbr["scenarioGlobalId"]})  # fmt: skip
    sid = created["scenarioGlobalId"]
    config = _post(emulator, iq.get_config_gql)["data"]["getConfig"]
    document = iq.get_technology_gql(config["technology"])
    variables = {"sessionId": sid, "techName": "CCGT", "region": "gbr"}
    _post(emulator, document, variables)  # warm the render cache
    tx = [{"year": 2030, "month": 2, "transform": {"type": "Delta", "value": -0.1}}]
    sdk.update_technology_exogenous(sid, "CCGT", "availability", tx, "gbr")
    fast, standard = _both(emulator, monkeypatch, document, variables)
    assert fast == standard
    cells = fast["data"]["getSession"]["getTechnology"]["getExogenous"]["parameters"]
    changed = [c for c in cells["availability"] if c["transform"] is not None]
    assert [(c["year"], c["month"]) for c in changed] == [(2030, 2)]
