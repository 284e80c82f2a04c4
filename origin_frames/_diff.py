"""The diff engine: desired cells against current cells -> changed cells -> API call groups.

Pure pandas/numpy: nothing here talks to the network. Alignment encodes the full cell key
as one int64 per row (mixed radix over per-column codes) so that matching a million desired
rows against a million current rows is one hash lookup, not a multi-column merge.

Intent rules, applied per row (vectorised):

- a row whose ``transform_type``/``transform_value`` differ from the current transform asks
  for that transform (``"clear"``, or null, removes it);
- otherwise a row whose ``value`` differs from the current effective value asks for
  ``Absolute value``;
- a row asking for both a transform and a different ``value`` that the transform does not
  produce is a conflict (validation error);
- everything else is unchanged and produces nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._contract import (
    ALL_REGIONS,
    DOMAINS,
    KEY,
    REGION_LIST_DOMAINS,
    STRING_KEYS,
    TRANSFORM_TYPES,
    effective,
)

CLEAR = "clear"
#: How a cleared transform is sent where the API's ``tx`` item does not accept a null value
#: (every domain but technology): a neutral ``Delta 0`` makes the effective value the original.
NEUTRAL_TRANSFORM: tuple[str, float] = ("Delta", 0.0)

_RTOL = 1e-9
_ATOL = 1e-12


# --------------------------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------------------------
def flatten(frame: pd.DataFrame) -> pd.DataFrame:
    """Key levels found in the index become columns; a default RangeIndex is dropped."""
    names = [n for n in frame.index.names if n is not None]
    if names:
        frame = frame.reset_index(level=names)
    return frame.reset_index(drop=True)


def _as_object(series: pd.Series) -> np.ndarray:
    """Object array of python str / None (NaN and pd.NA become None)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Taken from the few categories by code (-1, null, picks the None appended last):
        # no per-row null check of a million-row column.
        categories = series.cat.categories
        lookup = np.empty(len(categories) + 1, dtype=object)
        lookup[: len(categories)] = categories.astype(object).to_numpy()
        return lookup[series.cat.codes.to_numpy()]
    values = series.astype(object).to_numpy(copy=True)
    values[pd.isna(values)] = None
    return values


