"""Saved plan files: a pydantic description of the JSON, a digest, and the rule that the
stored calls are never trusted.

A plan file (format 2) holds the plan's cells, its calls (for people reading the file) and a
sha256 ``digest`` over the canonical JSON of everything else. Loading validates the file
against :class:`PlanFileModel` (errors name the field, e.g. ``cells.3.year``), checks the
digest, checks that each cell's ``after`` follows from its ``original`` and transform, and
then recompiles the calls from the cells and the scenario id bound at planning: a file whose
stored calls disagree with that is refused.

The digest makes edits evident, it is not a signature: someone who recomputes it can still
change a cell. What protects the server is what happens next: the calls come from the cells
only, and ``apply`` re-reads the touched cells of the scenario (the stale check, ``original``
included) and re-runs every validation rule with today's configuration before sending.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from . import _diff
from ._contract import Domain, Kind, TransformType, effective
from ._exceptions import PlanFileError

FORMAT = 2
_MAX_LISTED_ERRORS = 12

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Mutation = Literal[
    "technology_exogenous",
    "technology_endogenous",
    "demand",
    "demand_technology",
    "commodity",
    "interconnector",
]


class _Strict(BaseModel):
    # Unknown keys are ignored (columns a newer version adds to plan cells must not break
    # loading); the digest covers them all the same.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class CellRecord(_Strict):
    """One changed cell of a saved plan (see ``Plan.cells``)."""

    row: int = Field(ge=0)
    region: str = Field(min_length=1)
    technology: str = Field(min_length=1)
    year: int | None
    domain: Domain
    variable: str = Field(min_length=1)
    kind: Kind | None
    sub_region: str | None
    sub_technology: str | None
    subsidy: str | None
    month: int | None = Field(ge=1, le=12)
    original: float | None
    before: float | None
    before_type: TransformType | None
    before_value: float | None
    after: float | None
    transform_type: TransformType | None
    transform_value: float | None
    change: Literal["changed", "cleared", "pinned"]
    call_id: int = Field(ge=0)
    warning: str | None


class CallRecord(_Strict):
    """One API call of a saved plan, as planned (informative: recompiled on load)."""

    call_id: int = Field(ge=0)
    mutation: Mutation
    domain: Domain
    kind: Kind | None
    regions: list[str]
    technology: str | None
    variable: str
    sub_region: str | None
    sub_technology: str | None
    subsidy: str | None
    n_cells: int = Field(ge=1)
    variables: dict[str, Any]


class PlanFileModel(_Strict):
    """The whole saved plan (format 2)."""

    format: Literal[2]
    scenario_id: str = Field(min_length=1)
    fingerprint: Hex64
    created_at: str
    log_mark: Hex64 | None
    cells: list[CellRecord]
    calls: list[CallRecord]
    digest: Hex64


def _plain(value: Any) -> Any:
    """numpy scalars and NA as JSON values (``json.dumps`` default hook)."""
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA:
        return None
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records with exact floats (NA/NaN -> None, numpy scalars -> Python)."""
    if len(frame) == 0:
        return []
    out = frame.astype(object).where(frame.notna(), None)
    return json.loads(json.dumps(out.to_dict("records"), default=_plain))


def digest(doc: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a plan document without its ``digest`` key."""
    body = {k: v for k, v in doc.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def dump(doc: dict[str, Any], path: str | Path) -> Path:
    """Writes a plan document with its digest."""
    path = Path(path)
    doc = {**doc, "format": FORMAT}
    doc["digest"] = digest(doc)
    path.write_text(json.dumps(doc, indent=1, allow_nan=False))
    return path


def load(path: str | Path) -> tuple[PlanFileModel, list[dict[str, Any]]]:
    """Reads and validates a plan file: structure, types and digest.

    Returns:
        The validated model, and the cells as stored: a cell column added after this model
        was written (and covered by the digest) is kept rather than dropped.

    Raises:
        PlanFileError: naming the file and every bad field (up to a dozen).
    """
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"Cannot read a plan from {path}: {exc}") from exc
    if not isinstance(doc, dict) or "format" not in doc:
        raise PlanFileError(f"{path} is not an origin_frames plan (format {FORMAT}).")
    if doc["format"] != FORMAT:
        raise PlanFileError(
            f"{path} is not an origin_frames plan of format {FORMAT} (it says "
            f"{doc['format']!r}): plan again with this version and save the new plan."
        )
    try:
        model = PlanFileModel.model_validate(doc)
    except PydanticValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
            for e in exc.errors()[:_MAX_LISTED_ERRORS]
        ]
        more = exc.error_count() - len(problems)
        raise PlanFileError(
            f"{path} is not a valid plan file ({exc.error_count()} problem(s); fix the "
            "fields or plan again): " + "; ".join(problems) + (f"; and {more} more" if more
                                                               else "")
        ) from None
    if digest(doc) != model.digest:
        raise PlanFileError(
            f"{path} was changed after it was saved (its digest does not match its content). "
            "Plan again rather than editing a saved plan."
        )
    return model, list(doc["cells"])


def check_after(path: str | Path, cells: pd.DataFrame) -> None:
    """Refuses cells whose ``after`` does not follow from ``original`` and the transform.

    Raises:
        PlanFileError: naming the first bad cells.
    """
    implied = effective(
        cells["original"].to_numpy(dtype=np.float64),
        cells["transform_type"].to_numpy(dtype=object),
        cells["transform_value"].to_numpy(dtype=np.float64),
    )
    bad = np.flatnonzero(~_diff._same(implied, cells["after"].to_numpy(dtype=np.float64)))
    if len(bad):
        listed = ", ".join(f"cells.{i}" for i in bad[:_MAX_LISTED_ERRORS].tolist())
        raise PlanFileError(
            f"{path}: {len(bad)} cell(s) whose after value does not follow from original and "
            f"the transform ({listed}). Plan again rather than editing a saved plan."
        )


def check_calls(
    path: str | Path,
    scenario_id: str,
    stored: list[CallRecord],
    stored_ids: np.ndarray,
    call_ids: np.ndarray,
    call_frame: pd.DataFrame,
    variables: list[dict[str, Any]],
) -> None:
    """Refuses a file whose stored calls disagree with the calls compiled from its cells.

    Raises:
        PlanFileError: naming the first call (or cell) that disagrees.
    """
    if not np.array_equal(np.asarray(stored_ids, dtype=np.int64), call_ids):
        first = int(np.flatnonzero(np.asarray(stored_ids) != call_ids)[0])
        raise PlanFileError(
            f"{path}: cells.{first}.call_id does not match the calls its cells make. "
            "Plan again rather than editing a saved plan."
        )
    if len(stored) != len(call_frame):
        raise PlanFileError(
            f"{path}: the file lists {len(stored)} calls but its cells make {len(call_frame)}. "
            "Plan again rather than editing a saved plan."
        )
    compiled = call_frame.assign(variables=variables, regions=call_frame["regions"].map(list))
    for i, (saved, fresh) in enumerate(zip(stored, records(compiled), strict=True)):
        saved_doc = saved.model_dump()
        for name, value in fresh.items():
            if _canonical(saved_doc.get(name)) != _canonical(value):
                raise PlanFileError(
                    f"{path}: calls.{i}.{name} disagrees with the call its cells make for "
                    f"scenario {scenario_id!r}. Saved calls are never sent as stored: plan "
                    "again rather than editing a saved plan."
                )


def _canonical(value: Any) -> str:
    """Order-independent JSON text of a value, for equality."""
    return json.dumps(value, sort_keys=True, default=_plain)
