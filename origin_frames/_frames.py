"""Wire JSON -> tidy frames, vectorised.

Every input domain becomes the same frame shape (see ``docs/architecture.md``):
index ``region, technology, year``; key columns ``domain, variable, kind,
sub_region, sub_technology, subsidy, month``; value columns ``original,
transform_type, transform_value, value, unit, validation_warnings,
validation_errors``.

How it stays fast: the parsers only register *blocks* (one per entity and
variable: its key values and its list of cell dicts). :class:`CellFrameBuilder`
then pulls each cell field out of all cells with one list comprehension,
repeats the per-block keys with ``numpy.repeat`` and builds categoricals and the
MultiIndex from integer codes, so no per-cell Python work happens beyond reading
the decoded JSON dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter, methodcaller
from typing import Any

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa

from ._contract import (
    ALL_REGIONS,
    COLUMNS,
    DOMAINS,
    FIXED_CATEGORIES,
    FREE_CATEGORIES,
    INDEX_LEVELS,
    TRANSFORM_TYPES,
    effective_from_codes,
)
from ._queries import DemandSelection, TechRead, TechSelection

__all__ = [
    "CellFrameBuilder",
    "commodity_frame",
    "concat_inputs",
    "decode_technology_answer",
    "demand_frame",
    "demand_technology_frame",
    "demand_technology_names_frame",
    "empty_inputs_frame",
    "interconnector_frame",
    "records_frame",
]

_EMPTY_CELL: dict[str, Any] = {"original": None}
_TRANSFORM_DTYPE = pd.CategoricalDtype(pd.Index(list(TRANSFORM_TYPES), dtype="str"))
_BLOCK_KEYS = ["region", "technology", "domain", "variable", "kind", "sub_region",
               "sub_technology", "subsidy", "unit"]  # fmt: skip


class _Transform(msgspec.Struct, gc=False):
    """A cell's ``transform`` as typed wire data."""

    type: str | None = None
    value: float | None = None


class _Cell(msgspec.Struct, gc=False):
    """One value cell as typed wire data (attribute access, no per-cell dict).

    ``gc=False``: cells hold no references back, so the cycle collector can skip the
    hundreds of thousands of them a big read creates.
    """

    original: float | None = None
    year: int | None = None
    month: int | None = None
    # Tuples, not lists: every cell carries ``[]`` here, and decoding an empty array as a
    # tuple yields the shared empty tuple where a list would be a new tracked container,
    # two per cell, that the cycle collector re-traverses on every generation-0 pass.
    validationWarnings: tuple[str, ...] | None = None  # noqa: N815 - wire name
    validationErrors: tuple[str, ...] | None = None  # noqa: N815 - wire name
    transform: _Transform | None = None


class _View(msgspec.Struct):
    """``getExogenous`` / ``getEndogenous`` of a technology."""

    parameters: dict[str, list[_Cell] | None] | None = None
    definitions: dict[str, _Cell | list[_Cell] | None] | None = None


class _TechnologyData(msgspec.Struct):
    """``data`` of a technology batch: aliases ``t<i>`` holding names and views."""

    getSession: dict[str, dict[str, str | _View | None] | None] | None = None  # noqa: N815


class _TechnologyAnswer(msgspec.Struct):
    """A whole technology batch answer."""

    data: _TechnologyData | None = None
    errors: list[dict[str, Any]] | None = None


_TECHNOLOGY_DECODER = msgspec.json.Decoder(_TechnologyAnswer)
_EMPTY_TYPED_CELL = _Cell()


def decode_technology_answer(body: bytes) -> dict[str, Any]:
    """Decodes a technology batch answer into typed cells (about 2x faster than ``json``).

    Args:
        body: The HTTP body of a :func:`~origin_frames._queries.technology_batch` answer.

    Returns:
        ``{"data": {"getSession": {...}} | None, "errors": [...]}`` whose views and cells
        are typed structs that :func:`add_technology_blocks` reads.

    Raises:
        ValueError: The body is not JSON of that shape (``msgspec.DecodeError``).

    Example:
        >>> decode_technology_answer(b'{"data": null, "errors": [{"message": "boom"}]}')
        {'data': None, 'errors': [{'message': 'boom'}]}
    """
    answer = _TECHNOLOGY_DECODER.decode(body)
    data = None if answer.data is None else {"getSession": answer.data.getSession}
    return {"data": data, "errors": answer.errors or []}


