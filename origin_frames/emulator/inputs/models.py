"""State of the emulated inputs service: one session of cells per scenario.

A session's id is its scenario id; the scenario service says who may see it
(``session_spec``). Published Aurora scenarios' sessions are read-only. Cells are
held in numpy :class:`~.seed.Block` arrays generated lazily, per region, on first
access, so that a million-cell scenario costs nothing until it is read.

Transform semantics (per cell, relative to ``original``; a new transform replaces
the previous one, so re-sending a payload is idempotent):
Absolute -> v; Delta -> original + v; Percentage -> original * (1 + v/100).
A null ``value`` in a technology update clears the cell's transform.

Demand propagation rule. System ``totalDemand`` is, at seed, ``baseDemand`` plus
the ``totalDemand`` of every demand technology of the region. When an update
changes the effective ``totalDemand`` of a year from ``T_before`` to ``T_after``
(``T_before != 0``), every component of that year (``baseDemand`` and each demand
technology's ``totalDemand``) has its effective value multiplied by
``r = T_after / T_before``. The component keeps its transform type (a Percentage
is created where it had none): Percentage p -> ((1 + p/100) r - 1) * 100;
Absolute a -> a r; Delta d -> (original + d) r - original. Updating a component
does not change ``totalDemand``. Re-sending the same totalDemand payload gives
``r = 1`` and changes nothing.

Aggregated views (``aggregateRegions``, commodity averages) show the aggregate of
originals as ``original`` and, where any member cell carries a transform, an
Absolute transform holding the aggregate of effective values (for commodity
averages: the members' common transform when they all share one).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._gql import ServiceError
from .._options import EmulatorOptions
from ..catalogue import MODEL_MAX_YEAR, MODEL_MIN_YEAR, RegionGroup, SessionSpec, region_groups
from . import config as cfg
from . import seed
from ._budget import Budget, BudgetStats
from .seed import ABSOLUTE, DELTA, NONE, PERCENTAGE, Block, TechKey

WORKBOOK_READY_S = 0.2
_EMPTY: tuple[str, ...] = ()


def _bad(message: str) -> ServiceError:
    """A BadUserInput error."""
    return ServiceError(message, "BadUserInput")


def _choose(kind: str, value: str, valid: Sequence[str]) -> ServiceError:
    """An error naming an unknown value and listing the valid ones."""
    listed = ", ".join(repr(v) for v in valid) or "(none)"
    return _bad(f"Unknown {kind} {value!r}. Valid values: {listed}.")


def tenant_label(tenant: str | None) -> str:
    """A stable public name for a tenant that never reveals its token.

    Args:
        tenant: The owner (its token), or None for published scenarios.

    Returns:
        ``"aurora"`` for None, else ``"tenant-"`` plus 12 hex digits of its SHA-256.

    Example:
        >>> tenant_label(None)
        'aurora'
    """
    if tenant is None:
        return "aurora"
    return "tenant-" + hashlib.sha256(tenant.encode()).hexdigest()[:12]


# -- transforms ----------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedTx:
    """A validated tx list: target cell indices, type codes and values (stored units)."""

    index: np.ndarray
    codes: np.ndarray
    values: np.ndarray


def parse_tx(
    tx: Sequence[dict[str, Any] | None],
    shape: str,
    label: str,
    *,
    allow_clear: bool,
    factor: float = 1.0,
) -> ParsedTx:
    """Validates a tx list against a block's shape; one error lists every bad item.

    Args:
        tx: Items ``{year, month?, transform: {type, value}}`` as sent.
        shape: ``"yearly"``, ``"monthly"`` or ``"single"`` (definitions: year null).
        label: The parameter/variable name used in messages.
        allow_clear: Whether a null transform/value clears the cell (technology inputs).
        factor: Converts Absolute and Delta values to stored units (Percentage is unitless).

    Returns:
        The cell positions, type codes and values to store.

    Raises:
        ServiceError: BadUserInput naming every bad item (null, missing or out-of-range
            year, bad month, duplicate cell, missing value, unknown type); nothing is applied.

    Example:
        >>> parse_tx([{"year": 2026, "transform": {"type": "Delta", "value": 1}}],
        ...          "yearly", "capex", allow_clear=False).index.tolist()
        [1]
    """
    if not tx:
        raise _bad(f"{label}: tx is empty; send at least one {{year, transform}} item.")
    problems: list[str] = []
    index: list[int] = []
    codes: list[int] = []
    values: list[float] = []
    seen: dict[int, int] = {}
    for i, item in enumerate(tx):
        problem = _tx_cell(i, item, shape, label, allow_clear, factor, seen, index, codes, values)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise _bad(f"{label}: " + "; ".join(problems) + ".")
    return ParsedTx(
        np.asarray(index, dtype=np.int64),
        np.asarray(codes, dtype=np.int8),
        np.asarray(values, dtype=np.float64),
    )


_MODEL_YEARS = f"{MODEL_MIN_YEAR}-{MODEL_MAX_YEAR}"


def _tx_cell(
    i: int, item: dict[str, Any] | None, shape: str, label: str, allow_clear: bool,
    factor: float, seen: dict[int, int], index: list[int], codes: list[int], values: list[float],
) -> str | None:  # fmt: skip
    """Adds tx item ``i``'s position, type code and stored value, or says what is wrong.

    Problems are judged in order (position, repeated cell, transform); ``seen`` maps the
    positions met so far to their item.
    """
    if item is None:
        return f"tx[{i}] is null: send {{year, transform: {{type, value}}}}"
    year, month = item.get("year"), item.get("month")
    if shape == "single":
        if year is not None or month is not None:
            return f"tx[{i}]: {label} has no years; send year and month as null"
        pos = 0
    elif year is None:
        return f"tx[{i}].year is missing; {label} needs a year in {_MODEL_YEARS}"
    elif not MODEL_MIN_YEAR <= year <= MODEL_MAX_YEAR:
        return f"tx[{i}].year {year} is outside the model years {_MODEL_YEARS}"
    elif shape == "monthly":
        if month is None or not 1 <= month <= 12:
            return f"tx[{i}].month {month!r}: {label} is monthly; send a month in 1-12"
        pos = (year - MODEL_MIN_YEAR) * 12 + month - 1
    elif month is not None:
        return f"tx[{i}].month {month}: {label} is yearly; send month as null"
    else:
        pos = year - MODEL_MIN_YEAR
    if pos in seen:
        return f"tx[{i}] repeats the cell of tx[{seen[pos]}]; send each cell once"
    seen[pos] = i
    transform = item.get("transform")
    ttype = transform.get("type") if transform else None
    value = transform.get("value") if transform else None
    if value is None or ttype is None:
        if not allow_clear:
            return f"tx[{i}].transform needs a type and a numeric value"
        index.append(pos)
        codes.append(NONE)
        values.append(np.nan)
        return None
    code = seed.TRANSFORM_CODES.get(ttype)
    if code is None:
        return f"tx[{i}].transform.type {ttype!r}: use Absolute, Delta or Percentage"
    index.append(pos)
    codes.append(code)
    values.append(float(value) * (factor if code != PERCENTAGE else 1.0))
    return None


def apply_tx(block: Block, parsed: ParsedTx) -> None:
    """Stores the parsed transforms in a block (replacing earlier ones)."""
    block.ttype[parsed.index] = parsed.codes
    block.tval[parsed.index] = parsed.values


def scale_effective(block: Block, ratio: np.ndarray, mask: np.ndarray) -> None:
    """Multiplies the effective value of the masked cells by ``ratio``, keeping transform types.

    Args:
        block: The component block, changed in place.
        ratio: Per-cell multiplier (same length as the block).
        mask: Cells to change.

    Example:
        >>> b = Block.of(np.array([10.0]), "yearly")
        >>> scale_effective(b, np.array([1.1]), np.array([True])); b.effective().round(6).tolist()
        [11.0]
    """
    idx = np.nonzero(mask)[0]
    if idx.size == 0:
        return
    r = ratio[idx]
    orig, ttype, tval = block.original[idx], block.ttype[idx], block.tval[idx]
    new_type = np.where(ttype == NONE, PERCENTAGE, ttype).astype(np.int8)
    new_val = np.select(
        [ttype == NONE, ttype == PERCENTAGE, ttype == ABSOLUTE, ttype == DELTA],
        [
            (r - 1.0) * 100.0,
            ((1.0 + tval / 100.0) * r - 1.0) * 100.0,
            tval * r,
            (orig + tval) * r - orig,
        ],
    )
    block.ttype[idx] = new_type
    block.tval[idx] = new_val


def validation_messages(
    values: np.ndarray,
    warn: cfg.Range | None,
    hard: cfg.Range | None,
    label: str,
    years: np.ndarray | None,
    months: np.ndarray | None = None,
) -> tuple[list[Sequence[str]], list[Sequence[str]]]:
    """Per-cell warning and error messages for effective values outside the bounds.

    Args:
        values: Effective values.
        warn: ``initialRange`` (warnings), or None.
        hard: ``hardLimit`` (errors), or None.
        label: Names the parameter in messages.
        years: Year of each cell (None for definitions).
        months: Month of each cell for monthly parameters.

    Returns:
        (warnings, errors): one sequence of messages per cell (empty when in range).

    Example:
        >>> validation_messages(np.array([5.0]), None, cfg.Range(0, 1), "x", None)[1]
        [('x: 5 is above the hardLimit upper bound 1',)]
    """
    n = values.shape[0]
    warnings: list[Sequence[str]] = [_EMPTY] * n
    errors: list[Sequence[str]] = [_EMPTY] * n
    for bounds, out, name in ((warn, warnings, "initialRange"), (hard, errors, "hardLimit")):
        if bounds is None:
            continue
        low = values < bounds.lower
        high = values > bounds.upper
        for i in np.nonzero(low | high)[0].tolist():
            where = label
            if years is not None:
                where += f" {int(years[i])}"
                if months is not None:
                    where += f"-{int(months[i]):02d}"
            side, bound = ("below", "lower") if low[i] else ("above", "upper")
            limit = bounds.lower if low[i] else bounds.upper
            out[i] = (f"{where}: {values[i]:.6g} is {side} the {name} {bound} bound {limit:g}",)
    return warnings, errors


# -- rendered answers ----------------------------------------------------------------

#: Cells of rendered answers one session keeps.
RENDER_CACHE_CELLS = 300_000
#: Bytes one rendered cell counts for, and one generated block beyond its arrays: the
#: budget's units. A cached cell is its JSON now (``WiredRecords``: 161 bytes with its share
#: of the cache entry, by tracemalloc on every technology view of a gbr scenario, where the
#: dicts kept before took 299), but it still counts 300: counted at 160, the budget let more
#: stay and the served catalogue's peak RSS rose from 774 MB (dicts) to 848 MB, where at 300
#: it fell to 568 MB (``bench_memory.py``, budget 512 MB): RSS costs more than tracemalloc
#: sees, and 300 keeps the budget's calibration.
RENDERED_CELL_BYTES = 300
BLOCK_OVERHEAD_BYTES = 400

#: Where a block lives inside a session: a part (generated as a whole) and a path in it.
#: Parts: ("technology", region), ("demand", region), ("commodity",), ("interconnector",).
PartKey = tuple[str, ...]
BlockPath = tuple[str | None, ...]
#: Transformed cells of one block: positions, type codes and values.
Sparse = tuple[np.ndarray, np.ndarray, np.ndarray]
TransformState = dict[PartKey, dict[BlockPath, Sparse]]


def _block_bytes(blocks: Sequence[Block]) -> int:
    """Bytes of generated blocks (arrays plus per-block object overhead)."""
    return sum(
        b.original.nbytes + b.ttype.nbytes + b.tval.nbytes + BLOCK_OVERHEAD_BYTES for b in blocks
    )


class RenderCache:
    """Rendered cell lists of a session's blocks, reused while the block is unchanged.

    The entry holds the block's full state (the bytes of its three arrays), so any
    write (a transform, demand propagation, rebasing, a test poking an array) makes
    the next read render afresh: a cached list is returned only when rendering again
    would give the same answer. Bounded LRU by cells, with its own lock; it lives and
    dies with its session (reset, deletion).

    Example:
        >>> cache = RenderCache(max_cells=100)
        >>> block = Block.of(np.zeros(3), "yearly")
        >>> cache.get(block, (), lambda: [1, 2, 3]) is cache.get(block, (), lambda: [])
        True
    """

    def __init__(self, max_cells: int = RENDER_CACHE_CELLS) -> None:
        self.max_cells = max_cells
        self._items: OrderedDict[tuple[Any, ...], tuple[Block, bytes, Sequence[Any]]]
        self._items = OrderedDict()
        self._cells = 0
        self._lock = threading.Lock()

    def get(
        self, block: Block, key: tuple[Any, ...], render: Callable[[], Sequence[Any]]
    ) -> Sequence[Any]:
        """The cached rendering of ``block`` under ``key``, or ``render()`` (then cached)."""
        state = block.original.tobytes() + block.ttype.tobytes() + block.tval.tobytes()
        full_key = (id(block), block.shape, *key)
        with self._lock:
            hit = self._items.get(full_key)
            # The entry keeps its block alive, so no other block can reuse that id meanwhile.
            if hit is not None and hit[0] is block and hit[1] == state:
                self._items.move_to_end(full_key)
                return hit[2]
        rendered = render()
        with self._lock:
            old = self._items.pop(full_key, None)
            if old is not None:
                self._cells -= len(old[2])
            self._items[full_key] = (block, state, rendered)
            self._cells += len(rendered)
            while self._cells > self.max_cells and len(self._items) > 1:
                _, (_, _, evicted) = self._items.popitem(last=False)
                self._cells -= len(evicted)
        return rendered

    @property
    def cells(self) -> int:
        """Cells held."""
        return self._cells

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forgets every rendered list."""
        with self._lock:
            self._items.clear()
            self._cells = 0


