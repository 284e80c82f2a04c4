"""The live mode of the conformance tests, pointed at ``origin-frames serve`` as its "live" API.

Proves the machinery a user relies on with a real token: live tests are collected only
when asked for, take the token and endpoints the official client takes (environment),
stay read-only by default, and write only inside a scratch project they delete.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import requests

LIVE_TOKEN = "live-mode-token-0123456789"
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(serve: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """``origin-frames serve`` in a child process; yields its base URL."""
    # Sessions load for 0.5 s, as real ones take a while: the official client (and ours)
    # must build InputsEditor at once and wait out DataNotReady on data reads.
    with serve("--launch-step-s", "0.2", "--not-ready-s", "0.5",
                       "--token", LIVE_TOKEN) as url:  # fmt: skip
        yield url


def _run_live(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AURORA_API_KEY": LIVE_TOKEN,
        "AURORA_ORIGIN_SCENARIO_API_BASE_URL": f"{url}/scenarioExplr",
        "AURORA_ORIGIN_INPUTS_API_BASE_URL": f"{url}/modelInputs",
        "AURORA_ORIGIN_CACHE_DIRECTORY": str(tmp_path / "sdk-cache"),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "live",
               "-rs", str(ROOT / "tests" / "test_conformance.py"), *extra]  # fmt: skip
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _projects(url: str) -> list[dict[str, object]]:
    answer = requests.post(
        f"{url}/scenarioExplr/v1/graphql",
        json={"query": "{ getProjects { projectGlobalId name } }"},
        headers={"Private-Token": LIVE_TOKEN},
        timeout=10,
    ).json()
    return list(answer["data"]["getProjects"])


def test_live_mode_is_read_only_by_default(served: str, tmp_path: Path) -> None:
    result = _run_live(served, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "failed" not in result.stdout
    assert "read-only live run: pass --origin-live-writes" in result.stdout
    assert " passed" in result.stdout
    assert _projects(served) == []  # nothing was created


def test_live_writes_happen_in_a_scratch_project_deleted_at_the_end(
    served: str, tmp_path: Path
) -> None:
    result = _run_live(served, tmp_path, "--origin-live-writes")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "failed" not in result.stdout and "read-only live run" not in result.stdout
    assert _projects(served) == []  # the scratch project (and its scenarios) are gone


def test_live_tests_are_not_collected_unless_asked_for(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
               str(ROOT / "tests" / "test_conformance.py")]  # fmt: skip
    listed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    assert "[emulator]" in listed and "[live]" not in listed
