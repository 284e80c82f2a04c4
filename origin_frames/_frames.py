"""Wire JSON -> tidy frames, vectorised.

Every input domain becomes the same frame shape (see ``docs/architecture.md``):
index ``region, technology, year``; key columns ``domain, variable, kind,
sub_region, sub_technology, subsidy, month``; value columns ``original,
transform_type, transform_value, value, unit, validation_warnings,
validation_errors``.

How it stays fast: the parsers only register *blocks* (one per entity and
variable: its key values and its list of cells). :class:`CellFrameBuilder` turns the
cells of each answer into arrays as soon as that answer is there (:meth:`~CellFrameBuilder.seal`,
on the thread that fetched it, while later answers are still in flight), one C-level pass
per field over all its cells; the frame then joins those arrays, repeats the per-block
keys with ``numpy.repeat`` and builds categoricals and the MultiIndex from integer codes,
so no per-cell Python work happens beyond reading the decoded cells.
"""

from __future__ import annotations

import functools
import mmap
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter, countOf, methodcaller
from typing import Annotated, Any, NamedTuple

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
    "TechnologyDecoder",
    "commodity_frame",
    "concat_inputs",
    "demand_frame",
    "demand_technology_frame",
    "demand_technology_names_frame",
    "empty_inputs_frame",
    "interconnector_frame",
    "records_frame",
]

_TRANSFORM_DTYPE = pd.CategoricalDtype(pd.Index(list(TRANSFORM_TYPES), dtype="str"))
_BLOCK_KEYS = ["region", "technology", "domain", "variable", "kind", "sub_region",
               "sub_technology", "subsidy", "unit"]  # fmt: skip
_SHARED_KEYS = [k for k in _BLOCK_KEYS if k not in ("variable", "unit")]


class _Transform(msgspec.Struct, gc=False):
    """A cell's ``transform`` as typed wire data."""

    type: str | None = None
    value: float | None = None


class _Cell(msgspec.Struct, gc=False):
    """One value cell as typed wire data (attribute access, no per-cell dict).

    ``gc=False``: cells hold no references back, so the cycle collector can skip the
    hundreds of thousands of them a big read creates. Fields in the order the documents
    select them (GraphQL answers in that order): the decoder finds each next key at the
    field it expects (some 4 % of the decoding).
    """

    year: int | None = None
    month: int | None = None
    original: float | None = None
    # Tuples, not lists: every cell carries ``[]`` here, and decoding an empty array as a
    # tuple yields the shared empty tuple where a list would be a new tracked container,
    # two per cell, that the cycle collector re-traverses on every generation-0 pass.
    validationWarnings: tuple[str, ...] | None = None  # noqa: N815 - wire name
    validationErrors: tuple[str, ...] | None = None  # noqa: N815 - wire name
    transform: _Transform | None = None


#: Validation messages that must be none (an empty list).
_NoMessages = Annotated[tuple[str, ...], msgspec.Meta(max_length=0)]


class _PlainCell(msgspec.Struct, gc=False):
    """A cell without transform or validation messages (decoding fails on any other):
    what every cell of a published scenario is, and most of an edited one's.

    Reading such cells skips three of the six passes over them (a read's single
    largest cost after the decoding itself).
    """

    year: int | None = None
    month: int | None = None
    original: float | None = None
    validationWarnings: _NoMessages | None = None  # noqa: N815 - wire name
    validationErrors: _NoMessages | None = None  # noqa: N815 - wire name
    transform: None = None