def _get(node: Any, name: str) -> Any:
    """``node[name]`` for dicts, ``node.name`` for typed structs, None when absent."""
    if node is None:
        return None
    if isinstance(node, dict):
        return node.get(name)
    return getattr(node, name, None)


class CellFrameBuilder:
    """Collects blocks of cells and turns them into one tidy frame in a single pass.

    Example:
        >>> b = CellFrameBuilder()
        >>> b.add_block({"region": "gbr", "technology": "ccgt", "domain": "technology",
        ...              "variable": "capex"}, [{"year": 2030, "original": 1.0}], year="cell")
        >>> b.frame().shape
        (1, 14)
    """

    def __init__(self) -> None:
        self._keys: dict[str, list[Any]] = {k: [] for k in _BLOCK_KEYS}
        self._counts: list[int] = []
        self._cells: list[Any] = []  # dicts, or _Cell structs from the typed decoder
        self._years: list[Any] = []
        self._months: list[Any] = []
        self._monthly = False  # any block read months (else the column is all null)
        self._typed: bool | None = None  # cells are _Cell structs (True) or dicts (False)

    def add_block(
        self,
        keys: Mapping[str, Any],
        cells: Sequence[Any],
        *,
        year: str | Sequence[Any] = "none",
        monthly: bool = False,
    ) -> None:
        """Registers one block: the cells of one entity and variable.

        Args:
            keys: Values of the block keys (``region, technology, domain, variable,
                kind, sub_region, sub_technology, subsidy, unit``); missing keys are null.
            cells: Cell dicts (``original``, ``transform``, ``validationWarnings`` ...);
                None entries become cells with a null original.
            year: ``"cell"`` to read ``year`` from each cell, ``"none"`` for
                non-yearly cells, or a sequence of years aligned with ``cells``.
            monthly: Read ``month`` from each cell.

        Example:
            >>> builder = CellFrameBuilder()
            >>> builder.add_block({"region": "gbr", "technology": "ccgt", "variable": "capex"},
            ...                   [{"year": 2030, "original": 450.0}, None], year="cell")
            >>> len(builder)
            2
        """
        if not cells:
            return
        typed = not isinstance(next((c for c in cells if c is not None), {}), dict)
        if self._typed is None:
            self._typed = typed
        elif typed != self._typed:
            raise ValueError("cannot mix typed and dict cells in one builder")
        if any(c is None for c in cells):
            empty = _EMPTY_TYPED_CELL if typed else _EMPTY_CELL
            cells = [c if c is not None else empty for c in cells]
        k = len(cells)
        for name in _BLOCK_KEYS:
            self._keys[name].append(keys.get(name))
        self._counts.append(k)
        self._cells.extend(cells)  # type: ignore[arg-type]
        if isinstance(year, str):
            if year == "cell":
                if typed:
                    self._years.extend([c.year for c in cells])  # type: ignore[union-attr]
                else:
                    self._years.extend([c.get("year") for c in cells])  # type: ignore[union-attr]
            else:
                self._years.extend([None] * k)
        else:
            if len(year) != k:
                raise ValueError("year must align with cells")
            self._years.extend(year)
        self._monthly = self._monthly or monthly
        if monthly and typed:
            self._months.extend([c.month for c in cells])  # type: ignore[union-attr]
        elif monthly:
            self._months.extend([c.get("month") for c in cells])  # type: ignore[union-attr]
        else:
            self._months.extend([None] * k)

    def __len__(self) -> int:
        return len(self._cells)

    def frame(self) -> pd.DataFrame:
        """Builds the tidy frame (empty with the full schema when no cell was added).

        Returns:
            The frame, dtypes as in the frame contract.

        Example:
            >>> builder = CellFrameBuilder()
            >>> builder.add_block(
            ...     {"region": "gbr", "technology": "ccgt", "domain": "technology",
            ...      "variable": "capex"},
            ...     [{"year": 2030, "original": 450.0,
            ...       "transform": {"type": "Delta", "value": -20.0}},
            ...      {"year": 2035, "original": 430.0}], year="cell")
            >>> builder.frame()[["variable", "original", "transform_type", "value"]]
                                   variable  original transform_type  value
            region technology year
            gbr    ccgt       2030    capex     450.0          Delta  430.0
                              2035    capex     430.0            NaN  430.0
        """
        cells = self._cells
        counts = np.asarray(self._counts, dtype=np.int64)
        # map() with a C getter: the per-cell passes between the last byte and the frame
        # run about twice as fast as the equivalent comprehensions.
        get = attrgetter if self._typed else _key_getter
        data: dict[str, Any] = {
            name: _repeat_categorical(self._keys[name], counts, FIXED_CATEGORIES.get(name),
                                      present_only=name == "domain")
            for name in ("domain", "variable", "kind", "sub_region", "sub_technology", "subsidy",
                         "unit")
        }  # fmt: skip
        data["month"] = _int_array(self._months) if self._monthly else _null_ints(len(cells))
        data.update(_cell_values(cells, get))
        data["validation_warnings"] = _joined_messages(cells, get("validationWarnings"))
        data["validation_errors"] = _joined_messages(cells, get("validationErrors"))
        return pd.DataFrame({name: data[name] for name in COLUMNS}, index=self._index(counts))

    def _index(self, counts: np.ndarray) -> pd.MultiIndex:
        """``region, technology, year`` from block codes repeated per cell, and cell years."""
        years = _int_array(self._years)
        year_codes, year_levels = pd.factorize(years, sort=True, use_na_sentinel=True)
        region_codes, regions = _encode(self._keys["region"])
        tech_codes, techs = _encode(self._keys["technology"])
        return pd.MultiIndex(
            levels=[_str_index(regions), _str_index(techs),
                    pd.Index(pd.array(year_levels, dtype="Int64"))],
            codes=[np.repeat(region_codes, counts), np.repeat(tech_codes, counts), year_codes],
            names=list(INDEX_LEVELS),
            verify_integrity=False,
        )  # fmt: skip


