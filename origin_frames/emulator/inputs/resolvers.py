"""The inputs service: GraphQL resolvers that turn numpy blocks into plain dicts and lists.

Views are small objects whose attributes hold values and whose methods resolve
fields with arguments (graphql-core's default resolver calls a callable attribute
with ``(info, **args)``), so nothing is rendered unless a document selects it:
aliased batches (``t0: getTechnology(...) t1: getTechnology(...)``) render only
what they ask for. Cell lists are built from ``ndarray.tolist()`` in one pass, in
their final wire shape (:class:`~.._gql.RenderedRecords`, which the executor passes
through), and kept in the session's :class:`~.models.RenderCache` as their JSON
(:class:`~.._gql.WiredRecords`, spliced into answers as it is) until a write changes
the block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from graphql import FieldNode, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from .. import _gql
from .._gql import Layout, RenderedRecords, ServiceError
from .._protocol import HttpResponse, RequestContext
from ..catalogue import MODEL_MAX_YEAR, MODEL_MIN_YEAR
from . import config as cfg
from . import schema as schema_module
from . import seed
from .models import InputsBackend, RenderCache, Session, tenant_label, validation_messages
from .seed import ABSOLUTE, DELTA, NONE, Block

_YEARS_LIST: list[int] = seed.YEARS.tolist()
_MONTHLY_YEARS_LIST: list[int] = seed.MONTHLY_YEARS.tolist()
_MONTHS_LIST: list[int] = seed.MONTHLY_MONTHS.tolist()
_WORKBOOK_PATH = "/v1/workbooks/"


@dataclass(frozen=True)
class _Context:
    """What resolvers find in ``info.context``."""

    request: RequestContext
    backend: InputsBackend


def _ctx(info: GraphQLResolveInfo) -> _Context:
    """The resolver context."""
    return info.context  # type: ignore[no-any-return]


# -- cells ---------------------------------------------------------------------------

_TRANSFORM_LAYOUT: Layout = (("type", None), ("value", None))
_CELL_TAIL: Layout = (
    ("original", None),
    ("validationWarnings", None),
    ("validationErrors", None),
    ("transform", _TRANSFORM_LAYOUT),
)
_LAYOUTS: dict[str, Layout] = {
    "yearly": (("year", None), *_CELL_TAIL),
    "monthly": (("year", None), ("month", None), *_CELL_TAIL),
    "single": (("year", None), *_CELL_TAIL),
}


def _transforms(ttype: np.ndarray, tval: np.ndarray) -> list[dict[str, Any] | None]:
    """Per-cell ``transform`` objects (None where the cell has none)."""
    out: list[dict[str, Any] | None] = [None] * ttype.shape[0]
    idx = np.nonzero(ttype)[0]
    if idx.size:
        names = seed.TRANSFORM_NAMES
        for i, code, value in zip(
            idx.tolist(), ttype[idx].tolist(), tval[idx].tolist(), strict=True
        ):
            out[i] = {"type": names[code], "value": value}
    return out


def _scaled(
    block: Block, warn: cfg.Range | None, hard: cfg.Range | None, factor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, cfg.Range | None, cfg.Range | None]:
    """A block's originals, effective values, transform values and ranges divided by ``factor``."""
    original, ttype, tval = block.original, block.ttype, block.tval
    eff = block.effective()
    if factor != 1.0:
        original = original / factor
        eff = eff / factor
        tval = np.where((ttype == ABSOLUTE) | (ttype == DELTA), tval / factor, tval)
        warn = cfg.Range(warn.lower / factor, warn.upper / factor) if warn else None
        hard = cfg.Range(hard.lower / factor, hard.upper / factor) if hard else None
    return original, eff, tval, warn, hard