def _answer_decoder(cell: type) -> msgspec.json.Decoder[Any]:
    """The decoder of a whole technology batch answer whose cells are ``cell`` structs:
    ``data.getSession`` holds aliases ``t<i>`` with names and ``getExogenous`` /
    ``getEndogenous`` views (``parameters`` and ``definitions`` of cells)."""
    cells = list[cell | None] | None  # type: ignore[valid-type]
    view = msgspec.defstruct("View", [
        ("parameters", dict[str, cells] | None, None),
        ("definitions", dict[str, cell | cells] | None, None),  # type: ignore[valid-type]
    ])  # fmt: skip
    data = msgspec.defstruct("Data", [
        ("getSession", dict[str, dict[str, str | view | None] | None] | None, None),  # type: ignore[valid-type]
    ])  # fmt: skip
    answer = msgspec.defstruct("Answer", [
        ("data", data | None, None), ("errors", list[dict[str, Any]] | None, None),
    ])  # fmt: skip
    return msgspec.json.Decoder(answer)


_TECHNOLOGY_DECODER = _answer_decoder(_Cell)
_PLAIN_DECODER = _answer_decoder(_PlainCell)


class _NullCell(dict[str, Any]):
    """A null entry of a cell list: every field None, read as a dict (``.get``) and as a
    typed cell (attributes) alike, so it fits a builder of either kind."""

    __slots__ = ()

    def __getattr__(self, name: str) -> None:
        if name in _Cell.__struct_fields__:
            return None
        raise AttributeError(name)


_NULL_CELL = _NullCell()


class TechnologyDecoder:
    """Decodes the technology batch answers of one read into typed cells (about 2x faster
    than ``json``): each as :class:`_PlainCell` structs while none has a transform or a
    validation message, then (from the first answer that has one, for the rest of the
    read: an edited scenario's answers often do) as :class:`_Cell` structs.

    Example:
        >>> decode = TechnologyDecoder()
        >>> decode(b'{"data": null, "errors": [{"message": "boom"}]}')
        {'data': None, 'errors': [{'message': 'boom'}]}
    """

    def __init__(self) -> None:
        # Read and set by the read's threads without a lock: a race costs one more try.
        self._plain = True

    def __call__(self, body: bytes) -> dict[str, Any]:
        """Decodes one answer.

        Args:
            body: The HTTP body of a :func:`~origin_frames._queries.technology_batch`
                answer.

        Returns:
            ``{"data": {"getSession": {...}} | None, "errors": [...]}`` whose views and
            cells are typed structs that :func:`add_technology_blocks` reads.

        Raises:
            ValueError: The body is not JSON of that shape (``msgspec.DecodeError``).
        """
        answer: Any = None
        if self._plain:
            try:
                answer = _PLAIN_DECODER.decode(body)
            except msgspec.ValidationError:  # a transform or a message somewhere
                self._plain = False
        if answer is None:
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


class _Ints(NamedTuple):
    """Nullable ints in the narrowest int type holding them (null: 0 under the mask)."""

    values: np.ndarray
    mask: np.ndarray | None  # None: no null


class _Chunk(NamedTuple):
    """The per-cell columns of sealed cells: arrays, the cell objects let go.

    Kept compact (some 12 bytes a cell, not 35): the chunks of every answer are held until
    the frame is built, and the memory they free then stays with the allocator (worker
    threads' arenas), so their size is paid once more at the read's peak.
    """

    original: np.ndarray  # float64
    codes: np.ndarray  # int8: the transform type's position in TRANSFORM_TYPES, -1 none
    transforms: tuple[np.ndarray, np.ndarray]  # positions with a transform value, the values
    years: _Ints  # the cells' years
    months: _Ints | None  # None: no block of the chunk reads months
    warnings: tuple[np.ndarray, list[str]]  # positions with messages, their joined text
    errors: tuple[np.ndarray, list[str]]


