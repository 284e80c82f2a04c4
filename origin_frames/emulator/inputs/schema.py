"""The inputs service's GraphQL schema, generated from ``config.py``.

Parameter and variable names become fields and enum values exactly as the
config spells them, so the official client's documents (built from ``getConfig``)
always validate. Argument types are no stricter than the loosest variable
declaration the official client 0.33.0 uses for them.
"""

from __future__ import annotations

from graphql import GraphQLScalarType, GraphQLSchema, build_schema

from .. import _gql
from . import config as cfg


def _fields(names: tuple[str, ...] | list[str], type_: str) -> str:
    """SDL field lines ``name: type``."""
    return "\n".join(f"  {name}: {type_}" for name in names) or "  _empty: Boolean"


def _enum(name: str, values: tuple[str, ...] | list[str]) -> str:
    """An SDL enum."""
    return f"enum {name} {{\n" + "\n".join(f"  {v}" for v in values) + "\n}"


# The fixed part of the SDL, by group: nothing here depends on the config tables.
_BASE_TYPES = """
scalar JSON

enum TransformType {
  Absolute
  Delta
  Percentage
}

type Transform {
  type: TransformType!
  value: Float
}

"One input cell: year/month are null where the parameter has none."
type Cell {
  year: Int
  month: Int
  original: Float
  validationWarnings: [String!]!
  validationErrors: [String!]!
  transform: Transform
}

type OriginalString {
  original: String
}

type OriginalBoolean {
  original: Boolean
}
"""

_SESSION_TYPES = """
type Technology {
  name: String!
  region: String!
  subRegion: String
  isRenewable: Boolean!
  technologyGrouping: JSON
  getExogenous(subTechnology: String, subsidy: String): ExogenousPlant
  getEndogenous(subTechnology: String): EndogenousPlant
}

type DemandTechnology {
  region: OriginalString!
  technology: OriginalString!
  originTechnology: OriginalString!
  variables: [DemandTechnologyYear!]!
}

type Demand {
  region: String!
  peakLoadDemand: Float
  variables: [DemandYear!]!
  technologies: [DemandTechnology!]!
}

type Commodity {
  commodity: String!
  regions: [String!]!
  units: String!
  prices: [Cell!]!
}

type Interconnector {
  ends: [String!]!
  from: String!
  to: String!
  asymmetric: OriginalBoolean!
  variables: [InterconnectorYear!]!
}

type WorkbookStatus {
  generationStatus: String!
  generationErrors: JSON
  downloadURL: String
  requestId: String
}

type SessionMeta {
  sessionId: String!
  tenant: String
}

type EnabledRegion {
  code: String!
  isFocusRegion: Boolean!
  isEndogenous: Boolean!
  isMainRegion: Boolean!
  hasCapacityMarket: Boolean!
}

type ProductRegionInformation {
  code: String!
  enabledRegions: [EnabledRegion!]!
}

type SessionTransform {
  updateParameters: JSON
  steps: JSON
  reason: String
}

type Session {
  meta: SessionMeta!
  dataGroups: JSON
  currencyInformation: JSON
  defaultCurrency: String
  productRegionInformation: ProductRegionInformation
  dataGroupEligibility: JSON
  modelMaxYear: Int
  modelMinYear: Int
  transforms: [SessionTransform!]!
  getTechnologyGroupings: JSON
  getTechnology(name: String!, region: String!, subRegion: String): Technology
  getDemand(filter: GetDemandFilterDemandInput, aggregateRegions: Boolean): [Demand!]
  getDemandTechnologies(
    filter: GetDemandTechFilterDemandTechnologyInput, aggregateRegions: Boolean
  ): [DemandTechnology!]
  commodities(
    regions: [String], commodities: [String], applyCommodityUnitConversionFactor: Boolean
  ): [Commodity!]
  getInterconnectors(filter: GetInterconnectorsFilterInterconnectorInput): [Interconnector!]
  getWorkbookStatus(requestId: String): WorkbookStatus
}
"""

