"""Deterministic generated originals of an inputs session, stored as numpy arrays.

Every series is drawn from ``numpy.random.default_rng([data_seed, crc32(key)])``
so that the same scenario gives the same numbers in every process and run
(``hash()`` is salted per process and never used). Values follow plausible
trajectories: capex falls, renewables and storage capacity grow, coal retires,
demand grows with electrification, commodity prices are stored in currency/MWh
(carbon in currency/tCO2) and converted to native units on request.

Cells live in :class:`Block` arrays, one block per (region, technology key,
parameter): a block holds ``original``, the transform type code and the
transform value for all years (and months) of that parameter, never one Python
object per cell.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from ..catalogue import MODEL_MIN_YEAR, RegionGroup
from . import config as cfg

# Transform type codes held in Block.ttype.
NONE, ABSOLUTE, DELTA, PERCENTAGE = 0, 1, 2, 3
TRANSFORM_NAMES: tuple[str | None, ...] = (None, "Absolute", "Delta", "Percentage")
TRANSFORM_CODES: dict[str, int] = {"Absolute": ABSOLUTE, "Delta": DELTA, "Percentage": PERCENTAGE}

Shape = Literal["yearly", "monthly", "single"]

YEARS = np.asarray(cfg.YEARS, dtype=np.int64)
N_YEARS = len(YEARS)
MONTHLY_YEARS = np.repeat(YEARS, 12)
MONTHLY_MONTHS = np.tile(np.arange(1, 13, dtype=np.int64), N_YEARS)
_T = (YEARS - MODEL_MIN_YEAR).astype(np.float64)  # years since the first model year
_T_MONTHLY = np.repeat(_T, 12)

# (technology, kind, sub_region, sub_technology, subsidy)
TechKey = tuple[str, str, str | None, str | None, str | None]


@dataclass(slots=True)
class Block:
    """Cells of one parameter of one entity: originals plus per-cell transforms."""

    original: np.ndarray  # float64
    ttype: np.ndarray  # int8 transform type codes
    tval: np.ndarray  # float64 transform values (NaN where no transform)
    shape: Shape

    @classmethod
    def of(cls, original: np.ndarray, shape: Shape) -> Block:
        """A block of originals with no transforms."""
        n = original.shape[0]
        return cls(
            np.ascontiguousarray(original, dtype=np.float64),
            np.zeros(n, dtype=np.int8),
            np.full(n, np.nan),
            shape,
        )

    def copy(self) -> Block:
        """An independent copy (forks must not share arrays)."""
        return Block(self.original.copy(), self.ttype.copy(), self.tval.copy(), self.shape)

    def effective(self) -> np.ndarray:
        """Effective values: original with each cell's transform applied."""
        return effective(self.original, self.ttype, self.tval)

    @property
    def size(self) -> int:
        return int(self.original.shape[0])


def effective(original: np.ndarray, ttype: np.ndarray, tval: np.ndarray) -> np.ndarray:
    """Absolute -> v; Delta -> original + v; Percentage -> original * (1 + v/100)."""
    out = original.copy()
    m = ttype == ABSOLUTE
    out[m] = tval[m]
    m = ttype == DELTA
    out[m] = original[m] + tval[m]
    m = ttype == PERCENTAGE
    out[m] = original[m] * (1.0 + tval[m] / 100.0)
    return out


def _rng(data_seed: int, *key: object) -> np.random.Generator:
    """A generator seeded from the scenario's seed and a stable hash of the key."""
    digest = zlib.crc32("|".join("" if k is None else str(k) for k in key).encode())
    return np.random.default_rng([data_seed & 0xFFFFFFFF, digest])


def region_size(region: str) -> float:
    """A stable size multiplier of a region (1.0 for the big markets)."""
    if region in ("gbr", "deu", "fra", "aus"):
        return 1.0
    return 0.15 + 0.75 * (zlib.crc32(region.encode()) % 1000) / 1000.0


def _clip(values: np.ndarray, limits: cfg.Range) -> np.ndarray:
    """Keeps seeded originals inside the usual range so that they carry no warnings."""
    return np.clip(values, limits.lower, limits.upper)


# -- technologies --------------------------------------------------------------------