class CellFrameBuilder:
    """Collects blocks of cells and turns them into one tidy frame.

    Cells are turned into arrays by :meth:`seal` (a reader seals each answer as it
    arrives, so that work overlaps the transfer of the answers still in flight) and
    :meth:`frame` joins the arrays.

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
        self._chunks: list[_Chunk] = []
        self._sealed = 0  # cells in the chunks
        self._reset_pending()

    def _reset_pending(self) -> None:
        """Forgets the cells added since the last :meth:`seal` (they are in a chunk now)."""
        self._cells: list[Any] = []  # dicts, or _Cell structs from the typed decoder
        # Years are read from every cell in one pass at seal; blocks with given years (or
        # none) overwrite their stretch: (start, count, years or None for null).
        self._year_overrides: list[tuple[int, int, Sequence[Any] | None]] = []
        self._monthly_blocks: list[tuple[int, int]] = []  # (start, count) of monthly blocks
        self._typed: bool | None = None  # pending cells are _Cell structs (True) or dicts
        self._plain = True  # every pending cell is a _PlainCell (or a null entry)

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

        Raises:
            ValueError: ``year`` does not align with ``cells``, or typed and dict cells
                are mixed before a :meth:`seal`.

        Example:
            >>> builder = CellFrameBuilder()
            >>> builder.add_block({"region": "gbr", "technology": "ccgt", "variable": "capex"},
            ...                   [{"year": 2030, "original": 450.0}, None], year="cell")
            >>> len(builder)
            2
        """
        if not cells:
            return
        if not isinstance(year, str) and len(year) != len(cells):
            raise ValueError("year must align with cells")
        for name in _BLOCK_KEYS:
            self._keys[name].append(keys.get(name))
        start = len(self._cells)
        self._add_cells(cells)
        if not isinstance(year, str):
            self._year_overrides.append((start, len(cells), year))
        elif year != "cell":
            self._year_overrides.append((start, len(cells), None))
        if monthly:
            self._monthly_blocks.append((start, len(cells)))

    def add_blocks(self, keys: Mapping[str, Any], blocks: Iterable[tuple[str, Any, Any]], *,
                   monthly: bool = False) -> None:  # fmt: skip
        """Registers blocks that share every key but ``variable`` and ``unit``; each cell
        carries its ``year`` (what a technology view answers).

        Args:
            keys: The shared key values (``variable`` and ``unit`` are ignored).
            blocks: ``(variable, unit, cells)`` per block; blocks without cells are skipped.
            monthly: Read ``month`` from each cell.

        Raises:
            ValueError: Typed and dict cells are mixed before a :meth:`seal`.

        Example:
            >>> builder = CellFrameBuilder()
            >>> builder.add_blocks({"region": "gbr", "technology": "ccgt"},
            ...                    [("capex", "EUR/kW", [{"year": 2030, "original": 450.0}]),
            ...                     ("opex", "EUR/kW", [])])
            >>> builder.frame()[["variable", "unit", "original"]]
                                   variable    unit  original
            region technology year
            gbr    ccgt       2030    capex  EUR/kW     450.0
        """
        present = [b for b in blocks if b[2]]
        if not present:
            return
        many = len(present)
        for name in _SHARED_KEYS:
            self._keys[name].extend([keys.get(name)] * many)
        self._keys["variable"].extend([b[0] for b in present])
        self._keys["unit"].extend([b[1] for b in present])
        for _variable, _unit, cells in present:
            if monthly:
                self._monthly_blocks.append((len(self._cells), len(cells)))
            self._add_cells(cells)

    def _add_cells(self, cells: Sequence[Any]) -> None:
        """Appends one block's cells (nulls become empty cells) and its count."""
        first = cells[0] if cells[0] is not None else next((c for c in cells if c is not None),
                                                           None)  # fmt: skip
        if first is not None:  # a block of null cells only fits a builder of either kind
            self._plain = self._plain and type(first) is _PlainCell  # a block is of one kind
            typed = not isinstance(first, dict)
            if self._typed is None:
                self._typed = typed
            elif typed != self._typed:
                raise ValueError("cannot mix typed and dict cells in one builder")
        if None in cells:
            cells = [c if c is not None else _NULL_CELL for c in cells]
        self._counts.append(len(cells))
        self._cells.extend(cells)

    def __len__(self) -> int:
        return self._sealed + len(self._cells)

    def seal(self) -> None:
        """Turns the cells added since the last seal into arrays and lets go of them.

        Example:
            >>> builder = CellFrameBuilder()
            >>> builder.add_block({"region": "gbr", "technology": "ccgt", "variable": "capex"},
            ...                   [{"year": 2030, "original": 450.0}], year="cell")
            >>> builder.seal()
            >>> len(builder), builder.frame()["original"].tolist()
            (1, [450.0])
        """
        cells = self._cells
        if not cells:
            return
        get = attrgetter if self._typed else _key_getter
        original, codes, transforms = _cell_arrays(cells, get, self._plain)
        years = self._pending_years(get)
        months = self._pending_months(get) if self._monthly_blocks else None
        original, codes, year_values, year_mask, month_values, month_mask = _own_memory(
            [original, codes, *years, *(months or (None, None))]
        )
        years = _Ints(year_values, year_mask)
        months = None if months is None else _Ints(month_values, month_mask)
        warnings, errors = (
            (_no_messages(), _no_messages()) if self._plain
            else (_messages(cells, get("validationWarnings")),
                  _messages(cells, get("validationErrors")))
        )  # fmt: skip
        self._chunks.append(_Chunk(original, codes, transforms, years, months, warnings, errors))
        self._sealed += len(cells)
        self._reset_pending()

    def _pending_years(self, get: Callable[[str], Any]) -> _Ints:
        """Each pending cell's year (values, null mask): read from the cell, or as its block
        gave it."""
        n = len(self._cells)
        values, mask = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        read: list[tuple[int, int]] = []  # spans whose years are read from their cells
        end = 0
        for start, count, given in self._year_overrides:
            read.append((end, start))
            if given is None:
                mask[start : start + count] = True
            else:
                values[start : start + count], mask[start : start + count] = _int_parts(
                    list(given))  # fmt: skip
            end = start + count
        read.append((end, n))
        self._read_ints(get("year"), read, values, mask)
        return _narrow(values, mask)

    def _pending_months(self, get: Callable[[str], Any]) -> _Ints:
        """Each pending cell's month (values, null mask): from the cells of monthly blocks."""
        n = len(self._cells)
        values, mask = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
        spans = [(start, start + count) for start, count in self._monthly_blocks if count]
        for a, b in spans:
            mask[a:b] = False
        self._read_ints(get("month"), spans, values, mask)
        return _narrow(values, mask)

    def _read_ints(self, pick: Callable[[Any], Any], spans: list[tuple[int, int]],
                   values: np.ndarray, mask: np.ndarray) -> None:  # fmt: skip
        """Sets ``values`` (and ``mask`` where null) over ``spans`` of the pending cells from
        each cell's ``pick``; one C-level pass over a span when none of it is null."""
        cells = self._cells
        for a, b in spans:
            if b <= a:
                continue
            part = cells if (a, b) == (0, len(cells)) else cells[a:b]
            try:
                values[a:b] = np.fromiter(map(pick, part), dtype=np.int64, count=b - a)
            except TypeError:  # a null among them (or not an int): the general way
                values[a:b], nulls = _int_parts(list(map(pick, part)))
                mask[a:b] |= nulls

    def extend(self, other: CellFrameBuilder) -> None:
        """Appends the blocks of ``other`` after this builder's own (both are sealed).

        Example:
            >>> a, b = CellFrameBuilder(), CellFrameBuilder()
            >>> a.add_block({"region": "gbr", "technology": "ccgt", "variable": "capex"},
            ...             [{"year": 2030, "original": 1.0}], year="cell")
            >>> b.add_block({"region": "fra", "technology": "ccgt", "variable": "capex"},
            ...             [{"year": 2030, "original": 2.0}], year="cell")
            >>> a.extend(b)
            >>> a.frame()["original"].tolist()
            [1.0, 2.0]
        """
        self.seal()
        other.seal()
        for name in _BLOCK_KEYS:
            self._keys[name].extend(other._keys[name])
        self._counts.extend(other._counts)
        self._chunks.extend(other._chunks)
        self._sealed += other._sealed

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
        self.seal()
        cells = self._merged()
        counts = np.asarray(self._counts, dtype=np.int64)
        data: dict[str, Any] = {
            name: _repeat_categorical(self._keys[name], counts, FIXED_CATEGORIES.get(name),
                                      present_only=name == "domain")
            for name in ("domain", "variable", "kind", "sub_region", "sub_technology", "subsidy",
                         "unit")
        }  # fmt: skip
        original, codes, n = cells.original, cells.codes, len(cells.original)
        tvalue = np.full(n, np.nan)
        tvalue[cells.transforms[0]] = cells.transforms[1]
        data["original"], data["transform_value"] = original, tvalue
        data["transform_type"] = pd.Categorical.from_codes(codes, dtype=_TRANSFORM_DTYPE,
                                                           validate=False)  # fmt: skip
        data["value"] = effective_from_codes(original, codes, tvalue)
        data["month"] = _integer_array(cells.months, n)
        data["validation_warnings"] = _message_array(cells.warnings, n)
        data["validation_errors"] = _message_array(cells.errors, n)
        index = self._index(counts, cells.years)
        # copy=False: the arrays are this frame's own; a copy would double the peak.
        return pd.DataFrame({name: data[name] for name in COLUMNS}, index=index, copy=False)

    def _merged(self) -> _Chunk:
        """The chunks joined into one, which replaces them: each field's parts are let go
        as soon as that field is joined, so a big read never holds both in full."""
        if len(self._chunks) == 1:
            return self._chunks[0]
        sizes = [len(c.original) for c in self._chunks]
        fields: list[list[Any]] = [list(parts) for parts in zip(*self._chunks, strict=True)]
        fields = fields or [[] for _ in _Chunk._fields]
        self._chunks = []
        joined: list[Any] = []
        for i, name in enumerate(_Chunk._fields):
            parts, fields[i] = fields[i], []
            joined.append(_JOINERS[name](parts, sizes))
            del parts
        merged = _Chunk(*joined)
        self._chunks = [merged]
        return merged

    def _index(self, counts: np.ndarray, years: _Ints) -> pd.MultiIndex:
        """``region, technology, year`` from block codes repeated per cell, and cell years."""
        year_codes, year_levels = _sorted_codes(years)
        region_codes, regions = _encode(self._keys["region"])
        tech_codes, techs = _encode(self._keys["technology"])
        return pd.MultiIndex(
            levels=[_str_index(regions), _str_index(techs),
                    pd.Index(pd.array(year_levels, dtype="Int64"))],
            codes=[_repeat_codes(region_codes, counts, len(regions)),
                   _repeat_codes(tech_codes, counts, len(techs)), year_codes],
            names=list(INDEX_LEVELS),
            verify_integrity=False,
        )  # fmt: skip


