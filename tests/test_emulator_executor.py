"""The emulator's fast list executor answers exactly what graphql-core's own executor does."""

from __future__ import annotations

import pytest
import requests
from graphql.execution.executor import Executor
from origin_sdk.gql.queries import input_queries as iq

from origin_frames.emulator import Emulator, _gql

TOKEN = "executor-test-token"


def _post(emu: Emulator, document: str, variables: dict | None = None) -> dict:
    answer = requests.post(
        emu.inputs_base_url + "/v1/graphql",
        json={"query": document, "variables": variables},
        headers={"Private-Token": TOKEN},
        timeout=30,
    )
    assert answer.status_code == 200
    return answer.json()


def _both(emu: Emulator, monkeypatch: pytest.MonkeyPatch, document: str, variables: dict) -> tuple:
    fast = _post(emu, document, variables)
    with monkeypatch.context() as patch:
        patch.setattr(_gql, "EXECUTOR_CLASS", Executor)
        standard = _post(emu, document, variables)
    return fast, standard


@pytest.fixture
def gbr_session(emulator: Emulator) -> str:
    answer = requests.post(
        emulator.scenario_base_url + "/v1/graphql",
        json={"query": '{ getScenarios(filter: {regionGroupCode: "gbr"}) { scenarioGlobalId } }'},
        headers={"Private-Token": TOKEN},
        timeout=30,
    )
    return answer.json()["data"]["getScenarios"][0]["scenarioGlobalId"]


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
