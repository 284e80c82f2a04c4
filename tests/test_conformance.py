"""Conformance: every public method of the official client, driven against a target.

The target is the emulator, and (live mode) the real Origin API. Each test drives
the official client ``auroraer-origin-sdk`` 0.33.0 unchanged and checks what its own
code needs from the answer: the keys it reads, list or object, and the types its
TypedDicts declare (validated with pydantic's ``TypeAdapter`` in strict JSON mode;
every TypedDict is relaxed to "keys optional, values nullable", since the official
TypedDicts say nothing reliable about nullability and each selects a subset of keys).

Live mode (docs/fidelity.md): ``pytest -m live`` or ``pytest --origin-live`` with a
token in ``AURORA_API_KEY`` or ``~/.aurora-api-key``; read-only unless
``--origin-live-writes``, and then writing only inside a scratch project the run
creates and deletes. Without a token the live tests skip.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional, Union, get_args, get_origin, get_type_hints

import pytest
import requests
from helpers import TOKEN
from origin_sdk.OriginSession import OriginSession
from origin_sdk.service.InputsEditor import InputsEditor
from origin_sdk.service.Project import Project
from origin_sdk.service.Scenario import Scenario
from origin_sdk.types.error_types import ProjectProductNotFound
from origin_sdk.types.input_types import (
    InputsDemand,
    InputsSession,
    TechnologyNames,
    VariableValuesWithTransform,
)
from origin_sdk.types.project_types import ProjectSummaryType, ProjectType
from origin_sdk.types.scenario_types import ScenarioSummaryType, ScenarioType
from pydantic import TypeAdapter
from typing_extensions import TypedDict, is_typeddict

from origin_frames import OriginFrames
from origin_frames.emulator import Emulator

# -- the coverage registry ----------------------------------------------------------------
COVERED: set[str] = set()
CLASSES = {
    "OriginSession": OriginSession,
    "Scenario": Scenario,
    "Project": Project,
    "InputsEditor": InputsEditor,
}


def covers(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers the official client's methods a conformance test drives."""

    def mark(test: Callable[..., Any]) -> Callable[..., Any]:
        COVERED.update(methods)
        return test

    return mark


def public_methods() -> set[str]:
    """Every public method (static ones too) defined by the official client's four classes."""
    return {
        f"{label}.{name}"
        for label, cls in CLASSES.items()
        for name, value in vars(cls).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, staticmethod))
    }


# -- TypedDict validation -------------------------------------------------------------------
_RELAXED: dict[Any, Any] = {}


