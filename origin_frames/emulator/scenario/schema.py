"""GraphQL schema (SDL) of the emulated scenario service.

It defines every type the official client 0.33.0 declares for this service
(``ScenarioFilter``, ``InputScenario``, ``UpdateScenarioInput``, ``InputProject``,
``UpdateProjectInputGroup``) and every field it selects. Arguments are no stricter
than the client's declarations; unknown fields fail validation with graphql-core's
standard message.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLScalarType, GraphQLSchema, build_schema

from .._gql import JSONScalar

SDL = """
scalar JSON

enum ScenarioOwner { AURORA_SCENARIO TENANTED_SCENARIO }
enum ScenarioRunStatus { Queued Running Complete Errored NotLaunched }
enum ScenarioTransformStatus { Complete Errored NotStarted }
enum InputTypesSupported { EXOGENOUS_ONLY ENDOGENOUS_ONLY ENDOGENOUS_AND_EXOGENOUS }
enum ScenarioRunType {
  MYR_AND_FYR MYR FYR NODAL NODAL_PLACEMENT NODAL_PLACEMENT_AND_NODAL
  REGIONAL_MYR REGIONAL_FYR REGIONAL_MYR_AND_FYR NETWORK
}
enum ModelType { aeres nodal regional network }
enum ModelPriceSpikiness { None Low Medium High }

input ScenarioFilter {
  regionGroupCode: String
  scenarioType: ScenarioOwner
  scenarioGlobalId: String
}

input InputAdvancedSettings {
  baseInputReference: String
  baseInputReferenceType: String
  baseInputRepository: String
  modelReference: String
  controlFileName: String
  stateFile: String
  quickTry: Boolean
  retentionPolicy: String
  numIterations: String
  serverName: String
  devTestMode: String
  isHistoricRun: String
  isPriorityRun: String
  moduloOfYearToConfigForFYR: String
  originMarketScenarioGlobalId: String
  simulationMode: String
}

input InputScenario {
  projectGlobalId: String
  name: String!
  baseScenarioGlobalId: String
  description: String
  regionGroupCode: String
  scenarioRunType: ScenarioRunType
  modelType: ModelType
  useExogifiedInputs: Boolean
  defaultCurrency: String
  retentionPolicy: String
  modelPriceSpikiness: ModelPriceSpikiness
  preserveBaseScenarioTransformations: Boolean
  userInputReference: String
  userInputRepository: String
  years: [Int!]
  weatherYear: Int
  advancedSettings: InputAdvancedSettings
}

input UpdateScenarioInput {
  scenarioGlobalId: String!
  projectGlobalId: String
  name: String
  baseScenarioGlobalId: String
  description: String
  regionGroupCode: String
  scenarioRunType: ScenarioRunType
  modelType: ModelType
  useExogifiedInputs: Boolean
  defaultCurrency: String
  retentionPolicy: String
  modelPriceSpikiness: ModelPriceSpikiness
  preserveBaseScenarioTransformations: Boolean
  userInputReference: String
  userInputRepository: String
  years: [Int!]
  weatherYear: Int
  advancedSettings: InputAdvancedSettings
}

input InputProject {
  name: String!
  description: String
  productId: ID
}

input UpdateProjectInputGroup {
  projectGlobalId: String!
  name: String
  description: String
  productId: ID
}

type AdvancedSettings {
  baseInputReference: String
  baseInputReferenceType: String
  baseInputRepository: String
  modelReference: String
  controlFileName: String
  stateFile: String
  quickTry: Boolean
  retentionPolicy: String
  numIterations: String
  serverName: String
  devTestMode: String
  isHistoricRun: String
  isPriorityRun: String
  moduloOfYearToConfigForFYR: String
  originMarketScenarioGlobalId: String
  simulationMode: String
}

type Scenario {
  scenarioGlobalId: String!
  name: String!
  description: String
  regionGroupCode: String!
  publishType: String
  publicationDate: String
  scenarioRunStatus: ScenarioRunStatus!
  scenarioTransformStatus: ScenarioTransformStatus
  inputTypesSupported: InputTypesSupported
  scenarioType: ScenarioOwner!
  scenarioRunType: ScenarioRunType
  useExogifiedInputs: Boolean
  projectGlobalId: String
  scenarioInputsAvailable: Boolean
  scenarioOutputsAvailable: Boolean
  scenarioLaunchable: Boolean
  baseInputReference: String
  baseInputReferenceType: String
  runStartedAtUTC: String
  runCompletedAtUTC: String
  launchedByUserName: String
  modelPriceSpikiness: ModelPriceSpikiness
  years: [Int]
  weatherYear: Int
  supportsExogenousInputs: String
  modelType: ModelType
  lastUpdated: String
  runDetails: JSON
  defaultCurrency: String
  sensitivity: String
  regions: JSON
  baseScenarioGlobalId: String
  appReleaseStatus: JSON
  launchedByEmail: String
  userInputReference: String
  userInputRepository: String
  inputImportStatus: String
  currencies: JSON
  advancedSettings: AdvancedSettings
}

type Project {
  projectGlobalId: String!
  name: String!
  description: String
  productId: String
  productName: String
  isProjectPinned: Boolean!
  lastUpdated: String
  scenarios: [Scenario!]
}

type Config {
  regionGroups: JSON
  currencies: JSON
  sensitivities: JSON
  products: JSON
  isAuthor: Boolean
  isAdvancedUser: Boolean
  appsSupported: JSON
}

type WeatherYearList {
  years: [Int!]!
}

type Query {
  getScenarios(filter: ScenarioFilter): [Scenario!]!
  getProjects: [Project!]!
  getProject(projectGlobalId: String!): Project
  getConfig: Config!
  getWeatherYearList(scenarioGlobalId: String!): WeatherYearList
}

type Mutation {
  createScenario(scenario: InputScenario!): Scenario
  updateScenario(scenario: UpdateScenarioInput!): Scenario
  deleteScenario(scenarioGlobalId: String!): Boolean
  launchScenario(scenarioGlobalId: String!): Scenario
  createProject(project: InputProject!): Project
  updateProject(project: UpdateProjectInputGroup!): Project
  deleteProject(projectGlobalId: String!): Boolean
  createProjectPin(projectGlobalId: String!): Boolean
  deleteProjectPin(projectGlobalId: String!): Boolean
}
"""


@lru_cache(maxsize=1)
def build() -> GraphQLSchema:
    """The scenario service's schema (built once; resolvers are attached by ``resolvers``).

    Returns:
        A schema whose ``JSON`` scalar behaves like ``_gql.JSONScalar``.

    Example:
        >>> "getScenarios" in build().query_type.fields
        True
    """
    schema = build_schema(SDL)
    json_type = schema.type_map["JSON"]
    assert isinstance(json_type, GraphQLScalarType)
    json_type.serialize = JSONScalar.serialize  # type: ignore[method-assign]
    json_type.parse_value = JSONScalar.parse_value  # type: ignore[method-assign]
    json_type.parse_literal = JSONScalar.parse_literal  # type: ignore[method-assign]
    return schema