def _cell_values(cells: list[Any], get: Callable[[str], Any]) -> dict[str, Any]:
    """``original``, ``transform_type``, ``transform_value`` and the effective ``value``."""
    n = len(cells)
    original = np.array(list(map(get("original"), cells)), dtype=np.float64)
    tt_codes = np.full(n, -1, dtype=np.int8)
    tv = np.full(n, np.nan)
    type_code = {t: i for i, t in enumerate(TRANSFORM_TYPES)}
    transform = get("transform")
    # Only the transformed cells (usually few) are visited one by one.
    for i in _present(map(transform, cells), n):
        t = transform(cells[i])
        value = _get(t, "value")
        if value is None:
            continue
        tt_codes[i] = type_code.get(_get(t, "type"), -1)
        tv[i] = value
    types = pd.Categorical.from_codes(tt_codes, dtype=_TRANSFORM_DTYPE, validate=False)
    return {"original": original, "transform_type": types, "transform_value": tv,
            "value": effective_from_codes(original, tt_codes, tv)}  # fmt: skip


def _encode(values: list[Any]) -> tuple[np.ndarray, list[str]]:
    """Codes of block values into their sorted distinct non-null values (as text), -1 for null.

    Plain Python over the blocks (a few hundred at most), not pandas: its fixed cost per
    call is what a small read's frame would otherwise spend most of its time on.
    """
    distinct = sorted({v for v in values if v is not None}, key=str)
    lookup = {v: i for i, v in enumerate(distinct)}
    codes = np.fromiter((lookup.get(v, -1) if v is not None else -1 for v in values),
                        dtype=np.int32, count=len(values))  # fmt: skip
    return codes, [str(v) for v in distinct]


def _str_index(values: Sequence[str]) -> pd.Index:
    """A ``str`` index of distinct values."""
    return pd.Index(pd.array(pa.array(values, type=pa.large_string()), dtype="str"))


