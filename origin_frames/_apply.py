"""Applying a plan: stale check, batched aliased mutations, rollback, verification, audit.

Every mutation ``origin_frames`` sends is idempotent per cell (a transform replaces the
previous one), so a batch that failed in transit is simply sent again, a bounded number of
times. A batch that failed for good marks its calls failed; what happens next is
``on_error``: ``"rollback"`` (default) re-sends the before-state of every call that
succeeded, ``"stop"`` sends nothing more, ``"continue"`` sends the remaining batches.
Batches go out ``concurrency`` at a time: after a failure no new batch is sent, and the
batches already in flight are waited for, their calls counted applied, failed or in doubt
like any other, before anything is rolled back.

Rollback restores each cell's prior transform; where a cell had none it sends a null value
for technology inputs (``OptionalYearlyNumberItemInput`` clears the transform) and the
neutral ``Delta 0`` for the other domains, whose ``tx`` items do not accept null.

A batch whose answer never arrived (timeout, dropped connection, 5xx after the retries) may
have been executed: its calls are ``in_doubt`` and rollback treats them as applied (sending
a before-state that already holds is harmless). Verification that finds different values
rolls back too; a verification re-read that fails after a full success is reported
(``outcome == "applied-unverified"``), not raised, so the caller knows the changes went in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import _diff, _mutations
from ._contract import KEY
from ._exceptions import (
    ApplyError,
    AuthenticationError,
    OriginError,
    PermissionDeniedError,
    PlanError,
    StalePlanError,
    TransportError,
    sentence,
)
from ._plan import Plan, check_rules, log_mark, read_current
from ._reader import CurrentReader, Sender

OnError = Literal["rollback", "stop", "continue"]
DEFAULT_BATCH_SIZE = 50
#: Batches in flight at once for a client without a ``settings.concurrency`` of its own.
_SEQUENTIAL = 1
#: Extra attempts of a whole batch after the transport's own retries gave up.
_BATCH_RETRIES = 2
_ROLLBACK_RETRIES = 10
_RETRY_PAUSE_S = 0.2
_MAX_ERROR_TEXT = 300

STATUS_COLUMNS: tuple[str, ...] = (
    "call_id",
    "mutation",
    "domain",
    "kind",
    "regions",
    "technology",
    "variable",
    "sub_region",
    "sub_technology",
    "subsidy",
    "n_cells",
    "batch",
    "attempts",
    "status",
    "error",
)


@dataclass
class ApplyResult:
    """What an apply did, call by call.

    Attributes:
        scenario_id: The scenario changed.
        calls: One row per planned call, keyed by the input keys, with ``batch``,
            ``attempts``, ``status`` (``applied``; ``failed``: refused, not applied;
            ``in_doubt``: the answer was lost, it may have been applied; ``not_sent``;
            ``rolled_back``; ``rollback_failed``) and ``error``.
        mismatches: Cells whose re-read value differs from the planned one (verify).
        verified: True when every applied cell was re-read with its planned value (or,
            after a rollback, with its before-value); None when verification was off,
            nothing was applied, or the re-read failed (see ``verify_error``).
        verify_error: Why the verification re-read failed, else None.
        started_at, finished_at: ISO-8601 UTC times.
        requests: GraphQL requests sent (including retries and rollback).
        fingerprint: The plan's base fingerprint.
    """

    scenario_id: str
    calls: pd.DataFrame
    started_at: str
    finished_at: str = ""
    requests: int = 0
    verified: bool | None = None
    mismatches: pd.DataFrame = field(default_factory=pd.DataFrame)
    fingerprint: str = ""
    verify_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every call was applied (and verified, when verification ran)."""
        return bool((self.calls["status"] == "applied").all()) and self.verified is not False

    @property
    def outcome(self) -> str:
        """What the scenario holds now, in one word.

        ``"applied"`` (every call, verified when asked), ``"applied-unverified"`` (every
        call applied, the verification re-read failed), ``"rolled-back"`` (what was or may
        have been applied was restored), ``"not-applied"`` (nothing was applied),
        ``"partial"`` (some changes are in, some not: see :attr:`calls`).
        """
        status = set(self.calls["status"].tolist())
        if status <= {"applied"}:
            if self.verified is False:
                return "partial"
            return "applied-unverified" if self.verify_error else "applied"
        if status & {"applied", "in_doubt", "rollback_failed"}:
            return "partial"
        return "rolled-back" if "rolled_back" in status else "not-applied"

    def counts(self) -> dict[str, int]:
        """Calls per status."""
        return {str(k): int(v) for k, v in self.calls["status"].value_counts().items()}

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts().items()))
        return (
            f"ApplyResult(scenario={self.scenario_id!r}, {len(self.calls)} calls [{counts}], "
            f"requests={self.requests}, verified={self.verified}, outcome={self.outcome})"
        )