def normalise_changes(
    changes: pd.DataFrame, rows: np.ndarray | None = None
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Flat frame of desired cells with the full key, plus problem frames (row, reason, fix).

    ``rows`` are the positions of these rows in the caller's frame (default 0..n-1).
    """
    if not isinstance(changes, pd.DataFrame):
        raise TypeError("changes must be a pandas DataFrame (a getter's frame or a change frame).")
    flat = flatten(changes)
    problems: list[pd.DataFrame] = []
    row = np.arange(len(flat)) if rows is None else np.asarray(rows, dtype=np.int64)
    out: dict[str, Any] = {"row": row}
    for name in STRING_KEYS:
        out[name] = _text_key(flat, name, row, problems)
    for name in ("year", "month"):
        out[name] = _whole_key(flat, name, row, problems)
    result = pd.DataFrame(out)
    for name in ("value", "transform_value"):
        if name in flat.columns:
            result[name] = _number_column(flat[name], name, result, row, problems)
    if "transform_type" in flat.columns:
        result["transform_type"] = _transform_types(flat["transform_type"], result, row, problems)
    return result, problems


def _text_key(
    flat: pd.DataFrame, name: str, row: np.ndarray, problems: list[pd.DataFrame]
) -> pd.Series:
    """Key column ``name`` as str / None (absent: all None); non-text entries become problems."""
    # Explicit object Series: pandas 3 would infer arrow-backed ``str`` (slow, NaN for None).
    values = _as_object(flat[name]) if name in flat.columns else np.full(len(flat), None)
    bad = not_text(pd.Series(values, dtype=object))
    if bad.any():
        problem = _problem(flat.loc[bad].drop(columns=[name]), row[bad], "",
                           f"give {name} as a str (or null where the cell has none).")
        problem["reason"] = [f"{name} is not text ({what})."
                             for what in _kinds_of(flat[name][bad])]  # fmt: skip
        problems.append(problem)
        values[bad] = None
    return pd.Series(values, dtype=object)


def _whole_key(
    flat: pd.DataFrame, name: str, row: np.ndarray, problems: list[pd.DataFrame]
) -> pd.Series | pd.api.extensions.ExtensionArray:
    """Key column ``name`` (year/month) as nullable Int64; non-whole entries become problems."""
    if name not in flat.columns:
        return pd.array([pd.NA] * len(flat), dtype="Int64")
    column, bad = whole_numbers(flat[name])
    if bad.any():
        problems.append(
            _problem(
                flat.loc[bad],
                row[bad],
                f"{name} is not a whole number.",
                f"give {name} as an integer (or null where the cell has no {name}).",
            )
        )
    return column


def _number_column(
    raw: pd.Series, name: str, result: pd.DataFrame, row: np.ndarray, problems: list[pd.DataFrame]
) -> np.ndarray:
    """Column ``name`` as float64; non-numeric and infinite entries become NaN and problems."""
    bad_type = ~real_numbers(raw) & raw.notna().to_numpy()
    numeric = pd.to_numeric(
        raw.astype(object).where(~bad_type, None), errors="coerce"
    ).astype("float64")
    bad_inf = np.isinf(numeric.to_numpy())
    if bad_type.any():
        problem = _problem(
            result.loc[bad_type],
            row[bad_type],
            "",
            f"give {name} as a finite float (convert text with pd.to_numeric first; "
            "booleans and complex numbers are not values).",
        )
        problem["reason"] = [f"{name} is not numeric ({what})."
                             for what in _kinds_of(raw[bad_type])]  # fmt: skip
        problems.append(problem)
    if bad_inf.any():
        problems.append(
            _problem(
                result.loc[bad_inf],
                row[bad_inf],
                f"{name} is infinite.",
                f"give {name} as a finite number.",
            )
        )
    numeric[bad_type | bad_inf] = np.nan
    return numeric.to_numpy()


def _transform_types(
    raw: pd.Series, result: pd.DataFrame, row: np.ndarray, problems: list[pd.DataFrame]
) -> pd.Series:
    """``transform_type`` as a type name, ``"clear"`` (any case) or None; others are problems."""
    tt = pd.Series(_as_object(raw), dtype=object)
    given = tt.notna().to_numpy()
    text = tt[given].astype(str)
    lowered = tt.to_numpy(copy=True)
    lowered[given] = text.to_numpy(dtype=object)
    is_clear = np.zeros(len(tt), dtype=bool)
    is_clear[given] = (text.str.lower() == CLEAR).to_numpy()
    lowered[is_clear] = CLEAR
    bad = ~pd.Series(lowered).isin((*TRANSFORM_TYPES, CLEAR)).to_numpy() & pd.notna(lowered)
    if bad.any():
        problems.append(
            _problem(
                result.loc[bad],
                row[bad],
                "transform_type is not one of Absolute, Delta, Percentage.",
                "use Absolute, Delta or Percentage (or 'clear' / null to remove a transform).",
            )
        )
        lowered[bad] = None
    return pd.Series(lowered, dtype=object)


def real_numbers(values: pd.Series) -> np.ndarray:
    """Mask of entries that are real numbers (not bool, complex, text or other objects).

    Numeric columns are checked by dtype; object columns (``astype(object)``, mixed input)
    entry by entry, so a frame's numbers pass whatever container holds them and nothing
    else is coerced. Nulls count as numbers here (callers decide what a null means).
    """
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
        return np.zeros(len(values), dtype=bool)
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return np.ones(len(values), dtype=bool)
    array = values.to_numpy(dtype=object)
    number = np.fromiter(
        (isinstance(v, _REALS) and not isinstance(v, _NOT_REAL) for v in array),
        dtype=bool, count=len(array),
    )  # fmt: skip
    return number | pd.isna(array)


_REALS: tuple[type, ...] = (int, float, np.integer, np.floating)
_NOT_REAL: tuple[type, ...] = (bool, np.bool_)
_NOT_WHOLE: tuple[type, ...] = (bool, np.bool_, complex, np.complexfloating)


def _kinds_of(values: pd.Series) -> list[str]:
    """How each bad entry looks, for an error message: ``got str '1.5'``."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return ["a boolean column"] * len(values)
    if pd.api.types.is_complex_dtype(values.dtype):
        return ["a complex column"] * len(values)
    return [f"got {type(v).__name__} {v!r}"[:80] for v in values.to_numpy(dtype=object)]


def _as_int_or_object(values: pd.Series) -> pd.Series:
    """Int64 where the column holds whole numbers, else the raw objects (a report shows
    ``year='twenty'`` as given instead of failing to cast it)."""
    try:
        return values.astype("Int64")
    except (TypeError, ValueError, ArithmeticError):  # pyarrow's ArrowInvalid is a ValueError
        return pd.Series(_as_object(values), index=values.index, dtype=object)


def _problem(keys: pd.DataFrame, rows: np.ndarray, reason: str, fix: str) -> pd.DataFrame:
    """One problem frame: the row number in the caller's frame, key columns, reason, fix."""
    frame = pd.DataFrame({"row": np.asarray(rows)})
    for name in KEY:
        if name in keys.columns:
            # An explicit object Series: pandas 3 would infer ``str`` and show None as nan.
            frame[name] = (
                _as_int_or_object(keys[name]).array
                if name in ("year", "month")
                else pd.Series(_as_object(keys[name]), dtype=object)
            )
    frame["reason"] = reason
    frame["fix"] = fix
    return frame


# --------------------------------------------------------------------------------------------
# alignment
# --------------------------------------------------------------------------------------------
def column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """A column or index level as a Series, without copying the frame (None when absent).

    MultiIndex string levels come back as categoricals built from the index codes, which is
    both zero-copy and the fast path of alignment.
    """
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    names = list(frame.index.names)
    if name not in names:
        return None
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        i = names.index(name)
        level = index.levels[i]
        codes = np.asarray(index.codes[i])
        if name in ("year", "month") and not pd.api.types.is_integer_dtype(level.dtype):
            # Text or float levels: read as given, and judged row by row by the caller.
            return pd.Series(index.get_level_values(i).to_numpy(dtype=object))
        if pd.api.types.is_integer_dtype(level.dtype) or name in ("year", "month"):
            values = level.astype("Int64").take(np.maximum(codes, 0)).to_numpy(
                dtype="float64", na_value=np.nan
            )
            values[codes < 0] = np.nan
            return pd.Series(values).astype("Int64")
        return pd.Series(pd.Categorical.from_codes(codes, categories=level.astype(object)))
    return pd.Series(np.asarray(index))


def not_text(values: pd.Series) -> np.ndarray:
    """Mask of entries of a string key column that are neither text nor null.

    Categorical and string dtypes hold text by construction; an object column is checked
    entry by entry only when pandas cannot tell at once that it holds strings.
    """
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
        values.dtype
    ) and not pd.api.types.is_object_dtype(values.dtype):
        return np.zeros(len(values), dtype=bool)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return np.zeros(len(values), dtype=bool)
    array = values.to_numpy(dtype=object)
    text = np.fromiter((isinstance(v, str) for v in array), dtype=bool, count=len(array))
    return ~text & ~pd.isna(array)


