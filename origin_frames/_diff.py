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

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

INDEX_LEVELS: tuple[str, ...] = ("region", "technology", "year")
KEY_COLUMNS: tuple[str, ...] = (
    "domain",
    "variable",
    "kind",
    "sub_region",
    "sub_technology",
    "subsidy",
    "month",
)
KEY: tuple[str, ...] = INDEX_LEVELS + KEY_COLUMNS
STRING_KEYS: tuple[str, ...] = tuple(k for k in KEY if k not in ("year", "month"))
TRANSFORM_TYPES: tuple[str, ...] = ("Absolute", "Delta", "Percentage")
CLEAR = "clear"
DOMAINS: tuple[str, ...] = (
    "technology",
    "demand",
    "demand_technology",
    "commodity",
    "interconnector",
)
#: Domains whose mutation takes a ``regions`` list, so identical changes merge across regions.
REGION_LIST_DOMAINS: frozenset[str] = frozenset({"demand", "demand_technology", "commodity"})
#: Region of commodity cells read as the equally weighted average across regions.
ALL_REGIONS = "all"
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
    values = series.astype(object).to_numpy(copy=True)
    values[pd.isna(values)] = None
    return values


def normalise_changes(changes: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Flat frame of desired cells with the full key, plus problem frames (row, reason, fix)."""
    if not isinstance(changes, pd.DataFrame):
        raise TypeError("changes must be a pandas DataFrame (a getter's frame or a change frame).")
    flat = flatten(changes)
    problems: list[pd.DataFrame] = []
    row = np.arange(len(flat))
    out: dict[str, Any] = {"row": row}
    for name in STRING_KEYS:
        out[name] = _as_object(flat[name]) if name in flat.columns else np.full(len(flat), None)
    for name in ("year", "month"):
        if name not in flat.columns:
            out[name] = pd.array([pd.NA] * len(flat), dtype="Int64")
            continue
        raw = flat[name]
        numeric = pd.to_numeric(raw.astype(object), errors="coerce")
        bad = (raw.notna() & (numeric.isna() | (numeric % 1 != 0))).to_numpy()
        if bad.any():
            problems.append(
                _problem(
                    flat.loc[bad],
                    row[bad],
                    f"{name} is not a whole number.",
                    f"give {name} as an integer (or null where the cell has no {name}).",
                )
            )
        numeric[bad] = np.nan
        out[name] = numeric.astype("Float64").round().astype("Int64")
    result = pd.DataFrame(out)
    for name in ("value", "transform_value"):
        if name not in flat.columns:
            continue
        raw = flat[name]
        numeric = pd.to_numeric(raw.astype(object), errors="coerce").astype("float64")
        bad_type = (raw.notna() & numeric.isna()).to_numpy()
        bad_inf = np.isinf(numeric.to_numpy())
        if bad_type.any():
            problems.append(
                _problem(
                    result.loc[bad_type],
                    row[bad_type],
                    f"{name} is not numeric.",
                    f"give {name} as a finite number.",
                )
            )
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
        result[name] = numeric.to_numpy()
    if "transform_type" in flat.columns:
        tt = _as_object(flat["transform_type"])
        lowered = np.array([t if t is None else str(t) for t in tt], dtype=object)
        is_clear = np.array([t is not None and t.lower() == CLEAR for t in lowered], dtype=bool)
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
        result["transform_type"] = lowered
    return result, problems


def _problem(keys: pd.DataFrame, rows: np.ndarray, reason: str, fix: str) -> pd.DataFrame:
    """One problem frame: the row number in the caller's frame, key columns, reason, fix."""
    frame = pd.DataFrame({"row": np.asarray(rows)})
    for name in KEY:
        if name in keys.columns:
            frame[name] = keys[name].to_numpy()
    frame["reason"] = reason
    frame["fix"] = fix
    return frame


# --------------------------------------------------------------------------------------------
# alignment
# --------------------------------------------------------------------------------------------
def _string_codes(cur: pd.Series, des: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of one string key column in both frames; NA shares a code, unknowns match nothing."""
    if isinstance(cur.dtype, pd.CategoricalDtype):
        cats = cur.cat.categories
        c = cur.cat.codes.to_numpy().astype(np.int64)
    else:
        c, uniques = pd.factorize(cur.astype(object), use_na_sentinel=True)
        c = c.astype(np.int64)
        cats = pd.Index(uniques)
    n = len(cats)
    if isinstance(des.dtype, pd.CategoricalDtype):
        if des.cat.categories.equals(cats):
            d = des.cat.codes.to_numpy().astype(np.int64)
        else:
            mapping = cats.get_indexer(des.cat.categories.astype(object))
            mapping = np.where(mapping < 0, n, mapping).astype(np.int64)
            raw = des.cat.codes.to_numpy()
            d = np.where(raw < 0, -1, mapping[np.maximum(raw, 0)])
    else:
        values = des.astype(object)
        d = cats.get_indexer(values).astype(np.int64)
        d[(d < 0) & values.notna().to_numpy()] = n
    return c + 1, d + 1, n + 2


def _int_codes(cur: pd.Series, des: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of one nullable integer key column in both frames (NA -> 0)."""
    c = cur.astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    d = des.astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    both = np.concatenate([c, d])
    finite = both[~np.isnan(both)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    cc = np.where(np.isnan(c), 0, c - lo + 1).astype(np.int64)
    dd = np.where(np.isnan(d), 0, d - lo + 1).astype(np.int64)
    return cc, dd, int(hi - lo) + 2


def align(desired: pd.DataFrame, current: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Position of each desired row in ``current`` (-1 when absent), and a duplicate-key mask.

    Both frames are flat (key levels as columns). ``current`` must have a unique key.

    Raises:
        ValueError: when ``current`` itself has duplicate keys.
    """
    cur_key = np.zeros(len(current), dtype=np.int64)
    des_key = np.zeros(len(desired), dtype=np.int64)
    capacity = 1
    overflow = False
    for name in KEY:
        if name in ("year", "month"):
            c, d, radix = _int_codes(current[name], desired[name])
        else:
            c, d, radix = _string_codes(current[name], desired[name])
        capacity *= radix
        if capacity >= 2**62:
            overflow = True
            break
        cur_key = cur_key * radix + c
        des_key = des_key * radix + d
    if overflow:
        return _align_by_merge(desired, current)
    cur_index = pd.Index(cur_key)
    if not cur_index.is_unique:
        raise ValueError("The current frame has duplicate cell keys; it cannot be diffed.")
    pos = cur_index.get_indexer(des_key)
    dup = pd.Index(des_key).duplicated(keep=False)
    return pos.astype(np.int64), np.asarray(dup)


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
def effective(original: np.ndarray, ttype: np.ndarray, tvalue: np.ndarray) -> np.ndarray:
    """Effective values: Absolute -> v; Delta -> original + v; Percentage -> original*(1+v/100)."""
    original = np.asarray(original, dtype=np.float64)
    tvalue = np.asarray(tvalue, dtype=np.float64)
    ttype = np.asarray(ttype, dtype=object)
    return np.select(
        [ttype == "Absolute", ttype == "Delta", ttype == "Percentage"],
        [tvalue, original + tvalue, original * (1.0 + tvalue / 100.0)],
        default=original,
    )


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Float equality with a small relative tolerance; NaN equals NaN."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.isclose(a, b, rtol=_RTOL, atol=_ATOL) | (np.isnan(a) & np.isnan(b))


def _neutral_to_null(ttype: np.ndarray, tvalue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delta 0 and Percentage 0 leave the original untouched: compare them as no transform."""
    ttype = np.asarray(ttype, dtype=object).copy()
    tvalue = np.asarray(tvalue, dtype=np.float64).copy()
    neutral = ((ttype == "Delta") | (ttype == "Percentage")) & (tvalue == 0)
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
    desired: pd.DataFrame, current: pd.DataFrame, pos: np.ndarray
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Changed cells (one row each, see ``CELL_COLUMNS``) and problem frames.

    ``desired`` is the normalised frame; rows with ``pos < 0`` must already be removed.
    """
    problems: list[pd.DataFrame] = []
    n = len(desired)
    original = current["original"].to_numpy(dtype=np.float64)[pos]
    cur_value = current["value"].to_numpy(dtype=np.float64)[pos]
    cur_tt = _as_object(current["transform_type"])[pos]
    cur_tv = current["transform_value"].to_numpy(dtype=np.float64)[pos]
    cur_tt_n, cur_tv_n = _neutral_to_null(cur_tt, cur_tv)

    has_tt = "transform_type" in desired.columns
    has_value = "value" in desired.columns
    des_tt = desired["transform_type"].to_numpy(dtype=object) if has_tt else np.full(n, None)
    if "transform_value" in desired.columns:
        des_tv = desired["transform_value"].to_numpy(dtype=np.float64)
    else:
        des_tv = np.full(n, np.nan)
    des_val = desired["value"].to_numpy(dtype=np.float64) if has_value else np.full(n, np.nan)
    is_clear_word = des_tt == CLEAR
    des_tt_cmp = np.where(is_clear_word, None, des_tt)
    des_tt_n, des_tv_n = _neutral_to_null(des_tt_cmp, des_tv)

    wants_type = pd.notna(des_tt_cmp)
    tx_differs = np.zeros(n, dtype=bool)
    if has_tt:
        tx_differs = (des_tt_n != cur_tt_n) | ~_same(des_tv_n, cur_tv_n)
        tx_differs &= ~(pd.isna(des_tt_n) & pd.isna(cur_tt_n))
    val_given = ~np.isnan(des_val)
    val_differs = val_given & ~_same(des_val, cur_value)

    # A transform type without a value, or a value-only row with nothing in it, means nothing.
    missing_tv = wants_type & np.isnan(des_tv)
    if missing_tv.any():
        problems.append(
            _problem(
                desired.loc[missing_tv],
                desired["row"].to_numpy()[missing_tv],
                "transform_type is given but transform_value is null.",
                "give a numeric transform_value, or set transform_type to 'clear'.",
            )
        )
    meaningless = has_value & ~val_given & ~wants_type & ~is_clear_word
    if has_tt:
        meaningless &= ~(tx_differs & pd.isna(des_tt_cmp))
    if meaningless.any():
        problems.append(
            _problem(
                desired.loc[meaningless],
                desired["row"].to_numpy()[meaningless],
                "value is null and no transform is asked for.",
                "give a number in value, or transform_type='clear' to remove the transform.",
            )
        )

    set_tx = tx_differs & wants_type & ~missing_tv
    clear_tx = tx_differs & ~wants_type
    # A null transform_type beside a new value is a value edit, not a clear.
    value_over_clear = clear_tx & ~is_clear_word & val_differs & ~_same(des_val, original)
    clear_tx &= ~value_over_clear
    absolute = (val_differs & ~set_tx & ~clear_tx) | value_over_clear

    after_tt = np.full(n, None, dtype=object)
    after_tv = np.full(n, np.nan)
    after_tt[set_tx] = des_tt_cmp[set_tx]
    after_tv[set_tx] = des_tv[set_tx]
    after_tt[absolute] = "Absolute"
    after_tv[absolute] = des_val[absolute]
    after = effective(original, after_tt, after_tv)

    conflict = (set_tx | clear_tx) & val_differs & ~_same(des_val, after)
    if conflict.any():
        problems.append(
            _problem(
                desired.loc[conflict],
                desired["row"].to_numpy()[conflict],
                "value disagrees with the transform asked for on the same row.",
                "give either value or transform_type/transform_value, or make them agree.",
            )
        )
    changed = (set_tx | clear_tx | absolute) & ~conflict & ~missing_tv & ~meaningless
    # A clear on a cell without a transform, or a transform equal to the current one, is a no-op.
    changed &= ~(clear_tx & pd.isna(cur_tt_n))

    idx = np.flatnonzero(changed)
    cells = desired.iloc[idx][["row", *KEY]].reset_index(drop=True)
    cells["original"] = original[idx]
    cells["before"] = cur_value[idx]
    cells["before_type"] = cur_tt[idx]
    cells["before_value"] = cur_tv[idx]
    cells["after"] = after[idx]
    cells["transform_type"] = after_tt[idx]
    cells["transform_value"] = after_tv[idx]
    cells["change"] = np.where(clear_tx[idx], "cleared", "changed")
    return cells, problems


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
    items: list[dict[str, Any]] = []
    tech = domain == "technology"
    for year, month, ttype, tvalue in zip(years, months, types, values, strict=True):
        if ttype is None:
            if tech:
                transform: dict[str, Any] = {"type": "Absolute", "value": None}
            else:
                transform = {"type": NEUTRAL_TRANSFORM[0], "value": NEUTRAL_TRANSFORM[1]}
        else:
            transform = {"type": ttype, "value": tvalue}
        item: dict[str, Any] = {"year": year}
        if monthly:
            item["month"] = month
        item["transform"] = transform
        items.append(item)
    return items


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


def group_calls(cells: pd.DataFrame, scenario_id: str) -> tuple[pd.DataFrame, np.ndarray]:
    """API calls for the changed cells, and each cell's ``call_id`` (aligned with ``cells``).

    One call per domain x entity x sub-keys x variable, ``tx`` sorted by (year, month);
    for domains taking a ``regions`` list, identical ``tx`` across regions share one call.
    """
    call_ids = np.full(len(cells), -1, dtype=np.int64)
    if len(cells) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CALL_COLUMNS}), call_ids
    work = cells[list(_CALL_KEY)].astype(object).where(cells[list(_CALL_KEY)].notna(), None)
    work["year"] = cells["year"].astype("Int64")
    work["month"] = cells["month"].astype("Int64")
    work["_i"] = np.arange(len(cells))
    sort_cols = [*_CALL_KEY, "year", "month"]
    order = work.sort_values(sort_cols, na_position="first", kind="stable")["_i"].to_numpy()
    sorted_keys = work.iloc[order][list(_CALL_KEY)].fillna("\x00").astype(str)
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for name in _CALL_KEY:
        col = sorted_keys[name].to_numpy()
        change[1:] |= col[1:] != col[:-1]
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], len(order))

    year_arr = cells["year"].astype("Int64").astype(object).to_numpy()
    month_arr = cells["month"].astype("Int64").astype(object).to_numpy()
    year_list = [None if pd.isna(y) else int(y) for y in year_arr[order]]
    month_list = [None if pd.isna(m) else int(m) for m in month_arr[order]]
    tt_list = list(np.asarray(cells["transform_type"], dtype=object)[order])
    tv_raw = cells["transform_value"].to_numpy(dtype=np.float64)[order]
    tv_list = [None if np.isnan(v) else float(v) for v in tv_raw]
    keys_sorted = work.iloc[order][list(_CALL_KEY)].to_numpy(dtype=object)

    groups: list[dict[str, Any]] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        key = dict(zip(_CALL_KEY, keys_sorted[start], strict=True))
        monthly = any(m is not None for m in month_list[start:end])
        tx = _tx_items(
            key["domain"],
            year_list[start:end],
            month_list[start:end],
            tt_list[start:end],
            tv_list[start:end],
            monthly,
        )
        groups.append({**key, "tx": tx, "members": order[start:end]})

    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for group in groups:
        if group["domain"] in REGION_LIST_DOMAINS and group["region"] != ALL_REGIONS:
            signature = json.dumps(group["tx"], sort_keys=True)
            mkey = (group["domain"], group["technology"], group["variable"], signature)
        else:
            mkey = (id(group),)
        if mkey in merged:
            merged[mkey]["regions"].append(group["region"])
            merged[mkey]["members"].append(group["members"])
        else:
            merged[mkey] = {**group, "regions": [group["region"]], "members": [group["members"]]}

    rows: list[dict[str, Any]] = []
    for call_id, call in enumerate(merged.values()):
        regions = sorted(call["regions"])
        for members in call["members"]:
            call_ids[members] = call_id
        rows.append(
            {
                "call_id": call_id,
                "mutation": mutation_kind(call["domain"], call["kind"]),
                "domain": call["domain"],
                "kind": call["kind"],
                "regions": tuple(regions),
                "technology": call["technology"],
                "variable": call["variable"],
                "sub_region": call["sub_region"],
                "sub_technology": call["sub_technology"],
                "subsidy": call["subsidy"],
                "n_cells": int(sum(len(m) for m in call["members"])),
                "variables": payload(
                    call["domain"],
                    scenario_id,
                    regions=regions,
                    technology=call["technology"],
                    variable=call["variable"],
                    kind=call["kind"],
                    sub_region=call["sub_region"],
                    sub_technology=call["sub_technology"],
                    subsidy=call["subsidy"],
                    tx=call["tx"],
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(CALL_COLUMNS)), call_ids


def inverse_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells that restore the before-state: prior transform, or a clear where none was."""
    inverse = cells.copy()
    inverse["transform_type"] = cells["before_type"].to_numpy(dtype=object)
    inverse["transform_value"] = cells["before_value"].to_numpy(dtype=np.float64)
    inverse["after"] = cells["before"].to_numpy(dtype=np.float64)
    inverse["before"] = cells["after"].to_numpy(dtype=np.float64)
    return inverse
