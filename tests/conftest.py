"""Shared fixtures: a real emulator on 127.0.0.1 and the official SDK pointed at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import requests
from hypothesis import settings

# Every property here talks HTTP to a server on a shared 2-core machine: a per-example time
# deadline measures the machine's load, not the code (it failed CI-like runs at 404 ms).
settings.register_profile("origin", deadline=None)
settings.load_profile("origin")

# The official SDK caches downloads under the user's data dir; keep tests hermetic.
os.environ.setdefault("AURORA_ORIGIN_CACHE_DIRECTORY", tempfile.mkdtemp(prefix="origin-sdk-cache-"))

from helpers import TOKEN  # noqa: E402

from origin_frames import OriginFrames  # noqa: E402
from origin_frames.emulator import Emulator  # noqa: E402


# -- live mode: the conformance tests against the real Origin API ---------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("origin", "Origin live mode (docs/fidelity.md)")
    group.addoption(
        "--origin-live",
        action="store_true",
        help="Also run the conformance tests against the real Origin API (needs a token in "
        "AURORA_API_KEY or ~/.aurora-api-key). Read-only unless --origin-live-writes.",
    )
    group.addoption(
        "--origin-live-writes",
        action="store_true",
        help="In live mode, also run the writing tests, inside a scratch project the run "
        "creates and deletes.",
    )


# -- `origin-frames serve` in a child process ------------------------------------------------
def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_process(*flags: str, port: int | None = None) -> Iterator[str]:
    """``origin-frames serve FLAGS`` in a child process until healthy; yields its base URL."""
    port = port or free_port()
    command = [sys.executable, "-m", "origin_frames._cli", "serve", "--port", str(port), *flags]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{url}/_emulator/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail(f"origin-frames serve {' '.join(flags)} did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def serve() -> Callable[..., AbstractContextManager[str]]:
    """``serve(*flags)``: a context manager running ``origin-frames serve`` (see serve_process)."""
    return serve_process


@pytest.fixture(scope="session")
def running_emulator() -> Iterator[Emulator]:
    """One emulator for the whole test session (fast launch clock)."""
    with Emulator(launch_step_s=0.2) as emu:
        yield emu


@pytest.fixture
def emulator(running_emulator: Emulator) -> Emulator:
    """The shared emulator, reset to its seeded state before the test."""
    running_emulator.reset()
    return running_emulator


@pytest.fixture
def sdk(emulator: Emulator):
    """The official client, unchanged, bound to the emulator."""
    from origin_sdk.OriginSession import OriginSession

    return OriginSession(
        {
            "token": TOKEN,
            "scenario_base_url": emulator.scenario_base_url,
            "inputs_base_url": emulator.inputs_base_url,
        }
    )


@pytest.fixture
def client(emulator: Emulator) -> Iterator[OriginFrames]:
    """Our client on the reset test emulator, with the sdk fixture's token, no progress bars."""
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False) as made:  # fmt: skip
        yield made


@pytest.fixture
def central(client: OriginFrames) -> str:
    """The id of the published "Central Oct 2026" gbr scenario, through this module's client."""
    scenarios = client.get_aurora_scenarios("gbr")
    return str(scenarios.index[scenarios["name"] == "Central Oct 2026"][0])



@pytest.fixture
def sid(client: OriginFrames) -> str:
    """The id of the first published gbr scenario (read-only: edits need a tenanted copy)."""
    return str(client.get_aurora_scenarios("gbr").index[0])