def _cell_arrays(cells: list[Any], get: Callable[[str], Any], plain: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """``original``, the transform type codes, and the positions and values of the cells
    with a transform value (usually few: kept sparse until the frame); ``plain``: the
    cells have none."""
    n = len(cells)
    original = _floats(cells, get("original"))
    codes = np.full(n, -1, dtype=np.int8)
    if plain:
        return original, codes, (np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64))
    type_code = {t: i for i, t in enumerate(TRANSFORM_TYPES)}
    transform = get("transform")
    where: list[int] = []
    values: list[float] = []
    # Only the transformed cells (usually few) are visited one by one.
    for i in _present(map(transform, cells), n).tolist():
        t = transform(cells[i])
        value = _get(t, "value")
        if value is None:
            continue
        codes[i] = type_code.get(_get(t, "type"), -1)
        where.append(i)
        values.append(value)
    return original, codes, (np.array(where, dtype=np.intp), np.array(values, dtype=np.float64))


def _floats(cells: list[Any], pick: Callable[[Any], Any]) -> np.ndarray:
    """Float64 of each cell's ``pick`` (null: NaN), in one C-level pass when none is null."""
    try:
        return np.fromiter(map(pick, cells), dtype=np.float64, count=len(cells))
    except TypeError:  # a null among them
        return np.array(list(map(pick, cells)), dtype=np.float64)