def _repeat_categorical(
    values: list[Any], counts: np.ndarray, categories: Sequence[str] | None,
    *, present_only: bool = False,
) -> pd.Categorical:
    """A categorical of block values repeated per cell, built from codes.

    ``present_only`` keeps only the fixed categories present (``domain``: so that
    ``value_counts()`` and ``groupby`` list no empty domain).
    """
    if categories is None:
        codes, cats = _encode(values)
    else:
        lookup = {c: i for i, c in enumerate(categories)}
        codes = np.array([lookup.get(v, -1) if v is not None else -1 for v in values],
                         dtype=np.int32)  # fmt: skip
        cats = list(categories)
        if present_only:
            present = sorted(set(codes.tolist()) - {-1})
            remap = np.full(len(categories) + 1, -1, dtype=np.int32)  # [-1] maps -1 to -1
            remap[present] = np.arange(len(present), dtype=np.int32)
            codes, cats = remap[codes], [categories[i] for i in present]
    dtype = pd.CategoricalDtype(_str_index(cats))
    return pd.Categorical.from_codes(np.repeat(codes, counts), dtype=dtype, validate=False)


def _key_getter(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """``attrgetter``'s counterpart for dict cells: ``cell.get(name)``."""
    return methodcaller("get", name)


def _present(values: Iterable[Any], n: int) -> np.ndarray:
    """Positions of the truthy values (non-empty lists, transforms), without a Python loop."""
    return np.flatnonzero(np.fromiter(map(bool, values), dtype=bool, count=n))


def _int_array(values: list[Any]) -> pd.arrays.IntegerArray:
    """Nullable Int64 array from a list of ints and Nones."""
    try:
        ints = np.fromiter(values, dtype=np.int64, count=len(values))  # no null: the fast way
        return pd.arrays.IntegerArray(ints, np.zeros(len(ints), dtype=bool))
    except TypeError:
        pass
    as_float = np.array(values, dtype=float)
    mask = np.isnan(as_float)
    ints = np.where(mask, 0, as_float).astype(np.int64)
    return pd.arrays.IntegerArray(ints, mask)


def _null_ints(n: int) -> pd.arrays.IntegerArray:
    """An all-null Int64 array of length ``n``."""
    return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))


def _joined_messages(cells: list[Any], pick: Callable[[Any], Any]) -> Any:
    """Each cell's ``"; "``-joined messages as a ``str`` array, null where there are none."""
    n = len(cells)
    present = _present(map(pick, cells), n)
    if not len(present):
        return pd.array(pa.nulls(n, type=pa.large_string()), dtype="str")
    out: list[str | None] = [None] * n
    for i in present:
        m = pick(cells[i])
        out[i] = "; ".join(str(x) for x in m) if isinstance(m, list | tuple) else str(m)
    return pd.array(pa.array(out, type=pa.large_string()), dtype="str")


# --- domain parsers ----------------------------------------------------------------------
def add_technology_blocks(
    builder: CellFrameBuilder,
    session: Mapping[str, Any],
    reads: Sequence[TechRead],
    selection: TechSelection,
) -> None:
    """Adds the blocks of one technology batch answer to ``builder``."""
    units = selection.units
    for i, read in enumerate(reads):
        node = session.get(f"t{i}")
        if not node:
            continue
        base = {
            "region": read.region,
            "technology": read.technology,
            "domain": "technology",
            "sub_region": read.sub_region,
        }
        for j, exo in enumerate(read.exogenous):
            params = _get(node.get(f"x{j}"), "parameters") or {}
            keys = {**base, "kind": "exogenous", "sub_technology": exo.sub_technology,
                    "subsidy": exo.subsidy}  # fmt: skip
            for name in selection.exo_yearly:
                builder.add_block({**keys, "variable": name, "unit": units.get(name)},
                                  params.get(name) or [], year="cell")  # fmt: skip
            for name in selection.exo_monthly:
                builder.add_block({**keys, "variable": name, "unit": units.get(name)},
                                  params.get(name) or [], year="cell", monthly=True)  # fmt: skip
        for j, sub in enumerate(read.endogenous):
            endo = node.get(f"d{j}")
            params = _get(endo, "parameters") or {}
            keys = {**base, "kind": "endogenous", "sub_technology": sub}
            for name in selection.endo_yearly:
                builder.add_block({**keys, "variable": name, "unit": units.get(name)},
                                  params.get(name) or [], year="cell")  # fmt: skip
            for name in selection.endo_monthly:
                builder.add_block({**keys, "variable": name, "unit": units.get(name)},
                                  params.get(name) or [], year="cell", monthly=True)  # fmt: skip
            definitions = _get(endo, "definitions") or {}
            for name in selection.endo_defs:
                cell = definitions.get(name)
                cells = cell if isinstance(cell, list) else [cell] if cell else []
                builder.add_block({**keys, "variable": name, "unit": units.get(name)}, cells)


