"""apply_plan's batching, retry, rollback and audit logic against a transport stub.

The stub keeps cells in memory and applies each aliased mutation's ``tx`` the way the
service does (a transform replaces the previous one; a null value clears it), so these
tests pin down the control flow; the end-to-end proofs run against the emulator in
``test_apply.py``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import SYNTHETIC_CONFIG, SYNTHETIC_SID, synthetic_current

from origin_frames import _diff
from origin_frames._apply import apply_plan, stale_cells
from origin_frames._exceptions import ApplyError, ServerError, StalePlanError
from origin_frames._plan import build_plan

_ALIAS = re.compile(r"(m\d+): (\w+)\(")


class StubTransport:
    """Applies aliased mutations to a flat cell frame; can fail aliases or whole requests."""

    def __init__(self, state: pd.DataFrame) -> None:
        self.state = state
        self.fail_aliases: set[int] = set()
        self.fail_requests: set[int] = set()
        self.requests = 0
        self.documents: list[str] = []

    def graphql_raw(self, service: str, document: str, variables: dict[str, Any]) -> dict:
        assert service == "inputs"
        self.requests += 1
        self.documents.append(document)
        if self.requests in self.fail_requests:
            raise ServerError("HTTP 503 after retries", status=503)
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for alias, field in _ALIAS.findall(document):
            i = int(alias[1:])
            if i in self.fail_aliases:
                data[alias] = None
                errors.append({"message": f"boom {alias}", "path": [alias]})
                continue
            mine = {k[: -len(str(i))]: v for k, v in variables.items()
                    if k.endswith(str(i)) and not k[: -len(str(i))][-1:].isdigit()}
            self._apply(field, mine)
            data[alias] = {"ok": True}
        self.fail_aliases = set()  # an alias fails in one request only
        return {"data": data, "errors": errors}

    def _apply(self, field: str, v: dict[str, Any]) -> None:
        s = self.state
        if field.startswith("update") and "Technology" in field and "Demand" not in field:
            mask = (s["technology"] == v["name"]) & (s["region"] == v["region"]) & (
                s["variable"] == v["parameter"]
            )
        elif field == "updateDemandVariable":
            mask = s["region"].isin(v["regions"]) & (s["variable"] == v["variable"]) & (
                s["domain"] == "demand"
            )
        elif field == "updateCommodity":
            mask = s["region"].isin(v["regions"]) & (s["technology"] == v["commodity"])
        else:
            raise AssertionError(field)
        for item in v["tx"]:
            year = item["year"]
            cell = mask & (s["year"].isna() if year is None else s["year"] == year)
            if item.get("month") is not None:
                cell &= s["month"] == item["month"]
            t = item["transform"]
            neutral = t["value"] is None
            s.loc[cell, "transform_type"] = None if neutral else t["type"]
            s.loc[cell, "transform_value"] = np.nan if neutral else t["value"]
        s["value"] = _diff.effective(s["original"].to_numpy(), s["transform_type"].to_numpy(
            dtype=object), s["transform_value"].to_numpy())


class StubClient:
    """The duck-typed client surface apply_plan needs."""

    def __init__(self) -> None:
        state = synthetic_current().reset_index()
        for name in ("region", "technology", "domain", "variable", "kind", "transform_type"):
            state[name] = state[name].astype(object)
        self.transport = StubTransport(state)

    def inputs_config(self) -> dict:
        return SYNTHETIC_CONFIG

    def _frame(self, domain: str) -> pd.DataFrame:
        s = self.transport.state
        return s[s["domain"] == domain].set_index(["region", "technology", "year"])

    def technologies(self, sid, regions=None, technologies=None, sub_keys=True):
        return self._frame("technology")

    def demand(self, sid, regions=None):
        return self._frame("demand")

    def commodities(self, sid, regions=None, commodities=None, native_units=False):
        return self._frame("commodity")

    def interconnectors(self, sid, regions=None):
        return self._frame("interconnector")


def _edit(client: StubClient) -> pd.DataFrame:
    """Capex +10 % everywhere and gas price +1 in every region: 4 calls."""
    cur = client.transport.state
    edit = cur[cur["variable"].isin(["capex", "price"])].copy()
    edit["value"] = np.where(edit["variable"] == "capex", edit["value"] * 1.1,
                             edit["value"] + 1)
    return edit


def _snapshot(client: StubClient) -> pd.DataFrame:
    """Effective values and transforms, a neutral Delta 0 counting as no transform."""
    s = client.transport.state
    tt, tv = _diff._neutral_to_null(s["transform_type"].to_numpy(dtype=object),
                                    s["transform_value"].to_numpy())
    return pd.DataFrame({"transform_type": pd.Series(tt).where(pd.notna(tt), None),
                         "transform_value": tv, "value": s["value"].to_numpy()})


def test_apply_sends_batches_and_state_matches_the_plan():
    client = StubClient()
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    result = apply_plan(client, plan, batch_size=2, progress=False)
    assert result.ok and result.verified
    assert client.transport.requests == 2
    assert (result.calls["status"] == "applied").all()
    again = build_plan(client, SYNTHETIC_SID, client.transport.state)
    assert len(again) == 0


def test_batch_size_one_sends_one_call_per_request():
    client = StubClient()
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    apply_plan(client, plan, batch_size=1, progress=False)
    assert client.transport.requests == len(plan.calls)
    assert all(doc.count("m0:") == 1 and "m1:" not in doc for doc in client.transport.documents)


def test_failed_alias_rolls_back_the_calls_that_succeeded():
    client = StubClient()
    before = _snapshot(client)
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    client.transport.fail_aliases = {1}
    with pytest.raises(ApplyError) as info:
        apply_plan(client, plan, batch_size=10, progress=False)
    calls = info.value.result.calls
    assert calls["status"].tolist().count("failed") == 1
    assert set(calls["status"]) == {"failed", "rolled_back"}
    pd.testing.assert_frame_equal(_snapshot(client), before)


@pytest.mark.parametrize(
    ("on_error", "expected"),
    [
        # A request that never got an answer may have executed: its calls are in doubt.
        pytest.param("stop", {"applied", "in_doubt", "not_sent"}, id="stop"),
        pytest.param("continue", {"applied", "in_doubt"}, id="continue"),
    ],
)
def test_stop_and_continue_leave_what_succeeded(on_error, expected):
    client = StubClient()
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    client.transport.fail_requests = {2, 3, 4}  # the second batch fails through every retry
    with pytest.raises(ApplyError) as info:
        apply_plan(client, plan, batch_size=1, on_error=on_error, progress=False,
                   sleep=lambda s: None)
    assert set(info.value.result.calls["status"]) == expected
    assert info.value.result.outcome == "partial"
    assert info.value.result.calls.loc[1, "attempts"] == 3


def test_transient_batch_failure_is_retried_and_succeeds():
    client = StubClient()
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    client.transport.fail_requests = {1}
    result = apply_plan(client, plan, progress=False, sleep=lambda s: None)
    assert result.ok
    assert result.calls["attempts"].tolist() == [2] * len(plan.calls)


def test_stale_plan_is_refused_unless_forced():
    client = StubClient()
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    state = client.transport.state
    first = state.index[state["variable"] == "capex"][0]
    state.loc[first, ["transform_type", "transform_value", "value"]] = ["Absolute", 1.0, 1.0]
    assert len(stale_cells(client, plan)) == 1
    requests = client.transport.requests
    with pytest.raises(StalePlanError):
        apply_plan(client, plan, progress=False)
    assert client.transport.requests == requests
    assert apply_plan(client, plan, force=True, progress=False).ok


def test_audit_appends_one_parquet_record_per_apply(tmp_path):
    client = StubClient()
    path = tmp_path / "audit.parquet"
    plan = build_plan(client, SYNTHETIC_SID, _edit(client))
    apply_plan(client, plan, audit=path, progress=False)
    apply_plan(client, build_plan(client, SYNTHETIC_SID, client.transport.state), audit=path)
    audit = pd.read_parquet(path)
    assert audit["n_cells"].tolist() == [len(plan), 0]
    assert audit["base_fingerprint"].iloc[0] == plan.fingerprint
    assert audit["scenario_id"].unique().tolist() == [SYNTHETIC_SID]
