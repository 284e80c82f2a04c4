"""Shared fixtures: a real emulator on 127.0.0.1 and the official SDK pointed at it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

# Every property here talks HTTP to a server on a shared 2-core machine: a per-example time
# deadline measures the machine's load, not the code (it failed CI-like runs at 404 ms).
settings.register_profile("origin", deadline=None)
settings.load_profile("origin")

# The official SDK caches downloads under the user's data dir; keep tests hermetic.
os.environ.setdefault("AURORA_ORIGIN_CACHE_DIRECTORY", tempfile.mkdtemp(prefix="origin-sdk-cache-"))

from origin_frames.emulator import Emulator  # noqa: E402

TOKEN = "test-token-abcdef123456"


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