def _rows_blocks(
    builder: CellFrameBuilder,
    keys: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    variables: Iterable[str],
    units: Mapping[str, str | None],
) -> None:
    """Blocks from a ``variables { year <var> {...} }`` list (one row per year)."""
    if not rows:
        return
    years = [r.get("year") for r in rows]
    for name in variables:
        builder.add_block(
            {**keys, "variable": name, "unit": units.get(name)},
            [r.get(name) for r in rows],
            year=years,
        )


def demand_frame(
    documents: Sequence[Mapping[str, Any]] | None,
    selection: DemandSelection,
    *,
    include_technologies: bool = True,
) -> pd.DataFrame:
    """Tidy frame from ``getDemand`` documents (system variables and demand technologies).

    Args:
        documents: The ``getDemand`` list.
        selection: The variable selection used.
        include_technologies: Also add the demand technologies of each document.

    Returns:
        System variables under technology ``"system"`` (domain ``demand``) and demand
        technologies under their own name (domain ``demand_technology``).

    Example:
        >>> selection = DemandSelection(system=("totalDemand",), technology=("totalDemand",),
        ...                             units={"totalDemand": "TWh"},
        ...                             technology_units={"totalDemand": "TWh"})
        >>> heat_pumps = {"region": {"original": "gbr"},
        ...               "originTechnology": {"original": "heatPumps"},
        ...               "variables": [{"year": 2030, "totalDemand": {"original": 20.0}}]}
        >>> docs = [{"region": "gbr", "technologies": [heat_pumps],
        ...          "variables": [{"year": 2030, "totalDemand": {"original": 300.0}}]}]
        >>> demand_frame(docs, selection)[["domain", "variable", "value", "unit"]]
                                           domain     variable  value unit
        region technology year
        gbr    system     2030             demand  totalDemand  300.0  TWh
               heatPumps  2030  demand_technology  totalDemand   20.0  TWh
    """
    builder = CellFrameBuilder()
    for doc in documents or []:
        region = doc.get("region")
        _rows_blocks(builder, {"region": region, "technology": "system", "domain": "demand"},
                     doc.get("variables") or [], selection.system, selection.units)  # fmt: skip
        if include_technologies:
            _add_demand_technologies(builder, doc.get("technologies") or [], selection)
    return builder.frame()


def demand_technology_frame(
    documents: Sequence[Mapping[str, Any]] | None, selection: DemandSelection
) -> pd.DataFrame:
    """Tidy frame from ``getDemandTechnologies`` documents.

    Args:
        documents: The ``getDemandTechnologies`` list.
        selection: The variable selection used.

    Returns:
        One row per demand-technology cell (domain ``demand_technology``).

    Example:
        >>> selection = DemandSelection(system=("totalDemand",), technology=("totalDemand",),
        ...                             units={"totalDemand": "TWh"},
        ...                             technology_units={"totalDemand": "TWh"})
        >>> heat_pumps = {"region": {"original": "gbr"},
        ...               "originTechnology": {"original": "heatPumps"},
        ...               "variables": [{"year": 2030, "totalDemand": {"original": 20.0}}]}
        >>> demand_technology_frame([heat_pumps], selection)[["domain", "value"]]
                                           domain  value
        region technology year
        gbr    heatPumps  2030  demand_technology   20.0
    """
    builder = CellFrameBuilder()
    _add_demand_technologies(builder, documents or [], selection)
    return builder.frame()


def _original(node: Any) -> Any:
    """``x`` of ``{"original": x}``, or the value itself."""
    return node.get("original") if isinstance(node, Mapping) else node