def whole_numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A year/month column as ``Int64`` (index reset), and a mask of entries that are not
    whole numbers (text such as ``"twenty"``, ``2030.5``, booleans); those become NA."""
    if pd.api.types.is_integer_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        return values.astype("Int64").reset_index(drop=True), np.zeros(len(values), dtype=bool)
    objects = values.astype(object).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_complex_dtype(values.dtype):
        flags = np.ones(len(objects), dtype=bool)
    elif pd.api.types.is_float_dtype(values.dtype):
        flags = np.zeros(len(objects), dtype=bool)
    else:  # booleans would read as 0/1 and complex numbers as their real part
        flags = np.fromiter((isinstance(v, _NOT_WHOLE) for v in objects), dtype=bool,
                            count=len(objects))  # fmt: skip
    numeric = pd.to_numeric(objects.where(~flags, None), errors="coerce").astype("float64")
    array = numeric.to_numpy(copy=True)
    wrong = (objects.notna().to_numpy() & np.isnan(array)) | flags
    finite = np.isfinite(array)
    wrong |= ~np.isnan(array) & ~finite
    wrong[finite] |= (array[finite] % 1 != 0) | (np.abs(array[finite]) >= 2.0**53)
    array[wrong] = np.nan
    return pd.Series(array).astype("Int64"), wrong


def key_frame(flat: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The key columns in cheap dtypes (categoricals stay), and a mask of unreadable years/months.

    Avoids converting a million-row frame to Python objects: only the rows that differ from
    the server are normalised in full afterwards.
    """
    n = len(flat)
    out: dict[str, Any] = {}
    bad = np.zeros(n, dtype=bool)
    for name in KEY:
        col = column(flat, name)
        if col is None:
            if name in ("year", "month"):
                out[name] = pd.array([pd.NA] * n, dtype="Int64")
            else:
                out[name] = pd.Series(np.full(n, None, dtype=object))
            continue
        if name in ("year", "month"):
            out[name], wrong = whole_numbers(col)
            bad |= wrong
        else:
            col = col.reset_index(drop=True)
            wrong = not_text(col)
            if wrong.any():  # unhashable or non-text keys would break the key codes
                bad |= wrong
                col = col.astype(object).where(~wrong, None)
            out[name] = col
    return pd.DataFrame(out, copy=False), bad


def candidates(
    flat: pd.DataFrame, current: pd.DataFrame, pos: np.ndarray
) -> np.ndarray:
    """Rows that may change something or be wrong: unmatched, or value/transform differs."""
    found = pos >= 0
    if not found.any():  # nothing matched (or nothing to match): every row is explained
        return np.ones(len(flat), dtype=bool)
    p = np.where(found, pos, 0)
    mask = ~found
    for name in ("value", "transform_value"):
        if name not in flat.columns:
            continue
        col = flat[name]
        if name not in current.columns:
            return np.ones(len(flat), dtype=bool)
        if not pd.api.types.is_float_dtype(col.dtype) and not pd.api.types.is_integer_dtype(
            col.dtype
        ):
            return np.ones(len(flat), dtype=bool)
        mine = col.to_numpy(dtype=np.float64, na_value=np.nan)
        theirs = current[name].to_numpy(dtype=np.float64, na_value=np.nan)[p]
        mask |= ~_same(mine, theirs) | np.isinf(mine)
    if "transform_type" in flat.columns and "transform_type" in current.columns:
        raw_t = flat["transform_type"].reset_index(drop=True)
        junk = not_text(raw_t)  # compared as None, and always looked at
        mine_t = raw_t.astype(object).where(~junk, None).to_numpy()
        theirs_t = current["transform_type"].astype(object).to_numpy()[p]
        mine_na = pd.isna(mine_t)
        theirs_na = pd.isna(theirs_t)
        same = (mine_na & theirs_na) | (~mine_na & ~theirs_na & (mine_t == theirs_t))
        mask |= ~same | junk
    return mask


