"""What an apply tells its caller when verification cannot confirm it: a mismatch rolls the
changes back (``on_error="rollback"``), a failed re-read after a full success is reported as
``applied-unverified`` with its audit record, never raised as a bare transport error."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from helpers import TOKEN, SdkViaClient, small_inputs, state

from origin_frames import ApplyError, Emulator, OriginFrames
from origin_frames._apply import apply_plan

_READERS = ("technologies", "demand", "commodities", "interconnectors")


class _ReadsElsewhere:
    """A client that mutates through ``writer`` but reads cells through ``reader``
    (another scenario, or a server that is gone): what verification sees is then not what
    apply wrote."""

    def __init__(self, writer: OriginFrames, reader: OriginFrames, sid: str | None) -> None:
        self._writer, self._reader, self._sid = writer, reader, sid
        self.transport = writer.transport

    def __getattr__(self, name: str) -> Any:
        if name in _READERS:
            method = getattr(self._reader, name)
            return lambda sid, *a, **k: method(self._sid or sid, *a, **k)
        return getattr(self._writer, name)


@pytest.fixture
def setup(emulator: Emulator):
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False) as client:  # fmt: skip
        maker = SdkViaClient(client)
        sid, other = maker.new_scenario(), maker.new_scenario()
        before = small_inputs(client, sid)
        edit = before[before["domain"] == "commodity"].head(6).copy()
        edit["value"] = edit["value"] * 1.5
        yield client, sid, other, before, client.plan(sid, edit)


def test_verification_mismatch_rolls_the_applied_calls_back(setup):
    client, sid, other, before, plan = setup
    # Verification reads the untouched twin scenario: every applied cell looks wrong.
    with pytest.raises(ApplyError, match="rolled back") as info:
        apply_plan(_ReadsElsewhere(client, client, other), plan, progress=False)
    result = info.value.result
    assert result.outcome == "rolled-back"
    assert set(result.calls["status"]) == {"rolled_back"}
    pd.testing.assert_frame_equal(state(small_inputs(client, sid)), state(before), rtol=1e-9)


def test_verification_mismatch_under_stop_leaves_the_changes_and_says_partial(setup):
    client, sid, other, before, plan = setup
    with pytest.raises(ApplyError, match="do not hold their planned value") as info:
        apply_plan(_ReadsElsewhere(client, client, other), plan, on_error="stop",
                   progress=False)  # fmt: skip
    assert info.value.result.outcome == "partial"
    assert len(client.plan(sid, plan.to_frame().rename(columns={"after": "value"}))) == 0


def test_failed_verification_read_after_success_is_reported_not_raised(setup, tmp_path):
    client, sid, _other, _before, plan = setup
    with Emulator() as gone:
        url = gone.url
    with OriginFrames(TOKEN, url + "/scenarioExplr", url + "/modelInputs", progress=False,
                      max_retries=0, timeout=1.0) as dead:  # fmt: skip
        audit = tmp_path / "audit.parquet"
        result = apply_plan(_ReadsElsewhere(client, dead, None), plan, progress=False,
                            audit=audit)  # fmt: skip
    assert result.outcome == "applied-unverified"
    assert result.verified is None and "re-read failed" in (result.verify_error or "")
    assert set(result.calls["status"]) == {"applied"}
    assert "outcome=applied-unverified" in repr(result)
    record = pd.read_parquet(audit)
    assert record["status"].tolist() == ["unverified"]
    assert record["outcome"].tolist() == ["applied-unverified"]
    # The changes did go in: re-planning the edit on the real server finds nothing.
    assert len(client.plan(sid, plan.to_frame().rename(columns={"after": "value"}))) == 0