# -- sessions ------------------------------------------------------------------------


@dataclass
class Session:
    """The inputs of one scenario (guarded by the backend lock).

    Originals are a pure function of ``data_seed`` (commodities: of ``commodity_seed``
    after a rebase), so generated parts can be dropped (:meth:`drop_generated`) and
    generated again; what a session owns is its transforms, kept as sparse arrays in
    ``_kept`` while their part is not generated and re-applied when it is.
    """

    scenario_id: str
    group: RegionGroup
    data_seed: int
    published: bool
    tenant: str | None = field(repr=False)  # the owner's token: never shown
    scale: int
    reference: str  # the scenario the data came from (dataGroups)
    first_access: float | None = None
    transforms: list[dict[str, Any]] = field(default_factory=list, repr=False)
    commodity_reference: str | None = None  # set by rebaseCommodities
    commodity_seed: int | None = None  # data seed of the commodity originals after a rebase
    _kept: TransformState = field(default_factory=dict, repr=False)
    _generated_bytes: int = field(default=0, repr=False)
    _tech: dict[str, dict[TechKey, dict[str, Block]]] = field(default_factory=dict, repr=False)
    _demand: dict[str, seed.RegionDemand] = field(default_factory=dict, repr=False)
    _commodities: dict[str, dict[str, Block]] | None = field(default=None, repr=False)
    _interconnectors: list[seed.Interconnector] | None = field(default=None, repr=False)
    render_cache: RenderCache = field(default_factory=RenderCache, repr=False, compare=False)

    # -- regions ---------------------------------------------------------------
    @property
    def regions(self) -> tuple[str, ...]:
        return self.group.regions

    def check_region(self, region: str) -> str:
        """The region if the session models it, else a BadUserInput error listing them."""
        if region not in self.regions:
            raise _choose("region", region, self.regions)
        return region

    def check_regions(self, regions: Sequence[str] | None, *, default_all: bool) -> list[str]:
        """Validated region list (all regions when none given and ``default_all``)."""
        if not regions:
            return list(self.regions) if default_all else []
        bad = [r for r in regions if r not in self.regions]
        if bad:
            listed = ", ".join(repr(r) for r in self.regions)
            raise _bad(f"Unknown region(s) {', '.join(map(repr, bad))}. Valid values: {listed}.")
        return list(dict.fromkeys(regions))

    # -- technologies ----------------------------------------------------------
    def tech_blocks(self, region: str) -> dict[TechKey, dict[str, Block]]:
        """All supply-technology blocks of a region (generated on first access)."""
        blocks = self._tech.get(region)
        if blocks is None:
            made = seed.generate_technologies(self.data_seed, self.group, region, self.scale)
            self._adopt(
                ("technology", region),
                [b for params in made.values() for b in params.values()],
                lambda path: made[path[:5]][path[5]],  # type: ignore[index]
            )
            self._tech[region] = blocks = made
        return blocks

    def groupings(self) -> dict[str, dict[str, Any]]:
        """``getTechnologyGroupings``: cheap, from the config, without generating cells."""
        return {r: seed.groupings(self.group, r, self.scale) for r in self.regions}

    def technology(self, name: str, region: str, sub_region: str | None) -> dict[str, Any]:
        """The grouping entry of a technology, after validating name/region/sub-region."""
        self.check_region(region)
        grouping = seed.grouping_index(self.group, region, self.scale)
        if name not in grouping:
            raise _choose(f"technology in region {region!r}:", name, list(grouping))
        entry = grouping[name]
        if sub_region is not None and sub_region not in entry["subRegions"]:
            raise _choose(f"sub-region of {region!r}:", sub_region, list(entry["subRegions"]))
        return entry

    def plant(
        self,
        kind: str,
        name: str,
        region: str,
        sub_region: str | None,
        sub_technology: str | None,
        subsidy: str | None,
    ) -> dict[str, Block]:
        """Parameter blocks of one plant key, with every key part validated."""
        entry = self.technology(name, region, sub_region)
        holder = entry["subRegions"][sub_region] if sub_region else entry
        field_name = (
            "subTechnologiesExogenous" if kind == "exogenous" else "subTechnologiesEndogenous"
        )
        if sub_technology is not None and sub_technology not in holder[field_name]:
            raise _choose(f"{kind} sub-technology of {name!r}:", sub_technology, holder[field_name])
        if subsidy is not None:
            if kind != "exogenous" or sub_region is None:
                raise _bad(
                    f"Subsidy {subsidy!r} needs a subRegion and applies to exogenous plants only."
                )
            if subsidy not in holder["subsidies"]:
                raise _choose(
                    f"subsidy of {name!r} in {sub_region!r}:", subsidy, holder["subsidies"]
                )
        return self.tech_blocks(region)[(name, kind, sub_region, sub_technology, subsidy)]

    def update_technology(
        self,
        kind: str,
        parameter: str,
        tx: Sequence[dict[str, Any] | None],
        name: str,
        region: str,
        sub_region: str | None,
        sub_technology: str | None,
        subsidy: str | None,
    ) -> dict[str, Block]:
        """Applies a technology update; returns the plant's blocks."""
        blocks = self.plant(kind, name, region, sub_region, sub_technology, subsidy)
        param = cfg.PARAMETER_BY_NAME[parameter]
        tech = cfg.TECHNOLOGY_BY_NAME[name]
        if param.lock:
            raise ServiceError(
                f"{parameter} is locked (lock: true in getConfig) and cannot be edited.",
                "Forbidden",
            )
        if parameter in tech.read_only_parameters:
            raise ServiceError(
                f"{parameter} is read-only for {name} (readOnlyParameters); it cannot be edited.",
                "Forbidden",
            )
        if parameter not in blocks:
            why = "loadFactorTechRequired" if param.load_factor_required else "thermalTechRequired"
            raise _bad(
                f"{parameter} does not apply to {name} ({why}); "
                f"parameters of this plant: {', '.join(blocks)}."
            )
        block = blocks[parameter]
        apply_tx(block, parse_tx(tx, block.shape, parameter, allow_clear=True))
        return blocks

    # -- demand ----------------------------------------------------------------
    def demand(self, region: str) -> seed.RegionDemand:
        """Demand blocks of a region (generated on first access)."""
        d = self._demand.get(region)
        if d is None:
            made = seed.generate_demand(self.data_seed, region)
            per_tech = [b for blocks in made.technologies.values() for b in blocks.values()]
            self._adopt(
                ("demand", region),
                [*made.system.values(), *per_tech],
                lambda path: made.system[str(path[1])]
                if path[0] is None
                else made.technologies[path[0]][str(path[1])],
            )
            self._demand[region] = d = made
        return d

    def update_system_demand(
        self, regions: list[str], variable: str, tx: Sequence[dict[str, Any] | None]
    ) -> list[dict[str, Any]]:
        """Updates a system demand variable in each region; returns the log steps."""
        names = [v.name for v in cfg.DEMAND_VARIABLES]
        if variable not in names:
            raise _choose("system demand variable", variable, names)
        parsed = parse_tx(tx, "yearly", variable, allow_clear=False)
        steps: list[dict[str, Any]] = []
        for region in regions:
            d = self.demand(region)
            block = d.system[variable]
            before = block.effective()
            apply_tx(block, parsed)
            steps.append({"region": region, "variable": variable, "cells": int(parsed.index.size)})
            if variable != "totalDemand":
                continue
            after = block.effective()
            mask = (before != 0) & ~np.isclose(after, before, rtol=1e-12, atol=0.0)
            ratio = np.divide(after, before, out=np.ones_like(after), where=before != 0)
            scale_effective(d.system["baseDemand"], ratio, mask)
            for blocks in d.technologies.values():
                scale_effective(blocks["totalDemand"], ratio, mask)
            if mask.any():
                steps.append(
                    {
                        "region": region,
                        "propagated": ["baseDemand", *d.technologies],
                        "years": (seed.YEARS[mask]).tolist(),
                    }
                )
        return steps

    def demand_technology_name(self, technology: str) -> str:
        """The API name of a demand technology given its API or display name."""
        if technology in cfg.DEMAND_TECHNOLOGY_BY_NAME:
            return technology
        for dt in cfg.DEMAND_TECHNOLOGIES:
            if dt.display == technology:
                return dt.name
        raise _choose("demand technology", technology, list(cfg.DEMAND_TECHNOLOGY_BY_NAME))

    def update_demand_technology(
        self,
        regions: list[str],
        technology: str,
        variable: str,
        tx: Sequence[dict[str, Any] | None],
    ) -> tuple[str, list[dict[str, Any]]]:
        """Updates a demand technology variable in each region; returns (name, steps)."""
        name = self.demand_technology_name(technology)
        names = [v.name for v in cfg.DEMAND_TECHNOLOGY_VARIABLES]
        if variable not in names:
            raise _choose("demand technology variable", variable, names)
        parsed = parse_tx(tx, "yearly", f"{name}.{variable}", allow_clear=False)
        for region in regions:
            apply_tx(self.demand(region).technologies[name][variable], parsed)
        steps = [
            {"region": r, "technology": name, "variable": variable, "cells": int(parsed.index.size)}
            for r in regions
        ]
        return name, steps

    # -- commodities -----------------------------------------------------------
    def commodities(self) -> dict[str, dict[str, Block]]:
        """Commodity blocks (stored units) per commodity and region."""
        if self._commodities is None:
            made = seed.generate_commodities(self.commodity_data_seed, self.regions)
            self._adopt(
                ("commodity",),
                [b for per_region in made.values() for b in per_region.values()],
                lambda path: made[path[0]][path[1]],  # type: ignore[index]
            )
            self._commodities = made
        return self._commodities

    @property
    def commodity_data_seed(self) -> int:
        """The data seed of the commodity originals (the rebase reference's after a rebase)."""
        return self.data_seed if self.commodity_seed is None else self.commodity_seed

    def check_commodities(self, names: Sequence[str] | None) -> list[str]:
        """Validated commodity names (all when none given)."""
        valid = list(cfg.COMMODITY_BY_NAME)
        if not names:
            return valid
        for name in names:
            if name not in cfg.COMMODITY_BY_NAME:
                raise _choose("commodity", name, valid)
        return list(dict.fromkeys(names))

    def update_commodity(
        self,
        commodity: str,
        regions: list[str],
        tx: Sequence[dict[str, Any] | None],
        native: bool,
    ) -> list[dict[str, Any]]:
        """Applies a commodity update (tx in native units when ``native``); returns steps."""
        self.check_commodities([commodity])
        factor = cfg.COMMODITY_BY_NAME[commodity].factor if native else 1.0
        parsed = parse_tx(tx, "yearly", commodity, allow_clear=False, factor=factor)
        blocks = self.commodities()[commodity]
        for region in regions:
            apply_tx(blocks[region], parsed)
        return [
            {"commodity": commodity, "region": r, "cells": int(parsed.index.size)} for r in regions
        ]

    def rebase_commodities(self, reference: Session) -> None:
        """Swaps the original commodity series for the reference's; transforms stay."""
        self.commodity_seed = reference.commodity_data_seed
        if self._commodities is not None:
            theirs = seed.generate_commodities(self.commodity_seed, self.regions)
            for name, per_region in self._commodities.items():
                for region, block in per_region.items():
                    block.original = theirs[name][region].original
        self.commodity_reference = reference.scenario_id

    # -- interconnectors -------------------------------------------------------
    def interconnectors(self) -> list[seed.Interconnector]:
        """Every interconnector of the session's region group."""
        if self._interconnectors is None:
            made = seed.generate_interconnectors(self.data_seed, self.group)
            ends = {(ic.from_region, ic.to_region): ic for ic in made}
            self._adopt(
                ("interconnector",),
                [b for ic in made for b in ic.variables.values()],
                lambda path: ends[path[0], path[1]].variables[path[2]],  # type: ignore[index]
            )
            self._interconnectors = made
        return self._interconnectors

    def interconnector(self, from_region: str, to_region: str) -> seed.Interconnector:
        """The interconnector stored as ``from -> to``; errors say how to address it."""
        self.check_region(from_region)
        self.check_region(to_region)
        for ic in self.interconnectors():
            if (ic.from_region, ic.to_region) == (from_region, to_region):
                return ic
            if (ic.from_region, ic.to_region) == (to_region, from_region):
                raise _bad(
                    f"The interconnector between {from_region!r} and {to_region!r} is stored as "
                    f"from={to_region!r}, to={from_region!r}: send it that way round."
                )
        ends = [f"{ic.from_region}->{ic.to_region}" for ic in self.interconnectors()]
        raise _choose("interconnector", f"{from_region}->{to_region}", ends)

    def update_interconnector(
        self,
        from_region: str,
        to_region: str,
        variable: str,
        tx: Sequence[dict[str, Any] | None],
    ) -> tuple[seed.Interconnector, list[dict[str, Any]]]:
        """Applies an interconnector update; returns the interconnector and steps."""
        ic = self.interconnector(from_region, to_region)
        if variable not in ic.variables:
            raise _choose("interconnector variable", variable, list(ic.variables))
        parsed = parse_tx(tx, "yearly", variable, allow_clear=False)
        apply_tx(ic.variables[variable], parsed)
        step = {
            "from": from_region,
            "to": to_region,
            "variable": variable,
            "cells": int(parsed.index.size),
        }
        return ic, [step]

    # -- bookkeeping -----------------------------------------------------------
    def log(self, operation: str, parameters: dict[str, Any], steps: list[dict[str, Any]]) -> None:
        """Appends an update to the session's transforms log."""
        update = {k: v for k, v in parameters.items() if k != "sessionId"}
        self.transforms.append(
            {
                "updateParameters": update,
                "steps": [{"operation": operation, **s} for s in steps],
                "reason": f"{operation} via API",
            }
        )

    def data_groups(self, loading_left: float = 0.0) -> dict[str, dict[str, Any]]:
        """``dataGroups``: where each group of inputs came from, and whether it is loading.

        ``default`` is the scenario the session was made from; every other group shares
        its reference until changed (``rebaseCommodities`` points ``commodities`` at the
        rebase reference and leaves ``default`` alone). While the session loads, every
        group is ``loading: true`` with a ``loadingRequest`` describing the load.
        """
        region = self.group.main_region
        loading = loading_left > 0
        request: dict[str, Any] = (
            {"requestId": f"load-{self.scenario_id}", "status": "Loading",
             "retryAfterSeconds": round(loading_left, 1)}
            if loading else {}
        )  # fmt: skip

        def group(reference: str, kind: str) -> dict[str, Any]:
            return {
                "reference": reference,
                "referenceType": kind,
                "productRegion": region,
                "loading": loading,
                "loadingRequest": dict(request),
            }

        commodity_ref = self.commodity_reference
        return {
            "default": group(self.reference, "scenario"),
            "technology": group(self.reference, "scenario"),
            "demand": group(self.reference, "scenario"),
            "commodities": group(
                commodity_ref or self.reference, "rebase" if commodity_ref else "scenario"
            ),
            "interconnectors": group(self.reference, "scenario"),
        }

    def count_cells(self) -> int:
        """Number of input cells of the session (without generating them)."""
        n_tech = sum(seed.count_technology_cells(self.group, r, self.scale) for r in self.regions)
        per_year = seed.N_YEARS
        n_demand = (
            len(self.regions)
            * per_year
            * (
                len(cfg.DEMAND_VARIABLES)
                + len(cfg.DEMAND_TECHNOLOGIES) * len(cfg.DEMAND_TECHNOLOGY_VARIABLES)
            )
        )
        n_com = len(self.regions) * len(cfg.COMMODITIES) * per_year
        n_ic = (
            len(seed.interconnector_pairs(self.group))
            * len(cfg.INTERCONNECTOR_VARIABLES)
            * per_year
        )
        return n_tech + n_demand + n_com + n_ic

    def fork(self, new_id: str, tenant: str, keep_transforms: bool) -> Session:
        """A tenanted copy: same originals, and this session's transforms when asked.

        The copy holds no cells: it generates its own from the same seeds on first read
        and keeps only what differs (the transforms, as sparse arrays, and the commodity
        rebase), so it stays right whatever happens to its base's generated data.
        """
        child = Session(
            scenario_id=new_id,
            group=self.group,
            data_seed=self.data_seed,
            published=False,
            tenant=tenant,
            scale=self.scale,
            reference=self.scenario_id,
        )
        if keep_transforms:
            child._kept = self.transform_state()
            child.transforms = [dict(t) for t in self.transforms]
            child.commodity_reference = self.commodity_reference
            child.commodity_seed = self.commodity_seed
            child.reference = self.reference
        return child

    # -- generated data and what survives it -------------------------------------
    def _adopt(
        self, part: PartKey, blocks: list[Block], find: Callable[[BlockPath], Block]
    ) -> None:
        """Counts a newly generated part and re-applies its kept transforms."""
        self._generated_bytes += _block_bytes(blocks)
        for path, (index, codes, values) in self._kept.pop(part, {}).items():
            block = find(path)
            block.ttype[index] = codes
            block.tval[index] = values

    def _live_blocks(self) -> Iterator[tuple[PartKey, BlockPath, Block]]:
        """Every generated block with its part and path."""
        for region, plants in self._tech.items():
            for key, params in plants.items():
                for name, block in params.items():
                    yield ("technology", region), (*key, name), block
        for region, d in self._demand.items():
            for name, block in d.system.items():
                yield ("demand", region), (None, name), block
            for tech, blocks in d.technologies.items():
                for name, block in blocks.items():
                    yield ("demand", region), (tech, name), block
        for name, per_region in (self._commodities or {}).items():
            for region, block in per_region.items():
                yield ("commodity",), (name, region), block
        for ic in self._interconnectors or []:
            for name, block in ic.variables.items():
                yield ("interconnector",), (ic.from_region, ic.to_region, name), block

    def transform_state(self) -> TransformState:
        """Every transformed cell, generated or kept, as sparse arrays per block.

        Returns:
            ``{part: {path: (positions, type codes, values)}}``: new arrays for generated
            parts, the kept ones otherwise (kept arrays are never written in place).

        Example:
            >>> from origin_frames.emulator import EmulatorOptions
            >>> from origin_frames.emulator._state import EmulatorState
            >>> state = EmulatorState(EmulatorOptions())
            >>> published = state.scenarios.list_scenarios("t", region_group="GBR")[0]
            >>> project = state.scenarios.create_project("me", {"name": "p"})
            >>> mine = state.scenarios.create_scenario("me", {
            ...     "projectGlobalId": project["projectGlobalId"], "name": "mine",
            ...     "baseScenarioGlobalId": published["scenarioGlobalId"]})
            >>> session = state.inputs.session(mine["scenarioGlobalId"], "me", write=True)
            >>> session.transform_state()
            {}
            >>> _ = session.update_commodity(
            ...     "gas", ["gbr"], [{"year": 2030, "transform": {"type": "Delta", "value": 1.0}}],
            ...     native=False)
            >>> session.transform_state()
            {('commodity',): {('gas', 'gbr'): (array([5]), array([2], dtype=int8), array([1.]))}}
        """
        state: TransformState = {part: dict(paths) for part, paths in self._kept.items()}
        for part, path, block in self._live_blocks():
            index = np.flatnonzero(block.ttype)
            if index.size:
                state.setdefault(part, {})[path] = (
                    index, block.ttype[index].copy(), block.tval[index].copy()
                )
        return state

    def restore_transforms(self, state: TransformState) -> None:
        """Replaces every transform with ``state`` (applied as parts are generated)."""
        self.drop_generated()
        self._kept = {part: dict(paths) for part, paths in state.items()}

    def drop_generated(self) -> None:
        """Forgets generated cells and rendered answers; transforms are kept."""
        self._kept = self.transform_state()
        self._tech, self._demand = {}, {}
        self._commodities = self._interconnectors = None
        self._generated_bytes = 0
        self.render_cache.clear()

    def kept(self) -> dict[str, Any]:
        """What a restart must keep of the session, JSON-ready (its cells are regenerated).

        Returns:
            Reference, commodity rebase, transforms log, and every transformed cell as
            ``[part, path, positions, type codes, values]``.
        """
        cells = [
            [list(part), list(path), index.tolist(), codes.tolist(), values.tolist()]
            for part, paths in self.transform_state().items()
            for path, (index, codes, values) in paths.items()
        ]
        return {
            "reference": self.reference,
            "commodity_reference": self.commodity_reference,
            "commodity_seed": self.commodity_seed,
            "transforms": list(self.transforms),
            "cells": cells,
        }

    def restore(self, kept: dict[str, Any]) -> None:
        """Takes back what :meth:`kept` returned."""
        self.reference = kept["reference"]
        self.commodity_reference = kept["commodity_reference"]
        self.commodity_seed = kept["commodity_seed"]
        self.transforms = list(kept["transforms"])
        state: TransformState = {}
        for part, path, index, codes, values in kept["cells"]:
            state.setdefault(tuple(part), {})[tuple(path)] = (
                np.asarray(index, dtype=np.int64),
                np.asarray(codes, dtype=np.int8),
                np.asarray(values, dtype=np.float64),
            )
        self.restore_transforms(state)

    def held_bytes(self) -> int:
        """Bytes of generated cells and rendered answers held (the budget's measure)."""
        return self._generated_bytes + self.render_cache.cells * RENDERED_CELL_BYTES