def _join(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    """The arrays end to end (an empty array of ``dtype`` for none)."""
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=dtype)


def _encode(values: list[Any]) -> tuple[np.ndarray, list[str]]:
    """Codes of block values into their sorted distinct non-null values (as text), -1 for null.

    Plain Python over the blocks (a few hundred at most), not pandas: its fixed cost per
    call is what a small read's frame would otherwise spend most of its time on.
    """
    distinct = sorted({v for v in values if v is not None}, key=str)
    lookup: dict[Any, int] = {v: i for i, v in enumerate(distinct)}
    lookup[None] = -1
    codes = np.fromiter(map(lookup.__getitem__, values), dtype=np.int32, count=len(values))
    return codes, [str(v) for v in distinct]


def _str_index(values: Sequence[str]) -> pd.Index:
    """A ``str`` index of distinct values (shared: the same few recur in every frame)."""
    return _cached_str_index(tuple(values))


# Indexes and dtypes are immutable, so frames can share them; building them costs more
# than a small frame's cells (pandas validates the categories every time).
@functools.lru_cache(maxsize=1024)
def _cached_str_index(values: tuple[str, ...]) -> pd.Index:
    """The ``str`` index of ``values``, built once."""
    return pd.Index(pd.array(pa.array(values, type=pa.large_string()), dtype="str"))


