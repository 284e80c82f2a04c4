"""Randomized bulk applies under injected faults of both kinds: requests that fail before
they execute (502/503/dropped) and requests that execute and lose their answer. Every apply
must end fully applied or fully rolled back, never partial, and what it returns or raises
must say which. The truth is read back from the server after each apply.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import TOKEN, SdkViaClient

from origin_frames import ApplyError, Emulator, OriginError, OriginFrames, _diff
from origin_frames._apply import apply_plan
from origin_frames._plan import build_plan, read_current

FAULT_RATE = 0.2  # of each kind


class _Transports:
    """Reads (the transforms log) through a retrying transport, mutations through one that
    never retries, so the injected faults reach apply itself."""

    def __init__(self, reader: OriginFrames, mutator: OriginFrames) -> None:
        self.graphql = reader.transport.graphql
        self.graphql_raw = mutator.transport.graphql_raw


class _SplitClient:
    """The reader's methods, with the split transport."""

    def __init__(self, reader: OriginFrames, mutator: OriginFrames) -> None:
        self._reader = reader
        self.transport = _Transports(reader, mutator)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _universe(client: OriginFrames, sid: str) -> pd.DataFrame:
    """Cells the applies draw from: gbr commodities and CCGT capex/opex (two domains, so
    that each apply reads little: the reads, validated frames, dominate the run time)."""
    frames = [
        client.commodities(sid, regions=["gbr"]),
        client.technologies(sid, regions=["gbr"], technologies=["CCGT"]),
    ]
    cells = pd.concat([_diff.flatten(f) for f in frames], ignore_index=True)
    keep = (cells["domain"] != "technology") | cells["variable"].isin(["capex", "opex"])
    return cells[keep.to_numpy() & cells["original"].notna().to_numpy()].reset_index(drop=True)


def _truth(reader: OriginFrames, sid: str, cells: pd.DataFrame) -> str:
    """What the server holds for the plan's cells: ``applied``, ``unchanged`` or ``partial``."""
    current = read_current(reader, sid, cells)
    pos, _ = _diff.align(cells, current)
    assert (pos >= 0).all()
    now = current["value"].to_numpy(dtype=np.float64)[pos]
    if _diff._same(now, cells["after"].to_numpy()).all():
        return "applied"
    if _diff._same(now, cells["before"].to_numpy()).all():
        return "unchanged"
    return "partial"


def _one_apply(rng: np.random.Generator, universe: pd.DataFrame, reader: OriginFrames,
               client: Any, sid: str) -> tuple[str, str]:  # fmt: skip
    """One randomized apply: (what it reported, what the server holds)."""
    rows = universe.sample(int(rng.integers(3, 25)), random_state=rng)
    edit = rows.assign(value=rows["original"] * rng.uniform(0.8, 1.2, len(rows)))
    plan = build_plan(reader, sid, edit)
    if not plan:
        return "nothing-to-do", "unchanged"
    try:
        result = apply_plan(client, plan, batch_size=int(rng.integers(1, 6)),
                            retries=int(rng.integers(0, 3)), progress=False,
                            sleep=lambda s: None)  # fmt: skip
        reported = result.outcome
    except ApplyError as exc:
        reported = exc.result.outcome
    except OriginError:  # a pre-check read failed for good: nothing was sent
        reported = "refused"
    return reported, _truth(reader, sid, plan.cells)


_AGREE = {
    "applied": "applied",
    "applied-unverified": "applied",
    "rolled-back": "unchanged",
    "not-applied": "unchanged",
    "refused": "unchanged",
    "nothing-to-do": "unchanged",
}


def run_applies(n: int, seed: int) -> Counter[str]:
    """``n`` randomized applies against one faulty emulator; counts of reported outcomes."""
    counts: Counter[str] = Counter()
    rng = np.random.default_rng(seed)
    with Emulator(fail_rate=FAULT_RATE, fail_after_rate=FAULT_RATE, seed=seed) as emu:
        urls = (emu.scenario_base_url, emu.inputs_base_url)
        with OriginFrames(TOKEN, *urls, progress=False, max_retries=10,
                          backoff_base=0.001) as reader, \
             OriginFrames(TOKEN, *urls, progress=False, max_retries=0) as mutator:
            sid = SdkViaClient(reader).new_scenario()
            universe = _universe(reader, sid)
            client = _SplitClient(reader, mutator)
            for i in range(n):
                reported, truth = _one_apply(rng, universe, reader, client, sid)
                assert truth != "partial", f"apply {i} left the scenario partly changed"
                assert _AGREE[reported] == truth, f"apply {i}: reported {reported}, {truth}"
                counts[reported] += 1
    counts["partial"] += 0
    return counts


def test_applies_under_both_fault_kinds_end_applied_or_rolled_back():
    counts = run_applies(8, seed=5)
    assert counts["partial"] == 0
    assert counts["rolled-back"] and (counts["applied"] + counts["applied-unverified"])


@pytest.mark.slow
def test_hundred_randomized_bulk_applies_under_faults_never_end_partial():
    counts = run_applies(100, seed=2026)
    print(f"\nfault figures (100 applies, {FAULT_RATE:.0%} before + {FAULT_RATE:.0%} after):",
          dict(sorted(counts.items())))  # fmt: skip
    assert sum(counts.values()) == 100 and counts["partial"] == 0
    assert counts["rolled-back"] >= 10 and counts["applied"] >= 10
