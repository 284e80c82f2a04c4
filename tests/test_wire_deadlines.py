"""Every wait is bounded by wall-clock time: trickling, stalling and silent servers, and
services that stay not ready forever, all end in a typed error within the configured bound.

The misbehaving servers are real sockets on 127.0.0.1 (no mocked ``requests``): each accepts
connections and answers with a scripted byte stream, sleeping where the script says.
"""

from __future__ import annotations

import time

import pytest
from helpers import scripted_server

from origin_frames import (
    DataNotReadyTimeout,
    Emulator,
    OriginFrames,
    OriginTimeoutError,
    Settings,
)
from origin_frames._transport import Transport

TOKEN = "deadline-test-token"
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
BODY = b'{"data": {"__typename": "Query"}}'


def transport_for(url: str, **options: float) -> Transport:
    settings = Settings.resolve(
        token=TOKEN,
        scenario_base_url=url + "/scenarioExplr",
        inputs_base_url=url + "/modelInputs",
        **{"connect_timeout": 0.5, "read_timeout": 1.0, "max_retries": 0, **options},
    )
    return Transport(settings)


def trickle(data: bytes, pause: float = 0.5) -> list[bytes | float]:
    """One byte of ``data`` every ``pause`` seconds."""
    steps: list[bytes | float] = []
    for byte in data:
        steps += [bytes([byte]), pause]
    return steps


BODY_TRICKLE = [HEAD % len(BODY), *trickle(BODY)]
HEADER_TRICKLE = trickle(HEAD % len(BODY) + BODY)
STALL_MID_BODY = [HEAD % len(BODY), BODY[:10]]
SILENT: list[bytes | float] = []


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(BODY_TRICKLE, id="body-one-byte-per-half-second"),
        pytest.param(HEADER_TRICKLE, id="headers-one-byte-per-half-second"),
        pytest.param(STALL_MID_BODY, id="stall-mid-body"),
        pytest.param(SILENT, id="never-answers"),
    ],
)
def test_slow_or_stalled_answers_end_in_a_timeout_within_the_deadline(script):
    closed: list[int] = []
    with scripted_server(script, closed) as url:
        transport = transport_for(url)
        started = time.monotonic()
        with pytest.raises(OriginTimeoutError, match="timed out"):
            transport.graphql("inputs", "{ __typename }")
        elapsed = time.monotonic() - started
        # The client hung up: no thread of it is left reading the trickle.
        for _ in range(40):
            if closed:
                break
            time.sleep(0.05)
        assert closed == [1]
    # connect 0.5 s + read 1.0 s is the bound of one attempt; allow scheduling slack.
    assert elapsed < 1.5 + 1.0


def test_retries_of_a_trickling_server_stay_within_their_count():
    # A byte every 0.1 s against a 0.5 s read timeout: only the wall clock can end it.
    with scripted_server([HEAD % len(BODY), *trickle(BODY, 0.1)]) as url:
        transport = transport_for(url, max_retries=2, backoff_base=0.01, connect_timeout=0.2,
                                  read_timeout=0.5)  # fmt: skip
        started = time.monotonic()
        with pytest.raises(OriginTimeoutError, match="after 3 attempts"):
            transport.graphql("inputs", "{ __typename }")
        elapsed = time.monotonic() - started
    assert transport.stats["requests"] == 3
    assert elapsed < 3 * 0.7 + 1.5


def test_a_prompt_answer_is_unaffected_by_the_deadline():
    with scripted_server([HEAD % len(BODY) + BODY]) as url:
        assert transport_for(url).graphql("inputs", "{ __typename }") == {
            "__typename": "Query"
        }


def test_a_session_that_never_loads_ends_at_the_not_ready_deadline():
    with Emulator(not_ready_s=3600) as emu, OriginFrames(
        TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False,
        not_ready_deadline_s=1.0, backoff_base=0.05,
    ) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        started = time.monotonic()
        with pytest.raises(DataNotReadyTimeout, match="DataNotReady"):
            client.get_technology_names(sid)
        elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 2.0


def test_a_download_that_stays_425_ends_at_the_not_ready_deadline(tmp_path):
    with Emulator(download_delay_s=3600) as emu, OriginFrames(
        TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False, cache_dir=tmp_path,
        not_ready_deadline_s=1.0, backoff_base=0.05,
    ) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        started = time.monotonic()
        with pytest.raises(DataNotReadyTimeout, match="425"):
            client.get_scenario_outputs(sid, "gbr", "system", "1y")
        elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 2.0
