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

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.typing import Index, Series

from ._contract import DEMAND_DOMAINS, DOMAINS, KEY_COLUMNS, KINDS, TRANSFORM_TYPES
from ._exceptions import ValidationError

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


def _key_codes(frame: pd.DataFrame) -> list[np.ndarray]:
    """Integer codes of every full-key part (index levels, key columns), -1 for null."""
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        parts = [np.asarray(codes) for codes in index.codes]
    else:
        parts = [pd.factorize(index)[0]]
    flat = frame.set_axis(pd.RangeIndex(len(frame)), axis=0)  # columns without the index
    for name in KEY_COLUMNS:
        if name not in frame.columns:
            continue
        array = flat[name].array
        if isinstance(array, pd.Categorical):
            parts.append(array.codes)
        elif isinstance(array, pd.arrays.IntegerArray):
            parts.append(_small_int_codes(array))
        else:
            parts.append(pd.factorize(array, use_na_sentinel=False)[0])
    return parts


#: Rows of a nullable int column read at once: its values as int64 in one piece would be
#: a temporary of 8 bytes a row (a sixth of a technology frame) at the validation's peak.
_SLICE_ROWS = 1 << 16


def _int_slices(array: pd.arrays.IntegerArray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A nullable int array's int64 values (0 for null) and null mask, a slice at a time."""
    for start in range(0, len(array), _SLICE_ROWS):
        part = array[start : start + _SLICE_ROWS]
        yield part.to_numpy(dtype=np.int64, na_value=0), np.asarray(part.isna())


def _small_int_codes(array: pd.arrays.IntegerArray) -> np.ndarray:
    """Codes of a nullable int column (``month``: 1-12 or null) as offsets from its least
    value, -1 for null, in the narrowest int type; factorized when its values spread far."""
    low, high = None, None
    for values, mask in _int_slices(array):
        present = values[~mask]
        if len(present):
            low = int(present.min()) if low is None else min(low, int(present.min()))
            high = int(present.max()) if high is None else max(high, int(present.max()))
    if low is None or high is None:
        return np.full(len(array), -1, dtype=np.int8)
    if high - low > 4 * len(array) + 16:
        return pd.factorize(array, use_na_sentinel=False)[0]
    kind = next(k for k in (np.int8, np.int16, np.int32, np.int64)
                if high - low <= np.iinfo(k).max)  # fmt: skip
    codes = np.empty(len(array), dtype=kind)
    for start, (values, mask) in zip(range(0, len(array), _SLICE_ROWS), _int_slices(array),
                                     strict=True):  # fmt: skip
        out = codes[start : start + len(values)]
        np.subtract(values, low, out=out, casting="unsafe")
        out[mask] = -1
    return codes


def _row_keys(parts: list[np.ndarray]) -> np.ndarray | None:
    """One int64 per row, equal exactly when every part's code is (mixed radix); None if
    the key space does not fit in 63 bits."""
    key = np.zeros(len(parts[0]) if parts else 0, dtype=np.int64)
    space = 1
    for codes in parts:
        if not len(codes):
            continue
        high = int(codes.max())
        if high == int(codes.min()):  # the same in every row: tells no two rows apart
            continue
        size = high + 2  # codes -1..high, shifted to 0..
        space *= size
        if space >= 2**62:
            return None
        # In place: on a million-row frame every temporary is 8 MB more of the read's peak.
        key *= size
        key += codes
        key += 1
    return key


def duplicated_keys(frame: pd.DataFrame) -> pd.Series:
    """Which rows share their full key (index levels + key columns) with another row.

    Works on integer codes (MultiIndex codes, categorical codes) folded into one integer
    per row, so it stays cheap on million-row frames.

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
    parts = _key_codes(frame)
    key = _row_keys(parts)
    if key is None:
        table = pd.DataFrame({f"_{i}": codes for i, codes in enumerate(parts)})
        dup = table.duplicated(keep=False).to_numpy()
    else:
        dup = pd.Index(key).duplicated(keep=False)
    return pd.Series(dup, index=frame.index)


def _has_duplicated_keys(frame: pd.DataFrame) -> bool:
    """Whether any two rows share their full key (:func:`duplicated_keys`, as one answer)."""
    key = _row_keys(_key_codes(frame))
    if key is None:
        return bool(duplicated_keys(frame).any())
    # Sorted in place and compared with its neighbour: a hash table would cost the peak
    # some twice the key again.
    key.sort()
    return bool(np.any(key[1:] == key[:-1]))


_FULL_KEY_ERROR = "full key (index + key columns) must be unique"


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

    @pa.dataframe_check(error=_FULL_KEY_ERROR)
    def full_key_unique(cls, df: pd.DataFrame) -> bool:
        """No two rows share region, technology, year and every key column."""
        # A scalar: pandera cannot report row-wise failures on a non-unique index;
        # validate() lists the duplicated rows itself.
        return not _has_duplicated_keys(df)


#: This module's own dataframe checks by their error text, run by :func:`_passes` without
#: pandera's check machinery (its overhead is most of a small frame's check).
_DIRECT_CHECKS: dict[str | None, Callable[[pd.DataFrame], bool]] = {
    _FULL_KEY_ERROR: lambda frame: not _has_duplicated_keys(frame),
}


class TechnologyCells(InputCells):
    """Supply technology cells (``get_technology``, ``technologies``)."""

    domain: Series[pd.CategoricalDtype] = pa.Field(isin=["technology"])


class DemandCells(InputCells):
    """System demand (technology ``"system"``) and demand technology cells."""

    domain: Series[pd.CategoricalDtype] = pa.Field(isin=DEMAND_DOMAINS)


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


def _passes(frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> bool:
    """Whether ``frame`` passes ``model``'s pandera schema; False means "let pandera decide".

    Runs the schema's own parts - pandera's dtype engine, nullability, uniqueness and every
    ``Check`` object, the dataframe-level ones included - field by field, without pandera's
    per-component machinery (a copy of the frame, config contexts, failure-case tables),
    which costs some 15 ms per frame whatever its size. Anything it does not model
    (coercion, parsers, regex or optional columns ...) and any failure return False: then
    pandera's own lazy validation gives the verdict and the report.
    """
    schema = model.to_schema()
    if not isinstance(frame, pd.DataFrame) or not _plain(schema):
        return False
    columns = list(frame.columns)
    wanted = list(schema.columns)
    if not frame.columns.is_unique or (
        columns != wanted if schema.ordered else not set(wanted) <= set(columns)
    ):
        return False
    if schema.strict and len(columns) != len(wanted):
        return False
    if schema.index is not None and not _index_passes(frame.index, schema.index):
        return False
    # Columns through a RangeIndex view: a column of the frame itself carries (and
    # copies) its MultiIndex.
    flat = frame.set_axis(pd.RangeIndex(len(frame)), axis=0)
    if not all(_field_passes(flat[name], field) for name, field in schema.columns.items()):
        return False
    return all(_DIRECT_CHECKS[check.error](frame) if check.error in _DIRECT_CHECKS
               else _check_passes(check, frame) for check in schema.checks)  # fmt: skip


def _plain(schema: pa.DataFrameSchema) -> bool:
    """The schema uses only what :func:`_passes` runs (no coercion, parsers, ...)."""
    index = schema.index
    fields = [*schema.columns.values(), *getattr(index, "indexes", [index] if index else [])]
    return not (
        schema.coerce or schema.parsers or schema.unique or schema.dtype is not None
        or schema.add_missing_columns or schema.drop_invalid_rows
        or (schema.ordered and not schema.strict) or schema.strict == "filter"
        or (isinstance(index, pa.MultiIndex) and (index.coerce or index.unique))
        or any(f.coerce or getattr(f, "parsers", None) or getattr(f, "regex", False)
               or not getattr(f, "required", True) for f in fields)
    )  # fmt: skip


def _index_passes(index: pd.Index, schema_index: Any) -> bool:
    """Index levels named, typed, null-free and checked as the schema says."""
    multi = isinstance(schema_index, pa.MultiIndex)
    fields = list(schema_index.indexes) if multi else [schema_index]
    if multi != isinstance(index, pd.MultiIndex) or list(index.names) != [f.name for f in fields]:
        return False
    if not multi:
        return _field_passes(pd.Series(index, copy=False), fields[0])
    return all(_level_passes(index, i, field) for i, field in enumerate(fields))


def _level_passes(index: pd.MultiIndex, i: int, field: Any) -> bool:
    """One MultiIndex level, read from its (few) level values and codes, not row by row."""
    if field.unique:
        return _field_passes(pd.Series(index.get_level_values(i), copy=False), field)
    level, codes = index.levels[i], np.asarray(index.codes[i])
    if not _dtype_passes(pd.Series(level, copy=False), field):
        return False
    if not field.nullable and (level.hasnans or bool((codes == -1).any())):
        return False
    return _checks_pass(
        field.checks, lambda: level[_used(codes, len(level))],
        lambda: pd.Series(index.get_level_values(i), copy=False), lambda: level,
    )  # fmt: skip


def _field_passes(values: pd.Series, field: Any) -> bool:
    """One column or flat index: pandera's dtype check, nulls, uniqueness, its checks."""
    if not _dtype_passes(values, field):
        return False
    if not field.nullable and values.hasnans:
        return False
    if field.unique and not values.is_unique:
        return False
    array = values.array
    every: Callable[[], pd.Index] | None = None
    if isinstance(array, pd.Categorical):
        every = lambda: array.categories  # noqa: E731
    elif isinstance(array, pd.arrays.IntegerArray) and all(
        str(c.name) in _ORDER_CHECKS for c in field.checks
    ):
        every = lambda: _bounds(array)  # noqa: E731
    return _checks_pass(field.checks, lambda: _distinct(values), lambda: values, every)


def _bounds(array: pd.arrays.IntegerArray) -> pd.Index:
    """The least and greatest non-null values (none if every value is null): an order
    check holds for every value exactly when it holds for these two."""
    if bool(array.isna().all()):
        return pd.Index([], dtype="int64")
    return pd.Index([int(array.min()), int(array.max())], dtype="int64")


def _dtype_passes(values: pd.Series, field: Any) -> bool:
    """pandera's dtype check of a field: one bool, or one per element (all must hold)."""
    if field.dtype is None:
        return True
    try:
        ok = field.dtype.check(_engine_dtype(values.dtype), values)
    except (TypeError, ValueError):
        return False
    return bool(ok) if isinstance(ok, bool | np.bool_) else bool(np.asarray(ok).all())


@functools.lru_cache(maxsize=512)
def _engine_dtype(dtype: Any) -> Any:
    """pandera's type for a pandas dtype, kept: for a categorical it rebuilds the dtype
    (some 0.1 ms), and every frame of a domain has the same few dtypes."""
    return pandas_engine.Engine.dtype(dtype)


def _used(codes: np.ndarray, size: int) -> np.ndarray:
    """Positions of the categories (or level values) that ``codes`` uses."""
    # Flags set through the codes themselves (-1, null, lands on the extra last flag):
    # bincount would copy every code as an intp (8 bytes a row) and a filter once more.
    flags = np.zeros(size + 1, dtype=bool)
    flags[codes] = True
    return np.flatnonzero(flags[:size])


def _distinct(values: pd.Series) -> pd.Index:
    """The distinct non-null values of a column (a categorical's used categories)."""
    array = values.array  # the array itself: the Series accessors cost more than the work
    if isinstance(array, pd.Categorical):
        categories = array.categories
        return categories[_used(array.codes, len(categories))]
    distinct = array.unique()
    return pd.Index(distinct[~distinct.isna()])


#: Built-in pandera checks that are a predicate on each value, and the test of that
#: predicate over a field's distinct values.
_VALUE_CHECKS: dict[str, Callable[[pd.Index, dict[str, Any]], bool]] = {
    # Membership in Python sets: the distinct values are few, pandas' isin costs more.
    "isin": lambda d, s: set(d.tolist()) <= set(s["allowed_values"]),
    "notin": lambda d, s: set(d.tolist()).isdisjoint(s["forbidden_values"]),
    "greater_than_or_equal_to": lambda d, s: bool(d.min() >= s["min_value"]),
    "greater_than": lambda d, s: bool(d.min() > s["min_value"]),
    "less_than_or_equal_to": lambda d, s: bool(d.max() <= s["max_value"]),
    "less_than": lambda d, s: bool(d.max() < s["max_value"]),
}
_ORDER_CHECKS = {"greater_than_or_equal_to", "greater_than", "less_than_or_equal_to", "less_than"}


def _checks_pass(
    checks: list[pa.Check],
    distinct: Callable[[], pd.Index],
    values: Callable[[], pd.Series],
    every: Callable[[], pd.Index] | None = None,
) -> bool:
    """Every check of a field: a value predicate on the distinct values, any other check
    (custom, element-wise, grouped ...) run by pandera on the values themselves.

    ``every`` gives values that cost less to list than the distinct ones and that a
    predicate holding for each of them holds for the values too: a superset (a
    categorical's categories, an index level's values) or, for order checks only, the
    least and greatest value.
    """
    seen: pd.Index | None = None
    listed: pd.Index | None = None
    for check in checks:
        test = _VALUE_CHECKS.get(str(check.name))
        if test is not None and check.ignore_na and not check.element_wise and not check.groupby:
            statistics = dict(check.statistics or {})
            if every is not None:
                listed = every() if listed is None else listed
                if _value_check_passes(check, test, listed, statistics):
                    continue
            seen = distinct() if seen is None else seen
            verdict = _value_check_passes(check, test, seen, statistics)
            if verdict is not None:
                if verdict:
                    continue
                return False
        if not _check_passes(check, values()):
            return False
    return True


def _value_check_passes(check: pa.Check, test: Callable[[pd.Index, dict[str, Any]], bool],
                        values: pd.Index, statistics: dict[str, Any]) -> bool | None:  # fmt: skip
    """A value predicate over distinct values; None when it cannot tell (pandera decides)."""
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != bool
    if check.name in _ORDER_CHECKS and not numeric:
        return None
    try:
        return not len(values) or bool(test(values, statistics))
    except (TypeError, ValueError, KeyError):
        return None


def _check_passes(check: pa.Check, data: pd.Series | pd.DataFrame) -> bool:
    """A pandera ``Check`` run on ``data``: passed, as a plain bool (unsure -> False)."""
    try:
        passed = check(data).check_passed
    except Exception:  # a check that raises fails; pandera's own run reports it
        return False
    return isinstance(passed, bool | np.bool_) and bool(passed)


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
    if _TRUSTED.get() or _passes(frame, model):
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
                        "check": _FULL_KEY_ERROR,
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


def _fix_hint(check: object) -> str:
    """A one-line fix for a pandera check name (missing for some index-level failures)."""
    check = check if isinstance(check, str) else ""
    if "unique" in check:
        return "Drop or merge the duplicated rows so each full key appears once."
    if "dtype" in check:
        return "Cast the column to the dtype of the frame contract (see schemas)."
    if "column_in_dataframe" in check or "column_in_schema" in check:
        return "Keep exactly the contract's columns (no missing or extra columns)."
    if "not_nullable" in check:
        return "Fill the missing values."
    return "Change the value to one the check accepts."



