"""Shared objects under real threads against the emulator: no process-wide side effects, exact
request statistics, one HTTP session per worker thread."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from origin_frames import OriginFrames
from origin_frames.emulator import Emulator

TOKEN = "test-token-abcdef123456"  # the conftest ``sdk`` fixture's token


@pytest.fixture
def client(emulator: Emulator) -> Iterator[OriginFrames]:
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False, batch_size=5, concurrency=4) as c:  # fmt: skip
        yield c


def test_reads_from_several_threads_never_switch_the_garbage_collector_off(
    client: OriginFrames,
) -> None:
    sid = str(client.get_aurora_scenarios("gbr").index[0])
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
            frames = list(pool.map(lambda _: client.technologies(sid, ["gbr"]), range(3)))
    finally:
        done.set()
        watcher.join(timeout=10)
    assert all(len(f) > 1000 for f in frames)
    assert not seen_disabled.is_set()
    assert gc.isenabled()
