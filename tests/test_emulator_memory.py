"""The emulator's generated data stays within its memory budget and reads the same after eviction.

A tiny-budget emulator drops every scenario's generated cells but the last one used
after each request, so every read here is of regenerated data; it must answer exactly
what an emulator with the default budget answers, and scenario copies must keep their
transforms (and commodity rebase) through their own and their base's eviction.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from helpers import TOKEN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from origin_sdk.OriginSession import OriginSession

from origin_frames import OriginFrames
from origin_frames.emulator import Emulator, EmulatorOptions
from origin_frames.emulator.catalogue import SessionSpec, region_groups
from origin_frames.emulator.inputs.models import InputsBackend

TINY_MB = 0.01  # less than any region of any part: every other session is dropped


@pytest.fixture(scope="module")
def tiny() -> Iterator[Emulator]:
    """An emulator that drops every session's data but the last one's after each request."""
    with Emulator(cache_mb=TINY_MB) as emu:
        yield emu


@pytest.fixture(scope="module")
def roomy() -> Iterator[Emulator]:
    """The same catalogue with the default budget (nothing evicted in these tests)."""
    with Emulator() as emu:
        yield emu


def _sdk(emu: Emulator) -> OriginSession:
    return OriginSession(
        {"token": TOKEN, "scenario_base_url": emu.scenario_base_url,
         "inputs_base_url": emu.inputs_base_url}
    )  # fmt: skip


def _published(emu: Emulator) -> list[dict[str, Any]]:
    """A few published scenarios of gbr and deu (same ids in every emulator)."""
    sdk = _sdk(emu)
    return sdk.get_aurora_scenarios("gbr")[:4] + sdk.get_aurora_scenarios("deu")[:2]


def _read(sdk: OriginSession, sid: str, what: str, region: str) -> Any:
    """One read of a scenario's inputs in one region."""
    if what == "technology":
        return sdk.get_technology(sid, "CCGT", region)
    if what == "demand":
        return sdk.get_demand(sid, {"region": region})
    return sdk.get_commodities(sid, regions=[region])


def _evictions(emu: Emulator) -> int:
    return int(requests.get(emu.url + "/_emulator/health", timeout=5).json()["cache"]["evictions"])


_READS = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(["technology", "demand", "commodity"]),
        st.integers(0, 7),
    ),
    min_size=2,
    max_size=6,
)


def _check_reads(tiny: Emulator, roomy: Emulator, reads: list[tuple[int, str, int]]) -> None:
    """Every read of the tiny-budget emulator equals the roomy one's; reads evict."""
    scenarios = _published(tiny)
    small, large = _sdk(tiny), _sdk(roomy)
    before = _evictions(tiny)
    for index, what, region_index in reads:
        scenario = scenarios[index]
        regions = region_groups()[scenario["regionGroupCode"]].regions
        region = regions[region_index % len(regions)]
        sid = scenario["scenarioGlobalId"]
        assert _read(small, sid, what, region) == _read(large, sid, what, region)
    if len({i for i, _, _ in reads}) > 1:
        assert _evictions(tiny) > before


_FIXTURES = [HealthCheck.function_scoped_fixture]


@settings(max_examples=12, deadline=None, suppress_health_check=_FIXTURES)
@given(reads=_READS)
def test_regenerated_reads_equal_reads_of_held_data(
    tiny: Emulator, roomy: Emulator, reads: list[tuple[int, str, int]]
) -> None:
    _check_reads(tiny, roomy, reads)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURES)
@given(reads=_READS)
def test_regenerated_reads_equal_reads_of_held_data_more_examples(
    tiny: Emulator, roomy: Emulator, reads: list[tuple[int, str, int]]
) -> None:
    _check_reads(tiny, roomy, reads)


def _copy(sdk: OriginSession, base: str, name: str, keep: bool = False) -> str:
    project = sdk.create_project({"name": f"memory {name}"})
    created = sdk.create_scenario(
        {"projectGlobalId": project["projectGlobalId"], "name": name,
         "baseScenarioGlobalId": base, "preserveBaseScenarioTransformations": keep}
    )  # fmt: skip
    return str(created["scenarioGlobalId"])


def _tx(year: int, kind: str, value: float, month: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"year": year, "transform": {"type": kind, "value": value}}
    if month is not None:
        item["month"] = month
    return item