@functools.lru_cache(maxsize=1024)
def _category_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    """The categorical dtype of ``categories``, built once."""
    return pd.CategoricalDtype(_cached_str_index(categories))


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
    dtype = _category_dtype(tuple(cats))
    return pd.Categorical.from_codes(_repeat_codes(codes, counts, len(cats)), dtype=dtype,
                                     validate=False)  # fmt: skip


def _code_type(categories: int) -> type[np.signedinteger[Any]]:
    """The smallest int type pandas keeps codes of that many categories in (codes of another
    type are copied into it)."""
    return np.int8 if categories < 127 else np.int16 if categories < 32_767 else np.int32


def _repeat_codes(codes: np.ndarray, counts: np.ndarray, categories: int) -> np.ndarray:
    """Block codes repeated per cell, in the int type pandas keeps for that many categories
    (repeating int32 codes would make pandas copy them down afterwards)."""
    return np.repeat(codes.astype(_code_type(categories), copy=False), counts)


def _key_getter(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """``attrgetter``'s counterpart for dict cells: ``cell.get(name)``."""
    return methodcaller("get", name)


def _present(values: Iterable[Any], n: int) -> np.ndarray:
    """Positions of the truthy values (non-empty lists, transforms), without a Python loop."""
    listed = list(values)
    # Usually every value is None or the decoder's shared empty tuple: list.count matches
    # those by identity, far cheaper than testing each value's truth.
    empty = listed.count(None)
    if empty != n:
        empty += listed.count(())
    if empty == n:
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.fromiter(map(bool, listed), dtype=bool, count=n))


