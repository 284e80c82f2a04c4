"""A pytest plugin: the Origin emulator in your own tests, as moto and fakeredis give theirs.

Installing ``origin-frames`` registers it (entry point ``pytest11``); nothing to import.

Fixtures:

- ``origin_emulator`` (session): one emulator served on 127.0.0.1 for the whole run
  (``.scenario_base_url``, ``.inputs_base_url``).
- ``origin_client`` (per test): an :class:`~origin_frames.OriginFrames` client with a
  fresh key, so each test is its own tenant: it sees the published catalogue and
  nothing another test created.

Marker: ``@pytest.mark.origin_emulator(latency_ms=50, fail_rate=0.1, ...)`` gives that
test's ``origin_client`` its own emulator with these :class:`~origin_frames.EmulatorOptions`
(latency, injected failures, loading sessions, 425 downloads, ...).

Example (a test file of yours; ``tests/test_examples.py`` runs this one)::

    import pytest

    def test_my_pipeline(origin_client):
        scenarios = origin_client.get_aurora_scenarios("gbr")
        assert len(scenarios) > 0

    @pytest.mark.origin_emulator(fail_rate=0.2, seed=1)
    def test_my_pipeline_survives_a_flaky_api(origin_client):
        assert len(origin_client.get_aurora_scenarios("gbr")) > 0
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._client import OriginFrames
    from .emulator import Emulator

MARKER = "origin_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Registers the marker, so ``--strict-markers`` runs accept it."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): give this test's origin_client its own Origin emulator "
        "with these EmulatorOptions (latency_ms, fail_rate, not_ready_s, ...).",
    )


@pytest.fixture(scope="session")
def origin_emulator() -> Iterator[Emulator]:
    """One Origin emulator for the test session, stopped at its end."""
    from .emulator import Emulator  # lazily: pytest runs that never use it pay nothing

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def origin_client(request: pytest.FixtureRequest) -> Iterator[OriginFrames]:
    """A client of the session emulator (or of the marker's own) with a tenant of its own."""
    from ._client import OriginFrames

    marker = request.node.get_closest_marker(MARKER)
    options = _marker_options(marker) if marker is not None else {}
    key = f"pytest-{secrets.token_hex(12)}"
    if not options:
        emulator = request.getfixturevalue("origin_emulator")
        with OriginFrames(key, emulator.scenario_base_url, emulator.inputs_base_url,
                          progress=False) as client:  # fmt: skip
            yield client
        return
    from .emulator import Emulator

    with Emulator(**options) as own, OriginFrames(
        key, own.scenario_base_url, own.inputs_base_url, progress=False
    ) as client:
        yield client


def _marker_options(marker: pytest.Mark) -> dict[str, Any]:
    """The marker's keyword options, checked against EmulatorOptions before anything starts."""
    from .emulator import EmulatorOptions

    names = [f.name for f in dataclasses.fields(EmulatorOptions)]
    unknown = sorted(set(marker.kwargs) - set(names))
    if marker.args or unknown:
        pytest.fail(
            f"@pytest.mark.{MARKER} takes keyword options only, named as EmulatorOptions "
            f"fields ({', '.join(names)}); got {list(marker.args) + unknown}.",
            pytrace=False,
        )
    return dict(marker.kwargs)
