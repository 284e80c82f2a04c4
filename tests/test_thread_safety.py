"""Shared objects under real threads against the emulator: no process-wide side effects, exact
request statistics, one HTTP session per worker thread."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from helpers import TOKEN

from origin_frames import OriginFrames
from origin_frames._queries import DASH_CONFIG
from origin_frames.emulator import Emulator


@pytest.fixture
def concurrent_client(emulator: Emulator) -> Iterator[OriginFrames]:
    """A client reading in small batches on four threads at once."""
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False, batch_size=5, concurrency=4) as c:  # fmt: skip
        yield c


def test_reads_from_several_threads_never_switch_the_garbage_collector_off(
    concurrent_client: OriginFrames,
) -> None:
    sid = str(concurrent_client.get_aurora_scenarios("gbr").index[0])
    seen_disabled = threading.Event()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if not gc.isenabled():
                seen_disabled.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            frames = list(pool.map(lambda _: concurrent_client.technologies(sid, ["gbr"]),
                                   range(3)))
    finally:
        done.set()
        watcher.join(timeout=10)
    assert all(len(f) > 1000 for f in frames)
    assert not seen_disabled.is_set()
    assert gc.isenabled()


@pytest.fixture(scope="module")
def flaky() -> Iterator[Emulator]:
    """An emulator that answers a quarter of the requests with 502/503 or a dropped connection."""
    with Emulator(fail_rate=0.25, seed=7) as emu:
        yield emu


def _served(emu: Emulator) -> int:
    """Requests the emulator counted on arrival (before its injected faults)."""
    return int(requests.get(emu.url + "/_emulator/requests", timeout=10).json()["requests"])


def test_transport_stats_count_every_attempt_exactly_under_concurrent_retries(
    flaky: Emulator,
) -> None:
    calls_per_thread, threads = 30, 6
    with OriginFrames(TOKEN, flaky.scenario_base_url, flaky.inputs_base_url, progress=False,
                      max_retries=12, backoff_base=0.001,
                      concurrency=threads) as client:  # fmt: skip
        before = _served(flaky)

        def call(_: int) -> None:
            for _ in range(calls_per_thread):
                client.transport.graphql("scenario", DASH_CONFIG)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(call, range(threads)))
        stats = client.transport.stats
        served = _served(flaky) - before
    assert stats["retries"] > 0  # the faults were hit, from several threads at once
    assert stats["requests"] == served  # every attempt counted once, none lost to a race
    assert stats["requests"] == calls_per_thread * threads + stats["retries"]
    assert stats["polls"] == 0


class _WatchedSession:
    """A real ``requests.Session`` that records whether two threads ever use it at once."""

    def __init__(self, real: Any, overlaps: list[int]) -> None:
        self._real, self._overlaps = real, overlaps
        self._busy = threading.Lock()
        self.closed = False

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if not self._busy.acquire(blocking=False):
            self._overlaps.append(threading.get_ident())
            return self._real.request(method, url, **kwargs)
        try:
            return self._real.request(method, url, **kwargs)
        finally:
            self._busy.release()

    def close(self) -> None:
        self.closed = True
        self._real.close()


def test_each_session_serves_one_thread_at_a_time_and_all_close_with_the_client(
    emulator: Emulator,
) -> None:
    client = OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                          progress=False, batch_size=2, concurrency=4)  # fmt: skip
    pool = client.transport._sessions
    made: list[_WatchedSession] = []
    overlaps: list[int] = []
    real_factory = pool._factory

    def factory() -> Any:
        made.append(_WatchedSession(real_factory(), overlaps))
        return made[-1]

    pool._factory = factory
    sid = str(client.get_aurora_scenarios("gbr").index[0])
    with ThreadPoolExecutor(max_workers=2) as readers:
        frames = list(readers.map(lambda r: client.technologies(sid, [r]), ["gbr", "gbr"]))
    assert len(frames[0]) == len(frames[1]) > 1000
    assert overlaps == []
    # Two readers x four requests in flight each, at most: one session per exchange in flight.
    assert 1 < len(made) <= 8
    client.close()
    assert all(s.closed for s in made)


@pytest.fixture(scope="module")
def slow() -> Iterator[Emulator]:
    with Emulator(latency_ms=1000) as emu:
        yield emu


def test_a_slow_request_holds_no_lock_other_threads_need(slow: Emulator) -> None:
    with OriginFrames(TOKEN, slow.scenario_base_url, slow.inputs_base_url,
                      progress=False) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        client._groupings(sid)  # cached from here on
        fetching = threading.Thread(target=client.inputs_config)  # a 1 s request
        fetching.start()
        time.sleep(0.2)
        # A cache hit while the config request is in flight: with the request under the
        # client's lock, it would wait for the answer.
        client._groupings(sid)
        still_fetching = fetching.is_alive()
        fetching.join(timeout=30)
    assert still_fetching