def _int_parts(values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Int64 values and null mask of a list of ints and Nones."""
    try:
        ints = np.fromiter(values, dtype=np.int64, count=len(values))  # no null: the fast way
        return ints, np.zeros(len(ints), dtype=bool)
    except TypeError:
        pass
    as_float = np.array(values, dtype=float)
    mask = np.isnan(as_float)
    return np.where(mask, 0, as_float).astype(np.int64), mask


def _narrow(values: np.ndarray, mask: np.ndarray) -> _Ints:
    """Int64 values (0 under the mask) in the narrowest int type that holds them."""
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            values = values.astype(kind)
            break
    return _Ints(values, mask if mask.any() else None)


#: Least bytes of a chunk's per-cell arrays worth a memory map of their own (a few pages).
_OWN_MEMORY_BYTES = 1 << 16
#: Private (not shared memory) and its pages made in one call, where the OS has both
#: (Linux): a third of the cost of faulting them in one by one as the arrays are copied.
_MAP_OPTIONS: dict[str, int] = (
    {"flags": mmap.MAP_PRIVATE | getattr(mmap, "MAP_POPULATE", 0)}
    if hasattr(mmap, "MAP_PRIVATE") else {}
)  # fmt: skip


def _own_memory(arrays: Sequence[np.ndarray | None]) -> list[Any]:
    """The arrays (None kept) copied into one anonymous memory map, which goes back to the
    OS as soon as the last of them is freed; left as they are when small.

    A chunk's arrays, made on the worker thread that fetched its answer, would otherwise
    live in that thread's malloc arena, and the memory they free when the chunks are joined
    would stay with the process through the frame's build and validation: a second copy of
    the chunks at the read's peak (the main thread, which builds the frame, does not reuse
    another thread's arena).
    """
    spans = [0 if a is None else -(-a.nbytes // 8) * 8 for a in arrays]  # 8-byte aligned
    if sum(spans) < _OWN_MEMORY_BYTES:
        return list(arrays)
    memory = mmap.mmap(-1, sum(spans), **_MAP_OPTIONS)
    copies: list[Any] = []
    offset = 0
    for array, span in zip(arrays, spans, strict=True):
        copy = None
        if array is not None:
            copy = np.frombuffer(memory, dtype=array.dtype, count=array.size, offset=offset)
            copy[...] = array
        copies.append(copy)
        offset += span
    return copies


def _integer_array(ints: _Ints | None, n: int) -> pd.arrays.IntegerArray:
    """An ``Int64`` array of ``ints`` (``n`` nulls for None)."""
    if ints is None:
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    mask = ints.mask if ints.mask is not None else np.zeros(len(ints.values), dtype=bool)
    return pd.arrays.IntegerArray(ints.values.astype(np.int64), mask)


def _sorted_codes(ints: _Ints) -> tuple[np.ndarray, np.ndarray]:
    """Codes of nullable ints into their sorted distinct values (-1 for null), and those
    values: ``pd.factorize(..., sort=True)`` without its int64 copies of every value (a
    lookup table over the values' range, in the int type pandas keeps the codes in)."""
    values, mask = ints
    present = values if mask is None else values[~mask]
    if not len(present):
        return np.full(len(values), -1, dtype=np.int8), np.empty(0, dtype=np.int64)
    low, high = int(present.min()), int(present.max())
    if high - low > 4 * len(values) + 1024:  # spread far: a table would be too big
        levels = np.unique(present)
        codes = np.searchsorted(levels, values).astype(_code_type(len(levels)))
    else:
        # Offsets in the values' own type when their range fits it (a null's may wrap: it
        # is set to 0, the least value's, then to -1 below).
        fits = high - low <= np.iinfo(values.dtype).max
        offsets = np.subtract(values, low, dtype=values.dtype if fits else np.int64)
        if mask is not None:
            offsets[mask] = 0
        used = np.zeros(high - low + 1, dtype=bool)
        used[offsets] = True
        levels = np.flatnonzero(used) + low
        table = (np.cumsum(used) - 1).astype(_code_type(len(levels)))
        codes = table[offsets]
    if mask is not None:
        codes[mask] = -1
    return codes, levels.astype(np.int64)


def _no_messages() -> tuple[np.ndarray, list[str]]:
    """The messages of cells that have none."""
    return np.empty(0, dtype=np.intp), []


def _messages(cells: list[Any], pick: Callable[[Any], Any]) -> tuple[np.ndarray, list[str]]:
    """Positions of the cells with messages, and each one's messages ``"; "``-joined."""
    # Typed cells decode ``[]`` as the one shared empty tuple: counting it by identity, with
    # no list of the values, is the cheapest test that no cell has any.
    if countOf(map(pick, cells), ()) == len(cells):
        return _no_messages()
    where = _present(map(pick, cells), len(cells))
    texts = []
    for i in where:
        m = pick(cells[i])
        texts.append("; ".join(str(x) for x in m) if isinstance(m, list | tuple) else str(m))
    return where, texts


def _join_ints(parts: list[_Ints | None], sizes: list[int]) -> _Ints | None:
    """Nullable int parts joined (a None part: that many nulls); None if every part is."""
    if all(p is None for p in parts) and parts:
        return None
    values = _join([p.values if p is not None else np.zeros(k, dtype=np.int8)
                    for p, k in zip(parts, sizes, strict=True)], np.int8)  # fmt: skip
    if all(p is not None and p.mask is None for p in parts):
        return _Ints(values, None)
    mask = _join([np.ones(k, dtype=bool) if p is None else np.zeros(k, dtype=bool)
                  if p.mask is None else p.mask
                  for p, k in zip(parts, sizes, strict=True)], bool)  # fmt: skip
    return _Ints(values, mask)


def _join_transforms(parts: list[tuple[np.ndarray, np.ndarray]], sizes: list[int]
                     ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Sparse transform parts joined: positions shifted by the cells before their part."""
    offsets = np.cumsum([0, *sizes], dtype=np.intp)[:-1]
    where = _join([w + o for (w, _), o in zip(parts, offsets, strict=True)], np.intp)
    return where, _join([v for _, v in parts], np.float64)


def _join_messages(parts: list[tuple[np.ndarray, list[str]]], sizes: list[int]
                   ) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """Message parts joined: positions shifted by the cells before their part."""
    offsets = np.cumsum([0, *sizes], dtype=np.intp)[:-1]
    where = _join([w + o for (w, _), o in zip(parts, offsets, strict=True)], np.intp)
    return where, [text for _, texts in parts for text in texts]


_JOINERS: dict[str, Callable[[list[Any], list[int]], Any]] = {
    "original": lambda parts, _: _join(parts, np.float64),
    "codes": lambda parts, _: _join(parts, np.int8),
    "transforms": _join_transforms,
    "years": lambda parts, sizes: _join_ints(parts, sizes) or _Ints(np.empty(0, np.int8), None),
    "months": _join_ints,
    "warnings": _join_messages,
    "errors": _join_messages,
}


def _message_array(messages: tuple[np.ndarray, list[str]], n: int) -> Any:
    """``n`` cells' messages as a ``str`` array, null where a cell has none."""
    where, texts = messages
    if not texts:
        return pd.array(pa.nulls(n, type=pa.large_string()), dtype="str")
    out: list[str | None] = [None] * n
    for i, text in zip(where.tolist(), texts, strict=True):
        out[i] = text
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
            builder.add_blocks(keys, [(n, units.get(n), params.get(n))
                                      for n in selection.exo_yearly])  # fmt: skip
            builder.add_blocks(keys, [(n, units.get(n), params.get(n))
                                      for n in selection.exo_monthly], monthly=True)  # fmt: skip
        for j, sub in enumerate(read.endogenous):
            endo = node.get(f"d{j}")
            params = _get(endo, "parameters") or {}
            keys = {**base, "kind": "endogenous", "sub_technology": sub}
            builder.add_blocks(keys, [(n, units.get(n), params.get(n))
                                      for n in selection.endo_yearly])  # fmt: skip
            builder.add_blocks(keys, [(n, units.get(n), params.get(n))
                                      for n in selection.endo_monthly], monthly=True)  # fmt: skip
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

