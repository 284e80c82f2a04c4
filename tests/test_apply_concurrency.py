"""Apply sends batches concurrently (``concurrency`` in flight) with the sequential safety
rules: after a failure nothing new goes out, what was in flight counts, and rollback
restores everything that was or may have been applied. Real HTTP to the emulator; the
transport is wrapped only to count requests in flight and to lose one call's answer."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import demand_rows, new_scenario, small_inputs, state

from origin_frames import ApplyError, OriginFrames
from origin_frames._apply import apply_plan
from origin_frames._exceptions import TransportError
from origin_frames._plan import Plan, build_plan

_WAIT_S = 10.0


class _Gate:
    """The client's transport, counting mutations in flight. ``lose``: the forward request
    of that call fails as if its answer was lost, and every other mutation waits until it
    has. ``together``: the first that many mutations must all be in flight at once."""

    def __init__(self, client: OriginFrames, lose: dict[str, Any] | None = None,
                 together: int = 0, slow: str | None = None) -> None:  # fmt: skip
        self.graphql = client.transport.graphql
        self._slow = slow
        self._raw = client.transport.graphql_raw
        self._lose, self._lost = lose, threading.Event()
        self._barrier = threading.Barrier(together, timeout=_WAIT_S) if together else None
        self._lock = threading.Lock()
        self.sent = self.in_flight = self.most = 0

    def graphql_raw(self, service: Any, document: str, variables: dict[str, Any],
                    **options: Any) -> Any:  # fmt: skip
        call = {name[:-1]: value for name, value in variables.items()}  # batch_size=1: m0
        if self._lose is not None and call == self._lose:
            self._lost.set()
            raise TransportError("injected: the answer never arrived")
        if self._lose is not None:
            assert self._lost.wait(_WAIT_S)
        if (self._slow is not None and "updateDemandVariable(" in document
                and variables.get("variable0") == self._slow):
            time.sleep(0.3)  # so that anything sent alongside would land first
        with self._lock:
            self.sent += 1
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            first = self.sent <= (self._barrier.parties if self._barrier else 0)
        try:
            if first and self._barrier is not None:
                self._barrier.wait()  # BrokenBarrierError unless that many are in flight
            return self._raw(service, document, variables, **options)
        finally:
            with self._lock:
                self.in_flight -= 1


class _Gated:
    """The client, its mutations through a gate."""

    def __init__(self, client: OriginFrames, gate: _Gate) -> None:
        self._client = client
        self.transport = gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _plan(client: OriginFrames, sid: str) -> tuple[pd.DataFrame, Plan]:
    """The current small inputs and a plan changing them in at least 8 calls (none of
    system ``totalDemand``, whose calls go out alone, before the others)."""
    before = small_inputs(client, sid)
    edit = before.groupby(["domain", "variable"], observed=True).head(4)
    drives = (edit["domain"] == "demand") & (edit["variable"] == "totalDemand")
    edit = edit[~drives].copy()
    edit["value"] = edit["value"] * 0.9
    plan = build_plan(client, sid, edit)
    assert len(plan.calls) >= 8
    return before, plan


def test_batches_go_out_concurrently_by_default_and_apply_everything(client, sdk):
    sid = new_scenario(sdk)
    _before, plan = _plan(client, sid)
    gate = _Gate(client, together=client.settings.concurrency)
    result = apply_plan(_Gated(client, gate), plan, batch_size=1, progress=False)
    assert result.outcome == "applied" and result.verified
    assert gate.most == client.settings.concurrency == 4
    assert sorted(result.calls["batch"]) == list(range(len(plan.calls)))


def test_concurrency_one_sends_one_request_at_a_time(client, sdk):
    sid = new_scenario(sdk)
    _before, plan = _plan(client, sid)
    gate = _Gate(client)
    result = apply_plan(_Gated(client, gate), plan, batch_size=1, concurrency=1,
                        progress=False)
    assert result.outcome == "applied"
    assert gate.most == 1 and gate.sent == len(plan.calls)


def test_stop_waits_for_the_batch_in_flight_and_sends_nothing_new(client, sdk):
    sid = new_scenario(sdk)
    _before, plan = _plan(client, sid)
    gate = _Gate(client, lose=plan.calls["variables"].iloc[0])
    with pytest.raises(ApplyError) as info:
        apply_plan(_Gated(client, gate), plan, batch_size=1, concurrency=2, retries=0,
                   on_error="stop", progress=False, sleep=lambda s: None)
    status = info.value.result.calls["status"].tolist()
    # Call 1 was in flight (held until call 0 failed): it counts; nothing after it went out.
    assert status[:2] == ["in_doubt", "applied"]
    assert set(status[2:]) == {"not_sent"}
    assert info.value.result.outcome == "partial"


def test_rollback_restores_what_was_in_flight_too(client, sdk):
    sid = new_scenario(sdk)
    before, plan = _plan(client, sid)
    gate = _Gate(client, lose=plan.calls["variables"].iloc[0])
    with pytest.raises(ApplyError) as info:
        apply_plan(_Gated(client, gate), plan, batch_size=1, concurrency=3, retries=0,
                   progress=False, sleep=lambda s: None)
    result = info.value.result
    status = result.calls["status"].tolist()
    assert status[:3] == ["rolled_back"] * 3 and set(status[3:]) == {"not_sent"}
    assert result.outcome == "rolled-back" and result.verified
    pd.testing.assert_frame_equal(state(small_inputs(client, sid)), state(before), rtol=1e-9)


def test_concurrency_below_one_is_refused(client, sdk):
    sid = new_scenario(sdk)
    _before, plan = _plan(client, sid)
    with pytest.raises(ValueError, match="concurrency"):
        apply_plan(client, plan, concurrency=0, progress=False)


def test_total_demand_lands_before_the_components_it_would_rescale(client, sdk):
    sid = new_scenario(sdk)
    demand = demand_rows(client, sid, ["gbr"])
    total = ((demand["domain"] == "demand") & (demand["variable"] == "totalDemand")
             & demand["year"].isin([2030, 2031]))  # fmt: skip
    base = (demand["domain"] == "demand") & (demand["variable"] == "baseDemand")
    edited = demand.copy()
    edited.loc[total, "value"] = edited.loc[total, "value"] * 1.2
    plan = build_plan(client, sid, edited)
    assert "pinned" in set(plan.cells["change"]) and len(plan.calls) >= 3
    gate = _Gate(client, slow="totalDemand")
    result = apply_plan(_Gated(client, gate), plan, batch_size=1, concurrency=4,
                        progress=False)
    assert result.outcome == "applied" and result.verified
    now = demand_rows(client, sid, ["gbr"])
    np.testing.assert_allclose(now.loc[base, "value"], demand.loc[base, "value"])
    np.testing.assert_allclose(now.loc[total, "value"], demand.loc[total, "value"] * 1.2)
