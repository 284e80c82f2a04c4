"""The inputs service's ``getConfig`` data, and the static facts the seed and schema build on.

Everything the inputs service can name comes from here: supply technologies and
their parameters, demand variables and demand technologies, commodities and
interconnector variables. ``schema.py`` generates its SDL from these tables, so a
name added here becomes a schema field or enum value with no other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalogue import MODEL_MAX_YEAR, MODEL_MIN_YEAR

YEARS: tuple[int, ...] = tuple(range(MODEL_MIN_YEAR, MODEL_MAX_YEAR + 1))


@dataclass(frozen=True)
class Technology:
    """One supply technology and the seed of its 2025 values (for a main region)."""

    name: str
    is_renewable: bool
    is_thermal: bool
    is_load_factor: bool
    capacity_mw: float  # installed capacity in the first model year
    capacity_growth: float  # linear share of first-year capacity added per year
    capex: float  # currency/kW in the first model year
    capex_decline: float  # compound decline per year
    opex: float  # currency/kW/yr
    load_factor: float | None  # for load-factor technologies
    efficiency: float | None  # for thermal technologies
    sub_technologies_exogenous: tuple[str, ...] = ()
    sub_technologies_endogenous: tuple[str, ...] = ()
    read_only_parameters: tuple[str, ...] = ()


TECHNOLOGIES: tuple[Technology, ...] = (
    Technology(
        "CCGT",
        False,
        True,
        False,
        30000,
        -0.015,
        700,
        0.003,
        20,
        None,
        0.55,
        ("CCGT H-class", "CCGT F-class"),
        ("CCGT new build",),
    ),
    Technology(
        "OCGT",
        False,
        True,
        False,
        2000,
        0.02,
        450,
        0.003,
        12,
        None,
        0.38,
        ("OCGT aeroderivative",),
        ("OCGT new build",),
    ),
    Technology("Gas CHP", False, True, False, 4000, -0.02, 1000, 0.003, 30, None, 0.45),
    Technology(
        "Coal",
        False,
        True,
        False,
        2000,
        -0.15,
        1800,
        0.0,
        40,
        None,
        0.37,
        read_only_parameters=("capex", "lifetimeBuildLimit", "yearlyBuildLimit"),
    ),
    Technology(
        "Nuclear",
        False,
        True,
        False,
        6000,
        0.01,
        6000,
        0.005,
        100,
        None,
        0.35,
        ("Nuclear AGR", "Nuclear PWR"),
        ("Nuclear SMR", "Nuclear large"),
        read_only_parameters=("lifetimeBuildLimit",),
    ),
    Technology("Biomass", True, True, False, 3500, 0.01, 2500, 0.005, 70, None, 0.38),
    Technology("Hydrogen CCGT", False, True, False, 100, 0.15, 900, 0.01, 25, None, 0.55),
    Technology(
        "Onshore Wind",
        True,
        False,
        True,
        15000,
        0.04,
        1200,
        0.015,
        25,
        0.28,
        None,
        ("Onshore Wind legacy",),
        ("Onshore Wind repowering",),
    ),
    Technology(
        "Offshore Wind",
        True,
        False,
        True,
        15000,
        0.07,
        2500,
        0.02,
        60,
        0.45,
        None,
        ("Offshore Wind fixed", "Offshore Wind floating"),
        ("Offshore Wind floating",),
    ),
    Technology(
        "Solar PV",
        True,
        False,
        True,
        16000,
        0.06,
        600,
        0.025,
        8,
        0.11,
        None,
        ("Solar PV rooftop", "Solar PV utility"),
        (),
    ),
    Technology("Hydro", True, False, True, 1800, 0.002, 3000, 0.0, 30, 0.35, None),
    Technology("Pumped Storage", False, False, False, 2800, 0.02, 2000, 0.002, 20, None, None),
    Technology(
        "Battery",
        False,
        False,
        False,
        3000,
        0.12,
        900,
        0.04,
        10,
        None,
        None,
        ("Battery 1h", "Battery 2h", "Battery 4h"),
        ("Battery 2h", "Battery 4h"),
    ),
)
TECHNOLOGY_BY_NAME: dict[str, Technology] = {t.name: t for t in TECHNOLOGIES}

# Regions that do not model a technology at all (policy bans, geography).
EXCLUDED_TECHNOLOGIES: dict[str, frozenset[str]] = {
    "aus": frozenset({"Nuclear", "Offshore Wind", "Hydrogen CCGT"}),
    "nor": frozenset({"Coal", "Nuclear"}),
    "dnk": frozenset({"Nuclear", "Hydro"}),
    "deu": frozenset({"Nuclear"}),
    "aut": frozenset({"Nuclear", "Coal"}),
    "irl": frozenset({"Nuclear"}),
}

# Sub-region subsidies (Australia's NEM): renewables may carry a certificate scheme.
SUBSIDIES: tuple[str, ...] = ("LRET", "Merchant")
SUBSIDISED_TECHNOLOGIES: frozenset[str] = frozenset({"Onshore Wind", "Solar PV"})


@dataclass(frozen=True)
class Range:
    """A lower/upper bound pair."""

    lower: float
    upper: float

    def as_dict(self) -> dict[str, float]:
        """The wire shape ``{upper, lower}``."""
        return {"upper": self.upper, "lower": self.lower}


@dataclass(frozen=True)
class Parameter:
    """A supply-technology parameter as ``getConfig`` describes it."""

    name: str
    units: str
    applies_to_exo: bool
    applies_to_endo: bool
    initial_range: Range
    hard_limit: Range
    monthly: bool = False
    lock: bool = False
    load_factor_required: bool = False
    thermal_required: bool = False
    aggregation: str = "sum"
    type: str = "Float"

    def applies_to(self, technology: Technology) -> bool:
        """Whether a technology carries this parameter at all."""
        if self.load_factor_required and not technology.is_load_factor:
            return False
        return not (self.thermal_required and not technology.is_thermal)

    def as_config(self) -> dict[str, Any]:
        """The ``getConfig`` entry."""
        return {
            "name": self.name,
            "type": self.type,
            "units": self.units,
            "lock": self.lock,
            "aggregationMethod": self.aggregation,
            "appliesToEndoBui": self.applies_to_endo,
            "appliesToExo": self.applies_to_exo,
            "loadFactorTechRequired": self.load_factor_required,
            "thermalTechRequired": self.thermal_required,
            "initialRange": self.initial_range.as_dict(),
            "hardLimit": self.hard_limit.as_dict(),
            "isMonthlyRegionTechParameter": self.monthly,
        }


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("capacity", "MW", True, False, Range(0, 100_000), Range(0, 500_000)),
    Parameter(
        "capex",
        "currency/kW",
        False,
        True,
        Range(50, 10_000),
        Range(0, 50_000),
        aggregation="weightedAverage",
    ),
    Parameter(
        "opex",
        "currency/kW/yr",
        True,
        True,
        Range(0, 300),
        Range(0, 2_000),
        aggregation="weightedAverage",
    ),
    Parameter("lifetimeBuildLimit", "MW", False, True, Range(0, 300_000), Range(0, 1_000_000)),
    Parameter("yearlyBuildLimit", "MW/yr", False, True, Range(0, 30_000), Range(0, 100_000)),
    Parameter(
        "loadFactorAverage",
        "fraction",
        True,
        True,
        Range(0.02, 0.7),
        Range(0, 1),
        load_factor_required=True,
        aggregation="weightedAverage",
    ),
    Parameter(
        "efficiency",
        "fraction",
        True,
        True,
        Range(0.25, 0.65),
        Range(0.05, 1),
        thermal_required=True,
        aggregation="weightedAverage",
    ),
    Parameter(
        "efficiencySEL",
        "fraction",
        True,
        False,
        Range(0.15, 0.6),
        Range(0.05, 1),
        thermal_required=True,
        aggregation="weightedAverage",
    ),
    Parameter(
        "marginalLossFactor",
        "factor",
        True,
        True,
        Range(0.9, 1.1),
        Range(0.5, 1.5),
        lock=True,
        aggregation="weightedAverage",
    ),
    Parameter(
        "availability",
        "fraction",
        True,
        True,
        Range(0.5, 1),
        Range(0, 1),
        monthly=True,
        aggregation="weightedAverage",
    ),
)

DEFINITION_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("discountRate", "%", False, True, Range(3, 15), Range(0, 50), aggregation="none"),
    Parameter("discountRateLow", "%", False, True, Range(2, 12), Range(0, 50), aggregation="none"),
)
PARAMETER_BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS + DEFINITION_PARAMETERS}
DEFINITION_NAMES: frozenset[str] = frozenset(p.name for p in DEFINITION_PARAMETERS)

EXOGENOUS_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.applies_to_exo)
ENDOGENOUS_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.applies_to_endo)
EXOGENOUS_DEFINITIONS: tuple[str, ...] = tuple(
    p.name for p in DEFINITION_PARAMETERS if p.applies_to_exo
)
ENDOGENOUS_DEFINITIONS: tuple[str, ...] = tuple(
    p.name for p in DEFINITION_PARAMETERS if p.applies_to_endo
)


@dataclass(frozen=True)
class Variable:
    """A demand, demand-technology or interconnector variable with its bounds."""

    name: str
    units: str
    initial_range: Range
    hard_limit: Range
    type: str = "Float"

    def as_config(self) -> dict[str, Any]:
        """The ``getConfig`` entry."""
        return {"name": self.name, "type": self.type, "units": self.units}


# System demand: totalDemand = baseDemand + the demand technologies' totalDemand (at seed).
DEMAND_VARIABLES: tuple[Variable, ...] = (
    Variable("totalDemand", "TWh", Range(0, 2_000), Range(0, 10_000)),
    Variable("baseDemand", "TWh", Range(0, 2_000), Range(0, 10_000)),
)
DEMAND_TECHNOLOGY_VARIABLES: tuple[Variable, ...] = (
    Variable("totalDemand", "TWh", Range(0, 500), Range(0, 5_000)),
    Variable("peakContribution", "GW", Range(0, 100), Range(0, 1_000)),
)


@dataclass(frozen=True)
class DemandTechnology:
    """A demand technology: its API name (a GraphQL enum value) and display name."""

    name: str
    display: str
    share_2025: float  # share of system demand in the first model year
    share_2060: float


DEMAND_TECHNOLOGIES: tuple[DemandTechnology, ...] = (
    DemandTechnology("electricVehicles", "Electric Vehicles", 0.02, 0.16),
    DemandTechnology("heatPumps", "Heat Pumps", 0.02, 0.12),
    DemandTechnology("electrolysers", "Electrolysers", 0.0, 0.08),
    DemandTechnology("dataCentres", "Data Centres", 0.03, 0.07),
    DemandTechnology("airConditioning", "Air Conditioning", 0.01, 0.03),
)
DEMAND_TECHNOLOGY_BY_NAME: dict[str, DemandTechnology] = {d.name: d for d in DEMAND_TECHNOLOGIES}


@dataclass(frozen=True)
class Commodity:
    """A commodity: price in the stored unit and how to convert it to native units.

    ``factor`` converts native units to the stored unit: ``stored = native * factor``.
    """

    name: str
    native_units: str
    stored_units: str
    factor: float
    price_2025: float  # stored units
    trend: float  # linear share of the first-year price added per year
    initial_range: Range  # stored units
    hard_limit: Range


_THERM_MWH = 0.0293071
COMMODITIES: tuple[Commodity, ...] = (
    Commodity(
        "gas",
        "p/therm",
        "currency/MWh",
        0.01 / _THERM_MWH,
        35.0,
        -0.006,
        Range(5, 150),
        Range(0, 1_000),
    ),
    Commodity("coal", "USD/t", "currency/MWh", 1 / 6.978, 14.0, -0.01, Range(3, 60), Range(0, 500)),
    Commodity(
        "oil", "USD/bbl", "currency/MWh", 1 / 1.7, 45.0, -0.004, Range(10, 150), Range(0, 1_000)
    ),
    Commodity(
        "carbon", "currency/tCO2", "currency/tCO2", 1.0, 75.0, 0.04, Range(0, 400), Range(0, 2_000)
    ),
    Commodity(
        "hydrogen",
        "EUR/kg",
        "currency/MWh",
        1 / 0.0333,
        120.0,
        -0.012,
        Range(20, 400),
        Range(0, 2_000),
    ),
    Commodity(
        "biomass", "USD/GJ", "currency/MWh", 3.6, 28.0, 0.005, Range(5, 100), Range(0, 1_000)
    ),
)
COMMODITY_BY_NAME: dict[str, Commodity] = {c.name: c for c in COMMODITIES}

INTERCONNECTOR_VARIABLES: tuple[Variable, ...] = (
    Variable("importCapacity", "MW", Range(0, 20_000), Range(0, 100_000)),
    Variable("exportCapacity", "MW", Range(0, 20_000), Range(0, 100_000)),
    Variable("lossFactor", "fraction", Range(0, 0.1), Range(0, 1)),
    Variable("availability", "fraction", Range(0.5, 1), Range(0, 1)),
)

# Regions with a capacity market (drives ``hasCapacityMarket``).
CAPACITY_MARKET_REGIONS: frozenset[str] = frozenset(
    {"gbr", "irl", "fra", "bel", "pol", "ita", "esp", "swe", "fin"}
)

# Gas pricing hub of each region (``commodities.regionMapping``).
_HUBS = {
    "gbr": "NBP",
    "irl": "NBP",
    "ita": "PSV",
    "esp": "PVB",
    "prt": "PVB",
    "aus": "Wallumbilla",
    "aut": "CEGH",
    "cze": "CEGH",
    "svk": "CEGH",
    "hun": "CEGH",
    "fra": "PEG",
}

USER_PERMISSIONS: dict[str, Any] = {
    "canEditTechnology": True,
    "canEditDemand": True,
    "canEditCommodities": True,
    "canEditInterconnectors": True,
    "canRebaseCommodities": True,
    "canDownloadWorkbook": True,
}


def region_mapping(regions: tuple[str, ...] | list[str]) -> dict[str, dict[str, str]]:
    """Which pricing hub each region's gas and carbon prices come from."""
    return {
        region: {"gas": _HUBS.get(region, "TTF"), "carbon": "EUA" if region != "aus" else "ACCU"}
        for region in regions
    }