def _add_demand_technologies(
    builder: CellFrameBuilder, documents: Sequence[Mapping[str, Any]], selection: DemandSelection
) -> None:
    """Adds one block per demand technology and variable."""
    for doc in documents:
        keys = {
            "region": _original(doc.get("region")),
            # The API name (originTechnology, e.g. "heatPumps") is what updates take;
            # the display name ("Heat Pumps") is only the fallback.
            "technology": _original(doc.get("originTechnology")) or _original(
                doc.get("technology")
            ),
            "domain": "demand_technology",
        }
        _rows_blocks(builder, keys, doc.get("variables") or [], selection.technology,
                     selection.technology_units)  # fmt: skip


def demand_technology_names_frame(documents: Any) -> pd.DataFrame:
    """(region, technology, origin technology) rows from demand-technology documents.

    Args:
        documents: The ``getDemandTechnologies`` list (a lone document is read as a list of
            one); ``region``/``technology``/``originTechnology`` may be ``{original}`` objects
            or plain strings.

    Returns:
        One row per (region, technology), indexed by both, in the order first seen.

    Example:
        >>> demand_technology_names_frame([{"region": {"original": "gbr"},
        ...     "technology": {"original": "Heat Pumps"},
        ...     "originTechnology": {"original": "heatPumps"}}]).index.tolist()
        [('gbr', 'Heat Pumps')]
    """
    seen: dict[tuple[Any, Any], dict[str, Any]] = {}
    for doc in _documents(documents):
        record = {k: _original(doc.get(k)) for k in ("region", "technology", "originTechnology")}
        seen.setdefault((record["region"], record["technology"]), record)
    return records_frame(
        list(seen.values()),
        [("region", "region", "str"), ("technology", "technology", "str"),
         ("originTechnology", "origin_technology", "str")],
        ["region", "technology"],
    )  # fmt: skip


def _documents(answer: Any) -> list[Mapping[str, Any]]:
    """An answer that is a list of documents, one document, or null, as a list."""
    if answer is None:
        return []
    if isinstance(answer, Mapping):
        return [answer]
    return list(answer)


def commodity_frame(
    session: Mapping[str, Any],
    regions: Sequence[str | None],
    units: Mapping[str, str | None],
) -> pd.DataFrame:
    """Tidy frame from a :func:`~origin_frames._queries.commodity_batch` answer.

    Args:
        session: The ``getSession`` object (aliases ``c0``, ``c1`` ...); each alias holds a
            list of documents or one document.
        regions: The region of each alias (None = the cross-region average, region ``"all"``);
            documents whose ``regions`` leave the alias's region out are skipped.
        units: Commodity name -> unit.

    Returns:
        One row per commodity price cell (variable ``price``).

    Example:
        >>> session = {"c0": [{"commodity": "gas", "prices": [{"year": 2030, "original": 80.0}]}]}
        >>> commodity_frame(session, [None], {"gas": "p/therm"})[["variable", "value", "unit"]]
                               variable  value     unit
        region technology year
        all    gas        2030    price   80.0  p/therm
    """
    builder = CellFrameBuilder()
    for i, region in enumerate(regions):
        for doc in _documents(session.get(f"c{i}")):
            covered = doc.get("regions")
            # Either shape reads right: one document per commodity over the regions asked
            # for, or one per commodity and region (then only this alias's region is kept).
            if region is not None and covered and region not in covered:
                continue
            name = str(doc.get("commodity"))
            builder.add_block(
                {"region": region if region is not None else ALL_REGIONS, "technology": name,
                 "domain": "commodity", "variable": "price",
                 "unit": doc.get("units") or units.get(name)},
                doc.get("prices") or [],
                year="cell",
            )  # fmt: skip
    return builder.frame()


def interconnector_frame(
    documents: Sequence[Mapping[str, Any]] | None,
    variables: Sequence[str],
    units: Mapping[str, str | None],
) -> pd.DataFrame:
    """Tidy frame from ``getInterconnectors`` documents.

    Args:
        documents: The ``getInterconnectors`` list.
        variables: The interconnector variables selected.
        units: Variable name -> unit.

    Returns:
        One row per cell; ``region`` is the ``from`` end, ``technology`` the ``to`` end.

    Example:
        >>> docs = [{"from": "gbr", "to": "fra",
        ...          "variables": [{"year": 2030, "lossFactor": {"original": 2.5}}]}]
        >>> interconnector_frame(docs, ["lossFactor"], {"lossFactor": "%"})[["variable", "value"]]
                                  variable  value
        region technology year
        gbr    fra        2030  lossFactor    2.5
    """
    builder = CellFrameBuilder()
    for doc in documents or []:
        keys = {"region": doc.get("from"), "technology": doc.get("to"), "domain": "interconnector"}
        _rows_blocks(builder, keys, doc.get("variables") or [], variables, units)
    return builder.frame()


