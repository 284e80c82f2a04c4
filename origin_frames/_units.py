"""Commodity units: prices read in native units are planned in the default units.

``get_commodities(..., native_units_flag=True)`` answers prices in each commodity's native
unit (``p/therm``, ``USD/bbl``); the service stores and diffs them per MWh, and the plan
engine reads the current state in those default units. A frame says which units it holds
by its ``unit`` column (row by row) or, when it has no such column, by
``frame.attrs["commodity_units"]`` (set by the getters). Native rows are converted before
they are compared, so an unedited native frame plans to nothing and an edit of a native
price plans exactly that cell; a row whose unit cannot be converted is refused.

The conversion factor is not taken on trust from a config field: it is measured, as the
ratio of the server's own default-unit and native-unit answers for the same cells, and it
must be the same for every cell of a commodity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import _diff
from ._contract import ALL_REGIONS, INDEX_LEVELS
from ._reader import CurrentReader

#: ``frame.attrs`` key saying which units a commodity frame's prices are in.
UNITS_ATTR = "commodity_units"
NATIVE = "native"
DEFAULT = "default"

_FACTOR_RTOL = 1e-6


def mark_units(frame: pd.DataFrame, native: bool) -> pd.DataFrame:
    """Records in ``frame.attrs`` which units the frame's commodity prices are in.

    Args:
        frame: A commodity frame, as read.
        native: True when read with ``native_units_flag=True``.

    Returns:
        The same frame (marked in place).

    Example:
        >>> mark_units(pd.DataFrame(), native=True).attrs["commodity_units"]
        'native'
    """
    frame.attrs[UNITS_ATTR] = NATIVE if native else DEFAULT
    return frame


def native_units_of(config: Mapping[str, Any] | None) -> dict[str, str]:
    """Commodity name -> native unit, from the inputs ``getConfig`` (``units``)."""
    config = dict(config or {})
    config = dict(config.get("getConfig", config) or {})
    available = (config.get("commodities") or {}).get("commoditiesAvailable") or []
    return {str(c["name"]): str(c["units"]) for c in available if c.get("units")}


def native_mask(
    changes: pd.DataFrame,
    desired: pd.DataFrame,
    current: pd.DataFrame,
    pos: np.ndarray,
    native_units: Mapping[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Which ``desired`` rows hold native-unit prices, and which hold a unit nobody knows.

    ``desired`` holds normalised rows of ``changes`` (their positions in ``row``). A row's
    ``unit`` decides where it is given: the current cell's (default) unit means default
    units, the commodity's native unit means native; anything else is unknown. Rows
    without a unit follow the frame's ``attrs`` mark (default when unmarked).
    """
    n = len(desired)
    native = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    commodity = (desired["domain"].to_numpy(dtype=object) == "commodity") & (pos >= 0)
    if not commodity.any():
        return native, unknown
    marked = changes.attrs.get(UNITS_ATTR) == NATIVE
    unit = _diff.column(changes, "unit")
    if unit is None or "unit" not in current.columns:
        return commodity & marked, unknown
    given = unit.iloc[desired["row"].to_numpy()].reset_index(drop=True)
    given = _diff._as_object(given.astype(object).where(~_diff.not_text(given), None))
    has_unit = pd.notna(given)
    default_unit = _diff._as_object(current["unit"])[np.where(pos >= 0, pos, 0)]
    names = desired["technology"].to_numpy(dtype=object)
    own_native = np.array([native_units.get(str(c)) for c in names], dtype=object)
    is_default = has_unit & (given == default_unit)
    is_native = has_unit & ~is_default & (given == own_native)
    native = commodity & (is_native | (~has_unit & marked))
    unknown = commodity & has_unit & ~is_default & ~is_native
    return native, unknown


def measured_factors(
    client: CurrentReader, scenario_id: str, desired: pd.DataFrame, current: pd.DataFrame
) -> dict[str, float | None]:
    """Default-unit price / native-unit price of each commodity in ``desired``.

    Reads the same commodities and regions in native units and divides the current
    default-unit ``original`` by the native one, cell by cell. None where the ratio cannot
    be measured (no non-zero price) or is not one number for every cell.
    """
    names = sorted({str(c) for c in desired["technology"]})
    regions = sorted({str(r) for r in desired["region"]})
    named = [r for r in regions if r != ALL_REGIONS]
    frames = []
    if named:
        frames.append(client.commodities(scenario_id, regions=named, commodities=names,
                                         native_units=True))  # fmt: skip
    if ALL_REGIONS in regions:
        frames.append(client.commodities(scenario_id, regions=None, commodities=names,
                                         native_units=True))  # fmt: skip
    native = pd.concat([_diff.flatten(f) for f in frames], ignore_index=True)
    keys = list(INDEX_LEVELS)
    left = native[keys + ["original"]].astype({k: object for k in keys})
    right = current.loc[current["domain"].astype(object) == "commodity", keys + ["original"]]
    both = left.merge(right.astype({k: object for k in keys}), on=keys,
                      suffixes=("_native", "_default"))  # fmt: skip
    out: dict[str, float | None] = {}
    for name in names:
        part = both[both["technology"] == name]
        num = part["original_default"].to_numpy(dtype=np.float64)
        den = part["original_native"].to_numpy(dtype=np.float64)
        usable = np.isfinite(num) & np.isfinite(den) & (den != 0)
        ratios = num[usable] / den[usable]
        if len(ratios) == 0:
            out[name] = None
            continue
        factor = float(np.median(ratios))
        same = np.isclose(ratios, factor, rtol=_FACTOR_RTOL, atol=0.0).all()
        out[name] = factor if same else None
    return out


def to_default_units(
    desired: pd.DataFrame, native: np.ndarray, factors: Mapping[str, float | None]
) -> tuple[pd.DataFrame, np.ndarray]:
    """``desired`` with native rows converted to default units, and the unconvertible rows.

    ``value`` and the ``transform_value`` of Absolute and Delta transforms scale by the
    factor; a Percentage is unitless and stays.
    """
    out = desired.copy()
    factor = np.array([factors.get(str(c)) if n else 1.0
                       for c, n in zip(out["technology"], native, strict=True)],
                      dtype=object)  # fmt: skip
    missing = native & np.array([f is None for f in factor], dtype=bool)
    scale = np.where(missing, np.nan, factor).astype(np.float64)
    scale[~native] = 1.0
    if "value" in out.columns:
        out["value"] = out["value"].to_numpy(dtype=np.float64) * scale
    if "transform_value" in out.columns and "transform_type" in out.columns:
        tt = out["transform_type"].to_numpy(dtype=object)
        unitless = tt == "Percentage"
        out["transform_value"] = out["transform_value"].to_numpy(dtype=np.float64) * np.where(
            unitless, 1.0, scale
        )
    return out, missing