def get_config() -> dict[str, Any]:
    """The answer of the root ``getConfig`` query (plain JSON values).

    Returns:
        ``{technology, demand, userPermissions, commodities, interconnectors}``.

    Example:
        >>> [p["name"] for p in get_config()["technology"]["definitionParameters"]]
        ['discountRate', 'discountRateLow']
    """
    from ..catalogue import region_groups

    all_regions = sorted({r for g in region_groups(1).values() for r in g.regions})
    return {
        "technology": {
            "definitions": [
                {
                    "name": t.name,
                    "isLoadFactor": t.is_load_factor,
                    "isThermal": t.is_thermal,
                    "readOnlyParameters": list(t.read_only_parameters),
                }
                for t in TECHNOLOGIES
            ],
            "parameters": [p.as_config() for p in PARAMETERS],
            "definitionParameters": [p.as_config() for p in DEFINITION_PARAMETERS],
        },
        "demand": {
            "demandVariables": [v.as_config() for v in DEMAND_VARIABLES],
            "demandTechnologyVariables": [v.as_config() for v in DEMAND_TECHNOLOGY_VARIABLES],
        },
        "userPermissions": dict(USER_PERMISSIONS),
        "commodities": {
            "regionMapping": region_mapping(all_regions),
            "commoditiesAvailable": [
                {
                    "name": c.name,
                    "units": c.native_units,
                    "storedUnits": c.stored_units,
                    "conversionFactor": c.factor,
                }
                for c in COMMODITIES
            ],
        },
        "interconnectors": {"variables": [v.as_config() for v in INTERCONNECTOR_VARIABLES]},
    }
