"""Static facts of the emulated Origin platform that both services share.

Region groups, their regions, currencies, products and the model's year range.
Service-specific configuration (technologies, parameters, demand variables,
commodities, interconnectors) lives with the inputs service.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL_MIN_YEAR = 2025
MODEL_MAX_YEAR = 2060

#: ``getConfig.products``: the products a project can be filed under, ``{productId, name}``.
#: Ids are integers: the official client's ``InputProject.productId`` is ``int | str`` and
#: ``get_project_product_id`` matches the caller's value against ``productId`` *or* ``name``
#: as given, so an int id only matches int ids. Projects answer ``productId`` as a string
#: (``ProjectSummaryType.productId: str``; the field is a GraphQL ``ID``).
PRODUCTS: tuple[dict[str, int | str], ...] = (
    {"productId": 1, "name": "SaaS"},
    {"productId": 2, "name": "Advisory"},
    {"productId": 3, "name": "Internal"},
    {"productId": 4, "name": "Power Market Forecasts"},
    {"productId": 5, "name": "Renewables & Flexibility"},
    {"productId": 6, "name": "Hydrogen"},
)


@dataclass(frozen=True)
class RegionGroup:
    """One region group: its main region, the regions it models and its currencies."""

    code: str
    name: str
    main_region: str
    regions: tuple[str, ...]  # main region first, then the enabled neighbours
    sub_regions: tuple[str, ...]
    currencies: tuple[str, ...]  # default first

    @property
    def default_currency(self) -> str:
        return self.currencies[0]


_STANDARD: tuple[RegionGroup, ...] = (
    RegionGroup(
        code="gbr",
        name="Great Britain",
        main_region="gbr",
        regions=("gbr", "irl", "fra", "bel", "nld", "deu", "dnk", "nor"),
        sub_regions=(),
        currencies=("gbp2024", "eur2024", "usd2024"),
    ),
    RegionGroup(
        code="deu",
        name="Germany",
        main_region="deu",
        regions=("deu", "fra", "nld", "bel", "dnk", "pol", "cze", "aut", "che", "swe", "nor"),
        sub_regions=(),
        currencies=("eur2024", "usd2024"),
    ),
    RegionGroup(
        code="aus",
        name="Australia (NEM)",
        main_region="aus",
        regions=("aus",),
        sub_regions=("nsw", "qld", "sa", "tas", "vic"),
        currencies=("aud2024", "usd2024"),
    ),
)

# The pan-European benchmark group: 32 bidding zones, published only with --scale >= 1.
EUR_REGIONS: tuple[str, ...] = (
    "deu", "fra", "gbr", "irl", "bel", "nld", "lux", "dnk", "nor", "swe",
    "fin", "est", "lva", "ltu", "pol", "cze", "svk", "aut", "che", "ita",
    "esp", "prt", "hun", "svn", "hrv", "rou", "bgr", "grc", "srb", "bih",
    "mkd", "alb",
)

_EUR = RegionGroup(
    code="eur",
    name="Pan-European",
    main_region="deu",
    regions=EUR_REGIONS,
    sub_regions=(),
    currencies=("eur2024", "usd2024", "gbp2024"),
)


def region_groups(scale: int = 0) -> dict[str, RegionGroup]:
    """Region groups served at this scale, keyed by lower-case code."""
    groups = {g.code: g for g in _STANDARD}
    if scale >= 1:
        groups[_EUR.code] = _EUR
    return groups


@dataclass(frozen=True)
class SessionSpec:
    """What the inputs service needs to know about a scenario to serve its session.

    The scenario service answers it (``ScenarioBackend.session_spec``); the inputs
    service uses it to generate, copy or refuse a session.
    """

    scenario_id: str
    region_group: str
    main_region: str
    data_seed: int  # stable across runs: derived with hashlib/zlib, never hash()
    published: bool  # published Aurora scenarios are read-only
    tenant: str | None  # owner of a tenanted scenario; None for published ones