# --------------------------------------------------------------------------------------------
# sending
# --------------------------------------------------------------------------------------------
def _short(text: str) -> str:
    """An error text cut to a readable length."""
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."


def _send_batch(
    transport: Any, calls: list[tuple[str, dict[str, Any], str]], retries: int,
    sleep: Callable[[float], None],
) -> tuple[list[str | None], int, bool]:
    """Sends one aliased batch: per call None (applied) or an error text; attempts made;
    and whether the outcome is in doubt (no answer ever arrived, so it may have executed).

    Error texts come from answers that passed the transport's redaction boundary.
    """
    document, variables = _mutations.batch(calls)
    attempts = 0
    last_error = "not sent"
    for attempt in range(retries + 1):
        attempts += 1
        try:
            answer = transport.graphql_raw("inputs", document, variables)
        except (AuthenticationError, PermissionDeniedError) as exc:
            return [_short(str(exc))] * len(calls), attempts, False
        except (TransportError, OriginError) as exc:
            last_error = _short(str(exc))
            if attempt < retries:
                sleep(_RETRY_PAUSE_S * (attempt + 1))
            continue
        data = answer.get("data") or {}
        errors = answer.get("errors") or []
        outcome: list[str | None] = [None] * len(calls)
        batch_wide: list[str] = []
        for error in errors:
            path = error.get("path") or []
            alias = str(path[0]) if path else ""
            if alias.startswith("m") and alias[1:].isdigit() and int(alias[1:]) < len(calls):
                i = int(alias[1:])
                outcome[i] = _short(str(error.get("message", "error")))
            else:
                batch_wide.append(_short(str(error.get("message", "error"))))
        for i in range(len(calls)):
            if outcome[i] is None and batch_wide:
                outcome[i] = "; ".join(batch_wide)
            elif outcome[i] is None and data.get(f"m{i}") is None:
                outcome[i] = "the service answered no data for this call"
        return outcome, attempts, False
    return [last_error] * len(calls), attempts, True


def _batches(n: int, size: int) -> list[range]:
    """Consecutive index ranges of at most ``size``."""
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


Sendable = list[tuple[str, dict[str, Any], str]]
BatchOutcome = tuple[list[str | None], int, bool]


def _sendable(calls: pd.DataFrame, size: int) -> list[Sendable]:
    """The calls cut into batches of ``(mutation, variables, selection)``."""
    sel = _mutations.BATCH_SELECTION
    out = [(m, v, sel) for m, v in zip(calls["mutation"], calls["variables"], strict=True)]
    return [out[r.start : r.stop] for r in _batches(len(out), size)]


def _leading_batches(calls: pd.DataFrame, size: int) -> int:
    """How many batches hold the leading calls that change other cells on the server
    (``_diff.drives_others``): they are answered before any later batch goes out."""
    drives = _diff.drives_others(calls["domain"].to_numpy(), calls["variable"].to_numpy())
    lead = len(drives) if drives.all() else int(np.argmin(drives))
    return -(-lead // size)


def _send_in_order(
    transport: Any, batches: list[Sendable], lead: int, how: _Sending, retries: int,
    keep_going: Callable[[], bool],
) -> Iterator[tuple[int, BatchOutcome]]:
    """``_send_batches`` in two waves: the first ``lead`` batches, every one answered, then
    the rest (``concurrency`` in flight in each)."""
    yield from _send_batches(
        transport, batches[:lead], retries, how.sleep, how.concurrency, keep_going
    )
    rest = _send_batches(
        transport, batches[lead:], retries, how.sleep, how.concurrency, keep_going
    )
    for b, outcome in rest:
        yield lead + b, outcome


def _send_batches(
    transport: Any, batches: list[Sendable], retries: int, sleep: Callable[[float], None],
    concurrency: int, keep_going: Callable[[], bool],
) -> Iterator[tuple[int, BatchOutcome]]:
    """Sends the batches, at most ``concurrency`` in flight, and yields ``(index, outcome)``
    of each (see ``_send_batch``) as its answer arrives.

    ``keep_going`` is asked before each new batch goes out; once it says no, nothing more
    is sent, but the batches already in flight are waited for and yielded: their calls may
    have been applied, and the caller has to know that before it rolls anything back. Each
    wait is bounded by the transport's own per-request deadlines and the retry count.
    """
    if concurrency <= 1 or len(batches) <= 1:
        for b, calls in enumerate(batches):
            if not keep_going():
                return
            yield b, _send_batch(transport, calls, retries, sleep)
        return
    workers = min(concurrency, len(batches))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="origin-apply") as pool:
        pending: dict[Future[BatchOutcome], int] = {}
        following = 0
        while True:
            while following < len(batches) and len(pending) < workers and keep_going():
                future = pool.submit(_send_batch, transport, batches[following], retries, sleep)
                pending[future] = following
                following += 1
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                yield pending.pop(future), future.result()