@dataclass
class _Workbook:
    """A requested inputs workbook."""

    session_id: str
    requested_at: float


class InputsBackend:
    """All inputs sessions of one emulator; every public method takes the lock."""

    def __init__(self, options: EmulatorOptions, scenarios: Any) -> None:
        self.options = options
        self.scenarios = scenarios
        self.lock = threading.RLock()
        self._groups = region_groups(options.scale)
        self._sessions: dict[str, Session] = {}
        self.budget = Budget(options.cache_mb)
        self._changed: set[str] = set()  # tenanted sessions written since take_changed()
        self._workbooks: dict[str, _Workbook] = {}
        self._workbook_counter = 0

    # -- the cross-service contract ------------------------------------------------
    def fork_session(self, new_id: str, base_id: str, tenant: str, keep_transforms: bool) -> None:
        """Gives a new tenanted scenario a copy of its base's inputs.

        Args:
            new_id: The new scenario's id (its session id).
            base_id: The scenario it was created from.
            tenant: The owner of the new scenario.
            keep_transforms: Copy the base's transforms too (else originals only).

        Raises:
            ServiceError: NotFound when the base is unknown to the tenant.

        Example:
            >>> from origin_frames.emulator import EmulatorOptions
            >>> from origin_frames.emulator._state import EmulatorState
            >>> state = EmulatorState(EmulatorOptions())
            >>> published = state.scenarios.list_scenarios("t", region_group="GBR")[0]
            >>> backend = state.inputs
            >>> backend.fork_session("s-2", published["scenarioGlobalId"], "me", False)
            >>> list(backend.take_changed())  # the copy is a tenanted session to keep
            ['s-2']
        """
        with self.lock:
            base = self._session_or_none(base_id, tenant)
            if base is None:
                raise ServiceError(
                    f"Base scenario {base_id!r} not found: pick one from getScenarios.", "NotFound"
                )
            child = base.fork(new_id, tenant, keep_transforms)
            child.first_access = time.monotonic()  # a new scenario loads its data at once
            self._sessions[new_id] = child
            self._changed.add(new_id)

    def drop_session(self, scenario_id: str) -> None:
        """Forgets a deleted scenario's inputs."""
        with self.lock:
            self._sessions.pop(scenario_id, None)
            self.budget.forget(scenario_id)
            self._changed.add(scenario_id)

    def take_changed(self) -> dict[str, dict[str, Any] | None]:
        """What to keep of each session written since the last call (None: deleted).

        Returns:
            ``{scenario_id: kept session or None}``, see :meth:`Session.kept`.
        """
        with self.lock:
            changed, self._changed = self._changed, set()
            out: dict[str, dict[str, Any] | None] = {}
            for scenario_id in sorted(changed):
                session = self._sessions.get(scenario_id)
                out[scenario_id] = None if session is None else session.kept()
            return out

    def restore_session(self, scenario_id: str, tenant: str, kept: dict[str, Any]) -> None:
        """Gives a restored tenanted scenario its kept inputs (see :meth:`Session.kept`).

        Raises:
            ValueError: the scenario service does not know the scenario.
        """
        with self.lock:
            session = self._session_or_none(scenario_id, tenant)
            if session is None:
                raise ValueError(f"Kept inputs of unknown scenario {scenario_id!r}.")
            session.restore(kept)

    def enforce_budget(self) -> int:
        """Drops least recently used sessions' generated data past ``options.cache_mb``.

        Called after each request, so the data one request reads stays put while it runs.

        Returns:
            How many sessions' data was dropped.
        """
        with self.lock:
            return self.budget.enforce()

    def budget_stats(self) -> BudgetStats:
        """What the generated-data budget holds (for ``/_emulator/health``)."""
        with self.lock:
            return self.budget.stats()

    # -- lookups -------------------------------------------------------------------
    def _session_or_none(self, scenario_id: str, tenant: str) -> Session | None:
        """The session if the scenario is visible to the tenant (created on first sight)."""
        spec: SessionSpec | None = self.scenarios.session_spec(scenario_id, tenant)
        if spec is None:
            return None
        session = self._sessions.get(scenario_id)
        if session is None:
            group = self._groups.get(spec.region_group)
            if group is None:
                return None
            session = Session(
                scenario_id=scenario_id,
                group=group,
                data_seed=spec.data_seed,
                published=spec.published,
                tenant=spec.tenant,
                scale=self.options.scale,
                reference=scenario_id,
            )
            self._sessions[scenario_id] = session
        self.budget.touch(session)
        return session

    def session(self, scenario_id: str, tenant: str, *, write: bool = False) -> Session:
        """The session behind a scenario id, for reading or (``write``) for updating.

        Args:
            scenario_id: The session (= scenario) id.
            tenant: The caller (its token).
            write: True for mutations: published sessions are refused. Reads start the
                loading clock (see :meth:`loading_left`).

        Returns:
            The session (created on first sight; cells stay lazy).

        Example:
            >>> from origin_frames.emulator import EmulatorOptions
            >>> from origin_frames.emulator._state import EmulatorState
            >>> state = EmulatorState(EmulatorOptions())
            >>> published = state.scenarios.list_scenarios("t", region_group="GBR")[0]
            >>> backend = state.inputs
            >>> backend.session(published["scenarioGlobalId"], "t").regions[:3]
            ('gbr', 'irl', 'fra')

        Raises:
            ServiceError: NotFound (unknown or not visible), Forbidden (published and
                ``write``).
        """
        with self.lock:
            session = self._session_or_none(scenario_id, tenant)
            if session is None:
                raise ServiceError(
                    f"Inputs session {scenario_id!r} not found: use the scenarioGlobalId of a "
                    "scenario you can see (getScenarios) as sessionId.",
                    "NotFound",
                )
            if write:
                if session.published:
                    raise ServiceError(
                        "Published Aurora scenarios cannot be edited: create a scenario from it "
                        "in a project and edit that.",
                        "Forbidden",
                    )
                self._changed.add(scenario_id)
                return session
            if session.first_access is None:
                session.first_access = time.monotonic()
            return session

    def loading_left(self, session: Session) -> float:
        """Seconds the session's data keeps loading (0 when loaded).

        The load starts when the scenario is created or first opened, whichever is first,
        and lasts ``options.not_ready_s``. ``getSession`` answers at once (its
        ``dataGroups`` say ``loading: true``); its data fields answer ``DataNotReady``.
        """
        if self.options.not_ready_s <= 0 or session.first_access is None:
            return 0.0
        return max(0.0, self.options.not_ready_s - (time.monotonic() - session.first_access))

    def session_for_reference(self, scenario_id: str, tenant: str) -> Session:
        """Another visible scenario's session (for rebasing), without the loading window."""
        with self.lock:
            session = self._session_or_none(scenario_id, tenant)
            if session is None:
                raise ServiceError(
                    f"Rebase reference {scenario_id!r} not found: use the scenarioGlobalId of a "
                    "scenario you can see (getScenarios).",
                    "NotFound",
                )
            return session

    # -- workbooks -----------------------------------------------------------------
    def workbook_status(self, session: Session, request_id: str | None) -> dict[str, Any]:
        """``getWorkbookStatus``: Requested first, Completed after ``WORKBOOK_READY_S``."""
        with self.lock:
            now = time.monotonic()
            if request_id is None:
                self._workbook_counter += 1
                digest = hashlib.sha256(
                    f"{session.scenario_id}|{self._workbook_counter}".encode()
                ).hexdigest()[:16]
                request_id = f"wb-{digest}"
                self._workbooks[request_id] = _Workbook(session.scenario_id, now)
                return {
                    "generationStatus": "Requested",
                    "generationErrors": [],
                    "downloadURL": None,
                    "requestId": request_id,
                }
            wb = self._workbooks.get(request_id)
            if wb is None or wb.session_id != session.scenario_id:
                raise _bad(
                    f"Unknown workbook requestId {request_id!r}: call getWorkbookStatus with "
                    "requestId null to request a workbook."
                )
            if now - wb.requested_at < WORKBOOK_READY_S:
                return {
                    "generationStatus": "Requested",
                    "generationErrors": [],
                    "downloadURL": None,
                    "requestId": request_id,
                }
            return {
                "generationStatus": "Completed",
                "generationErrors": [],
                "downloadURL": None,
                "requestId": request_id,
            }

    def workbook_csv(self, request_id: str) -> bytes | None:
        """The body of a completed workbook (a CSV summary of the session), or None."""
        with self.lock:
            wb = self._workbooks.get(request_id)
            if wb is None or time.monotonic() - wb.requested_at < WORKBOOK_READY_S:
                return None
            session = self._sessions.get(wb.session_id)
            if session is None:
                return None
            lines = [
                "sessionId,regionGroup,regions,transforms",
                f"{session.scenario_id},{session.group.code},{len(session.regions)},"
                f"{len(session.transforms)}",
            ]
            return ("\n".join(lines) + "\n").encode()
