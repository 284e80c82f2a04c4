"""The published Aurora catalogue: quarterly vintages (2022-2026) of four cases per region group.

Everything here is a pure function of the region group and the seed, so the same
emulator options always publish the same scenarios under the same ids. Entries are
metadata only (a few strings and a seed each): a scenario's cells are generated
lazily by the inputs service on first read, so the years of history cost nothing
until someone opens an old vintage.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass

from ..catalogue import MODEL_MAX_YEAR, MODEL_MIN_YEAR, RegionGroup

#: Fixed namespace of every deterministic id the scenario service hands out.
ID_NAMESPACE = uuid.UUID("3b0f6c2e-8d4a-5e71-9c3f-0a6e2d9b7c41")

CASES: tuple[str, ...] = ("Central", "High", "Low", "Net Zero")
_MONTHS: dict[int, str] = {1: "Jan", 4: "Apr", 7: "Jul", 10: "Oct"}
#: Aurora has published quarterly for years: a user finds "Central Apr 2022" next to this year's.
FIRST_VINTAGE_YEAR = 2022
LAST_VINTAGE_YEAR = 2026
VINTAGES: tuple[tuple[int, int], ...] = tuple(
    (year, month) for year in range(FIRST_VINTAGE_YEAR, LAST_VINTAGE_YEAR + 1) for month in _MONTHS
)
YEARS: tuple[int, ...] = tuple(range(MODEL_MIN_YEAR, MODEL_MAX_YEAR + 1))
#: Weather years offered for fixed-capacity runs; an empty tuple means "not supported".
_WEATHER_YEARS: dict[str, tuple[int, ...]] = {"aus": ()}
_DEFAULT_WEATHER_YEARS: tuple[int, ...] = tuple(range(2010, 2020))


@dataclass(frozen=True)
class PublishedScenario:
    """One published scenario of the catalogue (immutable)."""

    scenario_id: str
    name: str
    region_group: str
    case: str
    vintage: str  # e.g. "2026-04"
    publication_date: str  # ISO 8601, e.g. "2026-04-15T00:00:00Z"
    data_seed: int


def scenario_id(region_group: str, name: str) -> str:
    """The deterministic id of a published scenario (uuid5 of the namespace, group and name)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{region_group}/{name}"))


def data_seed(seed: int, region_group: str, case: str, vintage: str) -> int:
    """Stable seed of a published scenario's data: crc32 of seed, group, case and vintage."""
    return zlib.crc32(f"{seed}|{region_group}|{case}|{vintage}".encode())


def weather_years(region_group: str) -> tuple[int, ...]:
    """Weather years a region group's scenarios can be run with (empty: not supported)."""
    return _WEATHER_YEARS.get(region_group, _DEFAULT_WEATHER_YEARS)


def published_catalogue(group: RegionGroup, seed: int) -> list[PublishedScenario]:
    """Every published scenario of one region group, newest vintage first."""
    out: list[PublishedScenario] = []
    for year, month in sorted(VINTAGES, reverse=True):
        vintage = f"{year}-{month:02d}"
        for case in CASES:
            name = f"{case} {_MONTHS[month]} {year}"
            out.append(
                PublishedScenario(
                    scenario_id=scenario_id(group.code, name),
                    name=name,
                    region_group=group.code,
                    case=case,
                    vintage=vintage,
                    publication_date=f"{vintage}-15T00:00:00Z",
                    data_seed=data_seed(seed, group.code, case, vintage),
                )
            )
    return out