def _relax(tp: Any) -> Any:
    """The TypedDict (recursively) with every key optional and every value nullable."""
    if is_typeddict(tp):
        if tp not in _RELAXED:
            hints = get_type_hints(tp)
            fields = {k: Optional[_relax(v)] for k, v in hints.items()}  # noqa: UP045
            _RELAXED[tp] = TypedDict(tp.__name__, fields, total=False)  # type: ignore[operator]
        return _RELAXED[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _relax(args[0])
    if origin is list:
        return list[_relax(args[0])]  # type: ignore[misc]
    if origin is dict:
        return dict[args[0], _relax(args[1])]  # type: ignore[misc]
    if origin is Union:
        return Union[tuple(_relax(a) for a in args)]  # noqa: UP007
    return tp


def conforms(declared: Any, answer: Any) -> Any:
    """Validates an answer against the official client's declared type (strict JSON mode)."""
    return TypeAdapter(_relax(declared)).validate_json(json.dumps(answer), strict=True)


def assert_cells(cells: Any, *, yearly: bool = True) -> None:
    """Input cells as the official fragments select them, typed as VariableValuesWithTransform."""
    assert isinstance(cells, list) and cells, cells
    conforms(list[VariableValuesWithTransform], cells)
    for cell in cells:
        assert {"original", "validationWarnings", "validationErrors", "transform"} <= set(cell)
        if yearly:
            assert isinstance(cell["year"], int)


def assert_rows(rows: Any, variables: list[str]) -> None:
    """``variables { year <v> {...} }`` rows: a year and one cell per selected variable."""
    assert isinstance(rows, list) and rows
    for row in rows:
        assert isinstance(row["year"], int)
        cells = [row[v] for v in variables if row.get(v) is not None]
        if cells:
            conforms(list[VariableValuesWithTransform], cells)


# -- targets ----------------------------------------------------------------------------------
@dataclass
class Target:
    """Where the conformance tests point the official client."""

    name: str  # "emulator" or "live"
    session: OriginSession
    writes: bool
    region: str
    token: str

    @property
    def live(self) -> bool:
        return self.name == "live"

    def frames(self) -> OriginFrames:
        """Our client, bound to the same services."""
        return OriginFrames(
            self.token,
            self.session.scenario_service_url,
            self.session.inputs_service_url,
            progress=False,
        )


def _live_token() -> str | None:
    """The official client's token sources: ``AURORA_API_KEY``, then ``~/.aurora-api-key``."""
    token = os.environ.get("AURORA_API_KEY")
    if token:
        return token.strip()
    path = Path.home() / ".aurora-api-key"
    if path.exists():
        return path.read_text().strip() or None
    return None


def _live_target(config: pytest.Config) -> Target:
    token = _live_token()
    if token is None:
        pytest.skip("live mode needs a token: set AURORA_API_KEY or write ~/.aurora-api-key")
    session = OriginSession({"token": token})  # endpoints: the official defaults / env
    return Target(
        "live",
        session,
        writes=bool(config.getoption("--origin-live-writes")),
        region=os.environ.get("ORIGIN_LIVE_REGION", "gbr"),
        token=token,
    )


def _live_requested(config: pytest.Config) -> bool:
    """``--origin-live``, or a ``-m`` expression naming the live marker."""
    return bool(config.getoption("--origin-live")) or "live" in (
        config.getoption("markexpr") or ""
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Targets: the emulator always; the live API only when live mode is asked for."""
    if "target" in metafunc.fixturenames:
        params: list[Any] = ["emulator"]
        if _live_requested(metafunc.config):
            params.append(pytest.param("live", marks=pytest.mark.live))
        metafunc.parametrize("target", params, indirect=True, scope="module")


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "live":
        return _live_target(request.config)
    emu: Emulator = request.getfixturevalue("running_emulator")
    emu.reset()
    session = OriginSession(
        {
            "token": TOKEN,
            "scenario_base_url": emu.scenario_base_url,
            "inputs_base_url": emu.inputs_base_url,
        }
    )
    return Target("emulator", session, writes=True, region="gbr", token=TOKEN)


@pytest.fixture(scope="module")
def published(target: Target) -> Scenario:
    """The newest published Central scenario of the target's region group."""
    return Scenario.get_latest_scenario_from_region(target.session, target.region, "central")


@pytest.fixture(scope="module")
def scratch_project(target: Target) -> Iterator[Project]:
    """A project this run creates and deletes (the only place writes happen in live mode)."""
    if not target.writes:
        pytest.skip("read-only live run: pass --origin-live-writes to run the writing tests")
    name = f"origin-frames-conformance-{uuid.uuid4().hex[:12]}"
    project = Project.get_or_create_project_by_name(
        target.session, name, {"description": "conformance run (deleted at the end)"}
    )
    yield project
    for scenario in target.session.get_project(project.project_id).get("scenarios") or []:
        target.session.delete_scenario(scenario["scenarioGlobalId"])
    target.session.delete_project(project.project_id)


@pytest.fixture(scope="module")
def scratch(target: Target, scratch_project: Project, published: Scenario) -> str:
    """A tenanted copy of the published scenario inside the scratch project."""
    scenario = scratch_project.create_scenario(
        {"name": "conformance copy", "baseScenarioGlobalId": published.scenario_id}
    )
    return scenario.scenario_id


def _config(target: Target) -> dict[str, Any]:
    """The official client's cached inputs ``getConfig`` (it builds its documents from it)."""
    return target.session._OriginSession__get_inputs_config()  # type: ignore[attr-defined,no-any-return]


# -- scenario service: catalogue --------------------------------------------------------------
@covers("OriginSession.get_aurora_scenarios")
def test_published_catalogue_answers_scenario_summaries(target: Target) -> None:
    listed = target.session.get_aurora_scenarios(target.region)
    assert isinstance(listed, list) and listed
    conforms(list[ScenarioSummaryType], listed)
    for s in listed:
        assert s["scenarioType"] == "AURORA_SCENARIO"
        assert s["regionGroupCode"].lower() == target.region
        # Scenario.get_latest_scenario_from_region sorts on exactly this expression.
        datetime.fromisoformat(s["publicationDate"].replace("Z", ""))
        assert isinstance(s["regions"], dict)


def test_published_catalogue_has_quarterly_history_back_to_2022(target: Target) -> None:
    groups = (
        [target.region] if target.live else list(target.session._get_regions()["regionGroups"])
    )
    for code in groups:
        listed = target.session.get_aurora_scenarios(code)
        names = {s["name"] for s in listed}
        years = {int(s["publicationDate"][:4]) for s in listed}
        assert min(years) <= 2022, (code, sorted(years))
        if not target.live:
            assert {"Central Apr 2022", "Net Zero Apr 2022"} <= names
            assert years == {2022, 2023, 2024, 2025, 2026}
            ids = {s["scenarioGlobalId"] for s in listed}
            assert ids == {s["scenarioGlobalId"] for s in target.session.get_aurora_scenarios(code)}


@covers(
    "OriginSession.get_scenario_by_id",
    "Scenario.get",
    "Scenario.refresh",
    "Scenario.get_downloadable_regions",
    "Scenario.get_scenario_regions",
    "Scenario.get_scenario_region",
)
def test_scenario_details_answer_the_full_scenario(target: Target, published: Scenario) -> None:
    detail = target.session.get_scenario_by_id(published.scenario_id)
    conforms(ScenarioType, detail)
    assert detail["scenarioGlobalId"] == published.scenario_id
    assert published.refresh().get("name") == detail["name"]
    regions = published.get_downloadable_regions()
    assert regions and all(isinstance(r, str) for r in regions)
    every = published.get_scenario_regions()
    assert set(regions) <= set(every)
    for code, meta in every.items():
        assert meta["regionCode"] == code
        assert meta["metaUrl"] and meta["dataUrlBase"]
    assert published.get_scenario_region(regions[0]) == every[regions[0]]
    for run in detail["runDetails"] or []:
        assert isinstance(run["runGlobalId"], str)


@covers("Scenario.get_latest_scenario_from_region")
def test_latest_scenario_helper_picks_the_newest(target: Target, published: Scenario) -> None:
    newest = Scenario.get_latest_scenario_from_region(target.session, target.region)
    assert newest.get("publicationDate") >= published.get("publicationDate")
    assert "central" in published.get("name").lower()


@covers("OriginSession.get_weather_year_list")
def test_weather_years_are_a_list_of_ints(target: Target, published: Scenario) -> None:
    years = target.session.get_weather_year_list(published.scenario_id)
    assert isinstance(years, list) and all(isinstance(y, int) for y in years)


@covers(
    "OriginSession.get_meta_json",
    "Scenario.get_download_types",
    "Scenario.get_download_years",
    "Scenario.get_scenario_data_download_url",
    "Scenario.get_scenario_data_csv",
    "Scenario.get_scenario_dataframe",
)
def test_output_downloads_follow_the_meta_json(target: Target, published: Scenario) -> None:
    region = published.get_downloadable_regions()[0]
    meta = target.session.get_meta_json(published.get_scenario_region(region)["metaUrl"])
    assert isinstance(meta["dataDefinitions"], list)
    types = published.get_download_types(region)
    assert {"type": "system", "granularity": "1y"}.items() <= types[0].items() or any(
        t["type"] == "system" and t["granularity"] == "1y" for t in types
    )
    assert all(isinstance(y, int) for y in published.get_download_years(region))
    url = published.get_scenario_data_download_url(region, "system", "1y")
    assert url.startswith("http")
    csv = published.get_scenario_data_csv(region, "system", "1y", force_no_cache=True)
    assert len(csv.splitlines()) > 2  # names row, units row, data
    frame = published.get_scenario_dataframe(region, "system", "1y")
    assert frame.columns.nlevels == 2 and len(frame) > 0


@covers("OriginSession.get_model_files", "OriginSession.get_model_file_download_url")
def test_model_files_list_per_run_and_download_through_a_redirect(
    target: Target, published: Scenario
) -> None:
    files = target.session.get_model_files(published.scenario_id)
    assert isinstance(files, dict)
    if target.live and not files:
        pytest.skip("model files are internal-only on the live service (non-200 answers)")
    run_types = {run["runType"] for run in published.get("runDetails")}
    assert set(files) <= run_types and files
    listing = next(iter(files.values()))
    assert isinstance(listing, dict)
    # The official client does not read inside the listing: its shape is our assumption
    # (docs/fidelity.md), checked here so a live run shows whether it holds.
    first = listing["files"][0]
    url = target.session.get_model_file_download_url(first["fileUrl"])
    assert url.startswith("http") and url != first["fileUrl"]
    assert requests.get(url, timeout=30).status_code == 200
    if not target.live:
        assert "/files/model/" in url and "signature=" in url
        assert requests.get(url, timeout=10).content.startswith(b"# ")


@covers("OriginSession.get_project_product_id")
def test_products_are_several_and_resolve_by_id_or_name(target: Target) -> None:
    products = target.session._OriginSession__get_dash_config()["products"]  # type: ignore[attr-defined]
    assert len(products) >= 4  # the official client's own checks index the fourth
    for product in products:
        assert {"productId", "name"} <= set(product)
    fourth = products[3]
    by_id = target.session.get_project_product_id(fourth["productId"])
    assert by_id == fourth["productId"]
    assert target.session.get_project_product_id(fourth["name"]) == by_id
    with pytest.raises(ProjectProductNotFound):
        target.session.get_project_product_id("no such product")


# -- scenario service: projects and scenarios (writes) ---------------------------------------
@covers(
    "OriginSession.create_project",
    "OriginSession.get_projects",
    "OriginSession.get_project",
    "OriginSession.update_project",
    "OriginSession.pin_project",
    "OriginSession.unpin_project",
    "Project.get_or_create_project_by_name",
    "Project.get_project_by_name",
    "Project.get",
    "Project.refresh",
    "Project.pin",
    "Project.unpin",
)
def test_project_reads_updates_and_pins(target: Target, scratch_project: Project) -> None:
    listed = target.session.get_projects()
    conforms(list[ProjectSummaryType], listed)
    assert scratch_project.project_id in {p["projectGlobalId"] for p in listed}
    found = Project.get_project_by_name(target.session, scratch_project.get("name"))
    assert found.project_id == scratch_project.project_id
    again = Project.get_or_create_project_by_name(target.session, scratch_project.get("name"))
    assert again.project_id == scratch_project.project_id
    conforms(ProjectType, target.session.get_project(scratch_project.project_id))
    products = target.session._OriginSession__get_dash_config()["products"]  # type: ignore[attr-defined]
    updated = target.session.update_project(
        {"projectGlobalId": scratch_project.project_id, "productId": products[0]["name"]}
    )
    conforms(ProjectSummaryType, updated)
    assert str(updated["productId"]) == str(products[0]["productId"])
    assert scratch_project.pin().refresh().get("isProjectPinned") is True
    assert scratch_project.unpin().refresh().get("isProjectPinned") is False
    target.session.pin_project(scratch_project.project_id)
    target.session.unpin_project(scratch_project.project_id)
    assert scratch_project.refresh().get("isProjectPinned") is False


@covers("OriginSession.delete_project", "Project.create")
def test_created_project_answers_a_summary_and_can_be_deleted(target: Target) -> None:
    if not target.writes:
        pytest.skip("read-only live run: pass --origin-live-writes to run the writing tests")
    project = Project.create(
        target.session, {"name": f"origin-frames-conformance-del-{uuid.uuid4().hex[:8]}"}
    )
    conforms(ProjectType, project.project)
    assert target.session.delete_project(project.project_id) is True
    assert project.project_id not in {p["projectGlobalId"] for p in target.session.get_projects()}


@covers(
    "OriginSession.create_scenario",
    "OriginSession.update_scenario",
    "OriginSession.delete_scenario",
    "Project.create_scenario",
    "Project.get_scenario_by_name",
    "Project.get_or_create_scenario_by_name",
)
def test_scenario_create_update_delete(
    target: Target, scratch_project: Project, published: Scenario
) -> None:
    created = target.session.create_scenario(
        {
            "projectGlobalId": scratch_project.project_id,
            "name": "conformance temp",
            "baseScenarioGlobalId": published.scenario_id,
        }
    )
    conforms(ScenarioType, created)
    sid = created["scenarioGlobalId"]
    assert created["scenarioType"] == "TENANTED_SCENARIO"
    updated = target.session.update_scenario({"scenarioGlobalId": sid, "description": "edited"})
    conforms(ScenarioType, updated)
    assert updated["description"] == "edited"
    assert scratch_project.get_scenario_by_name("CONFORMANCE TEMP").scenario_id == sid
    base = published.scenario_id
    same = scratch_project.get_or_create_scenario_by_name("conformance temp", base)
    assert same.scenario_id == sid
    made = scratch_project.get_or_create_scenario_by_name("conformance other", base)
    assert made.scenario_id != sid and made.get("baseScenarioGlobalId") == published.scenario_id
    for doomed in (sid, made.scenario_id):
        assert target.session.delete_scenario(doomed) is True
    with pytest.raises(IndexError):
        target.session.get_scenario_by_id(sid)


@covers("OriginSession.launch_scenario")
def test_launch_runs_to_complete_with_outputs_and_model_files(
    target: Target, scratch_project: Project, published: Scenario
) -> None:
    if target.live:
        pytest.skip("launching runs the real model: not done by the conformance run")
    scenario = scratch_project.create_scenario(
        {"name": "conformance launch", "baseScenarioGlobalId": published.scenario_id}
    )
    launched = target.session.launch_scenario(scenario.scenario_id)
    conforms(ScenarioType, launched)
    assert launched["scenarioRunStatus"] in ("Queued", "Running", "Complete")
    deadline = time.monotonic() + 10
    while scenario.refresh().get("scenarioRunStatus") != "Complete":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    region = scenario.get_downloadable_regions()[0]
    assert scenario.get_scenario_data_csv(region, "system", "1y").count("\n") > 2
    files = target.session.get_model_files(scenario.scenario_id)
    assert set(files) == {scenario.get("runDetails")[0]["runType"]}


# -- inputs service: reads ---------------------------------------------------------------------
@covers("OriginSession.get_inputs_session", "InputsEditor.refresh")
def test_inputs_session_has_default_and_commodities_groups(
    target: Target, published: Scenario
) -> None:
    editor = InputsEditor(published.scenario_id, target.session)
    info = editor.inputs_session
    conforms(InputsSession, info)
    groups = info["dataGroups"]
    assert {"default", "commodities"} <= set(groups)
    assert all(isinstance(g["reference"], str) for g in groups.values())
    assert groups["commodities"]["reference"] == groups["default"]["reference"]
    editor.refresh()
    assert editor.inputs_session["meta"]["sessionId"] == published.scenario_id


@covers(
    "OriginSession.get_technology_names",
    "OriginSession.get_technology",
    "InputsEditor.get_technology_names",
    "InputsEditor.get_supply_technology",
)
def test_technology_names_and_technology_documents(target: Target, published: Scenario) -> None:
    editor = InputsEditor(published.scenario_id, target.session)
    names = editor.get_technology_names()
    conforms(TechnologyNames, names)
    assert editor.get_technology_names() is names  # cached by the editor
    region = next(iter(names))
    tech = next(iter(names[region]))
    doc = editor.get_supply_technology(tech, region)
    assert doc["name"] == tech and doc["region"] == region
    assert isinstance(doc["isRenewable"], bool)
    for plant in ("getExogenous", "getEndogenous"):
        if doc[plant] is None:
            continue
        for cells in doc[plant]["parameters"].values():
            if cells:
                assert_cells(cells)
    same = target.session.get_technology(published.scenario_id, tech, region)
    assert same["name"] == tech


@covers(
    "OriginSession.get_demand_regions",
    "OriginSession.get_demand",
    "InputsEditor.get_demand_regions",
    "InputsEditor.get_demand_for_region",
)
def test_demand_documents(target: Target, published: Scenario) -> None:
    editor = InputsEditor(published.scenario_id, target.session)
    regions = editor.get_demand_regions()
    assert regions and all(isinstance(r, str) for r in regions)
    system, tech = (
        [v["name"] for v in _config(target)["demand"][k]]
        for k in ("demandVariables", "demandTechnologyVariables")
    )
    demand = target.session.get_demand(published.scenario_id, {"region": regions[0]})
    conforms(list[InputsDemand], demand)
    one = editor.get_demand_for_region(regions[0])
    assert one["region"] == regions[0]
    assert_rows(one["variables"], system)
    for doc in one["technologies"]:
        assert isinstance(doc["originTechnology"]["original"], str)
        assert_rows(doc["variables"], tech)


@covers("OriginSession.get_demand_technologies", "InputsEditor.get_demand_technologies")
def test_demand_technology_documents_carry_original_wrappers(
    target: Target, published: Scenario
) -> None:
    # The declared List[InputsDemand] contradicts the document the client sends
    # (region { original }): the document wins (docs/fidelity.md).
    docs = InputsEditor(published.scenario_id, target.session).get_demand_technologies()
    assert isinstance(docs, list) and docs
    tech = [v["name"] for v in _config(target)["demand"]["demandTechnologyVariables"]]
    for doc in docs:
        for key in ("region", "technology", "originTechnology"):
            assert isinstance(doc[key]["original"], str)
        assert_rows(doc["variables"], tech)


@covers("OriginSession.get_demand_technology_names")
def test_demand_technology_names_frame_works_whatever_the_names_query_answers(
    target: Target, published: Scenario
) -> None:
    sid = published.scenario_id
    full = target.session.get_demand_technologies(sid)
    expected = {(d["region"]["original"], d["originTechnology"]["original"]) for d in full}
    try:
        names = target.session.get_demand_technology_names(sid)
    except Exception as exc:  # the official client raises the errors list as-is
        errors = exc.args[0]
        assert len(errors) == 1 and errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    else:
        assert target.live, "the emulator refuses the names-only selection"
        got = {(d["region"]["original"], d["originTechnology"]["original"]) for d in names}
        assert got == expected
    with target.frames() as client:
        frame = client.get_demand_technology_names(sid)
    pairs = zip(frame.index.get_level_values("region"), frame["origin_technology"], strict=True)
    assert set(pairs) == expected


@covers("OriginSession.get_commodities", "InputsEditor.get_commodities")
def test_commodity_documents_per_commodity(target: Target, published: Scenario) -> None:
    editor = InputsEditor(published.scenario_id, target.session)
    average = editor.get_commodities()
    assert isinstance(average, list) and average
    for doc in average:
        assert isinstance(doc["commodity"], str) and isinstance(doc["regions"], list)
        assert_cells(doc["prices"])
    regions = average[0]["regions"]
    name = average[0]["commodity"]
    single = editor.get_commodities(regions=[regions[0]], commodities=[name])
    assert [d["regions"] for d in single] == [[regions[0]]]
    pair = editor.get_commodities(regions=regions[:2], commodities=[name])
    if not target.live:
        assert [d["regions"] for d in pair] == [regions[:2]]  # one document over both
    # Our client reads either shape: one alias per region, values equal the official ones.
    with target.frames() as client:
        frame = client.commodities(published.scenario_id, regions=regions[:2], commodities=[name])
    for region in regions[:2]:
        official = editor.get_commodities(regions=[region], commodities=[name])[0]["prices"]
        ours = frame.xs(region, level="region")["original"].tolist()
        assert ours == pytest.approx([c["original"] for c in official])


@covers("OriginSession.get_interconnectors_connections", "OriginSession.get_interconnectors")
def test_interconnector_documents(target: Target, published: Scenario) -> None:
    sid = published.scenario_id
    connections = target.session.get_interconnectors_connections(sid)
    assert isinstance(connections, dict)
    if not connections:
        pytest.skip("this region group has no interconnectors")
    region, others = next(iter(connections.items()))
    docs = target.session.get_interconnectors(sid, region, others[0])
    assert isinstance(docs, list) and len(docs) == 1
    doc = docs[0]
    assert set(doc["ends"]) == {region, others[0]} and {doc["from"], doc["to"]} == set(doc["ends"])
    assert isinstance(doc["asymmetric"]["original"], bool)
    variables = [v["name"] for v in _config(target)["interconnectors"]["variables"]]
    assert_rows(doc["variables"], variables)


@covers("OriginSession.get_workbook_download_url")
def test_workbook_download_url_serves_a_file(target: Target, published: Scenario) -> None:
    url = target.session.get_workbook_download_url(published.scenario_id)
    assert isinstance(url, str) and url.startswith("http")
    if not target.live:
        assert requests.get(url, timeout=10).status_code == 200


# -- inputs service: updates (scratch scenario) ------------------------------------------------
def _editable_parameter(target: Target, doc: dict[str, Any], plant: str) -> str | None:
    """A yearly parameter of a plant that is neither locked nor read-only, with cells."""
    technology = _config(target)["technology"]
    locked = {p["name"] for p in technology["parameters"] if p.get("lock")}
    read_only: set[str] = set()
    for definition in technology["definitions"]:
        if definition["name"] == doc["name"]:
            read_only = set(definition.get("readOnlyParameters") or [])
    for name, cells in (doc[plant] or {}).get("parameters", {}).items():
        if cells and name not in locked | read_only and cells[0].get("month") is None:
            return str(name)
    return None


@covers(
    "OriginSession.update_technology_exogenous",
    "OriginSession.update_technology_endogenous",
    "InputsEditor.update_exogenous_technology_variable",
    "InputsEditor.update_endogenous_technology_variable",
)
def test_technology_updates_answer_the_plant_subtree(target: Target, scratch: str) -> None:
    editor = InputsEditor(scratch, target.session)
    names = editor.get_technology_names()
    region = next(iter(names))
    tech = next(iter(names[region]))
    doc = editor.get_supply_technology(tech, region)
    year = doc["getExogenous"]["parameters"][next(iter(doc["getExogenous"]["parameters"]))][0][
        "year"
    ]
    tx = [{"year": year, "transform": {"type": "Percentage", "value": 1.0}}]
    exo = _editable_parameter(target, doc, "getExogenous")
    assert exo is not None
    answer = editor.update_exogenous_technology_variable(tech, exo, tx, region)
    # One key ("parameters") in the answer: the official decorator dives into it.
    assert_cells(answer[exo])
    assert target.session.update_technology_exogenous(scratch, tech, exo, tx, region)[exo]
    endo = _editable_parameter(target, doc, "getEndogenous")
    if endo is None:
        pytest.skip(f"{tech} has no editable endogenous parameter")
    answer = editor.update_endogenous_technology_variable(tech, endo, tx, region)
    assert set(answer) == {"parameters", "definitions"}
    assert_cells(answer["parameters"][endo])
    assert target.session.update_technology_endogenous(scratch, tech, endo, tx, region)


@covers(
    "OriginSession.update_system_demand",
    "OriginSession.update_demand_technology_variable",
    "InputsEditor.update_system_demand_variable",
    "InputsEditor.update_demand_technology_variable",
)
def test_demand_updates_answer_demand_documents(target: Target, scratch: str) -> None:
    editor = InputsEditor(scratch, target.session)
    region = editor.get_demand_regions()[0]
    tx = [{"year": 2030, "transform": {"type": "Percentage", "value": 1.0}}]
    system = [v["name"] for v in _config(target)["demand"]["demandVariables"]]
    answer = editor.update_system_demand_variable(region, "baseDemand", tx)
    conforms(InputsDemand, answer)
    assert_rows(answer["variables"], system)
    assert target.session.update_system_demand(scratch, [region], "baseDemand", tx)["region"]
    tech = editor.get_demand_for_region(region)["technologies"][0]["originTechnology"]["original"]
    variable = _config(target)["demand"]["demandTechnologyVariables"][0]["name"]
    docs = editor.update_demand_technology_variable(region, tech, variable, tx)
    assert isinstance(docs, list) and docs[0]["originTechnology"]["original"] == tech
    again = target.session.update_demand_technology_variable(scratch, region, tech, variable, tx)
    assert again[0]["region"]["original"] == region


@covers("OriginSession.update_commodity_price", "InputsEditor.update_commodity_price")
def test_commodity_update_answers_one_commodity_document(target: Target, scratch: str) -> None:
    editor = InputsEditor(scratch, target.session)
    average = editor.get_commodities()
    name, regions = average[0]["commodity"], average[0]["regions"][:2]
    tx = [{"year": 2030, "transform": {"type": "Percentage", "value": 5.0}}]
    answer = editor.update_commodity_price(name, regions, tx)
    # The official client hands this object to the caller, who reads ["prices"].
    assert isinstance(answer, dict) and answer["commodity"] == name
    assert_cells(answer["prices"])
    assert sorted(answer["regions"]) == sorted(regions)
    again = target.session.update_commodity_price(scratch, name, regions[:1], tx)
    assert again["regions"] == regions[:1]


@covers(
    "OriginSession.change_base_commodities_assumptions",
    "InputsEditor.change_base_commodities_assumptions",
)
def test_rebase_points_commodities_at_the_reference_and_keeps_default(
    target: Target, scratch_project: Project, published: Scenario
) -> None:
    copy = scratch_project.create_scenario(
        {"name": "conformance rebase", "baseScenarioGlobalId": published.scenario_id}
    )
    editor = InputsEditor(copy.scenario_id, target.session)
    before = editor.inputs_session["dataGroups"]
    assert before["commodities"]["reference"] == before["default"]["reference"]
    others = [
        s["scenarioGlobalId"]
        for s in target.session.get_aurora_scenarios(target.region)
        if s["scenarioGlobalId"] != published.scenario_id
    ]
    result = editor.change_base_commodities_assumptions(others[0])
    assert result is not None
    editor.refresh()
    after = editor.inputs_session["dataGroups"]
    assert after["commodities"]["reference"] == others[0]
    assert after["default"]["reference"] == before["default"]["reference"]
    again = target.session.change_base_commodities_assumptions(copy.scenario_id, others[1])
    assert again is not None


@covers("OriginSession.update_interconnectors")
def test_interconnector_update_answers_one_document(target: Target, scratch: str) -> None:
    connections = target.session.get_interconnectors_connections(scratch)
    if not connections:
        pytest.skip("this region group has no interconnectors")
    region, others = next(iter(connections.items()))
    doc = target.session.get_interconnectors(scratch, region, others[0])[0]
    variable = _config(target)["interconnectors"]["variables"][0]["name"]
    tx = [{"year": 2030, "transform": {"type": "Percentage", "value": 2.0}}]
    answer = target.session.update_interconnectors(scratch, doc["from"], doc["to"], variable, tx)
    assert isinstance(answer, dict) and (answer["from"], answer["to"]) == (doc["from"], doc["to"])
    assert_rows(answer["variables"], [variable])


# -- the loading state (emulator only: the window is an emulator option) -----------------------
def test_inputs_editor_is_built_at_once_while_the_session_loads(tmp_path: Path) -> None:
    with Emulator(not_ready_s=1.0) as emu:
        session = OriginSession(
            {
                "token": TOKEN,
                "scenario_base_url": emu.scenario_base_url,
                "inputs_base_url": emu.inputs_base_url,
            }
        )
        base = session.get_aurora_scenarios("gbr")[0]["scenarioGlobalId"]
        project = session.create_project({"name": "loading"})["projectGlobalId"]
        sid = session.create_scenario(
            {"projectGlobalId": project, "name": "fresh", "baseScenarioGlobalId": base}
        )["scenarioGlobalId"]
        started = time.monotonic()
        editor = InputsEditor(sid, session)
        assert time.monotonic() - started < 0.5
        groups = editor.inputs_session["dataGroups"]
        assert all(g["loading"] is True and g["loadingRequest"] for g in groups.values())
        raw = requests.post(
            f"{emu.inputs_base_url}/v1/graphql",
            json={
                "query": "query($s: String!) { getSession(sessionId: $s) { "
                "getTechnologyGroupings } }",
                "variables": {"s": sid},
            },
            headers={"Private-Token": TOKEN},
            timeout=10,
        ).json()
        assert [e["errorKey"] for e in raw["errors"]] == ["DataNotReady"]
        assert editor.get_technology_names()["gbr"]  # the official client retries by itself
        editor.refresh()
        assert not any(g["loading"] for g in editor.inputs_session["dataGroups"].values())


# -- the sweep is complete ---------------------------------------------------------------------
def test_every_public_method_of_the_official_client_is_driven() -> None:
    missing = public_methods() - COVERED
    assert not missing, f"no conformance test drives: {sorted(missing)}"
    assert COVERED <= public_methods(), sorted(COVERED - public_methods())
    assert len(COVERED) == 70  # 36 + 11 + 10 + 13 public methods in origin_sdk 0.33.0


def test_typed_dict_check_is_strict_about_types_and_lenient_about_nulls() -> None:
    # conforms() validates JSON text in strict mode: a bool where the TypedDict says str fails.
    with pytest.raises(ValueError, match="valid string"):
        conforms(ScenarioSummaryType, {"supportsExogenousInputs": True})
    with pytest.raises(ValueError, match="'Complete'"):
        conforms(ScenarioSummaryType, {"scenarioRunStatus": "Finished"})
    assert conforms(ScenarioSummaryType, {"supportsExogenousInputs": "true", "name": None})