_INPUT_TYPES = """
input GetDemandFilterDemandInput {
  region: String
  regions: [String]
}

input GetDemandTechFilterDemandTechnologyInput {
  region: String
  regions: [String]
  technology: String
  technologies: [String]
}

input GetInterconnectorsFilterInterconnectorInput {
  from: String
  to: String
  OR: [GetInterconnectorsFilterInterconnectorInput]
}

input TransformInput {
  type: TransformType!
  value: Float!
}

input OptionalTransformInput {
  type: TransformType
  value: Float
}

input YearlyNumberItemInput {
  year: Int
  month: Int
  transform: TransformInput!
}

"A technology cell update; a null transform or value clears the cell's transform."
input OptionalYearlyNumberItemInput {
  year: Int
  month: Int
  transform: OptionalTransformInput
}
"""

_CONFIG_TYPES = """
type Bounds {
  upper: Float
  lower: Float
}

type ConfigTechnologyDefinition {
  name: String!
  isLoadFactor: Boolean!
  isThermal: Boolean!
  readOnlyParameters: JSON
}

type ConfigParameter {
  name: String!
  type: String
  units: String
  lock: Boolean
  aggregationMethod: String
  appliesToEndoBui: Boolean
  appliesToExo: Boolean
  loadFactorTechRequired: Boolean
  thermalTechRequired: Boolean
  initialRange: Bounds
  hardLimit: Bounds
  isMonthlyRegionTechParameter: Boolean
}

type ConfigVariable {
  name: String!
  type: String
  units: String
}

type ConfigCommodity {
  name: String!
  units: String
  storedUnits: String
  conversionFactor: Float
}

type TechnologyConfig {
  definitions: [ConfigTechnologyDefinition!]!
  parameters: [ConfigParameter!]!
  definitionParameters: [ConfigParameter!]!
}

type DemandConfig {
  demandVariables: [ConfigVariable!]!
  demandTechnologyVariables: [ConfigVariable!]!
}

type CommoditiesConfig {
  regionMapping: JSON
  commoditiesAvailable: [ConfigCommodity!]!
}

type InterconnectorsConfig {
  variables: [ConfigVariable!]!
}

type Config {
  technology: TechnologyConfig!
  demand: DemandConfig!
  userPermissions: JSON
  commodities: CommoditiesConfig!
  interconnectors: InterconnectorsConfig!
}

type RebaseResult {
  result: String
}
"""

_OPERATIONS = """
type Query {
  getSession(sessionId: String!): Session!
  getConfig: Config!
}

type Mutation {
  updateExogenousTechnologyParameter(
    sessionId: String!, parameter: ExogenousPlantVariable!,
    tx: [OptionalYearlyNumberItemInput]!, name: String!, region: String!,
    subRegion: String, subsidy: String, subTechnology: String
  ): ExogenousPlant
  updateEndogenousTechnologyParameter(
    sessionId: String!, parameter: EndogenousPlantVariable!,
    tx: [OptionalYearlyNumberItemInput]!, name: String!, region: String!,
    subRegion: String, subTechnology: String
  ): EndogenousPlant
  updateDemandVariable(
    sessionId: String!, variable: String!, region: String, regions: [String],
    technology: EnumDemandTechnology, autoCapacityMarketTarget: Boolean,
    tx: [YearlyNumberItemInput]!
  ): Demand
  updateDemandTechnologyVariable(
    sessionId: String!, technology: String!, variable: EnumDemandTechnologyVariable!,
    region: String, regions: [String], autoCapacityMarketTarget: Boolean,
    tx: [YearlyNumberItemInput]!
  ): [DemandTechnology!]
  updateCommodity(
    sessionId: String!, commodity: String!, regions: [String],
    tx: [YearlyNumberItemInput]!, applyCommodityUnitConversionFactor: Boolean
  ): Commodity
  rebaseCommodities(sessionId: String!, rebaseReferenceId: String!): RebaseResult
  updateInterconnectorVariable(
    sessionId: String!, from: String!, to: String!, variable: String!,
    tx: [YearlyNumberItemInput]!
  ): Interconnector
}
"""