def empty_inputs_frame() -> pd.DataFrame:
    """An empty input-domain frame with the full schema.

    Returns:
        Zero rows, every column and index level with its contract dtype.

    Example:
        >>> len(empty_inputs_frame())
        0
    """
    return CellFrameBuilder().frame()


def concat_inputs(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenates input-domain frames and restores the contract dtypes.

    Args:
        frames: Frames of the input-domain shape (any domains).

    Returns:
        One frame; an empty frame with the full schema when ``frames`` is empty.

    Example:
        >>> tech = client.get_technology(published_id, "CCGT", region="gbr")
        >>> links = client.get_interconnectors(published_id, "gbr", "fra")
        >>> both = concat_inputs([tech, links])
        >>> len(both) == len(tech) + len(links), both["domain"].cat.categories.tolist()
        (True, ['technology', 'interconnector'])
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_inputs_frame()
    if len(frames) == 1:
        return frames[0]
    cats = {}
    for name in FREE_CATEGORIES:
        cats[name] = pd.Index(
            sorted(set().union(*(f[name].cat.categories for f in frames))), dtype="str"
        )
    present = set().union(*(f["domain"].cat.categories for f in frames))
    cats["domain"] = pd.Index([d for d in DOMAINS if d in present], dtype="str")
    aligned = []
    for f in frames:
        f = f.copy()
        for name, c in cats.items():
            f[name] = f[name].cat.set_categories(c)
        aligned.append(f)
    return pd.concat(aligned)


# --- catalogue records -------------------------------------------------------------------
def records_frame(
    records: Sequence[Mapping[str, Any]] | None,
    spec: Sequence[tuple[str, str, str]],
    index: str | list[str],
) -> pd.DataFrame:
    """A catalogue frame from API records, one column per spec entry.

    Args:
        records: The API's list of objects.
        spec: ``(api_field, column, kind)`` with kind one of ``str``, ``category``,
            ``bool``, ``int``, ``float``, ``datetime``, ``object``.
        index: Column(s) to index by.

    Returns:
        The frame, typed per ``spec``; empty with every column when there are no records.

    Example:
        >>> records_frame([{"id": "a"}], [("id", "id", "str")], "id").index.tolist()
        ['a']
    """
    records = list(records or [])
    data: dict[str, Any] = {}
    for field, column, kind in spec:
        values = [r.get(field) for r in records]
        data[column] = _typed(values, kind)
    frame = pd.DataFrame(data)
    return frame.set_index(index)


_FLAG_STRINGS: dict[str, bool] = {"true": True, "false": False, "yes": True, "no": False}


def _flag(value: Any) -> bool | None:
    """A boolean API field that may come as a JSON boolean or a string (``"true"``/``"false"``).

    The official client types some flags as ``str`` (``supportsExogenousInputs``), so both
    shapes are read; any other string is unknown (missing), never guessed.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _FLAG_STRINGS.get(value.strip().lower())
    return bool(value)


def _typed(values: list[Any], kind: str) -> Any:
    """One catalogue column in its declared dtype."""
    if kind == "str":
        return pd.array(
            pa.array([None if v is None else str(v) for v in values], type=pa.large_string()),
            dtype="str",
        )
    if kind == "category":
        return pd.Categorical([None if v is None else str(v) for v in values])
    if kind == "bool":
        return pd.array([_flag(v) for v in values], dtype="boolean")
    if kind == "int":
        return pd.array(values, dtype="Int64")
    if kind == "float":
        return np.array(values, dtype=float)
    if kind == "datetime":
        parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="raise",
                                format="ISO8601")  # fmt: skip
        return parsed.dt.as_unit("ns")
    return pd.Series(values, dtype=object)

