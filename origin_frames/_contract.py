"""The frame contract of input cells, declared once: columns, domains, categories, transforms.

Every input frame (readers, plans, Parquet files, fleets, the command line) has one row
per cell, indexed by :data:`INDEX_LEVELS`, with the :data:`KEY_COLUMNS` that complete a
cell's key and the :data:`VALUE_COLUMNS`; ``docs/architecture.md`` gives each column's
dtype and meaning. The effective value of a cell is its ``original`` with its transform
applied (:func:`effective`). Every module takes these from here; the emulator, the
server side, keeps its own copy of the transform rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, get_args

import numpy as np

__all__ = [
    "ALL_REGIONS",
    "CATEGORY_COLUMNS",
    "COLUMNS",
    "DEMAND_DOMAINS",
    "DOMAINS",
    "Domain",
    "FIXED_CATEGORIES",
    "FREE_CATEGORIES",
    "INDEX_LEVELS",
    "KEY",
    "KEY_COLUMNS",
    "KINDS",
    "Kind",
    "REGION_LIST_DOMAINS",
    "STRING_KEYS",
    "SUB_KEYS",
    "TRANSFORM_TYPES",
    "TransformType",
    "VALUE_COLUMNS",
    "effective",
    "effective_from_codes",
]

#: Index levels of every input frame, in this order.
INDEX_LEVELS: tuple[str, ...] = ("region", "technology", "year")
#: The columns that complete a cell's key (with the index levels).
KEY_COLUMNS: tuple[str, ...] = (
    "domain", "variable", "kind", "sub_region", "sub_technology", "subsidy", "month",
)  # fmt: skip
#: The full key of a cell.
KEY: tuple[str, ...] = INDEX_LEVELS + KEY_COLUMNS
#: Key parts held as strings (``year`` and ``month`` are ``Int64``).
STRING_KEYS: tuple[str, ...] = tuple(k for k in KEY if k not in ("year", "month"))
#: Key parts below (region, technology) of supply cells.
SUB_KEYS: tuple[str, ...] = ("kind", "sub_region", "sub_technology", "subsidy")
#: What a cell holds.
VALUE_COLUMNS: tuple[str, ...] = (
    "original", "transform_type", "transform_value", "value", "unit",
    "validation_warnings", "validation_errors",
)  # fmt: skip
#: The columns of an input frame, in order (the index levels aside).
COLUMNS: tuple[str, ...] = KEY_COLUMNS + VALUE_COLUMNS

#: The values of the ``domain`` column, in frame order (the type, for typed models).
Domain: TypeAlias = Literal[
    "technology", "demand", "demand_technology", "commodity", "interconnector"
]
DOMAINS: tuple[str, ...] = get_args(Domain)
#: The two domains one ``getDemand`` read returns (system demand, demand technologies).
DEMAND_DOMAINS: tuple[str, ...] = ("demand", "demand_technology")
#: Domains whose mutation takes a ``regions`` list, so identical changes merge across regions.
REGION_LIST_DOMAINS: frozenset[str] = frozenset({"demand", "demand_technology", "commodity"})
#: Region of commodity cells read as the equally weighted average across regions.
ALL_REGIONS = "all"
#: The values of ``kind`` (supply technologies only; the type, for typed models).
Kind: TypeAlias = Literal["exogenous", "endogenous"]
KINDS: tuple[str, ...] = get_args(Kind)
#: The values of ``transform_type`` (the type, for typed models).
TransformType: TypeAlias = Literal["Absolute", "Delta", "Percentage"]
TRANSFORM_TYPES: tuple[str, ...] = get_args(TransformType)

#: Category columns whose categories are fixed by the contract.
FIXED_CATEGORIES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "domain": DOMAINS, "kind": KINDS, "transform_type": TRANSFORM_TYPES,
})  # fmt: skip
#: Category columns whose categories are whatever the scenario has.
FREE_CATEGORIES: tuple[str, ...] = ("variable", "sub_region", "sub_technology", "subsidy", "unit")
#: Every category column.
CATEGORY_COLUMNS: tuple[str, ...] = (*FIXED_CATEGORIES, *FREE_CATEGORIES)


def effective_from_codes(original: Any, codes: np.ndarray, tvalue: Any) -> np.ndarray:
    """Effective values, transform types given as positions in :data:`TRANSFORM_TYPES`.

    Absolute -> v; Delta -> original + v; Percentage -> original * (1 + v / 100); any
    other code (-1: no transform) keeps the original.

    Args:
        original: The cells' values before any transform.
        codes: Each cell's transform type as an index of ``TRANSFORM_TYPES``, -1 for none.
        tvalue: The cells' transform values.

    Returns:
        The effective values (float64; overflow gives inf, judged by the caller).

    Example:
        >>> effective_from_codes([10.0, 10.0], np.array([1, -1]), [5.0, 5.0]).tolist()
        [15.0, 10.0]
    """
    original = np.asarray(original, dtype=np.float64)
    tvalue = np.asarray(tvalue, dtype=np.float64)
    value = original.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        m = codes == 0
        value[m] = tvalue[m]
        m = codes == 1
        value[m] = original[m] + tvalue[m]
        m = codes == 2
        value[m] = original[m] * (1.0 + tvalue[m] / 100.0)
    return value


def effective(original: Any, ttype: Any, tvalue: Any) -> np.ndarray:
    """Effective values: Absolute -> v; Delta -> original + v; Percentage -> original*(1+v/100).

    Args:
        original: The cells' values before any transform.
        ttype: Each cell's transform type name (null: no transform).
        tvalue: The cells' transform values.

    Returns:
        The effective values (float64).

    Example:
        >>> effective([10.0, 10.0], ["Percentage", None], [50.0, None]).tolist()
        [15.0, 10.0]
    """
    names = np.asarray(ttype, dtype=object)
    codes = np.full(names.shape, -1, dtype=np.int8)
    for code, name in enumerate(TRANSFORM_TYPES):
        codes[names == name] = code
    return effective_from_codes(original, codes, tvalue)
