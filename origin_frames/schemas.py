"""Public pandera models, one per frame kind ``origin_frames`` returns.

Input domains share :class:`InputCells` (the frame contract of
``docs/architecture.md``); each domain narrows ``domain``. Full-key uniqueness is a
dataframe-level check of our own, because pandera's ``Config.unique`` across
index levels and columns is broken upstream (pandera issue 1096).

Use :func:`validate` to check a frame lazily: one :class:`~origin_frames.ValidationError`
lists every failing row.

Example:
    >>> from origin_frames import schemas
    >>> links = client.get_interconnectors(published_id, "gbr", "fra")
    >>> doubled = pd.concat([links, links.iloc[:1]])
    >>> schemas.validate(doubled, schemas.InterconnectorCells)
    Traceback (most recent call last):
    ...
    origin_frames._exceptions.ValidationError: The frame does not match InterconnectorCells:
    2 problem(s).
      - row 0 (column=None, check='full key (index + key columns) must be unique', ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Index, Series

from ._exceptions import ValidationError
from ._frames import DOMAINS, KEY_COLUMNS, KINDS, TRANSFORM_TYPES

__all__ = [
    "CommodityCells",
    "DataGroups",
    "DemandCells",
    "DemandRegions",
    "DemandTechnologyNames",
    "DownloadDefinitions",
    "EnabledRegions",
    "InputCells",
    "InterconnectorCells",
    "InterconnectorConnections",
    "Projects",
    "ScenarioOutputs",
    "Scenarios",
    "TechnologyCells",
    "TechnologyNames",
    "TransformsLog",
    "duplicated_keys",
    "validate",
]


def duplicated_keys(frame: pd.DataFrame) -> pd.Series:
    """Which rows share their full key (index levels + key columns) with another row.

    Works on integer codes (MultiIndex codes, categorical codes), so it stays cheap
    on million-row frames.

    Args:
        frame: An input-domain frame.

    Returns:
        A boolean Series aligned with ``frame``: True for every member of a duplicate group.

    Example:
        >>> links = client.get_interconnectors(published_id, "gbr", "fra")
        >>> doubled = pd.concat([links, links.iloc[:1]])
        >>> doubled[duplicated_keys(doubled)][["variable", "value"]]
                                      variable  value
        region technology year
        gbr    fra        2025  importCapacity  ...
                          2025  importCapacity  ...
    """
    parts: dict[str, Any] = {}
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        for i in range(index.nlevels):
            parts[f"_i{i}"] = np.asarray(index.codes[i])
    else:
        parts["_i0"] = pd.factorize(index)[0]
    for name in KEY_COLUMNS:
        if name not in frame.columns:
            continue
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            parts[name] = column.cat.codes.to_numpy()
        else:
            parts[name] = pd.factorize(column, use_na_sentinel=False)[0]
    dup = pd.DataFrame(parts).duplicated(keep=False).to_numpy()
    return pd.Series(dup, index=frame.index)


class InputCells(pa.DataFrameModel):
    """One row per input cell, any domain (the frame contract)."""

    region: Index[str] = pa.Field(check_name=True)
    technology: Index[str] = pa.Field(check_name=True)
    year: Index[pd.Int64Dtype] = pa.Field(nullable=True, check_name=True, ge=1900, le=2200)
    domain: Series[pd.CategoricalDtype] = pa.Field(isin=DOMAINS)
    variable: Series[pd.CategoricalDtype]
    kind: Series[pd.CategoricalDtype] = pa.Field(nullable=True, isin=KINDS)
    sub_region: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    sub_technology: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    subsidy: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    month: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=12)
    original: Series[float] = pa.Field(nullable=True)
    transform_type: Series[pd.CategoricalDtype] = pa.Field(
        nullable=True, isin=TRANSFORM_TYPES
    )
    transform_value: Series[float] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    unit: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    validation_warnings: Series[str] = pa.Field(nullable=True)
    validation_errors: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check(error="full key (index + key columns) must be unique")
    def full_key_unique(cls, df: pd.DataFrame) -> bool:
        """No two rows share region, technology, year and every key column."""
        # A scalar: pandera cannot report row-wise failures on a non-unique index;
        # validate() lists the duplicated rows itself.
        return not bool(duplicated_keys(df).any())


class TechnologyCells(InputCells):
    """Supply technology cells (``get_technology``, ``technologies``)."""

    domain: Series[pd.CategoricalDtype] = pa.Field(isin=["technology"])


class DemandCells(InputCells):
    """System demand (technology ``"system"``) and demand technology cells."""

    domain: Series[pd.CategoricalDtype] = pa.Field(
        isin=["demand", "demand_technology"]
    )


class CommodityCells(InputCells):
    """Commodity price cells; ``technology`` is the commodity, region ``"all"`` = average."""

    domain: Series[pd.CategoricalDtype] = pa.Field(isin=["commodity"])


class InterconnectorCells(InputCells):
    """Interconnector cells; ``region`` is the ``from`` end, ``technology`` the ``to`` end."""

    domain: Series[pd.CategoricalDtype] = pa.Field(isin=["interconnector"])


# --- catalogues --------------------------------------------------------------------------
class Scenarios(pa.DataFrameModel):
    """Scenarios (list or detail view), indexed by ``scenario_id``; extra detail columns allowed."""

    scenario_id: Index[str] = pa.Field(unique=True, check_name=True)
    name: Series[str] = pa.Field(nullable=True)
    region_group_code: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    scenario_run_status: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    scenario_type: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    project_id: Series[str] = pa.Field(nullable=True)
    publication_date: Series[pd.DatetimeTZDtype(tz="UTC")] = pa.Field(nullable=True)  # type: ignore[valid-type]

    class Config:
        strict = False


class Projects(pa.DataFrameModel):
    """Projects, indexed by ``project_id``."""

    project_id: Index[str] = pa.Field(unique=True, check_name=True)
    name: Series[str] = pa.Field(nullable=True)
    description: Series[str] = pa.Field(nullable=True)
    is_project_pinned: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = False


class TechnologyNames(pa.DataFrameModel):
    """Readable technology views: one row per (region, technology, kind, sub-keys)."""

    region: Index[str] = pa.Field(check_name=True)
    technology: Index[str] = pa.Field(check_name=True)
    kind: Series[pd.CategoricalDtype] = pa.Field(isin=KINDS)
    sub_region: Series[str] = pa.Field(nullable=True)
    sub_technology: Series[str] = pa.Field(nullable=True)
    subsidy: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True

    @pa.dataframe_check(error="technology views must be unique")
    def unique_views(cls, df: pd.DataFrame) -> bool:
        """No view listed twice."""
        keys = df.reset_index()[["region", "technology", "kind", "sub_region",
                                 "sub_technology", "subsidy"]]  # fmt: skip
        return not bool(keys.duplicated().any())


class DemandRegions(pa.DataFrameModel):
    """Regions with demand data."""

    region: Index[str] = pa.Field(unique=True, check_name=True)
    peak_load_demand: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = True


class DemandTechnologyNames(pa.DataFrameModel):
    """Demand technologies per region."""

    region: Index[str] = pa.Field(check_name=True)
    technology: Index[str] = pa.Field(check_name=True)
    origin_technology: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True


class InterconnectorConnections(pa.DataFrameModel):
    """Connected region pairs, listed from both ends."""

    region: Index[str] = pa.Field(check_name=True)
    connected_region: Index[str] = pa.Field(check_name=True)

    class Config:
        strict = True


class EnabledRegions(pa.DataFrameModel):
    """Regions enabled in an inputs session."""

    region: Index[str] = pa.Field(unique=True, check_name=True)
    is_focus_region: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_endogenous: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_main_region: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    has_capacity_market: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = True


class DataGroups(pa.DataFrameModel):
    """Data groups of an inputs session, indexed by name."""

    data_group: Index[str] = pa.Field(unique=True, check_name=True)
    reference: Series[str] = pa.Field(nullable=True)
    reference_type: Series[str] = pa.Field(nullable=True)
    product_region: Series[str] = pa.Field(nullable=True)
    loading: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = False


class TransformsLog(pa.DataFrameModel):
    """The transforms an inputs session has recorded, in order."""

    step: Index[pd.Int64Dtype] = pa.Field(unique=True, check_name=True)
    reason: Series[str] = pa.Field(nullable=True)
    update_parameters: Series[Any] = pa.Field(nullable=True)
    steps: Series[Any] = pa.Field(nullable=True)

    class Config:
        strict = True


class DownloadDefinitions(pa.DataFrameModel):
    """Output downloads of a region (from its meta JSON)."""

    type: Index[str] = pa.Field(check_name=True)
    granularity: Index[str] = pa.Field(check_name=True)
    sub_type: Index[str] = pa.Field(nullable=True, check_name=True)
    filename: Series[str]
    needs_year: Series[bool]
    needs_node: Series[bool]

    class Config:
        strict = True


class ScenarioOutputs(pa.DataFrameModel):
    """A scenario output download in long form: one row per (time, series)."""

    series: Series[pd.CategoricalDtype]
    unit: Series[pd.CategoricalDtype] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = False


_TRUSTED: ContextVar[bool] = ContextVar("origin_frames_trusted_reads", default=False)


@contextmanager
def trusted_reads() -> Iterator[None]:
    """Inside this block (this thread or task only), :func:`validate` passes frames through.

    For the plan engine's own reads of the current state: nobody holds those frames, and
    the diff checks what it relies on (unique keys) itself. Validation is the larger part
    of a small read's time.

    Example:
        >>> links = client.get_interconnectors(published_id, "gbr", "fra")
        >>> doubled = pd.concat([links, links.iloc[:1]])  # a duplicated key: invalid
        >>> with trusted_reads():
        ...     passed = validate(doubled, InterconnectorCells)
        >>> passed is doubled
        True
    """
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def validate(frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> pd.DataFrame:
    """Validates ``frame`` lazily against ``model``; one error lists every failure.

    Args:
        frame: The frame to check.
        model: One of the models of this module.

    Returns:
        The validated frame (pandera's, equal to ``frame``) when valid; ``frame``
        itself inside :func:`trusted_reads`.

    Raises:
        ValidationError: With ``.report`` holding one row per failure (``column``,
            ``check``, ``index``, ``failure_case``, ``reason``, ``fix``).

    Example:
        >>> ccgt = client.get_technology(published_id, "CCGT", region="gbr")
        >>> validate(ccgt, TechnologyCells).equals(ccgt)
        True
    """
    if _TRUSTED.get():
        return frame
    try:
        return model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if issubclass(model, InputCells) and isinstance(frame.index, pd.MultiIndex):
            dup = duplicated_keys(frame).to_numpy()
            if dup.any():
                rows = frame[dup]
                extra = pd.DataFrame(
                    {
                        "column": None,
                        "check": "full key (index + key columns) must be unique",
                        "index": [str(k) for k in rows.index],
                        "failure_case": [
                            f"variable={v!r} kind={k!r} month={m!r}"
                            for v, k, m in zip(rows["variable"], rows["kind"], rows["month"],
                                               strict=True)
                        ],
                    }
                )  # fmt: skip
                cases = cases[~cases["check"].astype(str).str.contains("full key")]
                cases = pd.concat([cases, extra], ignore_index=True)
        report = pd.DataFrame(
            {
                "column": cases["column"].astype(object).to_numpy(),
                "check": cases["check"].astype(str).to_numpy(),
                "index": cases["index"].astype(object).to_numpy(),
                "failure_case": cases["failure_case"].astype(object).to_numpy(),
            }
        )
        report["reason"] = [
            f"{col or 'frame'} failed {check} (value {case!r})."
            for col, check, case in zip(
                report["column"], report["check"], report["failure_case"], strict=True
            )
        ]
        report["fix"] = [_fix_hint(c) for c in report["check"]]
        raise ValidationError(
            f"The frame does not match {model.__name__}: {len(report)} problem(s).", report
        ) from exc


def _fix_hint(check: str) -> str:
    """A one-line fix for a pandera check name."""
    if "unique" in check:
        return "Drop or merge the duplicated rows so each full key appears once."
    if "dtype" in check:
        return "Cast the column to the dtype of the frame contract (see schemas)."
    if "column_in_dataframe" in check or "column_in_schema" in check:
        return "Keep exactly the contract's columns (no missing or extra columns)."
    if "not_nullable" in check:
        return "Fill the missing values."
    return "Change the value to one the check accepts."



