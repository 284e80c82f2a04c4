"""Output downloads of a completed scenario: the meta JSON and the generated CSV files.

Files have two header rows (column names, then units) like the real service's.
Numbers are deterministic from the scenario's data seed, the region, the file and
the currency, and are generated with numpy in one go per file (no per-cell loop).
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalogue import RegionGroup

#: Value of one unit of each currency family in GBP-equivalent price levels.
_CURRENCY_FACTOR: dict[str, float] = {"gbp": 1.0, "eur": 1.16, "usd": 1.27, "aud": 1.93}
_CASE_PRICE: dict[str, float] = {"Central": 1.0, "High": 1.22, "Low": 0.8, "Net Zero": 1.08}
_CASE_CARBON: dict[str, float] = {"Central": 1.0, "High": 1.1, "Low": 0.7, "Net Zero": 1.6}
#: Annual demand in TWh of the regions we know; others get a size from their code.
_DEMAND_TWH: dict[str, float] = {
    "gbr": 290.0, "deu": 480.0, "fra": 450.0, "irl": 32.0, "bel": 85.0, "nld": 115.0,
    "dnk": 36.0, "nor": 135.0, "pol": 170.0, "cze": 65.0, "aut": 70.0, "che": 60.0,
    "swe": 135.0, "ita": 310.0, "esp": 250.0, "aus": 200.0, "nsw": 70.0, "qld": 55.0,
    "sa": 13.0, "tas": 10.0, "vic": 45.0,
}  # fmt: skip
TECHNOLOGIES: tuple[str, ...] = (
    "CCGT", "OCGT", "Nuclear", "Wind Onshore", "Wind Offshore", "Solar PV", "Battery",
    "Hydro", "Biomass", "Coal",
)  # fmt: skip
_TECH_LOAD_FACTOR = np.array([0.45, 0.05, 0.85, 0.3, 0.42, 0.11, 0.12, 0.4, 0.7, 0.3])
_TECH_SHARE = np.array([0.22, 0.04, 0.12, 0.16, 0.14, 0.12, 0.06, 0.05, 0.04, 0.05])
_MAX_NEIGHBOURS = 6

_FILE_RE = re.compile(
    r"^(?:(?P<kind>system|technology)_(?P<gran>1y|1m)|interconnector_1h_(?P<year>\d{4}))"
    r"_(?P<currency>[a-z]{3}\d{4})\.csv$"
)


@dataclass(frozen=True)
class FileRequest:
    """A parsed output file name."""

    kind: str  # system | technology | interconnector
    granularity: str  # 1y | 1m | 1h
    currency: str
    year: int | None


def download_regions(group: RegionGroup) -> tuple[str, ...]:
    """Regions of a group that have outputs: its regions, then its sub-regions."""
    return group.regions + tuple(s for s in group.sub_regions if s not in group.regions)


def neighbours(group: RegionGroup, region: str) -> tuple[str, ...]:
    """The interconnected regions a region's hourly flow file lists (at most six)."""
    return tuple(r for r in download_regions(group) if r != region)[:_MAX_NEIGHBOURS]


def meta_json(group: RegionGroup, region: str, years: tuple[int, ...]) -> dict[str, object]:
    """The meta JSON of one region's downloads."""
    definitions: list[dict[str, str]] = [
        {"type": "system", "granularity": "1y", "filename": "system_1y_{currency}.csv"},
        {"type": "system", "granularity": "1m", "filename": "system_1m_{currency}.csv"},
        {"type": "technology", "granularity": "1y", "filename": "technology_1y_{currency}.csv"},
    ]
    if neighbours(group, region):
        definitions.append(
            {
                "type": "interconnector",
                "granularity": "1h",
                "subType": "flows",
                "filename": "interconnector_1h_{year}_{currency}.csv",
            }
        )
    return {"dataDefinitions": definitions, "years": list(years)}


def parse_filename(filename: str) -> FileRequest | None:
    """Parses a concrete output file name; None when it names no known file."""
    match = _FILE_RE.match(filename)
    if match is None:
        return None
    if match["year"] is not None:
        return FileRequest("interconnector", "1h", match["currency"], int(match["year"]))
    return FileRequest(match["kind"], match["gran"], match["currency"], None)


def _rng(seed: int, *parts: str) -> np.random.Generator:
    """A generator seeded stably from the scenario seed and the file's identity."""
    return np.random.default_rng([seed, *(zlib.crc32(p.encode()) for p in parts)])


def _region_scale(region: str) -> tuple[float, float]:
    """(demand in TWh, relative price level) of a region, stable across runs."""
    crc = zlib.crc32(region.encode())
    demand = _DEMAND_TWH.get(region, 20.0 + crc % 130)
    return demand, 0.85 + (crc % 300) / 1000.0