def _cell_rows(
    shape: str,
    originals: list[float],
    warn_lists: list[Sequence[str]],
    error_lists: list[Sequence[str]],
    transforms: list[dict[str, Any] | None],
) -> list[dict[str, Any]]:
    """The wire dicts of a block's cells, in (year, month) order, for its shape."""
    if shape == "monthly":
        return [
            {
                "year": y,
                "month": m,
                "original": o,
                "validationWarnings": w,
                "validationErrors": e,
                "transform": t,
            }
            for y, m, o, w, e, t in zip(
                _MONTHLY_YEARS_LIST,
                _MONTHS_LIST,
                originals,
                warn_lists,
                error_lists,
                transforms,
                strict=True,
            )
        ]
    if shape == "single":
        return [
            {
                "year": None,
                "original": originals[0],
                "validationWarnings": warn_lists[0],
                "validationErrors": error_lists[0],
                "transform": transforms[0],
            }
        ]
    return [
        {
            "year": y,
            "original": o,
            "validationWarnings": w,
            "validationErrors": e,
            "transform": t,
        }
        for y, o, w, e, t in zip(
            _YEARS_LIST, originals, warn_lists, error_lists, transforms, strict=True
        )
    ]


def cells(
    block: Block,
    warn: cfg.Range | None,
    hard: cfg.Range | None,
    label: str,
    factor: float = 1.0,
) -> list[dict[str, Any]]:
    """Wire cells of a block, in (year, month) order, already in their GraphQL wire form.

    Args:
        block: The cells.
        warn: ``initialRange`` for warnings, or None.
        hard: ``hardLimit`` for errors, or None.
        label: Names the variable in messages.
        factor: Divides stored values (native commodity units); Percentage is unitless.

    Returns:
        ``[{year, month?, original, validationWarnings, validationErrors, transform}]``:
        a :class:`~.._gql.RenderedRecords` (the executor passes it through without
        re-serialising) when every number is finite, else a plain list that takes
        graphql-core's checked path.

    Example:
        >>> cells(Block.of(np.array([1.0]), "single"), None, None, "x")[0]["original"]
        1.0
    """
    ttype = block.ttype
    original, eff, tval, warn, hard = _scaled(block, warn, hard, factor)
    transforms = _transforms(ttype, tval)
    if block.shape == "monthly":
        years, months = seed.MONTHLY_YEARS, seed.MONTHLY_MONTHS
    elif block.shape == "single":
        years, months = None, None
    else:
        years, months = seed.YEARS, None
    # Message tuples (mostly the shared empty one) keep cell dicts free of GC-tracked
    # containers: cached cells then cost the cycle collector nothing.
    warn_lists, error_lists = validation_messages(eff, warn, hard, label, years, months)
    rows = _cell_rows(block.shape, original.tolist(), warn_lists, error_lists, transforms)
    finite = bool(np.isfinite(original).all()) and bool(np.isfinite(tval[ttype != NONE]).all())
    # Float cannot represent NaN/inf: such cells must meet graphql-core's own error path.
    return RenderedRecords(rows, _LAYOUTS[block.shape]) if finite else rows