def _config_enums() -> str:
    """The enums whose values are the config's parameter, definition and variable names."""
    exo_defs = list(cfg.EXOGENOUS_DEFINITIONS)
    endo_defs = list(cfg.ENDOGENOUS_DEFINITIONS)
    return "\n\n".join(
        [
            _enum("ExogenousPlantVariable", list(cfg.EXOGENOUS_PARAMETERS) + exo_defs),
            _enum("EndogenousPlantVariable", list(cfg.ENDOGENOUS_PARAMETERS) + endo_defs),
            _enum("EnumDemandTechnology", [d.name for d in cfg.DEMAND_TECHNOLOGIES]),
            _enum(
                "EnumDemandTechnologyVariable",
                [v.name for v in cfg.DEMAND_TECHNOLOGY_VARIABLES],
            ),
        ]
    )


def _plant_types() -> str:
    """The plant types, one field per configured parameter or definition."""
    exo_defs = list(cfg.EXOGENOUS_DEFINITIONS)
    # An empty type is invalid SDL: without exogenous definitions the type and field go.
    exo_defs_field = "  definitions: ExogenousDefinitions\n" if exo_defs else ""
    exo_defs_type = (
        f"type ExogenousDefinitions {{\n{_fields(exo_defs, 'Cell')}\n}}\n" if exo_defs else ""
    )
    return f"""
type ExogenousParameters {{
{_fields(list(cfg.EXOGENOUS_PARAMETERS), "[Cell!]!")}
}}

type EndogenousParameters {{
{_fields(list(cfg.ENDOGENOUS_PARAMETERS), "[Cell!]!")}
}}

type EndogenousDefinitions {{
{_fields(list(cfg.ENDOGENOUS_DEFINITIONS), "Cell")}
}}

{exo_defs_type}
type ExogenousPlant {{
  technology: OriginalString
  parameters: ExogenousParameters!
{exo_defs_field}}}

type EndogenousPlant {{
  technology: OriginalString
  parameters: EndogenousParameters!
  definitions: EndogenousDefinitions!
}}
"""


def _year_types() -> str:
    """The per-year row types, one field per configured variable."""
    return f"""
type DemandYear {{
  year: Int!
{_fields([v.name for v in cfg.DEMAND_VARIABLES], "Cell")}
}}

type DemandTechnologyYear {{
  year: Int!
{_fields([v.name for v in cfg.DEMAND_TECHNOLOGY_VARIABLES], "Cell")}
}}

type InterconnectorYear {{
  year: Int!
{_fields([v.name for v in cfg.INTERCONNECTOR_VARIABLES], "Cell")}
}}
"""


def sdl() -> str:
    """The full SDL text of the inputs service."""
    return "\n".join(
        [
            _BASE_TYPES,
            _config_enums(),
            _plant_types(),
            _year_types(),
            _SESSION_TYPES,
            _INPUT_TYPES,
            _CONFIG_TYPES,
            _OPERATIONS,
        ]
    )


def build() -> GraphQLSchema:
    """The executable schema (resolvers are attached by ``resolvers.py``)."""
    schema = build_schema(sdl())
    json_type = schema.get_type("JSON")
    assert isinstance(json_type, GraphQLScalarType)
    json_type.serialize = _gql.JSONScalar.serialize  # type: ignore[method-assign]
    json_type.parse_value = _gql.JSONScalar.parse_value  # type: ignore[method-assign]
    json_type.parse_literal = _gql.JSONScalar.parse_literal  # type: ignore[method-assign]
    return schema