def _edit(sdk: OriginSession, sid: str, reference: str) -> None:
    """Transforms in every part of a session, and a commodity rebase."""
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", [_tx(2030, "Delta", 7.0)], "gbr")
    sdk.update_technology_exogenous(
        sid, "CCGT", "availability", [_tx(2032, "Percentage", -5.0, month=3)], "fra"
    )
    sdk.update_system_demand(sid, "gbr", "totalDemand", [_tx(2040, "Percentage", 10.0)])
    sdk.update_commodity_price(sid, "gas", ["gbr"], [_tx(2035, "Absolute", 40.0)])
    sdk.change_base_commodities_assumptions(sid, reference)
    sdk.update_interconnectors(sid, "gbr", "fra", "importCapacity", [_tx(2030, "Delta", 1.0)])


def _everything(sdk: OriginSession, sid: str) -> list[Any]:
    return [
        sdk.get_technology(sid, "CCGT", "gbr"),
        sdk.get_technology(sid, "CCGT", "fra"),
        sdk.get_demand(sid, {"region": "gbr"}),
        sdk.get_commodities(sid, regions=["gbr"]),
        sdk.get_interconnectors(sid, "gbr", "fra"),
    ]


def test_a_copy_keeps_its_transforms_through_its_own_and_its_bases_eviction(
    tiny: Emulator,
) -> None:
    sdk = _sdk(tiny)
    base, reference, *others = [s["scenarioGlobalId"] for s in _published(tiny)]
    mine = _copy(sdk, base, "edited")
    _edit(sdk, mine, reference)
    seen = _everything(sdk, mine)
    assert seen[0]["getExogenous"]["parameters"]["capacity"][5]["transform"] is not None
    evicted = _evictions(tiny)
    for other in [base, reference, *others]:  # each read drops the one before
        sdk.get_commodities(other)
    assert _evictions(tiny) >= evicted + len(others)
    assert _everything(sdk, mine) == seen
    kept = _copy(sdk, mine, "copy of edited", keep=True)
    assert _everything(sdk, kept) == seen
    fresh = _copy(sdk, mine, "originals only", keep=False)
    assert _everything(sdk, fresh)[0] == _everything(sdk, base)[0]


def test_the_budget_keeps_held_bytes_under_the_limit_except_the_last_session() -> None:
    specs = [SessionSpec(f"p{i}", "gbr", "gbr", i, True, None) for i in range(4)]

    class _Scenarios:
        def session_spec(self, scenario_id: str, tenant: str) -> SessionSpec | None:
            return next((s for s in specs if s.scenario_id == scenario_id), None)

    backend = InputsBackend(EmulatorOptions(cache_mb=1.0), _Scenarios())
    originals = []
    for spec in specs:
        session = backend.session(spec.scenario_id, "t")
        originals.append(session.tech_blocks("gbr")[("CCGT", "exogenous", None, None, None)])
        backend.enforce_budget()
        stats = backend.budget_stats()
        assert stats.sessions_held == 1 and stats.held_mb < 1.0
    assert backend.budget_stats().evictions == 3
    again = backend.session("p0", "t").tech_blocks("gbr")[("CCGT", "exogenous", None, None, None)]
    assert again is not originals[0]
    assert all(np.array_equal(again[p].original, originals[0][p].original) for p in again)


def test_cache_mb_must_be_positive() -> None:
    with pytest.raises(ValueError, match="cache_mb must be positive"):
        EmulatorOptions(cache_mb=0)


# -- the served emulator in its own process -------------------------------------------------
def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the peak resident set so far
            return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmHWM in /proc status")


#: Resident memory of a served emulator beyond its budget: the interpreter, numpy, pandas
#: and graphql-core (~150 MB at start), the last scenario (kept whatever the budget) and
#: the answer being sent. Without the budget ten scenarios would take about 1 GB.
FIXED_OVERHEAD_MB = 300.0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_serve_reads_a_sample_of_two_region_groups_within_budget_plus_overhead() -> None:
    budget = 64
    command = [sys.executable, "-m", "origin_frames._cli", "serve", "--port", "0",
               "--cache-mb", str(budget)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        scenario_url = process.stdout.readline().split()[-1]
        inputs_url = process.stdout.readline().split()[-1]
        client = OriginFrames(TOKEN, scenario_url, inputs_url, progress=False)
        # Every 16th published scenario of gbr and deu (5 each), every domain and region.
        sids = [str(s) for g in ("gbr", "deu") for s in client.get_aurora_scenarios(g).index[::16]]
        first = client.inputs(sids[0])
        for sid in sids[1:]:
            client.inputs(sid)
        again = client.inputs(sids[0])
        health = requests.get(scenario_url.rsplit("/", 1)[0] + "/_emulator/health", timeout=5)
        peak = _rss_mb(process.pid)
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert health.json()["cache"]["evictions"] >= len(sids) - 1
    pd.testing.assert_frame_equal(again, first)
    assert peak <= budget + FIXED_OVERHEAD_MB, f"peak {peak:.0f} MB"