def _string_codes(cur: pd.Series, des: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of one string key column in both frames; NA shares a code, values ``cur`` lacks
    match nothing (each gets a code of its own, beyond those of ``cur``).

    Codes are ``-1`` for NA and may stay small integer arrays (categorical codes); the
    caller adds 1.
    """
    if isinstance(cur.dtype, pd.CategoricalDtype):
        cats = cur.cat.categories
        c = cur.cat.codes.to_numpy()
    else:
        c, uniques = pd.factorize(cur.astype(object), use_na_sentinel=True)
        cats = pd.Index(uniques)
    n = len(cats)
    if isinstance(des.dtype, pd.CategoricalDtype):
        if des.cat.categories.equals(cats):
            return c, des.cat.codes.to_numpy(), n + 2
        mapping = cats.get_indexer(des.cat.categories.astype(object))
        unknown = mapping < 0
        # Each unknown value its own code: rows differing only there are not duplicates.
        mapping[unknown] = n + np.arange(int(unknown.sum()))
        raw = des.cat.codes.to_numpy()
        # Index only the non-NA codes: ``des`` may have no categories at all (a column
        # that is null on every row), and then there is nothing to look up.
        d = np.full(len(raw), -1, dtype=np.int64)
        given = raw >= 0
        d[given] = mapping[raw[given]]
        return c, d, n + int(unknown.sum()) + 2
    values = des.astype(object)
    d = cats.get_indexer(values).astype(np.int64)
    unknown = (d < 0) & values.notna().to_numpy()
    if unknown.any():
        codes, uniques = pd.factorize(values[unknown])
        d[unknown] = n + codes
        return c, d, n + len(uniques) + 2
    return c, d, n + 2


def _int_codes(cur: pd.Series, des: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of one nullable integer key column in both frames (NA -> -1)."""
    c = cur.astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    d = des.astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    lo = min(np.nanmin(c) if np.isfinite(c).any() else 0.0,
             np.nanmin(d) if np.isfinite(d).any() else 0.0)
    hi = max(np.nanmax(c) if np.isfinite(c).any() else 0.0,
             np.nanmax(d) if np.isfinite(d).any() else 0.0)
    cc = np.where(np.isnan(c), -1, c - lo).astype(np.int64)
    dd = np.where(np.isnan(d), -1, d - lo).astype(np.int64)
    return cc, dd, int(hi - lo) + 2


def align(desired: pd.DataFrame, current: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Position of each desired row in ``current`` (-1 when absent), and a duplicate-key mask.

    Both frames hold the key as columns (see :func:`key_frame`). The key is packed into one
    int64 per row (mixed radix, in place), then matched by sorting, which needs less memory
    than a hash table of a million keys.

    Raises:
        ValueError: when ``current`` itself has duplicate keys.
    """
    cur_key = np.zeros(len(current), dtype=np.int64)
    des_key = np.zeros(len(desired), dtype=np.int64)
    capacity = 1
    for name in KEY:
        if name in ("year", "month"):
            c, d, radix = _int_codes(current[name], desired[name])
        else:
            c, d, radix = _string_codes(current[name], desired[name])
        capacity *= radix
        if capacity >= 2**62:
            return _align_by_merge(desired, current)
        cur_key *= radix
        cur_key += c
        cur_key += 1
        des_key *= radix
        des_key += d
        des_key += 1
        del c, d
    order = np.argsort(cur_key, kind="stable")
    sorted_cur = cur_key[order]
    if len(sorted_cur) > 1 and (sorted_cur[1:] == sorted_cur[:-1]).any():
        raise ValueError("The current frame has duplicate cell keys; it cannot be diffed.")
    if len(des_key) == len(cur_key) and np.array_equal(des_key, cur_key):
        # An edited copy of the current frame, rows in the same order: the common case.
        return np.arange(len(cur_key), dtype=np.int64), np.zeros(len(cur_key), dtype=bool)
    dup = np.zeros(len(des_key), dtype=bool)
    sorted_des = np.sort(des_key)
    repeated = sorted_des[1:][sorted_des[1:] == sorted_des[:-1]]
    if len(repeated):
        dup = np.isin(des_key, repeated)
    if len(sorted_cur) == 0:
        return np.full(len(des_key), -1, dtype=np.int64), dup
    at = np.minimum(np.searchsorted(sorted_cur, des_key), len(sorted_cur) - 1)
    found = sorted_cur[at] == des_key
    return np.where(found, order[at], -1).astype(np.int64), dup


def _align_by_merge(
    desired: pd.DataFrame, current: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Fallback alignment by merge when the mixed-radix key would overflow int64."""
    keys = list(KEY)
    left = desired[keys].astype(object).assign(_d=np.arange(len(desired)))
    right = current[keys].astype(object).assign(_c=np.arange(len(current)))
    if right.duplicated(keys).any():
        raise ValueError("The current frame has duplicate cell keys; it cannot be diffed.")
    merged = left.merge(right, on=keys, how="left", sort=False)
    pos = merged.sort_values("_d")["_c"].fillna(-1).to_numpy(dtype=np.int64)
    dup = left.duplicated(keys, keep=False).to_numpy()
    return pos, dup


# --------------------------------------------------------------------------------------------
# classification
# --------------------------------------------------------------------------------------------
def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Float equality with a small relative tolerance; NaN equals NaN."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.isclose(a, b, rtol=_RTOL, atol=_ATOL) | (np.isnan(a) & np.isnan(b))


def _neutral_to_null(ttype: np.ndarray, tvalue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delta 0 and Percentage 0 leave the original untouched: compare them as no transform.

    "0" within 1e-9: the service's rescaling of demand components (totalDemand drives them)
    leaves Percentage transforms of about 1e-14 after a change and its inverse.
    """
    ttype = np.asarray(ttype, dtype=object).copy()
    tvalue = np.asarray(tvalue, dtype=np.float64).copy()
    neutral = ((ttype == "Delta") | (ttype == "Percentage")) & (np.abs(tvalue) <= 1e-9)
    ttype[neutral] = None
    tvalue[neutral] = np.nan
    return ttype, tvalue


CELL_COLUMNS: tuple[str, ...] = (
    "row",
    *KEY,
    "original",
    "before",
    "before_type",
    "before_value",
    "after",
    "transform_type",
    "transform_value",
    "change",
)


def classify(
    desired: pd.DataFrame, current: pd.DataFrame, pos: np.ndarray, value_wins: bool = False
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Changed cells (one row each, see ``CELL_COLUMNS``) and problem frames.

    ``desired`` is the normalised frame; rows with ``pos < 0`` must already be removed.
    ``value_wins``: the rows come from an edited copy of a getter's frame, where a ``value``
    that the row's own transform columns do not produce was edited after reading (the
    transform columns are stale), so the value is the intent.
    """
    problems: list[pd.DataFrame] = []
    now = _now(current, pos)
    asked = _asked(desired)
    intent = _intent(desired, asked, now, value_wins, problems)
    after_tt = np.full(len(desired), None, dtype=object)
    after_tv = np.full(len(desired), np.nan)
    after_tt[intent.set_tx] = asked.tt_cmp[intent.set_tx]
    after_tv[intent.set_tx] = asked.tv[intent.set_tx]
    after_tt[intent.absolute] = "Absolute"
    after_tv[intent.absolute] = asked.value[intent.absolute]
    after = effective(now.original, after_tt, after_tv)
    idx = np.flatnonzero(_changed(desired, asked, now, intent, after, problems))
    cells = desired.iloc[idx][["row", *KEY]].reset_index(drop=True)
    cells["original"] = now.original[idx]
    cells["before"] = now.value[idx]
    cells["before_type"] = now.tt[idx]
    cells["before_value"] = now.tv[idx]
    cells["after"] = after[idx]
    cells["transform_type"] = after_tt[idx]
    cells["transform_value"] = after_tv[idx]
    cells["change"] = np.where(intent.clear_tx[idx], "cleared", "changed")
    return cells, problems


@dataclass(frozen=True)
class _Now:
    """The current cells aligned to the desired rows."""

    original: np.ndarray
    value: np.ndarray
    tt: np.ndarray
    tv: np.ndarray
    tt_n: np.ndarray  # tt and tv with neutral transforms as none (``_neutral_to_null``)
    tv_n: np.ndarray


def _now(current: pd.DataFrame, pos: np.ndarray) -> _Now:
    """The current frame's cells at ``pos``."""
    cur_tt = _as_object(current["transform_type"])[pos]
    cur_tv = current["transform_value"].to_numpy(dtype=np.float64)[pos]
    return _Now(
        current["original"].to_numpy(dtype=np.float64)[pos],
        current["value"].to_numpy(dtype=np.float64)[pos],
        cur_tt,
        cur_tv,
        *_neutral_to_null(cur_tt, cur_tv),
    )


@dataclass(frozen=True)
class _Asked:
    """What the desired rows ask for, column by column (absent columns as nulls)."""

    has_tt: bool
    has_value: bool
    tt: np.ndarray  # as given, "clear" included
    tt_cmp: np.ndarray  # "clear" as None
    tv: np.ndarray
    value: np.ndarray
    is_clear_word: np.ndarray
    tt_n: np.ndarray  # tt_cmp and tv with neutral transforms as none
    tv_n: np.ndarray


def _asked(desired: pd.DataFrame) -> _Asked:
    """The desired rows' transform and value columns as arrays."""
    n = len(desired)
    has_tt = "transform_type" in desired.columns
    has_value = "value" in desired.columns
    des_tt = desired["transform_type"].to_numpy(dtype=object) if has_tt else np.full(n, None)
    if "transform_value" in desired.columns:
        des_tv = desired["transform_value"].to_numpy(dtype=np.float64)
    else:
        des_tv = np.full(n, np.nan)
    des_val = desired["value"].to_numpy(dtype=np.float64) if has_value else np.full(n, np.nan)
    is_clear_word = des_tt == CLEAR
    des_tt_cmp = np.array(des_tt, dtype=object, copy=True)
    des_tt_cmp[is_clear_word] = None
    return _Asked(
        has_tt, has_value, des_tt, des_tt_cmp, des_tv, des_val, is_clear_word,
        *_neutral_to_null(des_tt_cmp, des_tv),
    )  # fmt: skip


@dataclass(frozen=True)
class _Intent:
    """Per row: what it asks for (set or clear a transform, pin a value) and what is wrong."""

    set_tx: np.ndarray
    clear_tx: np.ndarray
    absolute: np.ndarray
    val_differs: np.ndarray
    missing_tv: np.ndarray
    meaningless: np.ndarray


def _report(
    problems: list[pd.DataFrame], desired: pd.DataFrame, mask: np.ndarray, reason: str, fix: str
) -> None:
    """Adds a problem frame for the desired rows in ``mask``, if any."""
    if mask.any():
        problems.append(_problem(desired.loc[mask], desired["row"].to_numpy()[mask], reason, fix))


def _intent(
    desired: pd.DataFrame, asked: _Asked, now: _Now, value_wins: bool,
    problems: list[pd.DataFrame],
) -> _Intent:  # fmt: skip
    """The intent rules of the module docstring, row by row; rows that mean nothing are problems."""
    wants_type = pd.notna(asked.tt_cmp)
    tx_differs = np.zeros(len(desired), dtype=bool)
    if asked.has_tt:
        tx_differs = (asked.tt_n != now.tt_n) | ~_same(asked.tv_n, now.tv_n)
        tx_differs &= ~(pd.isna(asked.tt_n) & pd.isna(now.tt_n))
    val_given = ~np.isnan(asked.value)
    val_differs = val_given & ~_same(asked.value, now.value)
    # A transform type without a value, or a value-only row with nothing in it, means nothing.
    missing_tv = wants_type & np.isnan(asked.tv)
    _report(problems, desired, missing_tv,
            "transform_type is given but transform_value is null.",
            "give a numeric transform_value, or set transform_type to 'clear'.")  # fmt: skip
    meaningless = asked.has_value & ~val_given & ~wants_type & ~asked.is_clear_word
    if asked.has_tt:
        meaningless &= ~(tx_differs & pd.isna(asked.tt_cmp))
    _report(
        problems, desired, meaningless, "value is null and no transform is asked for.",
        "give a number in value, or transform_type='clear' to remove the transform.",
    )  # fmt: skip
    if value_wins and asked.has_tt:
        implied = effective(now.original, asked.tt_cmp, asked.tv)
        stale_tx = val_given & ~asked.is_clear_word & ~_same(asked.value, implied)
        tx_differs &= ~stale_tx
    set_tx = tx_differs & wants_type & ~missing_tv
    # "clear" always clears. A null transform_type clears only when the row's value does not
    # say otherwise (null, or the original); beside any other value it is a value edit, so an
    # edited copy re-planned after its apply (transform columns still as first read) is a no-op.
    null_tt = asked.has_tt & pd.isna(asked.tt) & ~asked.is_clear_word
    clear_tx = tx_differs & (
        asked.is_clear_word
        | (null_tt & (~val_given | (_same(asked.value, now.original) & val_differs)))
    )
    absolute = val_differs & ~set_tx & ~clear_tx
    return _Intent(set_tx, clear_tx, absolute, val_differs, missing_tv, meaningless)


def _changed(
    desired: pd.DataFrame, asked: _Asked, now: _Now, intent: _Intent, after: np.ndarray,
    problems: list[pd.DataFrame],
) -> np.ndarray:  # fmt: skip
    """Mask of rows that change a cell; conflicting and overflowing rows are problems."""
    set_tx, clear_tx, val_differs = intent.set_tx, intent.clear_tx, intent.val_differs
    conflict = set_tx & val_differs & ~_same(asked.value, after)
    conflict |= clear_tx & asked.is_clear_word & val_differs & ~_same(asked.value, now.original)
    _report(problems, desired, conflict,
            "value disagrees with the transform asked for on the same row.",
            "give either value or transform_type/transform_value, or make them agree.")  # fmt: skip
    overflow = (set_tx | intent.absolute) & np.isinf(after) & ~conflict
    _report(problems, desired, overflow,
            "the transform makes the value infinite (a float overflow).",
            "give a transform_value that keeps the value finite.")  # fmt: skip
    changed = (set_tx | clear_tx | intent.absolute) & ~conflict & ~overflow
    changed &= ~intent.missing_tv & ~intent.meaningless
    # A clear on a cell without a transform, or a transform equal to the current one, is a no-op.
    changed &= ~(clear_tx & pd.isna(now.tt_n))
    # So is another transform with the same effective value (a stale Percentage in an edited
    # demand frame against the Absolute pin that replaced it): only an explicit "clear"
    # asks for the transform itself to go.
    changed &= ~((set_tx | (clear_tx & ~asked.is_clear_word)) & _same(after, now.value))
    return changed


# --------------------------------------------------------------------------------------------
# grouping into API calls
# --------------------------------------------------------------------------------------------
def mutation_kind(domain: str, kind: str | None) -> str:
    """The mutation kind (see ``_mutations.KINDS``) of a domain and supply kind."""
    if domain == "technology":
        return "technology_endogenous" if kind == "endogenous" else "technology_exogenous"
    return domain


_CALL_KEY: tuple[str, ...] = (
    "domain",
    "kind",
    "region",
    "technology",
    "sub_region",
    "sub_technology",
    "subsidy",
    "variable",
)
CALL_COLUMNS: tuple[str, ...] = (
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
    "variables",
)


def _tx_items(
    domain: str,
    years: Sequence[Any],
    months: Sequence[Any],
    types: Sequence[Any],
    values: Sequence[Any],
    monthly: bool,
) -> list[dict[str, Any]]:
    """The ``tx`` list of one call, in the shape the official client sends."""
    tech = domain == "technology"
    neutral_type, neutral_value = (
        ("Absolute", None) if tech else (NEUTRAL_TRANSFORM[0], NEUTRAL_TRANSFORM[1])
    )
    if monthly:
        return [
            {
                "year": y,
                "month": m,
                "transform": {"type": t, "value": v}
                if t is not None
                else {"type": neutral_type, "value": neutral_value},
            }
            for y, m, t, v in zip(years, months, types, values, strict=True)
        ]
    return [
        {
            "year": y,
            "transform": {"type": t, "value": v}
            if t is not None
            else {"type": neutral_type, "value": neutral_value},
        }
        for y, t, v in zip(years, types, values, strict=True)
    ]


def payload(
    domain: str,
    scenario_id: str,
    *,
    regions: Sequence[str],
    technology: str | None,
    variable: str,
    kind: str | None = None,
    sub_region: str | None = None,
    sub_technology: str | None = None,
    subsidy: str | None = None,
    tx: list[dict[str, Any]],
) -> dict[str, Any]:
    """The variables of one mutation, with the names and key order the official client uses."""
    if domain == "technology":
        out: dict[str, Any] = {
            "sessionId": scenario_id,
            "parameter": variable,
            "tx": tx,
            "name": technology,
            "region": regions[0],
            "subRegion": sub_region,
        }
        if kind != "endogenous":
            out["subsidy"] = subsidy
        out["subTechnology"] = sub_technology
        return out
    if domain == "demand":
        return {
            "sessionId": scenario_id,
            "regions": list(regions),
            "variable": variable,
            "autoCapacityMarketTarget": None,
            "tx": tx,
        }
    if domain == "demand_technology":
        return {
            "sessionId": scenario_id,
            "regions": list(regions),
            "variable": variable,
            "technology": technology,
            "autoCapacityMarketTarget": None,
            "tx": tx,
        }
    if domain == "commodity":
        out = {"sessionId": scenario_id, "commodity": technology}
        if list(regions) != [ALL_REGIONS]:
            out["regions"] = list(regions)
        out["tx"] = tx
        return out
    if domain == "interconnector":
        return {
            "sessionId": scenario_id,
            "from": regions[0],
            "to": technology,
            "variable": variable,
            "tx": tx,
        }
    raise ValueError(f"Unknown domain {domain!r}: use one of {', '.join(DOMAINS)}.")


def _sort_cells(cells: pd.DataFrame, lead: list[np.ndarray]) -> np.ndarray:
    """Order of cells by the ``lead`` code arrays, then year, then month (nulls first)."""
    year_f = cells["year"].astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    month_f = cells["month"].astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    # np.lexsort sorts by the last key first.
    return np.lexsort(
        [np.nan_to_num(month_f, nan=-1.0), np.nan_to_num(year_f, nan=-1.0), *lead[::-1]]
    )


def assign_calls(cells: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Groups changed cells into API calls: the calls (without payloads) and each cell's id.

    One call per domain x entity x sub-keys x variable; for domains taking a ``regions``
    list, regions whose changes are identical (same years, months, transforms) share a call.
    The payloads are compiled separately (:func:`payloads`), on demand.
    """
    n = len(cells)
    call_ids = np.full(n, -1, dtype=np.int64)
    meta_columns = [c for c in CALL_COLUMNS if c != "variables"]
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in meta_columns}), call_ids
    order, group_of_sorted, group_keys = _group_cells(cells)
    group_of_cell = np.empty(n, dtype=np.int64)
    group_of_cell[order] = group_of_sorted
    target, regions = _merge_regions(cells, order, group_of_sorted, group_keys)
    kept = _call_order(group_keys, target)
    renumber = np.full(len(target), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    call_of_group = renumber[target]
    call_ids[:] = call_of_group[group_of_cell]
    n_cells = np.bincount(call_ids, minlength=len(kept))
    return _call_meta(group_keys, kept, regions, n_cells), call_ids


def _group_cells(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Cells sorted by call key: the order, each sorted cell's group, and each group's key."""
    key_values: list[np.ndarray] = []
    key_codes: list[np.ndarray] = []
    for name in _CALL_KEY:
        values = _as_object(cells[name])
        codes, _uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        key_values.append(values)
        key_codes.append(codes)
    order = _sort_cells(cells, key_codes)
    stacked = np.vstack([c[order] for c in key_codes])
    change = np.zeros(len(cells), dtype=bool)
    change[0] = True
    change[1:] = (stacked[:, 1:] != stacked[:, :-1]).any(axis=0)
    starts = np.flatnonzero(change)
    group_of_sorted = np.cumsum(change) - 1
    group_keys = {name: key_values[j][order][starts] for j, name in enumerate(_CALL_KEY)}
    return order, group_of_sorted, group_keys


def _merge_regions(
    cells: pd.DataFrame,
    order: np.ndarray,
    group_of_sorted: np.ndarray,
    group_keys: dict[str, np.ndarray],
) -> tuple[np.ndarray, list[list[Any]]]:
    """Each group's target group (itself, or the first with identical changes) and regions."""
    n_groups = len(group_keys["region"])
    target = np.arange(n_groups)
    # Merge regions only where the API takes a regions list (a few groups in practice).
    mergeable = np.flatnonzero(
        pd.Series(group_keys["domain"]).isin(REGION_LIST_DOMAINS).to_numpy()
        & (group_keys["region"] != ALL_REGIONS)
    )
    regions: list[list[Any]] = [[r] for r in group_keys["region"].tolist()]
    if len(mergeable):
        sig = _cell_signatures(cells, order, group_of_sorted, mergeable)
        first: dict[tuple[Any, ...], int] = {}
        for g in mergeable.tolist():
            mkey = (group_keys["domain"][g], group_keys["technology"][g],
                    group_keys["variable"][g], sig[g])
            if mkey in first:
                target[g] = first[mkey]
                regions[first[mkey]].append(group_keys["region"][g])
            else:
                first[mkey] = g
    return target, regions


def drives_others(domain: np.ndarray, variable: np.ndarray) -> np.ndarray:
    """Which calls change other cells on the server too, so must land before any other.

    System ``totalDemand`` drives ``baseDemand`` and the demand technologies' ``totalDemand``
    (they are rescaled with it): its calls go first (:func:`assign_calls`) and apply waits
    for their answers before it sends the rest, so explicit changes of the dependents land
    on top.
    """
    domain, variable = np.asarray(domain, dtype=object), np.asarray(variable, dtype=object)
    return np.asarray((domain == "demand") & (variable == "totalDemand"), dtype=bool)


def _call_order(group_keys: dict[str, np.ndarray], target: np.ndarray) -> np.ndarray:
    """The groups that become calls (merged ones are not), in the order they are sent."""
    kept = np.flatnonzero(target == np.arange(len(target)))
    drives = drives_others(group_keys["domain"][kept], group_keys["variable"][kept])
    return kept[np.argsort(~drives, kind="stable")]


def _obj(values: Any) -> pd.Series:
    """Object column: pandas 3 would infer ``str`` and turn None into NaN."""
    return pd.Series(list(values), dtype=object)


def _call_meta(
    group_keys: dict[str, np.ndarray],
    kept: np.ndarray,
    regions: list[list[Any]],
    n_cells: np.ndarray,
) -> pd.DataFrame:
    """The calls' frame (``CALL_COLUMNS`` but ``variables``), one row per kept group."""
    domain = group_keys["domain"][kept]
    kind = group_keys["kind"][kept]
    return pd.DataFrame(
        {
            "call_id": np.arange(len(kept)),
            "mutation": _obj(mutation_kind(d, k) for d, k in zip(domain, kind, strict=True)),
            "domain": _obj(domain),
            "kind": _obj(kind),
            "regions": _obj(tuple(sorted(regions[g])) for g in kept.tolist()),
            "technology": _obj(group_keys["technology"][kept]),
            "variable": _obj(group_keys["variable"][kept]),
            "sub_region": _obj(group_keys["sub_region"][kept]),
            "sub_technology": _obj(group_keys["sub_technology"][kept]),
            "subsidy": _obj(group_keys["subsidy"][kept]),
            "n_cells": n_cells,
        }
    )


def _cell_signatures(
    cells: pd.DataFrame, order: np.ndarray, group_of_sorted: np.ndarray, groups: np.ndarray
) -> dict[int, str]:
    """A canonical text of each listed group's (year, month, transform) sequence."""
    wanted = np.isin(group_of_sorted, groups)
    idx = order[wanted]
    years = cells["year"].astype("Int64").astype(object).to_numpy()[idx]
    months = cells["month"].astype("Int64").astype(object).to_numpy()[idx]
    types = _as_object(cells["transform_type"])[idx]
    values = cells["transform_value"].to_numpy(dtype=np.float64)[idx]
    out: dict[int, list[str]] = {}
    for g, y, m, t, v in zip(group_of_sorted[wanted].tolist(), years, months, types,
                             values.tolist(), strict=True):
        out.setdefault(g, []).append(f"{y}|{m}|{t}|{v!r}")
    return {g: ";".join(parts) for g, parts in out.items()}


def payloads(
    cells: pd.DataFrame, calls: pd.DataFrame, call_ids: np.ndarray, scenario_id: str
) -> list[dict[str, Any]]:
    """The mutation variables of every call (in ``calls`` order), ``tx`` by (year, month).

    Merged calls take their ``tx`` from the cells of their first region (identical by
    construction).
    """
    if len(calls) == 0:
        return []
    call_ids = np.asarray(call_ids, dtype=np.int64)
    region_codes, _ = pd.factorize(_as_object(cells["region"]), sort=True)
    order = _sort_cells(cells, [call_ids, region_codes])
    sorted_calls = call_ids[order]
    sorted_regions = region_codes[order]
    # Keep, per call, only the cells of its first region.
    starts = np.flatnonzero(np.r_[True, sorted_calls[1:] != sorted_calls[:-1]])
    first_region = np.repeat(sorted_regions[starts], np.diff(np.r_[starts, len(order)]))
    keep = sorted_regions == first_region
    order = order[keep]
    sorted_calls = sorted_calls[keep]
    bounds = np.flatnonzero(np.r_[True, sorted_calls[1:] != sorted_calls[:-1]])
    ends = np.r_[bounds[1:], len(order)]
    year_f = cells["year"].astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    month_f = cells["month"].astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    domains = _as_object(cells["domain"])[order]
    # No gc.disable() here: switching the collector is process-wide, and other threads
    # (a progress bar, a server in the same process) would run without it too.
    items = _all_tx_items(cells, order, year_f, month_f, domains)
    out: list[dict[str, Any]] = []
    records = [
        {k: (None if not isinstance(v, tuple) and pd.isna(v) else v) for k, v in r.items()}
        for r in calls.to_dict("records")
    ]
    for call, start, end in zip(records, bounds.tolist(), ends.tolist(), strict=True):
        out.append(
            payload(
                str(call["domain"]),
                scenario_id,
                regions=list(call["regions"] or ()),
                technology=call["technology"],
                variable=str(call["variable"]),
                kind=call["kind"],
                sub_region=call["sub_region"],
                sub_technology=call["sub_technology"],
                subsidy=call["subsidy"],
                tx=items[start:end],
            )
        )
    return out


def group_calls(cells: pd.DataFrame, scenario_id: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Calls with their payloads (``variables`` column), and each cell's ``call_id``."""
    meta, call_ids = assign_calls(cells)
    calls = meta.copy()
    calls["variables"] = payloads(cells, meta, call_ids, scenario_id) if len(meta) else []
    return calls[list(CALL_COLUMNS)], call_ids


def _all_tx_items(
    cells: pd.DataFrame,
    order: np.ndarray,
    year_f: np.ndarray,
    month_f: np.ndarray,
    domains: np.ndarray,
) -> list[dict[str, Any]]:
    """The ``tx`` item of every cell, in ``order``; ``month`` only where the cell has one."""
    years = [None if y != y else int(y) for y in year_f[order].tolist()]
    months = [None if m != m else int(m) for m in month_f[order].tolist()]
    types = _as_object(cells["transform_type"])[order].tolist()
    values = [None if v != v else v for v in cells["transform_value"].to_numpy(
        dtype=np.float64)[order].tolist()]
    tech = (np.asarray(domains, dtype=object) == "technology").tolist()
    neutral_type, neutral_value = NEUTRAL_TRANSFORM
    transforms = [
        {"type": t, "value": v}
        if t is not None
        else ({"type": "Absolute", "value": None} if is_tech
              else {"type": neutral_type, "value": neutral_value})
        for t, v, is_tech in zip(types, values, tech, strict=True)
    ]
    return [
        {"year": y, "transform": t} if m is None else {"year": y, "month": m, "transform": t}
        for y, m, t in zip(years, months, transforms, strict=True)
    ]


def inverse_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells that restore the before-state: prior transform, or a clear where none was."""
    inverse = cells.copy()
    inverse["transform_type"] = cells["before_type"].to_numpy(dtype=object)
    inverse["transform_value"] = cells["before_value"].to_numpy(dtype=np.float64)
    inverse["after"] = cells["before"].to_numpy(dtype=np.float64)
    inverse["before"] = cells["after"].to_numpy(dtype=np.float64)
    return inverse