def _to_csv(frame: pd.DataFrame, units: list[str]) -> str:
    """CSV text with the names row, the units row, then the data."""
    buffer = io.StringIO()
    buffer.write(",".join(frame.columns) + "\n")
    buffer.write(",".join(units) + "\n")
    frame.to_csv(buffer, header=False, index=False, float_format="%.4f", lineterminator="\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class _Basis:
    """What one file's numbers are generated from: currency, scale, years and its RNG."""

    currency: str
    factor: float  # value of one unit of the currency, GBP = 1
    case: str
    demand_twh: float
    price_scale: float
    rng: np.random.Generator
    years: np.ndarray
    t: np.ndarray  # years since the first model year


def _system_yearly(b: _Basis) -> str:
    """``system_1y``: one row of prices, demand, carbon and emissions per year."""
    cur, yrs, t, rng = b.currency, b.years, b.t, b.rng
    base = b.price_scale * (78.0 - 0.6 * t) * rng.uniform(0.95, 1.05, len(yrs))
    demand = b.demand_twh * (1.0 + 0.012 * t) * rng.uniform(0.99, 1.01, len(yrs))
    carbon = b.factor * _CASE_CARBON.get(b.case, 1.0) * (85.0 + 3.0 * t)
    frame = pd.DataFrame(
        {
            "Year": yrs,
            "Baseload price": base,
            "Peakload price": base * rng.uniform(1.12, 1.25, len(yrs)),
            "Demand": demand,
            "Peak demand": demand / 8.76 * 1.6,
            "Carbon price": carbon,
            "Gas price": b.price_scale * (32.0 - 0.2 * t) * rng.uniform(0.95, 1.05, len(yrs)),
            "Emissions": demand * 0.2 * np.exp(-0.08 * t),
            "Renewable share": np.minimum(95.0, 45.0 + 1.6 * t),
        }
    )
    units = ["year", f"{cur}/MWh", f"{cur}/MWh", "TWh", "GW", f"{cur}/tCO2", f"{cur}/MWh",
             "MtCO2", "%"]  # fmt: skip
    return _to_csv(frame, units)


def _system_monthly(b: _Basis) -> str:
    """``system_1m``: prices and demand per month, with a winter peak."""
    cur, yrs, rng = b.currency, b.years, b.rng
    months = np.tile(np.arange(1, 13), len(yrs))
    year_col = np.repeat(yrs, 12)
    tt = np.repeat(b.t, 12)
    season = 1.0 + 0.18 * np.cos((months - 1) / 12.0 * 2 * np.pi)
    base = b.price_scale * (78.0 - 0.6 * tt) * season * rng.uniform(0.93, 1.07, len(months))
    frame = pd.DataFrame(
        {
            "Year": year_col,
            "Month": months,
            "Baseload price": base,
            "Peakload price": base * rng.uniform(1.1, 1.3, len(months)),
            "Demand": b.demand_twh / 12.0 * season * (1.0 + 0.012 * tt),
        }
    )
    return _to_csv(frame, ["year", "month", f"{cur}/MWh", f"{cur}/MWh", "TWh"])


def _technology_yearly(b: _Basis) -> str:
    """``technology_1y``: capacity, generation and capture price per technology and year."""
    cur, yrs, rng = b.currency, b.years, b.rng
    n_tech = len(TECHNOLOGIES)
    year_col = np.repeat(yrs, n_tech)
    tt = np.repeat(b.t, n_tech)
    lf = np.tile(_TECH_LOAD_FACTOR, len(yrs)) * rng.uniform(0.95, 1.05, len(year_col))
    share = np.tile(_TECH_SHARE, len(yrs))
    generation = b.demand_twh * share * (1.0 + 0.012 * tt) * rng.uniform(0.9, 1.1, len(tt))
    frame = pd.DataFrame(
        {
            "Year": year_col,
            "Technology": np.tile(np.asarray(TECHNOLOGIES, dtype=object), len(yrs)),
            "Capacity": generation / (lf * 8.76),
            "Generation": generation,
            "Load factor": lf * 100.0,
            "Capture price": b.price_scale * (70.0 - 0.5 * tt) * rng.uniform(0.8, 1.1, len(tt)),
        }
    )
    return _to_csv(frame, ["year", "-", "GW", "TWh", "%", f"{cur}/MWh"])


def _interconnector_flows(b: _Basis, region: str, group: RegionGroup, year: int) -> str:
    """``interconnector_1h``: hourly flows of one year, one column per neighbour."""
    rng = b.rng
    stamps = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", tz="UTC",
                           inclusive="left")  # fmt: skip
    hours = np.arange(len(stamps))
    columns: dict[str, object] = {"Datetime": stamps.strftime("%Y-%m-%dT%H:%M:%SZ")}
    for other in neighbours(group, region):
        capacity = 500.0 + zlib.crc32(f"{region}-{other}".encode()) % 2500
        phase = rng.uniform(0, 2 * np.pi)
        flow = capacity * (0.6 * np.sin(hours / 24.0 * 2 * np.pi + phase)
                           + rng.normal(0.0, 0.25, len(hours)))  # fmt: skip
        columns[f"{region}-{other}"] = np.clip(flow, -capacity, capacity)
    frame = pd.DataFrame(columns)
    return _to_csv(frame, ["UTC"] + ["MW"] * (len(frame.columns) - 1))


def render(
    request: FileRequest,
    region: str,
    group: RegionGroup,
    case: str,
    seed: int,
    years: tuple[int, ...],
) -> str:
    """The CSV text of one output file.

    Args:
        request: The parsed file name (kind, granularity, currency, year).
        region: Region the file describes.
        group: The scenario's region group (for interconnector neighbours).
        case: The scenario's case ("Central", ...), which sets the price level.
        seed: The scenario's data seed.
        years: The scenario's model years.

    Returns:
        CSV text with two header rows (names, then units).
    """
    cur = request.currency
    factor = _CURRENCY_FACTOR.get(cur[:3], 1.0)
    demand_twh, price_level = _region_scale(region)
    price_scale = factor * price_level * _CASE_PRICE.get(case, 1.0)
    rng = _rng(seed, region, request.kind, request.granularity, cur, str(request.year))
    yrs = np.asarray(years, dtype=np.int64)
    t = (yrs - yrs.min()).astype(float)
    basis = _Basis(cur, factor, case, demand_twh, price_scale, rng, yrs, t)
    if request.kind == "system" and request.granularity == "1y":
        return _system_yearly(basis)
    if request.kind == "system":
        return _system_monthly(basis)
    if request.kind == "technology":
        return _technology_yearly(basis)
    return _interconnector_flows(basis, region, group, int(request.year or yrs[0]))
