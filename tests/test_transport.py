"""Transport: retries, backoff, polling and error translation, driven by a scripted stub session.

The stub stands in for ``requests.Session`` (the transport accepts any object with
``request``/``close``); ``requests`` itself is never patched.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from hypothesis import example, given
from hypothesis import strategies as st

from origin_frames import (
    AuthenticationError,
    DataNotReadyTimeout,
    NotFoundError,
    OriginConnectionError,
    OriginError,
    OriginGraphQLError,
    OriginTimeoutError,
    PermissionDeniedError,
    ServerError,
    Settings,
)
from origin_frames._transport import USER_AGENT, Transport, _Needle

SECRET = "stub-secret-token-987654321"


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> requests.Response:
    """A real ``requests.Response`` with the given status, JSON body and headers."""
    r = requests.Response()
    r.status_code = status
    if body is None:
        r._content = b""
    else:
        r._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r.headers.update(headers or {})
    r.url = "http://stub/"
    return r


Step = requests.Response | Exception | Callable[[], requests.Response]


class StubSession:
    """Answers each request with the next scripted step (a response or an exception)."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = list(steps)
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        if not self.steps:
            raise AssertionError("the stub ran out of scripted answers")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step() if callable(step) else step

    def close(self) -> None:
        pass


class FakeClock:
    """A monotonic clock that only moves when the transport sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def make(steps: list[Step], **options: Any) -> tuple[Transport, StubSession, FakeClock]:
    settings = Settings.resolve(
        token=SECRET,
        scenario_base_url="http://stub/scenarioExplr",
        inputs_base_url="http://stub/modelInputs",
        **{"max_retries": 3, "backoff_base": 0.1, "not_ready_deadline_s": 10.0, **options},
    )
    session = StubSession(steps)
    clock = FakeClock()
    return Transport(settings, session, sleep=clock.sleep, clock=clock), session, clock


OK = {"data": {"ping": "pong"}}


def test_graphql_returns_data_and_sends_official_headers_and_timeouts() -> None:
    transport, session, _ = make([response(200, OK)], connect_timeout=3, read_timeout=7)
    assert transport.graphql("inputs", "{ ping }", {"a": 1}) == {"ping": "pong"}
    call = session.calls[0]
    assert call["method"] == "POST"
    assert call["url"] == "http://stub/modelInputs/v1/graphql"
    assert json.loads(call["data"]) == {"query": "{ ping }", "variables": {"a": 1}}
    assert call["timeout"] == (3, 7)
    headers = call["headers"]
    assert headers["Private-Token"] == SECRET and headers["EOS-Cookie"] == SECRET
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("origin-frames/")


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(lambda: response(502, b"<html>bad gateway</html>"), id="502"),
        pytest.param(lambda: response(503, b"<html>unavailable</html>"), id="503"),
        pytest.param(lambda: response(504, b"<html>timeout</html>"), id="504"),
        pytest.param(requests.ConnectionError("connection reset"), id="dropped"),
        pytest.param(requests.ReadTimeout("read timed out"), id="read-timeout"),
        pytest.param(requests.exceptions.ChunkedEncodingError("truncated"), id="truncated"),
    ],
)
def test_transient_failures_are_retried_with_growing_backoff(failure: Step) -> None:
    transport, session, clock = make([failure, failure, response(200, OK)])
    assert transport.graphql("scenario", "{ ping }") == {"ping": "pong"}
    assert len(session.calls) == 3
    assert transport.stats["retries"] == 2
    first, second = clock.sleeps
    assert 0.05 <= first <= 0.1  # base 0.1 with jitter in [0.5, 1]
    assert 0.1 <= second <= 0.2  # doubled


def test_429_waits_at_least_retry_after() -> None:
    transport, _, clock = make([response(429, {}, {"Retry-After": "2"}), response(200, OK)])
    transport.graphql("scenario", "{ ping }")
    assert clock.sleeps[0] >= 2.0


def test_503_waits_until_a_retry_after_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    transport, _, clock = make([response(503, b"x", {"Retry-After": when}), response(200, OK)])
    transport.graphql("scenario", "{ ping }")
    assert 3.0 <= clock.sleeps[0] <= 5.0  # the date has one-second resolution


def test_a_retry_after_date_in_the_past_or_unreadable_falls_back_to_the_backoff() -> None:
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    transport, _, clock = make(
        [response(429, {}, {"Retry-After": past}), response(429, {}, {"Retry-After": "soon"}),
         response(200, OK)]
    )  # fmt: skip
    transport.graphql("scenario", "{ ping }")
    assert all(s < 1.0 for s in clock.sleeps) and len(clock.sleeps) == 2


def test_the_gate_is_held_around_each_request_but_not_the_sleeps() -> None:
    events: list[str] = []

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        events.append("enter")
        yield
        events.append("exit")

    stub, session, clock = make([response(503, b"x"), response(200, OK)])

    def sleep(seconds: float) -> None:
        events.append("sleep")
        clock.sleep(seconds)

    transport = Transport(stub.settings, session, sleep=sleep, clock=clock, gate=gate)
    transport.graphql("scenario", "{ ping }")
    assert events == ["enter", "exit", "sleep", "enter", "exit"]


def test_5xx_after_all_retries_is_a_server_error_with_the_status() -> None:
    transport, session, _ = make([response(503, b"x")] * 4)
    with pytest.raises(ServerError) as info:
        transport.graphql("scenario", "{ ping }")
    assert info.value.status == 503
    assert len(session.calls) == 4  # 1 + max_retries
    assert "4 attempts" in str(info.value)


def test_connection_errors_after_all_retries_keep_their_cause() -> None:
    transport, session, _ = make([requests.ConnectionError("refused")] * 4)
    with pytest.raises(OriginConnectionError) as info:
        transport.graphql("scenario", "{ ping }")
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert len(session.calls) == 4


def test_timeouts_after_all_retries_are_timeout_errors() -> None:
    transport, _, _ = make([requests.ConnectTimeout("slow")] * 2, max_retries=1)
    with pytest.raises(OriginTimeoutError, match="timed out"):
        transport.graphql("scenario", "{ ping }")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
    ],
)
def test_auth_failures_are_not_retried(status: int, error: type[OriginError]) -> None:
    transport, session, _ = make([response(status, {"message": "no"})])
    with pytest.raises(error):
        transport.graphql("scenario", "{ ping }")
    assert len(session.calls) == 1


def test_data_not_ready_is_polled_until_ready() -> None:
    not_ready = {"data": None, "errors": [{"message": "loading", "errorKey": "DataNotReady"}]}
    transport, session, clock = make([response(200, not_ready)] * 3 + [response(200, OK)])
    assert transport.graphql("inputs", "{ ping }") == {"ping": "pong"}
    assert len(session.calls) == 4
    assert transport.stats["polls"] == 3
    assert all(s <= 2.5 for s in clock.sleeps)


def test_data_not_ready_past_the_deadline_raises() -> None:
    not_ready = {"data": None, "errors": [{"message": "loading", "errorKey": "DataNotReady"}]}
    transport, _, clock = make([lambda: response(200, not_ready)] * 200, not_ready_deadline_s=5)
    with pytest.raises(DataNotReadyTimeout, match="5 s"):
        transport.graphql("inputs", "{ ping }")
    assert clock.now <= 5.0 + 1e-9


def test_graphql_errors_carry_messages_and_keys() -> None:
    answer = {"data": None, "errors": [{"message": "bad arg", "errorKey": "BadUserInput"}]}
    transport, _, _ = make([response(200, answer)])
    with pytest.raises(OriginGraphQLError) as info:
        transport.graphql("inputs", "{ ping }")
    assert info.value.messages == ["bad arg"]
    assert info.value.error_keys == ["BadUserInput"]
    assert info.value.errors[0]["errorKey"] == "BadUserInput"


def test_not_found_error_key_becomes_not_found_error() -> None:
    answer = {"data": None, "errors": [{"message": "Scenario 'x' ...", "errorKey": "NotFound"}]}
    transport, _, _ = make([response(200, answer)])
    with pytest.raises(NotFoundError) as info:
        transport.graphql("scenario", "{ ping }")
    assert info.value.error_keys == ["NotFound"]


def test_graphql_raw_returns_partial_data_with_errors() -> None:
    answer = {
        "data": {"a0": {"ok": True}, "a1": None},
        "errors": [{"message": "a1 failed", "path": ["a1"], "errorKey": "BadUserInput"}],
    }
    transport, _, _ = make([response(200, answer)])
    raw = transport.graphql_raw("inputs", "mutation { a0 a1 }")
    assert raw["data"]["a0"] == {"ok": True}
    assert raw["errors"][0]["path"] == ["a1"]


def test_get_polls_425_then_returns_the_response() -> None:
    transport, session, _ = make(
        [response(425, b""), response(425, b""), response(200, {"url": "u"}, {"location": "L"})]
    )
    answer = transport.get("http://stub/file", params={"noredirect": "true"}, allow_redirects=False)
    assert answer.headers["location"] == "L"
    assert session.calls[0]["allow_redirects"] is False
    assert session.calls[0]["params"] == {"noredirect": "true"}


def test_get_404_is_not_found() -> None:
    transport, _, _ = make([response(404, {"message": "nope"})])
    with pytest.raises(NotFoundError, match="404"):
        transport.get("http://stub/file?sig=abc")


def test_unauthenticated_get_sends_no_token() -> None:
    transport, session, _ = make([response(200, b"csv")])
    transport.get("http://files/x.csv", authenticated=False)
    assert "Private-Token" not in session.calls[0]["headers"]


def test_non_json_answer_is_a_server_error() -> None:
    transport, _, _ = make([response(200, b"<html>oops</html>")])
    with pytest.raises(ServerError, match="not JSON"):
        transport.graphql("scenario", "{ ping }")


def test_token_never_appears_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    echo = {"data": None, "errors": [{"message": f"token {SECRET} is odd", "errorKey": "X"}]}
    cases: list[list[Step]] = [
        [response(401, {})],
        [response(403, {})],
        [response(200, echo)],
        [requests.ConnectionError(f"refused {SECRET}")] * 4,
        [response(503, SECRET.encode())] * 4,
        [response(500, {"message": SECRET})],
    ]
    caplog.set_level(logging.DEBUG)
    for steps in cases:
        transport, _, _ = make(steps)
        with pytest.raises(OriginError) as info:
            transport.graphql("scenario", "{ ping }")
        assert SECRET not in str(info.value)
        assert SECRET not in repr(transport)
    assert SECRET not in caplog.text


def test_transport_refuses_to_be_pickled() -> None:
    import pickle

    transport, _, _ = make([])
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(transport)


@given(needle=st.binary(min_size=1, max_size=6), body=st.lists(
    st.sampled_from([b"k", b"ke", b"0", b"9k", b"e", b"\x00", b"ek9"]), max_size=80))
@example(needle=b"kk", body=[b"k", b"0"] * 40)  # more anchors than are checked one by one
def test_a_token_is_found_in_a_body_exactly_when_it_is_there(needle, body) -> None:
    # Redaction looks for each form of the token through its rarest byte: whatever the
    # body, found means there (and is then replaced), not found means absent.
    text = b"".join(body)
    assert _Needle(needle).found_in(text) == (needle in text)
    assert _Needle(needle).found_in(bytearray(text)) == (needle in text)