def _progress(total: int, progress: bool | None, desc: str) -> Any:
    """A tqdm bar (None: shown only on a terminal)."""
    from tqdm.auto import tqdm

    disable = None if progress is None else not progress
    return tqdm(total=total, desc=desc, unit="cell", disable=disable, leave=False)


# --------------------------------------------------------------------------------------------
# stale check and verification
# --------------------------------------------------------------------------------------------
def _current_for(
    client: CurrentReader, plan: Plan, cells: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Re-reads the touched cells; returns the current frame and each cell's position."""
    current = read_current(client, plan.scenario_id, cells)
    pos, _dup = _diff.align(cells, current)
    return current, pos


def _value_at(current: pd.DataFrame, pos: np.ndarray, column: str) -> np.ndarray:
    """A float column of ``current`` at positions (NaN where missing)."""
    values = current[column].to_numpy(dtype=np.float64) if len(current) else np.array([])
    out = np.full(len(pos), np.nan)
    found = pos >= 0
    out[found] = values[pos[found]]
    return out


def stale_cells(client: CurrentReader, plan: Plan) -> pd.DataFrame:
    """Touched cells whose server state no longer matches the plan's before-state.

    Args:
        client: The client.
        plan: The plan.

    Returns:
        The stale cells (key, planned ``before`` and ``after``, ``now``); empty when the
        plan is fresh.

    Raises:
        OriginError: when the re-read fails (via the client).

    Example:
        >>> links = client.get_interconnectors(sid, "gbr", "fra")
        >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
        >>> stale_cells(client, plan).empty
        True
    """
    cells = plan.cells
    if len(cells) == 0:
        return cells.iloc[0:0]
    current, pos = _current_for(client, plan, cells)
    now = _value_at(current, pos, "value")
    now_tv = _value_at(current, pos, "transform_value")
    now_tt = np.full(len(pos), None, dtype=object)
    if len(current):
        tt = current["transform_type"].astype(object).to_numpy()
        now_tt[pos >= 0] = tt[pos[pos >= 0]]
    now_tt[pd.isna(now_tt)] = None
    before_tt = cells["before_type"].to_numpy(dtype=object, copy=True)
    before_tt[pd.isna(before_tt)] = None
    # ``original`` too: the limits were checked on an ``after`` computed from it.
    same = (
        (pos >= 0)
        & _diff._same(_value_at(current, pos, "original"), cells["original"].to_numpy())
        & _diff._same(now, cells["before"].to_numpy())
        & _diff._same(now_tv, cells["before_value"].to_numpy())
        & (now_tt == before_tt)
    )
    stale = cells.loc[~same, [*KEY, "before", "after"]].copy()
    stale["now"] = now[~same]
    return stale.reset_index(drop=True)


def _stale_error(plan: Plan, stale: pd.DataFrame) -> StalePlanError:
    """The error of a stale plan; one already applied says so rather than blame the server."""
    applied = len(stale) == len(plan.cells) and bool(
        _diff._same(stale["now"].to_numpy(), stale["after"].to_numpy()).all()
    )
    if applied:
        err = StalePlanError(
            f"This plan was already applied: all {len(stale)} of its cells hold their planned "
            "values; nothing was sent. Plan again to change them further."
        )
    else:
        err = StalePlanError(
            f"{len(stale)} of the plan's {len(plan)} cells changed on the server since planning "
            "(the error's report lists them with the planned and current values); nothing was "
            "sent. Re-plan, or apply with force=True."
        )
    err.report = stale  # type: ignore[attr-defined]
    err.already_applied = applied  # type: ignore[attr-defined]
    return err


def _verify(
    client: CurrentReader, plan: Plan, call_ids: set[int], expected: str = "after"
) -> pd.DataFrame:
    """Cells of the given calls whose re-read effective value differs from ``expected``
    (``after`` once applied, ``before`` once rolled back), with ``call_id`` and ``now``."""
    cells = plan.cells[plan.cells["call_id"].isin(call_ids)]
    if len(cells) == 0:
        return cells.iloc[0:0]
    current, pos = _current_for(client, plan, cells)
    now = _value_at(current, pos, "value")
    bad = ~_diff._same(now, cells[expected].to_numpy())
    out = cells.loc[bad, [*KEY, "call_id", expected]].copy()
    out["now"] = now[bad]
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# audit
# --------------------------------------------------------------------------------------------
_AUDIT_STATUS = {"applied": "ok", "applied-unverified": "unverified"}


def _audit(path: str | Path, plan: Plan, result: ApplyResult) -> None:
    """Appends one record (plan, results, times, scenario, fingerprint) to a Parquet file."""
    path = Path(path)
    record = pd.DataFrame(
        {
            "started_at": [result.started_at],
            "finished_at": [result.finished_at],
            "scenario_id": [plan.scenario_id],
            "base_fingerprint": [plan.fingerprint],
            "n_cells": [len(plan)],
            "n_calls": [len(plan.calls)],
            "status": [_AUDIT_STATUS.get(result.outcome, "failed")],
            "outcome": [result.outcome],
            "counts": [json.dumps(result.counts(), sort_keys=True)],
            "plan_cells": [plan.cells.drop(columns=["row"]).to_json(orient="records")],
            "results": [
                result.calls.drop(columns=["regions"]).assign(
                    regions=result.calls["regions"].map(list)
                ).to_json(orient="records")
            ],
        }
    )
    if path.exists():
        record = pd.concat([pd.read_parquet(path), record], ignore_index=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    record.to_parquet(tmp, index=False)
    tmp.replace(path)


# --------------------------------------------------------------------------------------------
# apply
# --------------------------------------------------------------------------------------------
@dataclass
class _Run:
    """Per-call state of one apply: the numpy columns of ``ApplyResult.calls``."""

    call_ids: np.ndarray
    status: np.ndarray
    error: np.ndarray
    attempts: np.ndarray
    batch: np.ndarray
    requests: int = 0

    @classmethod
    def for_calls(cls, calls: pd.DataFrame) -> _Run:
        n = len(calls)
        return cls(
            call_ids=calls["call_id"].to_numpy(dtype=np.int64),
            status=np.full(n, "not_sent", dtype=object),
            error=np.full(n, None, dtype=object),
            attempts=np.zeros(n, dtype=np.int64),
            batch=np.full(n, -1, dtype=np.int64),
        )

    def ids(self, *statuses: str) -> set[int]:
        """Call ids whose status is one of ``statuses``."""
        return set(self.call_ids[np.isin(self.status, statuses)].tolist())

    def failed(self) -> bool:
        """Whether any call failed or is in doubt."""
        return bool(np.isin(self.status, ("failed", "in_doubt")).any())

    def write(self, result: ApplyResult) -> None:
        """Copies the columns into the result's ``calls`` frame."""
        calls = result.calls
        calls["status"], calls["error"] = self.status, self.error
        calls["attempts"], calls["batch"] = self.attempts, self.batch
        result.requests = self.requests


def apply_plan(
    client: CurrentReader, plan: Plan, *, batch_size: int | None = None,
    on_error: OnError = "rollback", force: bool = False, verify: bool = True,
    audit: str | Path | None = None, progress: bool | None = None,
    retries: int = _BATCH_RETRIES, concurrency: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplyResult:  # fmt: skip
    """Sends a plan's calls, batched with aliases, and reports call by call.

    Before anything is sent, every validation rule (locks, read-only parameters, hard
    limits) is re-run with today's configuration and the touched cells are checked to still
    hold the planned before-state. Calls whose answer was lost are ``in_doubt``: rollback
    treats them as applied.

    Args:
        client: The client (``.transport.graphql_raw``, ``.inputs_config`` and the readers).
        plan: From ``build_plan`` (or ``Plan.from_json``).
        batch_size: Calls per GraphQL request (1 = one call per request; default 50).
        on_error: ``"rollback"`` (revert what was or may have been applied, then raise;
            also when verification finds different values), ``"stop"`` (send nothing
            more, then raise) or ``"continue"`` (send the rest, then raise).
        force: Apply even when the touched cells no longer hold the planned before-state.
        verify: Re-read the touched cells and compare with the planned values (after a
            rollback: with the before-values).
        audit: Parquet file to append an audit record to (written on every outcome).
        progress: tqdm bar: True/False, or None for "only on a terminal".
        retries: Extra attempts of a batch that failed in transit, after the transport's own
            retries (mutations are idempotent per cell, so re-sending is safe). Rollback
            batches get ``_ROLLBACK_RETRIES`` extra attempts.
        concurrency: Requests in flight at once (forward and rollback batches alike);
            default: the client's ``concurrency`` setting (4), 1 for a client without
            one. When a batch fails, no new batch goes out, but those already in flight
            are waited for and count (applied, failed or in doubt): under ``"stop"`` up to
            ``concurrency - 1`` batches after the failed one may have been applied.
        sleep: Pause between batch retries (tests pass a fake).

    Returns:
        The :class:`ApplyResult` (also attached to any :class:`ApplyError`); its
        ``outcome`` says what the scenario holds: ``"applied"``, or
        ``"applied-unverified"`` when the verification re-read failed (``verify_error``).

    Raises:
        ValidationError: a planned cell breaks today's rules; nothing was sent.
        StalePlanError: the server changed since planning (and ``force`` is False).
        ApplyError: some calls failed or were not verified; ``.result.outcome`` says
            whether the scenario was rolled back, left unchanged or partly changed.
        ValueError: bad ``on_error``, ``batch_size``, ``retries`` or ``concurrency``.

    Example:
        >>> links = client.get_interconnectors(sid, "gbr", "fra")
        >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
        >>> result = apply_plan(client, plan, batch_size=100)
        >>> result.outcome
        'applied'
    """
    plan = require_plan(plan)
    how = _check_options(client, on_error, batch_size, retries, concurrency, sleep)
    result, run = _start(plan)
    if plan:
        _check_before_sending(client, plan, force)
        _send_all(client.transport, plan.calls, run, how, on_error, retries, progress)
        _settle(client, plan, run, result, how, on_error, verify)
    return _finish(plan, result, run, audit)


def _start(plan: Plan) -> tuple[ApplyResult, _Run]:
    """The result (every call ``not_sent``, start time set) and the per-call state of a run."""
    started = datetime.now(UTC).isoformat(timespec="milliseconds")
    status = plan.calls.reindex(columns=list(STATUS_COLUMNS)).copy()
    result = ApplyResult(
        scenario_id=plan.scenario_id, calls=status, started_at=started,
        fingerprint=plan.fingerprint,
    )
    run = _Run.for_calls(status)
    run.write(result)
    return result, run


def _settle(
    client: CurrentReader, plan: Plan, run: _Run, result: ApplyResult, how: _Sending,
    on_error: str, verify: bool,
) -> None:  # fmt: skip
    """After sending: rolls back a failed run (``on_error="rollback"``), else verifies it."""
    if run.failed() and on_error == "rollback":
        _roll_back(client, plan, run, result, how, verify)
    elif verify and run.ids("applied"):
        _check_applied(client, plan, run, result, how, on_error)


def _finish(plan: Plan, result: ApplyResult, run: _Run, audit: str | Path | None) -> ApplyResult:
    """Closes the result, writes the audit record, and raises unless everything applied."""
    run.write(result)
    result.finished_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    if audit is not None:
        _audit(audit, plan, result)
    _raise_unless_applied(result, run)
    return result


@dataclass(frozen=True)
class _Sending:
    """How batches go out: calls per request, requests in flight, pause between retries."""

    size: int
    concurrency: int
    sleep: Callable[[float], None]


def _check_options(
    client: CurrentReader, on_error: str, batch_size: int | None, retries: int,
    concurrency: int | None, sleep: Callable[[float], None],
) -> _Sending:
    """How to send, after checking the options (concurrency: else the client's setting)."""
    if on_error not in ("rollback", "stop", "continue"):
        raise ValueError("on_error must be 'rollback', 'stop' or 'continue'.")
    size = DEFAULT_BATCH_SIZE if batch_size is None else int(batch_size)
    if size < 1:
        raise ValueError("batch_size must be 1 or more.")
    if not 0 <= retries <= 10:
        raise ValueError("retries must be between 0 and 10.")
    if concurrency is None:
        # Not part of the CurrentReader protocol: a stand-in client may have no settings.
        settings = getattr(client, "settings", None)
        concurrency = int(getattr(settings, "concurrency", _SEQUENTIAL))
    if int(concurrency) < 1:
        raise ValueError("concurrency must be 1 or more.")
    return _Sending(size, int(concurrency), sleep)


def _check_before_sending(client: CurrentReader, plan: Plan, force: bool) -> None:
    """Today's rules, then the stale check (skipped when the transforms log is unchanged)."""
    check_rules(plan.cells, client.inputs_config())
    if force:
        return
    # An unchanged transforms log proves the touched cells unchanged without re-reading them.
    if plan.log_mark is not None and log_mark(client, plan.scenario_id) == plan.log_mark:
        return
    stale = stale_cells(client, plan)
    if len(stale):
        raise _stale_error(plan, stale)


def _send_all(
    transport: Any, calls: pd.DataFrame, run: _Run, how: _Sending, on_error: str,
    retries: int, progress: bool | None,
) -> None:
    """Sends the calls, ``concurrency`` batches at a time, recording each call's status in
    ``run``; after a failure (``on_error`` other than ``continue``) nothing more goes out."""
    bar = _progress(int(calls["n_cells"].sum()), progress, "apply")
    cells = calls["n_cells"].to_numpy()
    batches = _sendable(calls, how.size)
    starts = _batches(len(calls), how.size)

    def keep_going() -> bool:
        return on_error == "continue" or not run.failed()

    try:
        lead = _leading_batches(calls, how.size)
        sent = _send_in_order(transport, batches, lead, how, retries, keep_going)
        for b, (outcome, tries, in_doubt) in sent:
            rows = starts[b]
            run.requests += tries
            lost = "in_doubt" if in_doubt else "failed"
            for i, error in zip(rows, outcome, strict=True):
                run.batch[i], run.attempts[i], run.error[i] = b, tries, error
                run.status[i] = "applied" if error is None else lost
            bar.update(int(cells[rows.start : rows.stop].sum()))
    finally:
        bar.close()


def _try_verify(
    client: CurrentReader, plan: Plan, call_ids: set[int], expected: str
) -> tuple[pd.DataFrame, str | None]:
    """``_verify``, with a failed re-read reported as text instead of raised."""
    try:
        return _verify(client, plan, call_ids, expected), None
    except OriginError as exc:
        return pd.DataFrame(), f"the verification re-read failed: {_short(str(exc))}"


def _check_applied(
    client: CurrentReader, plan: Plan, run: _Run, result: ApplyResult, how: _Sending,
    on_error: str,
) -> None:
    """Verifies the applied calls; under ``rollback``, a mismatch after a full success rolls
    every applied call back."""
    result.mismatches, result.verify_error = _try_verify(
        client, plan, run.ids("applied"), "after"
    )
    result.verified = None if result.verify_error else len(result.mismatches) == 0
    if result.verified is False and on_error == "rollback" and not run.failed():
        bad = set(result.mismatches["call_id"].tolist())
        run.error[np.isin(run.call_ids, list(bad))] = "verification found a different value"
        _roll_back(client, plan, run, result, how, verify=True)


def _roll_back(
    client: CurrentReader, plan: Plan, run: _Run, result: ApplyResult, how: _Sending,
    verify: bool,
) -> None:
    """Restores the before-state of every applied or in-doubt call, then (``verify``)
    re-reads the restored cells: a cell not back to its before-value fails its call."""
    targets = np.flatnonzero(np.isin(run.status, ("applied", "in_doubt")))
    if len(targets) == 0:
        return
    ok, tries = _rollback(client.transport, plan, run.call_ids[targets], how)
    run.requests += tries
    for at, good in zip(targets.tolist(), ok, strict=True):
        run.status[at] = "rolled_back" if good else "rollback_failed"
    if not verify or not run.ids("rolled_back"):
        return
    mismatches, result.verify_error = _try_verify(
        client, plan, run.ids("rolled_back"), "before"
    )
    result.verified = None if result.verify_error else len(mismatches) == 0
    if len(mismatches):
        result.mismatches = mismatches
        run.status[np.isin(run.call_ids, mismatches["call_id"].unique())] = "rollback_failed"


_OUTCOME_TEXT = {
    "rolled-back": "everything that was or may have been applied was rolled back",
    "not-applied": "nothing was applied",
    "partial": "the scenario is PARTLY changed: see .result.calls for what holds",
}


def _raise_unless_applied(result: ApplyResult, run: _Run) -> None:
    """Raises :class:`ApplyError` unless every call is applied; the text says what holds."""
    outcome = result.outcome
    if outcome in ("applied", "applied-unverified"):
        return
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(result.counts().items()))
    text = _OUTCOME_TEXT.get(outcome, outcome)
    errors = [e for e in run.error if e is not None]
    n_bad, first = len(errors), (errors[0] if errors else None)
    if first is None:
        raise ApplyError(
            f"{len(result.mismatches)} cells do not hold their planned value after apply "
            f"(see .result.mismatches); {text} ({counts}). Re-read and re-plan.",
            result,
        )
    raise ApplyError(
        f"{n_bad} of {len(run.status)} calls failed ({counts}); {text}; first error: "
        f"{sentence(first)} See .result.calls for every call.",
        result,
    )


def _rollback(
    transport: Any, plan: Plan, call_ids: np.ndarray, how: _Sending
) -> tuple[list[bool], int]:
    """Re-sends the before-state of the given calls; per call whether it was restored."""
    cells = plan.cells[plan.cells["call_id"].isin(call_ids)]
    inverse = _diff.inverse_cells(cells)
    inv_calls, inv_ids = _diff.group_calls(inverse, plan.scenario_id)
    inv_call_ids = inv_calls["call_id"].to_numpy()
    starts = _batches(len(inv_calls), how.size)
    failed_inverse: set[int] = set()
    requests = 0
    batches = _sendable(inv_calls, how.size)
    lead = _leading_batches(inv_calls, how.size)
    sent = _send_in_order(transport, batches, lead, how, _ROLLBACK_RETRIES, lambda: True)
    for b, (outcome, tries, _in_doubt) in sent:
        requests += tries
        for i, error in zip(starts[b], outcome, strict=True):
            if error is not None:
                failed_inverse.add(int(inv_call_ids[i]))
    original_ids = cells["call_id"].to_numpy()
    bad_originals = set(original_ids[np.isin(inv_ids, list(failed_inverse))].tolist())
    return [int(c) not in bad_originals for c in call_ids], requests


def send_update(client: Sender, variables: dict[str, Any], mutation: str) -> Any:
    """Sends one compiled update (from ``compile_transforms``) and returns the service's answer.

    Args:
        client: The client (``.transport``).
        variables: The mutation variables.
        mutation: ``technology_exogenous``, ``technology_endogenous``, ``demand``,
            ``demand_technology``, ``commodity`` or ``interconnector``.

    Returns:
        The mutation's ``data`` entry, as the service shaped it: one document or a list
        (``updateCommodity`` and ``updateInterconnectorVariable`` answer one document in the
        emulator; callers must not depend on which), ``{}`` when null.

    Raises:
        OriginGraphQLError: when the service rejects the update (via the transport).

    Example:
        >>> from origin_frames._plan import compile_transforms
        >>> tx = [{"year": 2030, "transform": {"type": "Delta", "value": 1.0}}]
        >>> v = compile_transforms("commodity", sid, region=["gbr"], technology="gas",
        ...                        variable="price", transform=tx)
        >>> send_update(client, v, "commodity")
        {'commodity': 'gas'}
    """
    parameter = variables.get("parameter")
    definition = mutation.startswith("technology") and all(
        item.get("year") is None for item in variables.get("tx") or []
    )
    sel = _mutations.selection(mutation, parameter, definition=definition)
    document, values = _mutations.single(mutation, variables, sel)
    data = client.transport.graphql("inputs", document, values)
    answer = data.get(_mutations.KINDS[mutation].field)
    return {} if answer is None else answer


def require_plan(plan: Any) -> Plan:
    """Checks that ``plan`` is a :class:`Plan`.

    Raises:
        PlanError: otherwise.
    """
    if not isinstance(plan, Plan):
        raise PlanError("apply_plan needs a Plan from build_plan (or Plan.from_json).")
    return plan
