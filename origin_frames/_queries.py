"""GraphQL documents for both services, built from the inputs ``getConfig`` like the SDK.

Values always travel in ``variables``; documents only hold names and aliases, so a
batch of the same shape always produces the same text (the server caches parses).

Selection rules for technologies (the same as ``auroraer-origin-sdk``): a parameter
with ``appliesToExo`` is selected under ``getExogenous.parameters``, with
``appliesToEndoBui`` under ``getEndogenous.parameters``; monthly parameters
(``isMonthlyRegionTechParameter``) also select ``month``; endogenous definition
parameters are selected under ``getEndogenous.definitions`` without ``year``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CELL",
    "CONFIG",
    "DemandSelection",
    "ExoRead",
    "TechRead",
    "TechSelection",
    "commodity_batch",
    "demand_document",
    "demand_technologies_document",
    "interconnector_document",
    "technology_batch",
]

# --- value selections ---------------------------------------------------------------
CELL = "original validationWarnings validationErrors transform { type value }"
YEARLY = "{ year " + CELL + " }"
MONTHLY = "{ year month " + CELL + " }"
PLAIN = "{ " + CELL + " }"

_TECH_PARAM = (
    "name type units lock aggregationMethod appliesToEndoBui appliesToExo "
    "loadFactorTechRequired thermalTechRequired initialRange { upper lower } "
    "hardLimit { upper lower } isMonthlyRegionTechParameter"
)

CONFIG = (
    "query { getConfig { "
    "technology { definitions { name isLoadFactor isThermal readOnlyParameters } "
    f"parameters {{ {_TECH_PARAM} }} definitionParameters {{ {_TECH_PARAM} }} }} "
    "demand { demandVariables { name type units } demandTechnologyVariables { name type units } } "
    "userPermissions "
    "commodities { regionMapping commoditiesAvailable { units name } } "
    "interconnectors { variables { name units } } "
    "} }"
)

# --- scenario service ----------------------------------------------------------------
SCENARIO_SUMMARY_FIELDS = (
    "scenarioGlobalId name description regionGroupCode publishType publicationDate "
    "scenarioRunStatus scenarioTransformStatus inputTypesSupported scenarioType "
    "scenarioRunType useExogifiedInputs projectGlobalId scenarioInputsAvailable "
    "scenarioOutputsAvailable scenarioLaunchable baseInputReference baseInputReferenceType "
    "runStartedAtUTC runCompletedAtUTC launchedByUserName modelPriceSpikiness years "
    "weatherYear supportsExogenousInputs modelType lastUpdated runDetails"
)
SCENARIO_DETAIL_FIELDS = (
    SCENARIO_SUMMARY_FIELDS
    + " defaultCurrency sensitivity regions baseScenarioGlobalId appReleaseStatus "
    "launchedByEmail userInputReference userInputRepository inputImportStatus currencies "
    "advancedSettings { modelReference controlFileName stateFile quickTry retentionPolicy "
    "numIterations serverName isHistoricRun isPriorityRun moduloOfYearToConfigForFYR "
    "originMarketScenarioGlobalId simulationMode baseInputRepository }"
)
GET_SCENARIOS = (
    "query ($filter: ScenarioFilter) { getScenarios(filter: $filter) { regions "
    + SCENARIO_SUMMARY_FIELDS
    + " } }"
)
GET_SCENARIO_DETAILS = (
    "query ($filter: ScenarioFilter) { getScenarios(filter: $filter) { "
    + SCENARIO_DETAIL_FIELDS
    + " } }"
)
CREATE_SCENARIO = (
    "mutation ($scenario: InputScenario!) { createScenario(scenario: $scenario) { "
    + SCENARIO_DETAIL_FIELDS
    + " } }"
)
UPDATE_SCENARIO = (
    "mutation ($scenario: UpdateScenarioInput!) { updateScenario(scenario: $scenario) { "
    + SCENARIO_DETAIL_FIELDS
    + " } }"
)
DELETE_SCENARIO = (
    "mutation ($scenarioGlobalId: String!) { deleteScenario(scenarioGlobalId: $scenarioGlobalId) }"
)
LAUNCH_SCENARIO = (
    "mutation ($scenarioGlobalId: String!) { launchScenario(scenarioGlobalId: $scenarioGlobalId) "
    "{ " + SCENARIO_DETAIL_FIELDS + " } }"
)
WEATHER_YEARS = (
    "query ($scenarioGlobalId: String!) { getWeatherYearList(scenarioGlobalId: $scenarioGlobalId)"
    " { years } }"
)
DASH_CONFIG = (
    "query { getConfig { regionGroups currencies sensitivities products isAuthor "
    "isAdvancedUser appsSupported } }"
)
GET_PROJECTS = "query { getProjects { projectGlobalId name description isProjectPinned } }"
GET_PROJECT = (
    "query ($projectId: String!) { getProject(projectGlobalId: $projectId) { projectGlobalId "
    "name description productName productId isProjectPinned scenarios { "
    + SCENARIO_SUMMARY_FIELDS
    + " } } }"
)
CREATE_PROJECT = (
    "mutation ($project: InputProject!) { createProject(project: $project) "
    "{ projectGlobalId name description productId } }"
)
UPDATE_PROJECT = (
    "mutation ($project: UpdateProjectInputGroup!) { updateProject(project: $project) "
    "{ projectGlobalId name description productId isProjectPinned } }"
)
DELETE_PROJECT = (
    "mutation ($projectGlobalId: String!) { deleteProject(projectGlobalId: $projectGlobalId) }"
)
PIN_PROJECT = (
    "mutation ($projectGlobalId: String!) { createProjectPin(projectGlobalId: $projectGlobalId) }"
)
UNPIN_PROJECT = (
    "mutation ($projectGlobalId: String!) { deleteProjectPin(projectGlobalId: $projectGlobalId) }"
)
#: Who owns a scenario: the plan refuses a published (``AURORA_SCENARIO``) one up front.
SCENARIO_OWNER = """query ScenarioOwner($filter: ScenarioFilter) {
  getScenarios(filter: $filter) { scenarioGlobalId name scenarioType }
}"""

# --- inputs service: session-level -----------------------------------------------------
SESSION_INFO = (
    "query ($sessionId: String!) { getSession(sessionId: $sessionId) { "
    "meta { sessionId tenant } dataGroups currencyInformation defaultCurrency "
    "productRegionInformation { code enabledRegions { code isFocusRegion isEndogenous "
    "isMainRegion hasCapacityMarket } } dataGroupEligibility modelMaxYear modelMinYear "
    "transforms { updateParameters steps reason } } }"
)
TECHNOLOGY_NAMES = (
    "query ($sessionId: String!) { getSession(sessionId: $sessionId) { getTechnologyGroupings } }"
)
DEMAND_REGIONS = (
    "query ($sessionId: String!) { getSession(sessionId: $sessionId) "
    "{ getDemand { region peakLoadDemand } } }"
)
INTERCONNECTOR_ENDS = (
    "query ($sessionId: String!, "
    "$interconnectorFilter: GetInterconnectorsFilterInterconnectorInput) { "
    "getSession(sessionId: $sessionId) { getInterconnectors(filter: $interconnectorFilter) "
    "{ ends } } }"
)
#: A session's transforms log: its digest is the plan's proof that nothing changed since.
TRANSFORMS_LOG = """query TransformsLog($sessionId: String!) {
  getSession(sessionId: $sessionId) { transforms { updateParameters steps reason } }
}"""


# --- technology ------------------------------------------------------------------------
@dataclass(frozen=True)
class TechSelection:
    """Which technology parameters to select, split the way the official client splits them."""

    exo_yearly: tuple[str, ...]
    exo_monthly: tuple[str, ...]
    endo_yearly: tuple[str, ...]
    endo_monthly: tuple[str, ...]
    endo_defs: tuple[str, ...]
    units: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TechSelection:
        """Builds the selection from ``getConfig`` (the whole answer or its ``technology``).

        Args:
            config: The ``getConfig`` object of the inputs service.

        Returns:
            The parameter lists and a name -> unit map.

        Example:
            >>> cfg = {"technology": {"parameters": [], "definitionParameters": []}}
            >>> TechSelection.from_config(cfg).exo_yearly
            ()
        """
        tech = config.get("technology", config)
        params = tech.get("parameters") or []
        defs = tech.get("definitionParameters") or []

        def pick(items: Sequence[Mapping[str, Any]], flag: str, monthly: bool | None) -> tuple:
            return tuple(
                p["name"]
                for p in items
                if p.get(flag) is True
                and (monthly is None or bool(p.get("isMonthlyRegionTechParameter")) is monthly)
            )

        units = {p["name"]: p.get("units") for p in [*params, *defs]}
        return cls(
            exo_yearly=pick(params, "appliesToExo", False),
            exo_monthly=pick(params, "appliesToExo", True),
            endo_yearly=pick(params, "appliesToEndoBui", False),
            endo_monthly=pick(params, "appliesToEndoBui", True),
            endo_defs=pick(defs, "appliesToEndoBui", None),
            units=units,
        )

    def exogenous_tree(self) -> str:
        """Selection set under ``getExogenous``."""
        body = " ".join(
            [f"{p} {YEARLY}" for p in self.exo_yearly]
            + [f"{p} {MONTHLY}" for p in self.exo_monthly]
        )
        return f"{{ parameters {{ {body} }} }}" if body else "{ __typename }"

    def endogenous_tree(self) -> str:
        """Selection set under ``getEndogenous``."""
        params = " ".join(
            [f"{p} {YEARLY}" for p in self.endo_yearly]
            + [f"{p} {MONTHLY}" for p in self.endo_monthly]
        )
        defs = " ".join(f"{p} {PLAIN}" for p in self.endo_defs)
        parts = []
        if params:
            parts.append(f"parameters {{ {params} }}")
        if defs:
            parts.append(f"definitions {{ {defs} }}")
        return "{ " + " ".join(parts) + " }" if parts else "{ __typename }"


@dataclass(frozen=True)
class ExoRead:
    """One ``getExogenous`` call: sub-technology and subsidy (None = the technology itself)."""

    sub_technology: str | None = None
    subsidy: str | None = None


@dataclass(frozen=True)
class TechRead:
    """One ``getTechnology`` call and the exogenous/endogenous views read under it."""

    technology: str
    region: str
    sub_region: str | None = None
    exogenous: tuple[ExoRead, ...] = (ExoRead(),)
    endogenous: tuple[str | None, ...] = (None,)


def technology_batch(
    session_id: str, reads: Sequence[TechRead], selection: TechSelection
) -> tuple[str, dict[str, Any]]:
    """One document reading many technologies through aliases under one ``getSession``.

    Aliases are positional (``t0``, ``t0x1``, ``t0n0``) so the same batch shape always
    yields the same text.

    Args:
        session_id: The scenario id.
        reads: What to read; each becomes alias ``t<i>``.
        selection: Parameters to select (from :meth:`TechSelection.from_config`).

    Returns:
        ``(document, variables)``.

    Example:
        >>> sel = TechSelection.from_config(client.inputs_config())
        >>> doc, var = technology_batch("s1", [TechRead("ccgt", "gbr")], sel)
        >>> var["t0n"], var["t0r"], doc
        ('ccgt', 'gbr', 'query ($sessionId: String!, $t0n: String!, $t0r: String!, ...
          t0: getTechnology(name: $t0n, region: $t0r, ...')
    """
    decls = ["$sessionId: String!"]
    variables: dict[str, Any] = {"sessionId": session_id}
    exo_tree = selection.exogenous_tree()
    endo_tree = selection.endogenous_tree()
    parts = []
    for i, read in enumerate(reads):
        a = f"t{i}"
        decls += [f"${a}n: String!", f"${a}r: String!", f"${a}s: String"]
        variables.update({f"{a}n": read.technology, f"{a}r": read.region, f"{a}s": read.sub_region})
        inner = ["name region"]
        for j, exo in enumerate(read.exogenous):
            decls += [f"${a}x{j}t: String", f"${a}x{j}s: String"]
            variables.update({f"{a}x{j}t": exo.sub_technology, f"{a}x{j}s": exo.subsidy})
            inner.append(
                f"x{j}: getExogenous(subTechnology: ${a}x{j}t, subsidy: ${a}x{j}s) {exo_tree}"
            )
        for j, sub in enumerate(read.endogenous):
            decls.append(f"${a}d{j}t: String")
            variables[f"{a}d{j}t"] = sub
            inner.append(f"d{j}: getEndogenous(subTechnology: ${a}d{j}t) {endo_tree}")
        parts.append(
            f"{a}: getTechnology(name: ${a}n, region: ${a}r, subRegion: ${a}s) "
            f"{{ {' '.join(inner)} }}"
        )
    document = (
        f"query ({', '.join(decls)}) {{ getSession(sessionId: $sessionId) {{ "
        f"{' '.join(parts)} }} }}"
    )
    return document, variables


# --- demand ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DemandSelection:
    """System and demand-technology variables, with their units, from ``getConfig``."""

    system: tuple[str, ...]
    technology: tuple[str, ...]
    units: Mapping[str, str | None] = field(default_factory=dict)
    technology_units: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DemandSelection:
        """Builds the selection from ``getConfig`` (the whole answer or its ``demand``).

        Args:
            config: The ``getConfig`` object of the inputs service.

        Returns:
            The variable lists and name -> unit maps.

        Example:
            >>> DemandSelection.from_config(client.inputs_config()).system
            ('totalDemand', 'baseDemand')
        """
        demand = config.get("demand", config)
        system = demand.get("demandVariables") or []
        tech = demand.get("demandTechnologyVariables") or []
        return cls(
            system=tuple(v["name"] for v in system),
            technology=tuple(v["name"] for v in tech),
            units={v["name"]: v.get("units") for v in system},
            technology_units={v["name"]: v.get("units") for v in tech},
        )

    def technology_tree(self) -> str:
        """Selection set of one demand technology document."""
        yearly = " ".join(f"{v} {PLAIN}" for v in self.technology)
        return (
            "{ region { original } technology { original } originTechnology { original } "
            f"variables {{ year {yearly} }} }}"
        )

    def demand_tree(self, technologies: bool = True) -> str:
        """Selection set of one system demand document (its technologies, if asked)."""
        yearly = " ".join(f"{v} {PLAIN}" for v in self.system)
        nested = f"technologies {self.technology_tree()} " if technologies else ""
        return f"{{ region peakLoadDemand variables {{ year {yearly} }} {nested}}}"


def demand_document(
    session_id: str,
    selection: DemandSelection,
    regions: Sequence[str] | None = None,
    *,
    technologies: bool = True,
) -> tuple[str, dict[str, Any]]:
    """``getDemand`` (system variables and demand technologies) for some or all regions.

    Args:
        session_id: The scenario id.
        selection: Variables to select.
        regions: Region codes to read; None reads every region.
        technologies: Also select each region's demand technologies (False: only the
            system variables, a much smaller answer).

    Returns:
        ``(document, variables)``.

    Example:
        >>> selection = DemandSelection.from_config(client.inputs_config())
        >>> demand_document("s1", selection, ["gbr"])
        ('query ... getDemand(filter: $demandFilter, ...',
         {'sessionId': 's1', 'demandFilter': {'regions': ['gbr']}, 'aggregateRegions': False})
    """
    document = (
        "query ($sessionId: String!, $demandFilter: GetDemandFilterDemandInput, "
        "$aggregateRegions: Boolean) { getSession(sessionId: $sessionId) { "
        "getDemand(filter: $demandFilter, aggregateRegions: $aggregateRegions) "
        f"{selection.demand_tree(technologies)} }} }}"
    )
    variables = {
        "sessionId": session_id,
        "demandFilter": {"regions": list(regions)} if regions is not None else None,
        "aggregateRegions": False,
    }
    return document, variables


def demand_technologies_document(
    session_id: str, selection: DemandSelection, demand_filter: Mapping[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """``getDemandTechnologies`` with an optional filter.

    Args:
        session_id: The scenario id.
        selection: Variables to select.
        demand_filter: A ``GetDemandTechFilterDemandTechnologyInput`` value.

    Returns:
        ``(document, variables)``.

    Example:
        >>> selection = DemandSelection.from_config(client.inputs_config())
        >>> demand_technologies_document("s1", selection, {"region": "gbr"})
        ('query ... getDemandTechnologies(filter: $demTechFilter, ...',
         {'sessionId': 's1', 'demTechFilter': {'region': 'gbr'}, 'aggregateRegions': False})
    """
    document = (
        "query ($sessionId: String!, $demTechFilter: GetDemandTechFilterDemandTechnologyInput, "
        "$aggregateRegions: Boolean) { getSession(sessionId: $sessionId) { "
        "getDemandTechnologies(filter: $demTechFilter, aggregateRegions: $aggregateRegions) "
        f"{selection.technology_tree()} }} }}"
    )
    variables = {
        "sessionId": session_id,
        "demTechFilter": dict(demand_filter) if demand_filter else None,
        "aggregateRegions": False,
    }
    return document, variables


# --- commodities -----------------------------------------------------------------------
def commodity_batch(
    session_id: str,
    regions: Sequence[str | None],
    commodities: Sequence[str] | None = None,
    native_units: bool = False,
) -> tuple[str, dict[str, Any]]:
    """Commodity prices, one alias ``c<i>`` per region (None = the cross-region average).

    Args:
        session_id: The scenario id.
        regions: One entry per alias; None asks for the equally weighted average.
        commodities: Commodity names; None reads every commodity.
        native_units: Ask for the commodities' native units instead of per-MWh prices.

    Returns:
        ``(document, variables)``.

    Example:
        >>> commodity_batch("s1", ["gbr", "fra"], ["gas"])
        ('query (... c0: commodities(regions: $c0r, ... c1: commodities(regions: $c1r, ...',
         {'sessionId': 's1', 'commodities': ['gas'], 'nativeUnitsFlag': False,
          'c0r': ['gbr'], 'c1r': ['fra']})
    """
    decls = ["$sessionId: String!", "$commodities: [String!]", "$nativeUnitsFlag: Boolean"]
    variables: dict[str, Any] = {
        "sessionId": session_id,
        "commodities": list(commodities) if commodities is not None else None,
        "nativeUnitsFlag": bool(native_units),
    }
    parts = []
    for i, region in enumerate(regions):
        decls.append(f"$c{i}r: [String]")
        variables[f"c{i}r"] = [region] if region is not None else None
        parts.append(
            f"c{i}: commodities(regions: $c{i}r, commodities: $commodities, "
            f"applyCommodityUnitConversionFactor: $nativeUnitsFlag) "
            f"{{ commodity regions units prices {YEARLY} }}"
        )
    document = (
        f"query ({', '.join(decls)}) {{ getSession(sessionId: $sessionId) {{ "
        f"{' '.join(parts)} }} }}"
    )
    return document, variables


# --- interconnectors -------------------------------------------------------------------
def interconnector_document(
    session_id: str,
    variables_: Sequence[str],
    interconnector_filter: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """``getInterconnectors`` with every configured variable.

    Args:
        session_id: The scenario id.
        variables_: Interconnector variable names (from ``getConfig.interconnectors``).
        interconnector_filter: A ``GetInterconnectorsFilterInterconnectorInput`` value.

    Returns:
        ``(document, variables)``.

    Example:
        >>> interconnector_document("s1", ["importCapacity"], {"from": "gbr"})
        ('query ... variables { year importCapacity { original ... } } } } }',
         {'sessionId': 's1', 'interconnectorFilter': {'from': 'gbr'}})
    """
    yearly = " ".join(f"{v} {PLAIN}" for v in variables_)
    document = (
        "query ($sessionId: String!, $interconnectorFilter: "
        "GetInterconnectorsFilterInterconnectorInput) { getSession(sessionId: $sessionId) { "
        "getInterconnectors(filter: $interconnectorFilter) { ends from to asymmetric "
        f"{{ original }} variables {{ year {yearly} }} }} }} }}"
    )
    return document, {
        "sessionId": session_id,
        "interconnectorFilter": dict(interconnector_filter) if interconnector_filter else None,
    }