def technologies_of(region: str) -> tuple[cfg.Technology, ...]:
    """The supply technologies a region models."""
    excluded = cfg.EXCLUDED_TECHNOLOGIES.get(region, frozenset())
    return tuple(t for t in cfg.TECHNOLOGIES if t.name not in excluded)


def _extra_sub_technologies(group: RegionGroup, scale: int) -> int:
    """How many generated vintages each technology gets (the ``eur`` benchmark group)."""
    return 2 * scale if group.code == "eur" else 0


def sub_technologies(
    technology: cfg.Technology, group: RegionGroup, scale: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Exogenous and endogenous sub-technologies of a technology in a region group."""
    extra = tuple(
        f"{technology.name} vintage {k}"
        for k in range(1, _extra_sub_technologies(group, scale) + 1)
    )
    endo_extra = extra[: len(extra) // 2]
    return (
        technology.sub_technologies_exogenous + extra,
        technology.sub_technologies_endogenous + endo_extra,
    )


def sub_regions_of(group: RegionGroup, region: str) -> tuple[str, ...]:
    """Sub-regions modelled inside a region (only the main region of ``aus`` has some)."""
    return group.sub_regions if region == group.main_region else ()


def subsidies_of(technology: cfg.Technology) -> tuple[str, ...]:
    """Subsidy schemes a technology may carry inside a sub-region."""
    return cfg.SUBSIDIES if technology.name in cfg.SUBSIDISED_TECHNOLOGIES else ()


def groupings(group: RegionGroup, region: str, scale: int) -> dict[str, dict]:
    """``getTechnologyGroupings`` for one region: technology -> sub-technologies/sub-regions."""
    out: dict[str, dict] = {}
    for tech in technologies_of(region):
        exo, endo = sub_technologies(tech, group, scale)
        out[tech.name] = {
            "subTechnologiesExogenous": list(exo),
            "subTechnologiesEndogenous": list(endo),
            "subRegions": {
                sr: {
                    "subsidies": list(subsidies_of(tech)),
                    "subTechnologiesExogenous": list(exo),
                    "subTechnologiesEndogenous": list(endo),
                }
                for sr in sub_regions_of(group, region)
            },
        }
    return out


@lru_cache(maxsize=512)
def grouping_index(group: RegionGroup, region: str, scale: int) -> dict[str, dict]:
    """:func:`groupings`, built once per (group, region, scale); shared, so read-only."""
    return groupings(group, region, scale)


def technology_keys(group: RegionGroup, region: str, scale: int) -> list[TechKey]:
    """Every (technology, kind, sub_region, sub_technology, subsidy) the region holds."""
    keys: list[TechKey] = []
    sub_regions: tuple[str | None, ...] = (None, *sub_regions_of(group, region))
    for tech in technologies_of(region):
        exo, endo = sub_technologies(tech, group, scale)
        for sr in sub_regions:
            subsidies: tuple[str | None, ...] = (None, *subsidies_of(tech)) if sr else (None,)
            for st in (None, *exo):
                for subsidy in subsidies:
                    keys.append((tech.name, "exogenous", sr, st, subsidy))
            for st in (None, *endo):
                keys.append((tech.name, "endogenous", sr, st, None))
    return keys


def parameters_of(technology: cfg.Technology, kind: str) -> tuple[cfg.Parameter, ...]:
    """Parameters (yearly, monthly and definitions) a technology carries for a kind."""
    exo = kind == "exogenous"
    params = cfg.PARAMETERS + cfg.DEFINITION_PARAMETERS
    return tuple(
        p
        for p in params
        if (p.applies_to_exo if exo else p.applies_to_endo) and p.applies_to(technology)
    )


def _technology_series(
    tech: cfg.Technology, param: cfg.Parameter, size: float, share: float, rng: np.random.Generator
) -> np.ndarray:
    """Originals of one parameter of one technology key."""
    name = param.name
    if param.monthly:
        t, months = _T_MONTHLY, MONTHLY_MONTHS
        if tech.is_thermal:  # planned maintenance in summer
            base = 0.90 + 0.05 * np.cos(2 * np.pi * (months - 1) / 12.0)
        else:
            base = 0.97 - 0.01 * np.cos(2 * np.pi * (months - 1) / 12.0)
        values = base * (1.0 + 0.002 * t / 35.0) + rng.normal(0, 0.01, t.shape[0])
        return _clip(values, param.initial_range)
    if name in cfg.DEFINITION_NAMES:
        rate = 6.0 + 3.0 * rng.random()
        return np.array([rate if name == "discountRate" else rate - 1.5])
    t = _T
    noise = 1.0 + rng.normal(0, 0.015, N_YEARS)
    u = rng.uniform(0.9, 1.1)
    if name == "capacity":
        values = tech.capacity_mw * size * share * np.maximum(0.0, 1.0 + tech.capacity_growth * t)
    elif name == "capex":
        values = tech.capex * u * (1.0 - tech.capex_decline) ** t
    elif name == "opex":
        values = tech.opex * u * (1.0 + 0.004 * t)
    elif name == "lifetimeBuildLimit":
        values = tech.capacity_mw * size * (0.4 + 0.06 * t) * u
    elif name == "yearlyBuildLimit":
        values = tech.capacity_mw * size * 0.06 * u * np.ones(N_YEARS)
    elif name == "loadFactorAverage":
        values = (tech.load_factor or 0.3) * u * (1.0 + 0.003 * t)
    elif name in ("efficiency", "efficiencySEL"):
        eff = (tech.efficiency or 0.4) * rng.uniform(0.97, 1.03) * (1.0 + 0.001 * t)
        values = eff * (0.9 if name == "efficiencySEL" else 1.0)
    elif name == "marginalLossFactor":
        values = (1.0 + rng.normal(0, 0.01)) * np.ones(N_YEARS)
        noise = 1.0 + rng.normal(0, 0.002, N_YEARS)
    else:  # a parameter added to the config without a model: a flat series
        values = np.full(N_YEARS, (param.initial_range.lower + param.initial_range.upper) / 2)
    return _clip(values * noise, param.initial_range)


def _shape_of(param: cfg.Parameter) -> Shape:
    """Storage shape of a parameter's cells."""
    if param.name in cfg.DEFINITION_NAMES:
        return "single"
    return "monthly" if param.monthly else "yearly"


def generate_technologies(
    data_seed: int, group: RegionGroup, region: str, scale: int
) -> dict[TechKey, dict[str, Block]]:
    """Every supply-technology block of one region.

    Args:
        data_seed: The scenario's data seed (``SessionSpec.data_seed``).
        group: Its region group.
        region: The region to generate.
        scale: ``EmulatorOptions.scale`` (adds sub-technology vintages in ``eur``).

    Returns:
        ``{(technology, kind, sub_region, sub_technology, subsidy): {parameter: Block}}``.

    Example:
        >>> from ..catalogue import region_groups
        >>> blocks = generate_technologies(1, region_groups()["gbr"], "gbr", 0)
        >>> blocks[("CCGT", "exogenous", None, None, None)]["capacity"].size
        36
    """
    size = region_size(region)
    out: dict[TechKey, dict[str, Block]] = {}
    for key in technology_keys(group, region, scale):
        tech = cfg.TECHNOLOGY_BY_NAME[key[0]]
        rng = _rng(data_seed, "tech", region, *key)
        is_part = any(k is not None for k in key[2:])
        share = rng.uniform(0.15, 0.6) if is_part else 1.0
        out[key] = {
            p.name: Block.of(_technology_series(tech, p, size, share, rng), _shape_of(p))
            for p in parameters_of(tech, key[1])
        }
    return out


def count_technology_cells(group: RegionGroup, region: str, scale: int) -> int:
    """Number of supply-technology cells of a region, without generating them."""
    per_shape = {"yearly": N_YEARS, "monthly": 12 * N_YEARS, "single": 1}
    total = 0
    for key in technology_keys(group, region, scale):
        tech = cfg.TECHNOLOGY_BY_NAME[key[0]]
        total += sum(per_shape[_shape_of(p)] for p in parameters_of(tech, key[1]))
    return total


# -- demand --------------------------------------------------------------------------


@dataclass(slots=True)
class RegionDemand:
    """System and demand-technology blocks of one region."""

    peak_load_demand: float  # GW
    system: dict[str, Block]
    technologies: dict[str, dict[str, Block]]

    def copy(self) -> RegionDemand:
        """An independent copy."""
        return RegionDemand(
            self.peak_load_demand,
            {k: b.copy() for k, b in self.system.items()},
            {t: {k: b.copy() for k, b in v.items()} for t, v in self.technologies.items()},
        )


def generate_demand(data_seed: int, region: str) -> RegionDemand:
    """Demand of one region; at seed totalDemand = baseDemand + sum of technologies."""
    rng = _rng(data_seed, "demand", region)
    total = 300.0 * region_size(region) * rng.uniform(0.9, 1.1) * (1.0 + 0.012 * _T)
    total = total * (1.0 + rng.normal(0, 0.005, N_YEARS))
    techs: dict[str, dict[str, Block]] = {}
    tech_sum = np.zeros(N_YEARS)
    for dt in cfg.DEMAND_TECHNOLOGIES:
        trng = _rng(data_seed, "demandTechnology", region, dt.name)
        share = (dt.share_2025 + (dt.share_2060 - dt.share_2025) * _T / _T[-1]) * trng.uniform(
            0.8, 1.2
        )
        energy = total * share
        tech_sum += energy
        peak = energy * 1000.0 / 8760.0 * trng.uniform(1.3, 1.8)  # GW
        techs[dt.name] = {
            "totalDemand": Block.of(energy, "yearly"),
            "peakContribution": Block.of(peak, "yearly"),
        }
    system = {
        "totalDemand": Block.of(total, "yearly"),
        "baseDemand": Block.of(total - tech_sum, "yearly"),
    }
    peak_load = float(total[0] * 1000.0 / 8760.0 * 1.6)
    return RegionDemand(peak_load, system, techs)


# -- commodities ---------------------------------------------------------------------


def generate_commodities(data_seed: int, regions: tuple[str, ...]) -> dict[str, dict[str, Block]]:
    """Commodity prices (stored units) per commodity and region."""
    out: dict[str, dict[str, Block]] = {}
    for com in cfg.COMMODITIES:
        world = _rng(data_seed, "commodity", com.name)
        path = com.price_2025 * world.uniform(0.85, 1.15) * np.maximum(0.2, 1.0 + com.trend * _T)
        path = path * (1.0 + world.normal(0, 0.03, N_YEARS))
        out[com.name] = {}
        for region in regions:
            basis = _rng(data_seed, "commodity", com.name, region).uniform(0.95, 1.05)
            out[com.name][region] = Block.of(_clip(path * basis, com.initial_range), "yearly")
    return out


# -- interconnectors -----------------------------------------------------------------


@dataclass(slots=True)
class Interconnector:
    """One interconnector (stored orientation ``from -> to``) and its variable blocks."""

    from_region: str
    to_region: str
    asymmetric: bool
    variables: dict[str, Block]

    def copy(self) -> Interconnector:
        """An independent copy."""
        return Interconnector(
            self.from_region,
            self.to_region,
            self.asymmetric,
            {k: b.copy() for k, b in self.variables.items()},
        )


def interconnector_pairs(group: RegionGroup) -> list[tuple[str, str]]:
    """Connected region pairs: the main region to every other, and neighbours in list order."""
    pairs: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    regions = group.regions
    candidates = [(group.main_region, r) for r in regions if r != group.main_region]
    candidates += [(regions[i], regions[i + 1]) for i in range(1, len(regions) - 1)]
    for a, b in candidates:
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            pairs.append((a, b))
    return pairs


def generate_interconnectors(data_seed: int, group: RegionGroup) -> list[Interconnector]:
    """Every interconnector of a region group."""
    out: list[Interconnector] = []
    for a, b in interconnector_pairs(group):
        rng = _rng(data_seed, "interconnector", a, b)
        base = rng.uniform(1000, 6000)
        steps = 1.0 + 0.5 * (_T >= rng.integers(3, 15)) + 0.3 * (_T >= rng.integers(15, 30))
        imports = base * steps
        asymmetric = bool(rng.random() < 0.3)
        exports = imports * (rng.uniform(0.8, 0.95) if asymmetric else 1.0)
        variables = {
            "importCapacity": Block.of(imports, "yearly"),
            "exportCapacity": Block.of(exports, "yearly"),
            "lossFactor": Block.of(np.full(N_YEARS, rng.uniform(0.015, 0.04)), "yearly"),
            "availability": Block.of(
                np.clip(rng.uniform(0.94, 0.98) + rng.normal(0, 0.005, N_YEARS), 0.5, 1.0),
                "yearly",
            ),
        }
        out.append(Interconnector(a, b, asymmetric, variables))
    return out