def _yearly_rows(columns: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``[{year, var1: cell, var2: cell}, ...]`` from per-variable cell lists."""
    rows: list[dict[str, Any]] = [{"year": y} for y in _YEARS_LIST]
    for name, column in columns.items():
        for row, cell in zip(rows, column, strict=True):
            row[name] = cell
    return rows


def _aggregate(blocks: Sequence[Block], mean: bool = False) -> Block:
    """A block holding the sum (or mean) of originals, with an Absolute where any changed."""
    original = np.sum([b.original for b in blocks], axis=0)
    eff = np.sum([b.effective() for b in blocks], axis=0)
    if mean:
        original, eff = original / len(blocks), eff / len(blocks)
    changed = np.any([b.ttype != NONE for b in blocks], axis=0)
    ttype = np.where(changed, ABSOLUTE, NONE).astype(np.int8)
    out = Block(original, ttype, np.where(changed, eff, np.nan), blocks[0].shape)
    if mean:
        # Members sharing one transform keep it: the mean of their effective values equals it.
        types = np.stack([b.ttype for b in blocks])
        vals = np.stack([b.tval for b in blocks])
        same = np.all(types == types[0], axis=0) & np.all(
            (vals == vals[0]) | (np.isnan(vals) & np.isnan(vals[0])), axis=0
        )
        keep = same & changed & (types[0] != ABSOLUTE)
        out.ttype[keep] = types[0][keep]
        out.tval[keep] = vals[0][keep]
        keep_abs = same & changed & (types[0] == ABSOLUTE)
        out.tval[keep_abs] = vals[0][keep_abs]
    return out


# -- technology views ----------------------------------------------------------------


_PARAM_SPEC = {p.name: p for p in cfg.PARAMETERS + cfg.DEFINITION_PARAMETERS}


class _LazyCells(dict):  # type: ignore[type-arg]
    """A plant's ``parameters`` or ``definitions``: its blocks, rendered on ``get``.

    ``get`` (what graphql-core's default resolver and the executor's record projection
    call on a mapping) answers for the names of the group: the named block's wire cells
    from the render cache (a list, or the single cell of a definition; ``[]`` / None
    where the plant lacks the block). A document thus renders only the parameters it
    selects, and the executor completes the whole object in one projection instead of
    resolving each field.
    """

    __slots__ = ("_names", "_many", "_cache")

    def __init__(
        self, names: frozenset[str], blocks: dict[str, Block], many: bool, cache: RenderCache
    ) -> None:
        super().__init__(blocks)
        self._names = names
        self._many = many
        self._cache = cache

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name not in self._names:
            return default
        block = dict.get(self, name)
        if block is None:
            return [] if self._many else None
        spec = _PARAM_SPEC[name]
        # The key needs no ranges: a technology block is always rendered with its name's.
        rendered = self._cache.get(
            block,
            (name,),
            lambda: _gql.wired(cells(block, spec.initial_range, spec.hard_limit, name)),
        )
        return rendered if self._many else rendered[0]


_GROUPS = {
    ("exogenous", True): frozenset(cfg.EXOGENOUS_PARAMETERS),
    ("exogenous", False): frozenset(cfg.EXOGENOUS_DEFINITIONS),
    ("endogenous", True): frozenset(cfg.ENDOGENOUS_PARAMETERS),
    ("endogenous", False): frozenset(cfg.ENDOGENOUS_DEFINITIONS),
}


class _Plant:
    """``getExogenous`` / ``getEndogenous``: a plant key's parameters and definitions."""

    def __init__(
        self, kind: str, display: str, blocks: dict[str, Block], cache: RenderCache
    ) -> None:
        self.technology = {"original": display}
        self.parameters = _LazyCells(_GROUPS[kind, True], blocks, True, cache)
        self.definitions = _LazyCells(_GROUPS[kind, False], blocks, False, cache)


def _plant(
    session: Session,
    kind: str,
    name: str,
    region: str,
    sub_region: str | None,
    sub_technology: str | None,
    subsidy: str | None,
) -> _Plant:
    """The view of one plant key."""
    blocks = session.plant(kind, name, region, sub_region, sub_technology, subsidy)
    return _Plant(kind, sub_technology or name, blocks, session.render_cache)


class _Technology:
    """``getTechnology``."""

    def __init__(self, session: Session, name: str, region: str, sub_region: str | None) -> None:
        self.technologyGrouping = session.technology(name, region, sub_region)
        self._session = session
        self.name = name
        self.region = region
        self.subRegion = sub_region
        self.isRenewable = cfg.TECHNOLOGY_BY_NAME[name].is_renewable

    def getExogenous(  # noqa: N802 - GraphQL field name
        self,
        info: GraphQLResolveInfo,
        subTechnology: str | None = None,  # noqa: N803
        subsidy: str | None = None,
    ) -> _Plant:
        return _plant(
            self._session,
            "exogenous",
            self.name,
            self.region,
            self.subRegion,
            subTechnology,
            subsidy,
        )

    def getEndogenous(  # noqa: N802
        self,
        info: GraphQLResolveInfo,
        subTechnology: str | None = None,  # noqa: N803
    ) -> _Plant:
        return _plant(
            self._session, "endogenous", self.name, self.region, self.subRegion, subTechnology, None
        )


# -- demand views --------------------------------------------------------------------

_SYSTEM_VARS = {v.name: v for v in cfg.DEMAND_VARIABLES}
_TECH_VARS = {v.name: v for v in cfg.DEMAND_TECHNOLOGY_VARIABLES}


def _demand_tech_doc(
    region: str, name: str, blocks: dict[str, Block], validate: bool = True
) -> dict[str, Any]:
    """One demand-technology document."""
    dt = cfg.DEMAND_TECHNOLOGY_BY_NAME[name]

    def variables(info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return _yearly_rows(
            {
                v: cells(
                    b,
                    _TECH_VARS[v].initial_range if validate else None,
                    _TECH_VARS[v].hard_limit if validate else None,
                    f"{name}.{v}",
                )
                for v, b in blocks.items()
            }
        )

    return {
        "region": {"original": region},
        "technology": {"original": dt.display},
        "originTechnology": {"original": dt.name},
        "variables": variables,
    }


def _demand_doc(session: Session, regions: list[str]) -> dict[str, Any]:
    """One demand document: a region's, or the sum over several (region = comma-joined)."""
    demands = [session.demand(r) for r in regions]
    single = len(regions) == 1
    label = ",".join(regions)

    def system_block(var: str) -> Block:
        return demands[0].system[var] if single else _aggregate([d.system[var] for d in demands])

    def tech_blocks(tech: str) -> dict[str, Block]:
        if single:
            return demands[0].technologies[tech]
        return {v: _aggregate([d.technologies[tech][v] for d in demands]) for v in _TECH_VARS}

    def variables(info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return _yearly_rows(
            {
                v: cells(
                    system_block(v),
                    spec.initial_range if single else None,
                    spec.hard_limit if single else None,
                    v,
                )
                for v, spec in _SYSTEM_VARS.items()
            }
        )

    def technologies(info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return [
            _demand_tech_doc(label, dt.name, tech_blocks(dt.name), validate=single)
            for dt in cfg.DEMAND_TECHNOLOGIES
        ]

    return {
        "region": label,
        "peakLoadDemand": float(sum(d.peak_load_demand for d in demands)),
        "variables": variables,
        "technologies": technologies,
    }


def _filter_regions(session: Session, flt: dict[str, Any] | None) -> list[str]:
    """Regions named by a demand filter (``region`` and/or ``regions``), all when none."""
    flt = flt or {}
    named = ([flt["region"]] if flt.get("region") else []) + list(flt.get("regions") or [])
    return session.check_regions(named, default_all=True)


# -- commodity / interconnector views ------------------------------------------------


def _commodity_doc(
    session: Session, name: str, regions: list[str], native: bool, average: bool
) -> dict[str, Any]:
    """One commodity document: one region's prices, or the equally weighted average."""
    com = cfg.COMMODITY_BY_NAME[name]
    blocks = session.commodities()[name]
    block = _aggregate([blocks[r] for r in regions], mean=True) if average else blocks[regions[0]]
    factor = com.factor if native else 1.0
    warn, hard = com.initial_range, com.hard_limit

    def prices(info: GraphQLResolveInfo) -> Sequence[dict[str, Any]]:
        if average:  # a fresh aggregate each time: nothing to reuse
            return cells(block, warn, hard, name, factor)
        return session.render_cache.get(
            block,
            (warn, hard, name, factor),
            lambda: _gql.wired(cells(block, warn, hard, name, factor)),
        )

    return {
        "commodity": name,
        "regions": list(regions),
        "units": com.native_units if native else com.stored_units,
        "prices": prices,
    }


_IC_VARS = {v.name: v for v in cfg.INTERCONNECTOR_VARIABLES}


def _interconnector_doc(ic: seed.Interconnector) -> dict[str, Any]:
    """One interconnector document."""

    def variables(info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return _yearly_rows(
            {
                v: cells(
                    b,
                    _IC_VARS[v].initial_range,
                    _IC_VARS[v].hard_limit,
                    f"{ic.from_region}->{ic.to_region} {v}",
                )
                for v, b in ic.variables.items()
            }
        )

    return {
        "ends": [ic.from_region, ic.to_region],
        "from": ic.from_region,
        "to": ic.to_region,
        "asymmetric": {"original": ic.asymmetric},
        "variables": variables,
    }


def _filter_names(flt: dict[str, Any] | None) -> list[str]:
    """Every region named anywhere in an interconnector filter."""
    if not flt:
        return []
    names = [flt[k] for k in ("from", "to") if flt.get(k)]
    for sub in flt.get("OR") or []:
        names += _filter_names(sub)
    return names


def _ic_matches(ic: seed.Interconnector, flt: dict[str, Any] | None) -> bool:
    """Whether an interconnector (stored orientation) matches a filter."""
    if not flt:
        return True
    if flt.get("from") is not None and ic.from_region != flt["from"]:
        return False
    if flt.get("to") is not None and ic.to_region != flt["to"]:
        return False
    ors = [sub for sub in flt.get("OR") or [] if sub is not None]
    return not ors or any(_ic_matches(ic, sub) for sub in ors)


def _require_variables(info: GraphQLResolveInfo) -> None:
    """Refuses ``getDemandTechnologies`` selected without ``variables``, as the real service does.

    The official client's ``get_demand_technology_names`` (names only) is documented there
    as unsupported by the service ("Service doesn't support this atm"); the full selection
    its ``get_demand_technologies`` sends works. Which part of the names-only selection
    trips the service is our assumption: here, leaving out ``variables``.
    """
    for node in info.field_nodes:
        chosen = node.selection_set.selections if node.selection_set else ()
        if any(isinstance(sel, FieldNode) and sel.name.value == "variables" for sel in chosen):
            return
    raise ServiceError(
        "Internal server error. Please try again or contact support.", "InternalServerError"
    )


# -- the session view ----------------------------------------------------------------


def _currency_information(code: str) -> dict[str, Any]:
    """``currencyInformation`` of a currency code such as ``gbp2024``."""
    return {
        "name": f"{code[:3].upper()} {code[3:]} real",
        "currencyCode": code[:3].upper(),
        "year": int(code[3:]),
        "currencyBaseCode": code,
        "inflationFactor": 1.0,
        "useExchangeRate": 0 if code.startswith(("gbp", "eur", "aud")) else 1,
    }


class _SessionView:
    """``getSession``: plain values as attributes, argument fields as methods."""

    def __init__(self, session: Session, loading_left: float = 0.0) -> None:
        group = session.group
        self._session = session
        self._loading_left = loading_left
        self.meta = {"sessionId": session.scenario_id, "tenant": tenant_label(session.tenant)}
        self.currencyInformation = _currency_information(group.default_currency)
        self.defaultCurrency = group.default_currency
        self.productRegionInformation = {
            "code": group.code,
            "enabledRegions": [
                {
                    "code": r,
                    "isFocusRegion": r == group.main_region,
                    "isEndogenous": True,
                    "isMainRegion": r == group.main_region,
                    "hasCapacityMarket": r in cfg.CAPACITY_MARKET_REGIONS,
                }
                for r in group.regions
            ],
        }
        self.dataGroupEligibility = {
            "technology": True,
            "demand": True,
            "commodities": True,
            "interconnectors": True,
            "rebaseCommodities": not session.published,
        }
        self.modelMaxYear = MODEL_MAX_YEAR
        self.modelMinYear = MODEL_MIN_YEAR

    def _loaded(self) -> Session:
        """The session, or ``DataNotReady`` while it loads (data fields only)."""
        if self._loading_left > 0:
            raise ServiceError(
                f"Data for session {self._session.scenario_id!r} is loading; retry in "
                f"{self._loading_left:.1f} s.",
                "DataNotReady",
            )
        return self._session

    def dataGroups(self, info: GraphQLResolveInfo) -> dict[str, Any]:  # noqa: N802
        return self._session.data_groups(self._loading_left)

    def transforms(self, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return list(self._session.transforms)

    def getTechnologyGroupings(self, info: GraphQLResolveInfo) -> dict[str, Any]:  # noqa: N802
        return self._loaded().groupings()

    def getTechnology(  # noqa: N802
        self,
        info: GraphQLResolveInfo,
        name: str,
        region: str,
        subRegion: str | None = None,  # noqa: N803
    ) -> _Technology:
        return _Technology(self._loaded(), name, region, subRegion)

    def getDemand(  # noqa: N802
        self,
        info: GraphQLResolveInfo,
        filter: dict[str, Any] | None = None,  # noqa: A002
        aggregateRegions: bool | None = None,  # noqa: N803
    ) -> list[dict[str, Any]]:
        session = self._loaded()
        regions = _filter_regions(session, filter)
        if aggregateRegions:
            return [_demand_doc(session, regions)]
        return [_demand_doc(session, [r]) for r in regions]

    def getDemandTechnologies(  # noqa: N802
        self,
        info: GraphQLResolveInfo,
        filter: dict[str, Any] | None = None,  # noqa: A002
        aggregateRegions: bool | None = None,  # noqa: N803
    ) -> list[dict[str, Any]]:
        session = self._loaded()
        _require_variables(info)
        regions = _filter_regions(session, filter)
        flt = filter or {}
        named = ([flt["technology"]] if flt.get("technology") else []) + list(
            flt.get("technologies") or []
        )
        techs = [session.demand_technology_name(t) for t in named] or list(
            cfg.DEMAND_TECHNOLOGY_BY_NAME
        )
        if aggregateRegions:
            label = ",".join(regions)
            return [
                _demand_tech_doc(
                    label,
                    t,
                    {
                        v: _aggregate([session.demand(r).technologies[t][v] for r in regions])
                        for v in _TECH_VARS
                    },
                    validate=False,
                )
                for t in techs
            ]
        return [
            _demand_tech_doc(r, t, session.demand(r).technologies[t])
            for r in regions
            for t in techs
        ]

    def commodities(
        self,
        info: GraphQLResolveInfo,
        regions: list[str] | None = None,
        commodities: list[str] | None = None,
        applyCommodityUnitConversionFactor: bool | None = None,  # noqa: N803
    ) -> list[dict[str, Any]]:
        """One document per commodity over the regions asked for (all: their average)."""
        session = self._loaded()
        names = session.check_commodities(commodities)
        native = bool(applyCommodityUnitConversionFactor)
        chosen = session.check_regions(regions, default_all=True)
        return [
            _commodity_doc(session, n, chosen, native, average=len(chosen) > 1) for n in names
        ]

    def getInterconnectors(  # noqa: N802
        self,
        info: GraphQLResolveInfo,
        filter: dict[str, Any] | None = None,  # noqa: A002
    ) -> list[dict[str, Any]]:
        session = self._loaded()
        session.check_regions(_filter_names(filter), default_all=False)
        return [
            _interconnector_doc(ic) for ic in session.interconnectors() if _ic_matches(ic, filter)
        ]

    def getWorkbookStatus(  # noqa: N802
        self,
        info: GraphQLResolveInfo,
        requestId: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        ctx = _ctx(info)
        status = ctx.backend.workbook_status(self._session, requestId)
        if status["generationStatus"] == "Completed":
            status["downloadURL"] = (
                f"{ctx.request.base_url}/modelInputs{_WORKBOOK_PATH}{status['requestId']}.csv"
            )
        return status


# -- root resolvers ------------------------------------------------------------------


def _get_session(root: Any, info: GraphQLResolveInfo, sessionId: str) -> _SessionView:  # noqa: N803
    """``getSession``: visibility and the loading window are checked here."""
    ctx = _ctx(info)
    session = ctx.backend.session(sessionId, ctx.request.tenant)
    return _SessionView(session, ctx.backend.loading_left(session))


def _get_config(root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    """``getConfig``."""
    return _config()


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    """The config answer, built once (read-only)."""
    return cfg.get_config()


def _writable(info: GraphQLResolveInfo, session_id: str) -> Session:
    """The caller's session for an update (published ones are refused)."""
    ctx = _ctx(info)
    return ctx.backend.session(session_id, ctx.request.tenant, write=True)


def _update_technology(kind: str) -> Any:
    """Resolver of ``update{Exo,Endo}genousTechnologyParameter``."""
    operation = f"update{kind.capitalize()}TechnologyParameter"

    def resolve(root: Any, info: GraphQLResolveInfo, **args: Any) -> _Plant:
        session = _writable(info, args["sessionId"])
        name, region = args["name"], args["region"]
        sub_region, sub_tech = args.get("subRegion"), args.get("subTechnology")
        subsidy = args.get("subsidy")
        session.update_technology(
            kind, args["parameter"], args["tx"], name, region, sub_region, sub_tech, subsidy
        )
        step = {
            "region": region,
            "technology": name,
            "kind": kind,
            "subRegion": sub_region,
            "subTechnology": sub_tech,
            "subsidy": subsidy,
            "parameter": args["parameter"],
            "cells": len(args["tx"]),
        }
        session.log(operation, args, [step])
        return _plant(session, kind, name, region, sub_region, sub_tech, subsidy)

    return resolve


def _named_regions(session: Session, args: dict[str, Any]) -> list[str]:
    """Regions of an update (``region`` and/or ``regions``); at least one is required."""
    named = ([args["region"]] if args.get("region") else []) + list(args.get("regions") or [])
    if not named:
        raise ServiceError(
            "Send region or regions: the update needs at least one region "
            f"(one of {', '.join(session.regions)}).",
            "BadUserInput",
        )
    return session.check_regions(named, default_all=False)


def _update_demand_variable(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``updateDemandVariable`` (a ``technology`` routes to that demand technology)."""
    session = _writable(info, args["sessionId"])
    regions = _named_regions(session, args)
    if args.get("technology"):
        _, steps = session.update_demand_technology(
            regions, args["technology"], args["variable"], args["tx"]
        )
    else:
        steps = session.update_system_demand(regions, args["variable"], args["tx"])
    session.log("updateDemandVariable", args, steps)
    return _demand_doc(session, regions)


def _update_demand_technology(
    root: Any, info: GraphQLResolveInfo, **args: Any
) -> list[dict[str, Any]]:
    """``updateDemandTechnologyVariable``."""
    session = _writable(info, args["sessionId"])
    regions = _named_regions(session, args)
    name, steps = session.update_demand_technology(
        regions, args["technology"], args["variable"], args["tx"]
    )
    session.log("updateDemandTechnologyVariable", args, steps)
    return [_demand_tech_doc(r, name, session.demand(r).technologies[name]) for r in regions]


def _update_commodity(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``updateCommodity``: tx in native units when the conversion flag is true.

    Answers one commodity document over the regions sent (their average when several,
    every region's when none): the official client hands that object to its caller.
    """
    session = _writable(info, args["sessionId"])
    native = bool(args.get("applyCommodityUnitConversionFactor"))
    given = args.get("regions")
    regions = session.check_regions(given, default_all=True)
    steps = session.update_commodity(args["commodity"], regions, args["tx"], native)
    session.log("updateCommodity", args, steps)
    return _commodity_doc(session, args["commodity"], regions, native, average=len(regions) > 1)


def _rebase_commodities(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``rebaseCommodities``."""
    ctx = _ctx(info)
    session = _writable(info, args["sessionId"])
    reference = ctx.backend.session_for_reference(args["rebaseReferenceId"], ctx.request.tenant)
    session.rebase_commodities(reference)
    session.log("rebaseCommodities", args, [{"reference": reference.scenario_id}])
    return {"result": f"Commodities rebased on {reference.scenario_id}"}


def _update_interconnector(root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``updateInterconnectorVariable``: the one interconnector its ``from``/``to`` name."""
    session = _writable(info, args["sessionId"])
    ic, steps = session.update_interconnector(
        args["from"], args["to"], args["variable"], args["tx"]
    )
    session.log("updateInterconnectorVariable", args, steps)
    return _interconnector_doc(ic)


@lru_cache(maxsize=1)
def build_schema() -> GraphQLSchema:
    """The executable inputs schema (built once per process; state comes via the context)."""
    schema = schema_module.build()
    query = schema.query_type
    mutation = schema.mutation_type
    assert isinstance(query, GraphQLObjectType) and isinstance(mutation, GraphQLObjectType)
    query.fields["getSession"].resolve = _get_session
    query.fields["getConfig"].resolve = _get_config
    resolvers = {
        "updateExogenousTechnologyParameter": _update_technology("exogenous"),
        "updateEndogenousTechnologyParameter": _update_technology("endogenous"),
        "updateDemandVariable": _update_demand_variable,
        "updateDemandTechnologyVariable": _update_demand_technology,
        "updateCommodity": _update_commodity,
        "rebaseCommodities": _rebase_commodities,
        "updateInterconnectorVariable": _update_interconnector,
    }
    for name, resolve in resolvers.items():
        mutation.fields[name].resolve = resolve
    return schema


class InputsService:
    """The emulated inputs service, mounted under ``/modelInputs``.

    Example:
        >>> from origin_frames.emulator import EmulatorOptions
        >>> from origin_frames.emulator._state import EmulatorState
        >>> service = InputsService(EmulatorState(EmulatorOptions()))
        >>> ctx = RequestContext(tenant="me", readonly=False, base_url="http://127.0.0.1:8765")
        >>> service.graphql("{ getConfig { userPermissions } }", None, ctx)
        {'data': {'getConfig': {'userPermissions': {'canEditTechnology': True, ...}}}}
    """

    prefix = "/modelInputs"
    public_paths: tuple[str, ...] = (_WORKBOOK_PATH,)

    def __init__(self, state: Any) -> None:
        self.state = state
        self.backend: InputsBackend = state.inputs
        self.schema = build_schema()

    def graphql(
        self,
        document: str,
        variables: dict[str, Any] | None,
        ctx: RequestContext,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Answers one GraphQL request; one request at a time holds the cells.

        Args:
            document: The GraphQL document.
            variables: Its variables.
            ctx: Who is asking.
            operation_name: Which operation of the document to run.

        Returns:
            ``{"data": ..., "errors": [...]}``.
        """
        with self.backend.lock:
            answer = _gql.execute(
                self.schema, document, variables, _Context(ctx, self.backend), operation_name
            )
            # The answer holds what it rendered: dropping other sessions' data is safe now.
            self.backend.enforce_budget()
            return answer

    def rest(
        self, method: str, path: str, query: dict[str, list[str]], ctx: RequestContext | None
    ) -> HttpResponse | None:
        """Serves generated workbooks (``GET /v1/workbooks/<requestId>.csv``); else None."""
        if method != "GET" or not path.startswith(_WORKBOOK_PATH) or not path.endswith(".csv"):
            return None
        body = self.backend.workbook_csv(path[len(_WORKBOOK_PATH) : -len(".csv")])
        if body is None:
            return HttpResponse.json(404, {"message": "Workbook not found or not ready."})
        return HttpResponse(200, body, {"Content-Type": "text/csv"})
