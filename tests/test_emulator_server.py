"""The emulator's HTTP front: routing, auth, injected failures, reset and error hygiene."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
import requests

from origin_frames.emulator import Emulator, EmulatorOptions

TOKEN = "server-test-token"
TYPENAME = {"query": "{ __typename }"}


def _post(url: str, payload: object, token: str | None = TOKEN, timeout: float = 5.0):
    headers = {"Private-Token": token} if token is not None else {}
    return requests.post(url + "/v1/graphql", json=payload, headers=headers, timeout=timeout)


def test_health_route_answers_without_a_token(emulator: Emulator) -> None:
    answer = requests.get(emulator.url + "/_emulator/health", timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["cache"]["budget_mb"] == emulator.options.cache_mb


@pytest.mark.parametrize("token", [None, ""], ids=["missing", "empty"])
def test_missing_or_empty_token_is_answered_401(emulator: Emulator, token: str | None) -> None:
    for base in (emulator.scenario_base_url, emulator.inputs_base_url):
        answer = _post(base, TYPENAME, token=token)
        assert answer.status_code == 401
        assert "token" in answer.json()["message"]


def test_any_token_is_a_tenant_by_default(emulator: Emulator) -> None:
    answer = _post(emulator.inputs_base_url, TYPENAME, token="whoever")
    assert answer.status_code == 200
    assert answer.json()["data"] == {"__typename": "Query"}


def test_restricted_token_set_refuses_other_tokens() -> None:
    with Emulator(tokens={"good"}, readonly_tokens={"viewer"}) as emu:
        assert _post(emu.inputs_base_url, TYPENAME, token="good").status_code == 200
        assert _post(emu.inputs_base_url, TYPENAME, token="viewer").status_code == 200
        refused = _post(emu.inputs_base_url, TYPENAME, token="bad")
        assert refused.status_code == 401
        assert "bad" not in refused.text  # the offered token is never echoed


def test_unknown_routes_are_404_json(emulator: Emulator) -> None:
    answer = requests.get(emulator.url + "/nowhere", headers={"Private-Token": TOKEN}, timeout=5)
    assert answer.status_code == 404
    assert "Cannot GET /nowhere" in answer.json()["message"]


def test_graphql_route_requires_post(emulator: Emulator) -> None:
    answer = requests.get(
        emulator.inputs_base_url + "/v1/graphql", headers={"Private-Token": TOKEN}, timeout=5
    )
    assert answer.status_code == 405


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"variables": {}}', id="no-query"),
        pytest.param(b'{"query": "{ __typename }", "variables": [1]}', id="variables-not-object"),
    ],
)
def test_malformed_graphql_bodies_are_400_with_a_message(emulator: Emulator, body: bytes) -> None:
    answer = requests.post(
        emulator.inputs_base_url + "/v1/graphql",
        data=body,
        headers={"Private-Token": TOKEN, "Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"]


def test_syntax_errors_are_graphql_errors_not_tracebacks(emulator: Emulator) -> None:
    answer = _post(emulator.inputs_base_url, {"query": "{ getConfig { "})
    assert answer.status_code == 200
    errors = answer.json()["errors"]
    assert errors[0]["message"].startswith("Syntax Error")
    assert "Traceback" not in answer.text


def test_unknown_field_fails_validation_like_a_graphql_server(emulator: Emulator) -> None:
    answer = _post(emulator.scenario_base_url, {"query": "{ noSuchField }"})
    body = answer.json()
    assert answer.status_code == 200
    assert "data" not in body
    assert body["errors"][0]["message"] == "Cannot query field 'noSuchField' on type 'Query'."
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_fail_rate_is_deterministic_from_the_seed_and_mixes_failure_kinds() -> None:
    def outcomes(seed: int) -> list[str]:
        seen = []
        with Emulator(fail_rate=0.5, seed=seed) as emu:
            for _ in range(40):
                try:
                    seen.append(str(_post(emu.inputs_base_url, TYPENAME, timeout=2).status_code))
                except requests.ConnectionError:
                    seen.append("drop")
        return seen

    first, again = outcomes(7), outcomes(7)
    assert first == again
    assert {"200", "502", "503", "drop"} <= set(first)
    assert 8 <= first.count("200") <= 32


def test_latency_is_added_to_every_request() -> None:
    with Emulator(latency_ms=120) as emu:
        started = time.perf_counter()
        for _ in range(3):
            assert _post(emu.inputs_base_url, TYPENAME).status_code == 200
        assert time.perf_counter() - started >= 0.36


def test_options_reject_meaningless_values() -> None:
    with pytest.raises(ValueError, match="fail_rate"):
        EmulatorOptions(fail_rate=1.5)
    with pytest.raises(ValueError, match="latency_ms"):
        EmulatorOptions(latency_ms=-1)
    with pytest.raises(TypeError, match="either options= or keyword"):
        Emulator(options=EmulatorOptions(), seed=3)


def test_reset_route_rebuilds_the_state(emulator: Emulator) -> None:
    before = emulator.state
    answer = requests.post(emulator.url + "/_emulator/reset", timeout=5)
    assert answer.status_code == 200
    assert emulator.state is not before


def test_emulator_reports_its_addresses_and_stops_cleanly() -> None:
    emu = Emulator().start()
    try:
        assert emu.scenario_base_url == f"http://127.0.0.1:{emu.port}/scenarioExplr"
        assert emu.inputs_base_url == f"http://127.0.0.1:{emu.port}/modelInputs"
        assert repr(emu) == f"Emulator(http://127.0.0.1:{emu.port})"
    finally:
        emu.stop()
    assert repr(emu) == "Emulator(stopped)"
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.url


def test_serve_command_prints_both_base_urls(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "origin_frames._cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        second = process.stdout.readline()
        assert first.startswith("scenario service: http://127.0.0.1:")
        assert first.rstrip().endswith("/scenarioExplr")
        assert second.rstrip().endswith("/modelInputs")
        base = second.split()[-1]
        assert _post(base, TYPENAME).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- wire hygiene and lost answers (issue 8) --------------------------------------------------
CREATE = {
    "query": "mutation ($p: InputProject!) { createProject(project: $p) { projectGlobalId } }",
    "variables": {"p": {"name": "lost", "productId": 1}},
}
PROJECTS = {"query": "{ getProjects { projectGlobalId } }"}


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_graphql_post_that_is_not_json_is_415_and_not_executed(
    emulator: Emulator, media: str
) -> None:
    headers = {"Private-Token": TOKEN, "Content-Type": media}
    answer = requests.post(emulator.scenario_base_url + "/v1/graphql", data=json.dumps(CREATE),
                           headers=headers, timeout=5)  # fmt: skip
    assert answer.status_code == 415
    assert "application/json" in answer.json()["message"]
    assert _post(emulator.scenario_base_url, PROJECTS).json()["data"]["getProjects"] == []


@pytest.mark.parametrize("length", ["-1", "abc", "1.5", "+3"])
def test_invalid_content_length_is_400_without_waiting(emulator: Emulator, length: str) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(
            f"POST /modelInputs/v1/graphql HTTP/1.1\r\nHost: x\r\nPrivate-Token: {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        head = sock.recv(4096).decode()
    assert head.startswith("HTTP/1.1 400")
    assert "Content-Length" in head


def test_fail_after_rate_executes_the_request_and_loses_its_answer() -> None:
    with Emulator(fail_after_rate=0.5, seed=3) as emu:
        answered = lost = 0
        for _ in range(20):
            try:
                assert _post(emu.scenario_base_url, CREATE, timeout=5).status_code == 200
                answered += 1
            except requests.ConnectionError:
                lost += 1
        emu_projects = None
        for _ in range(50):  # reads lose answers too: ask until one arrives
            try:
                emu_projects = _post(emu.scenario_base_url, PROJECTS).json()["data"]["getProjects"]
                break
            except requests.ConnectionError:
                continue
    assert answered and lost
    # Every request executed, answered or not.
    assert emu_projects is not None and len(emu_projects) == 20


def test_fail_after_rate_is_checked_and_reaches_the_command_line() -> None:
    with pytest.raises(ValueError, match="fail_after_rate"):
        EmulatorOptions(fail_after_rate=1.0)
    from origin_frames._cli import _emulator_options, build_parser

    args = build_parser().parse_args(["serve", "--fail-after-rate", "0.2"])
    assert _emulator_options(args).fail_after_rate == 0.2


def test_echo_token_plants_the_token_in_every_error_message() -> None:
    token = 'tok"en/+&secret'
    with Emulator(echo_token=True) as emu:
        bad = _post(emu.inputs_base_url, {"query": "{ nope }"}, token=token)
        refused = requests.get(emu.scenario_base_url + "/v1/nothing", timeout=5,
                               headers={"Private-Token": token})  # fmt: skip
    assert token in bad.json()["errors"][0]["message"]
    assert quote(token, safe="") in refused.json()["message"]
    assert refused.status_code == 404


# -- request log: mutations counted on the wire ----------------------------------------------
def test_request_log_counts_mutations_per_token_and_never_holds_the_token(
    emulator: Emulator,
) -> None:
    create = {"query": "mutation ($p: InputProject!) { createProject(project: $p) "
                       "{ projectGlobalId } }", "variables": {"p": {"name": "logged"}}}  # fmt: skip
    assert _post(emulator.scenario_base_url, TYPENAME).status_code == 200
    assert emulator.mutations() == []
    assert _post(emulator.scenario_base_url, create).status_code == 200
    assert _post(emulator.scenario_base_url, create, token="other-token").status_code == 200
    broken = {"query": "mutation { createProject(project: {name: 1}"}  # does not parse
    assert _post(emulator.scenario_base_url, broken).status_code == 200
    assert len(emulator.mutations()) == 3
    assert len(emulator.mutations(TOKEN)) == 2
    assert len(emulator.mutations("other-token")) == 1
    summary = requests.get(emulator.url + "/_emulator/requests", timeout=5)
    assert summary.json()["mutations"] == 3 and summary.json()["requests"] == 4
    assert TOKEN not in summary.text and "other-token" not in summary.text
    emulator.reset()
    assert emulator.mutations() == []
