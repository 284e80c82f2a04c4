"""The scenario and project catalogues: listing, creating, editing, deleting, downloads' metadata.

Catalogue frames are indexed by their natural ids (``scenario_id``, ``project_id``), with
snake_case columns; scenario frames are flattened (:func:`_flat_scenarios`) so they print
and write to CSV readably. ``update_scenario`` / ``update_project`` also accept edited
catalogue rows: only the fields that differ from the server are sent
(:func:`catalogue_updates`). Mixed into ``OriginFrames``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _queries as q
from ._exceptions import ConfigurationError, NotFoundError, ValidationError
from ._frames import records_frame
from ._lazy import LazyModule

if TYPE_CHECKING:
    from . import schemas
    from ._config import Settings
    from ._transport import Service, Transport
else:  # pandera loads at the first validation, not at import
    schemas = LazyModule("origin_frames.schemas")

__all__ = ["PROJECT_EDITABLE", "SCENARIO_EDITABLE", "Catalogue", "catalogue_updates",
           "download_definitions_frame"]  # fmt: skip

_RENAMES = {
    "scenarioGlobalId": "scenario_id",
    "projectGlobalId": "project_id",
    "baseScenarioGlobalId": "base_scenario_id",
}
_SCENARIO_KINDS = {
    "regionGroupCode": "category",
    "publishType": "category",
    "publicationDate": "datetime",
    "scenarioRunStatus": "category",
    "scenarioTransformStatus": "category",
    "inputTypesSupported": "category",
    "scenarioType": "category",
    "scenarioRunType": "category",
    "useExogifiedInputs": "bool",
    "scenarioInputsAvailable": "bool",
    "scenarioOutputsAvailable": "bool",
    "scenarioLaunchable": "bool",
    "supportsExogenousInputs": "bool",
    "modelType": "category",
    "defaultCurrency": "category",
    "runStartedAtUTC": "datetime",
    "runCompletedAtUTC": "datetime",
    "lastUpdated": "datetime",
    "years": "object",
    "weatherYear": "object",
    "runDetails": "object",
    "modelPriceSpikiness": "object",
    "regions": "object",
    "currencies": "object",
    "advancedSettings": "object",
}


def _snake(name: str) -> str:
    """``runStartedAtUTC`` -> ``run_started_at_utc``; the id fields get short names."""
    if name in _RENAMES:
        return _RENAMES[name]
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _spec(fields: str, kinds: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Frame spec of a space-separated GraphQL field list (sub-selections dropped)."""
    names = re.sub(r"\{[^{}]*\}", " ", fields).split()
    return [(n, _snake(n), kinds.get(n, "str")) for n in names]


_SCENARIO_SUMMARY = _spec(q.SCENARIO_SUMMARY_FIELDS + " regions", _SCENARIO_KINDS)
_SCENARIO_DETAIL = _spec(q.SCENARIO_DETAIL_FIELDS, _SCENARIO_KINDS)
_PROJECT = _spec(
    "projectGlobalId name description productName productId isProjectPinned",
    {"isProjectPinned": "bool"},
)


class Catalogue:
    """Scenario, project and download-definition methods of ``OriginFrames``."""

    if TYPE_CHECKING:  # provided by OriginFrames, which this class is mixed into
        settings: Settings
        transport: Transport
        _lock: threading.Lock
        _dash_config: dict[str, Any] | None

        def _gql(self, service: Service, document: str,
                 variables: Mapping[str, Any] | None = None) -> dict[str, Any]: ...  # fmt: skip

    def _scenarios_frame(self, records: Any, detail: bool = False) -> pd.DataFrame:
        """Scenario records -> validated frame."""
        spec = _SCENARIO_DETAIL if detail else _SCENARIO_SUMMARY
        frame = _flat_scenarios(records_frame(records, spec, "scenario_id"))
        return schemas.validate(frame, schemas.Scenarios)

    def get_aurora_scenarios(self, region: str | None = None) -> pd.DataFrame:
        """Published Aurora scenarios, optionally of one region group.

        Args:
            region: Region-group code (``"gbr"``); None lists every group.

        Returns:
            One row per scenario, indexed by ``scenario_id`` (schema ``Scenarios``).

        Example:
            >>> client.get_aurora_scenarios("gbr")["name"].head(2)
            scenario_id
            ...    Central Oct 2026
            ...       High Oct 2026
            Name: name, dtype: ...
        """
        scenario_filter: dict[str, Any] = {"scenarioType": "AURORA_SCENARIO"}
        if region is not None:
            scenario_filter["regionGroupCode"] = region
        data = self._gql("scenario", q.GET_SCENARIOS, {"filter": scenario_filter})
        return self._scenarios_frame(data.get("getScenarios"))

    def get_scenario_by_id(self, scenario_id: str) -> pd.DataFrame:
        """One scenario's detail view.

        Args:
            scenario_id: The scenario id.

        Returns:
            A one-row frame indexed by ``scenario_id`` (detail columns included).

        Raises:
            NotFoundError: The scenario does not exist or is not visible.

        Example:
            >>> client.get_scenario_by_id(sid).loc[sid, "default_currency"]
            'gbp2024'
        """
        data = self._gql(
            "scenario", q.GET_SCENARIO_DETAILS, {"filter": {"scenarioGlobalId": scenario_id}}
        )
        records = data.get("getScenarios") or []
        if not records:
            raise NotFoundError(
                f"Scenario {scenario_id!r} was not found: list scenarios with "
                "get_aurora_scenarios() or get_project(project_id)."
            )
        return self._scenarios_frame(records[:1], detail=True)

    def create_scenario(self, scenario: Mapping[str, Any]) -> pd.DataFrame:
        """Creates a scenario (an ``InputScenario``: ``projectGlobalId``, ``name``, ...).

        Args:
            scenario: The ``InputScenario`` fields.

        Returns:
            The created scenario as a one-row detail frame.

        Example:
            >>> pid = client.create_project({"name": "Gas study"}).index[0]
            >>> made = client.create_scenario({"projectGlobalId": pid, "name": "Low gas",
            ...                                "baseScenarioGlobalId": published_id})
            >>> made["name"].tolist(), made["scenario_run_status"].tolist()
            (['Low gas'], ['NotLaunched'])
        """
        data = self._gql("scenario", q.CREATE_SCENARIO, {"scenario": dict(scenario)})
        return self._scenarios_frame([data["createScenario"]], detail=True)

    def update_scenario(self, scenario_update: Mapping[str, Any] | pd.DataFrame) -> pd.DataFrame:
        """Updates scenarios: one ``UpdateScenarioInput``, or a frame of edited rows.

        Args:
            scenario_update: ``{"scenarioGlobalId": id, <changed fields>}``, or rows of
                :meth:`get_scenario_by_id` / :meth:`get_aurora_scenarios` with edited
                columns: only the fields that differ from the server are sent.

        Returns:
            The updated scenarios as detail frames (empty when nothing changed).

        Raises:
            ValidationError: A frame edits a column that cannot change, or an unknown id.

        Example:
            >>> client.update_scenario({"scenarioGlobalId": sid, "name": "x"}).loc[sid, "name"]
            'x'
            >>> row = client.get_scenario_by_id(sid)
            >>> client.update_scenario(row.assign(name="Renamed")).loc[sid, "name"]
            'Renamed'
        """
        if isinstance(scenario_update, pd.DataFrame):
            ids = [str(i) for i in scenario_update.index]
            current = pd.concat([self.get_scenario_by_id(i) for i in ids]) if ids else None
            updates = (
                catalogue_updates(scenario_update, current, SCENARIO_EDITABLE, "scenarioGlobalId")
                if current is not None
                else []
            )
            frames = [self.update_scenario(u) for u in updates]
            return pd.concat(frames) if frames else self._scenarios_frame([], detail=True)
        data = self._gql("scenario", q.UPDATE_SCENARIO, {"scenario": dict(scenario_update)})
        return self._scenarios_frame([data["updateScenario"]], detail=True)

    def delete_scenario(self, scenario_id: str) -> pd.DataFrame:
        """Deletes a scenario.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row indexed by ``scenario_id`` with the service's ``result``.

        Example:
            >>> client.delete_scenario(sid).loc[sid, "result"]
            True
        """
        data = self._gql("scenario", q.DELETE_SCENARIO, {"scenarioGlobalId": scenario_id})
        return _result_frame("scenario_id", scenario_id, data.get("deleteScenario"))

    def launch_scenario(self, scenario_id: str) -> pd.DataFrame:
        """Launches a scenario run.

        Args:
            scenario_id: The scenario id.

        Returns:
            The scenario as a one-row detail frame (``scenario_run_status`` Queued).

        Example:
            >>> client.launch_scenario(sid).loc[sid, "scenario_run_status"]
            'Queued'
        """
        data = self._gql("scenario", q.LAUNCH_SCENARIO, {"scenarioGlobalId": scenario_id})
        return self._scenarios_frame([data["launchScenario"]], detail=True)

    def get_weather_year_list(self, scenario_id: str) -> list[int]:
        """Weather years supported by a scenario (empty when the feature is off).

        Args:
            scenario_id: The scenario id.

        Returns:
            The years.

        Example:
            >>> client.get_weather_year_list(sid)[:3]
            [2010, 2011, 2012]
        """
        data = self._gql("scenario", q.WEATHER_YEARS, {"scenarioGlobalId": scenario_id})
        return list((data.get("getWeatherYearList") or {}).get("years") or [])

    # -- projects -----------------------------------------------------------------------
    def _projects_frame(self, records: Any) -> pd.DataFrame:
        """Project records -> validated frame."""
        frame = records_frame(records, _PROJECT, "project_id")
        return schemas.validate(frame, schemas.Projects)

    def get_projects(self) -> pd.DataFrame:
        """The caller's projects.

        Returns:
            One row per project, indexed by ``project_id``.

        Example:
            >>> _ = client.create_project({"name": "Gas study"})
            >>> client.get_projects()["name"].tolist()
            ['Gas study']
        """
        return self._projects_frame(self._gql("scenario", q.GET_PROJECTS).get("getProjects"))

    def get_project(self, project_id: str) -> pd.DataFrame:
        """One project, with the ids of its scenarios.

        Args:
            project_id: The project id.

        Returns:
            A one-row frame indexed by ``project_id``; column ``scenario_ids`` lists the
            project's scenarios (read them with :meth:`get_project_scenarios`).

        Raises:
            NotFoundError: Unknown project.

        Example:
            >>> pid = client.create_project({"name": "Gas study"}).index[0]
            >>> client.get_project(pid).loc[pid, "name"]
            'Gas study'
        """
        data = self._gql("scenario", q.GET_PROJECT, {"projectId": project_id})
        record = data.get("getProject")
        if record is None:
            raise NotFoundError(f"Project {project_id!r} was not found: list get_projects().")
        frame = self._projects_frame([record])
        frame["scenario_ids"] = pd.Series(
            [[s["scenarioGlobalId"] for s in record.get("scenarios") or []]],
            index=frame.index,
            dtype=object,
        )
        return frame

    def get_project_scenarios(self, project_id: str) -> pd.DataFrame:
        """The scenarios of a project (summary view).

        Args:
            project_id: The project id.

        Returns:
            One row per scenario, indexed by ``scenario_id``.

        Example:
            >>> pid = client.get_scenario_by_id(sid).loc[sid, "project_id"]
            >>> client.get_project_scenarios(pid).index.tolist() == [sid]
            True
        """
        data = self._gql("scenario", q.GET_PROJECT, {"projectId": project_id})
        record = data.get("getProject") or {}
        spec = _spec(q.SCENARIO_SUMMARY_FIELDS, _SCENARIO_KINDS)
        frame = records_frame(record.get("scenarios"), spec, "scenario_id")
        return schemas.validate(frame, schemas.Scenarios)

    def _product_id(self, product: str | int) -> str:
        """A product id from an id or a name, like the official client."""
        with self._lock:
            config = self._dash_config
        if config is None:  # fetched outside the lock, as in inputs_config
            fetched = self._gql("scenario", q.DASH_CONFIG)["getConfig"]
            with self._lock:
                if self._dash_config is None:
                    self._dash_config = fetched
                config = self._dash_config
        products = config.get("products") or []
        for p in products:
            if str(product) in (str(p.get("productId")), p.get("name")):
                return str(p["productId"])
        raise ConfigurationError(
            f"Unknown product {product!r}: use one of "
            f"{[(p.get('productId'), p.get('name')) for p in products]}."
        )

    def create_project(self, project: Mapping[str, Any]) -> pd.DataFrame:
        """Creates a project (``name``, ``description``, ``productId`` as id or name).

        Args:
            project: The ``InputProject`` fields.

        Returns:
            The created project as a one-row frame.

        Example:
            >>> client.create_project({"name": "Gas", "productId": "SaaS"})["name"].tolist()
            ['Gas']
        """
        body = dict(project)
        if "productId" in body:
            body["productId"] = self._product_id(body["productId"])
        data = self._gql("scenario", q.CREATE_PROJECT, {"project": body})
        return self._projects_frame([data["createProject"]])

    def update_project(self, project_update: Mapping[str, Any] | pd.DataFrame) -> pd.DataFrame:
        """Updates projects: one ``UpdateProjectInputGroup``, or a frame of edited rows.

        Args:
            project_update: ``{"projectGlobalId": id, <changed fields>}`` (a product by
                id or name), or rows of :meth:`get_projects` with edited columns: only
                the fields that differ from the server are sent.

        Returns:
            The updated projects (empty when nothing changed).

        Raises:
            ValidationError: A frame edits a column that cannot change, or an unknown id.

        Example:
            >>> pid = client.create_project({"name": "Gas study"}).index[0]
            >>> client.update_project({"projectGlobalId": pid, "name": "Renamed"}).loc[pid, "name"]
            'Renamed'
            >>> projects = client.get_projects()
            >>> updated = client.update_project(projects.assign(description="Q3 study"))
            >>> updated.loc[pid, "description"]
            'Q3 study'
        """
        if isinstance(project_update, pd.DataFrame):
            updates = catalogue_updates(
                project_update, self.get_projects(), PROJECT_EDITABLE, "projectGlobalId"
            )
            frames = [self.update_project(u) for u in updates]
            return pd.concat(frames) if frames else self._projects_frame([])
        body = dict(project_update)
        if "productId" in body:
            body["productId"] = self._product_id(body["productId"])
        data = self._gql("scenario", q.UPDATE_PROJECT, {"project": body})
        return self._projects_frame([data["updateProject"]])

    def delete_project(self, project_id: str) -> pd.DataFrame:
        """Deletes a project.

        Args:
            project_id: The project id.

        Returns:
            One row indexed by ``project_id`` with the service's ``result``.

        Example:
            >>> pid = client.create_project({"name": "scratch"}).index[0]
            >>> client.delete_project(pid).loc[pid, "result"]
            True
        """
        data = self._gql("scenario", q.DELETE_PROJECT, {"projectGlobalId": project_id})
        return _result_frame("project_id", project_id, data.get("deleteProject"))

    def pin_project(self, project_id: str) -> pd.DataFrame:
        """Pins a project.

        Args:
            project_id: The project id.

        Returns:
            One row indexed by ``project_id`` with the service's ``result``.

        Example:
            >>> pid = client.create_project({"name": "Gas study"}).index[0]
            >>> client.pin_project(pid).loc[pid, "result"]
            True
        """
        data = self._gql("scenario", q.PIN_PROJECT, {"projectGlobalId": project_id})
        return _result_frame("project_id", project_id, data.get("createProjectPin"))

    def unpin_project(self, project_id: str) -> pd.DataFrame:
        """Unpins a project.

        Args:
            project_id: The project id.

        Returns:
            One row indexed by ``project_id`` with the service's ``result``.

        Example:
            >>> pid = client.create_project({"name": "Gas study"}).index[0]
            >>> _ = client.pin_project(pid)
            >>> client.unpin_project(pid).loc[pid, "result"]
            True
        """
        data = self._gql("scenario", q.UNPIN_PROJECT, {"projectGlobalId": project_id})
        return _result_frame("project_id", project_id, data.get("deleteProjectPin"))

    # -- downloads catalogue --------------------------------------------------------------
    def get_meta_json(self, meta_url: str) -> pd.DataFrame:
        """A region's download definitions (its meta JSON).

        Args:
            meta_url: The region's ``metaUrl`` (relative to the scenario base URL).

        Returns:
            One row per download, indexed by ``type, granularity, sub_type``; columns
            ``filename``, ``needs_year``, ``needs_node``. ``frame.attrs["years"]`` holds
            the years the region offers.

        Example:
            >>> detail = client.get_scenario_by_id(published_id)
            >>> meta_url = detail.attrs["regions"][published_id]["gbr"]["metaUrl"]
            >>> client.get_meta_json(meta_url).attrs["years"][:3]
            [2025, 2026, 2027]
        """
        url = f"{self.settings.scenario_base_url}/{meta_url.lstrip('/')}"
        meta = self.transport.get(url).json()
        return download_definitions_frame(meta)


_NESTED_SETTINGS = ("app_release_status", "advanced_settings")


def _flat_scenarios(frame: pd.DataFrame) -> pd.DataFrame:
    """Scenario frames without dict columns, so they print, and write to CSV, readably.

    ``regions`` becomes the comma-joined region codes and ``run_details`` the
    ``latest_run_id``; both originals stay in ``frame.attrs`` (keyed by scenario id).
    Settings objects become one column per field (``advanced_settings_quick_try``).
    """
    ids = frame.index.tolist()
    if "regions" in frame.columns:
        regions = frame.pop("regions").tolist()
        frame.attrs["regions"] = dict(zip(ids, regions, strict=True))
        frame["regions"] = pd.array([", ".join(r) if r else None for r in regions], dtype="str")
    if "run_details" in frame.columns:
        runs = frame.pop("run_details").tolist()
        frame.attrs["run_details"] = dict(zip(ids, runs, strict=True))
        frame["latest_run_id"] = pd.array([_latest_run(r) for r in runs], dtype="str")
    for column in _NESTED_SETTINGS:
        if column not in frame.columns:
            continue
        values = [v if isinstance(v, Mapping) else {} for v in frame.pop(column)]
        for key in dict.fromkeys(k for v in values for k in v):
            frame[f"{column}_{_snake(key)}"] = pd.Series(
                [v.get(key) for v in values], index=frame.index, dtype=object
            ).infer_objects()
    return frame


def _latest_run(runs: Any) -> str | None:
    """The id of the most recently started run of a ``runDetails`` list."""
    if not runs:
        return None
    latest = max(runs, key=lambda r: str(r.get("runStartedAtUTC") or ""))
    return latest.get("runGlobalId")


def _result_frame(index_name: str, key: str, result: Any) -> pd.DataFrame:
    """A one-row frame holding a mutation's scalar result."""
    index = pd.Index(pd.array([key], dtype="str"), name=index_name)
    return pd.DataFrame({"result": pd.Series([result], index=index, dtype=object)})


def download_definitions_frame(meta: Mapping[str, Any]) -> pd.DataFrame:
    """Download definitions frame from a meta JSON.

    Args:
        meta: ``{"dataDefinitions": [...], "years": [...]}``.

    Returns:
        The validated ``DownloadDefinitions`` frame, years in ``attrs["years"]``.

    Example:
        >>> download_definitions_frame({"dataDefinitions": [], "years": []}).shape
        (0, 3)
    """
    defs = meta.get("dataDefinitions") or []
    frame = pd.DataFrame(
        {
            "type": pd.array([d.get("type") for d in defs], dtype="str"),
            "granularity": pd.array([d.get("granularity") for d in defs], dtype="str"),
            "sub_type": pd.array([d.get("subType") for d in defs], dtype="str"),
            "filename": pd.array([d.get("filename") for d in defs], dtype="str"),
            "needs_year": np.array(["{year}" in (d.get("filename") or "") for d in defs], bool),
            "needs_node": np.array(["{nodename}" in (d.get("filename") or "") for d in defs],
                                   bool),
        }
    ).set_index(["type", "granularity", "sub_type"])  # fmt: skip
    frame = schemas.validate(frame, schemas.DownloadDefinitions)
    frame.attrs["years"] = list(meta.get("years") or [])
    return frame





# Editable fields of catalogue rows: frame column -> API input field.
SCENARIO_EDITABLE: dict[str, str] = {
    "name": "name",
    "description": "description",
    "use_exogified_inputs": "useExogifiedInputs",
    "default_currency": "defaultCurrency",
    "weather_year": "weatherYear",
    "model_price_spikiness": "modelPriceSpikiness",
    "user_input_reference": "userInputReference",
    "user_input_repository": "userInputRepository",
}
PROJECT_EDITABLE: dict[str, str] = {
    "name": "name",
    "description": "description",
    "product_id": "productId",
}


def _differs(before: Any, after: Any) -> bool:
    """Whether a catalogue field changed (nulls equal nulls; lists compared by value)."""
    if isinstance(before, list | tuple) or isinstance(after, list | tuple):
        return list(before or []) != list(after or [])
    before_na, after_na = pd.isna(before), pd.isna(after)
    if before_na or after_na:
        return bool(before_na) != bool(after_na)
    return bool(before != after)


def catalogue_updates(
    edited: pd.DataFrame,
    current: pd.DataFrame,
    editable: Mapping[str, str],
    id_field: str,
) -> list[dict[str, Any]]:
    """The update inputs that turn ``current`` rows into ``edited`` ones: changed fields only.

    Args:
        edited: Catalogue rows as returned by a getter, edited; indexed by id.
        current: The same rows as the server holds them now.
        editable: Frame column -> API field of the columns that may change.
        id_field: The API's id field (``scenarioGlobalId`` / ``projectGlobalId``).

    Returns:
        One input per row that changed, e.g. ``{"scenarioGlobalId": id, "name": "x"}``.

    Raises:
        ValidationError: unknown ids, or changes to columns that cannot be edited
            (every bad cell listed); nothing is sent.
    """
    problems: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row_id, row in edited.iterrows():  # catalogue frames have a handful of rows
        if row_id not in current.index:
            problems.append({
                "id": row_id, "column": None, "reason": "no such record on the server.",
                "fix": "edit rows read from the server; create new records with create_*.",
            })  # fmt: skip
            continue
        before = current.loc[row_id]
        change: dict[str, Any] = {}
        for column in row.index:
            if column not in before.index or not _differs(before[column], row[column]):
                continue
            if column not in editable:
                problems.append({
                    "id": row_id, "column": column, "reason": "this column cannot be edited.",
                    "fix": f"edit only {sorted(editable)}.",
                })  # fmt: skip
                continue
            value = row[column]
            change[editable[column]] = None if pd.isna(value) else _plain(value)
        if change:
            updates.append({id_field: str(row_id), **change})
    if problems:
        raise ValidationError(
            "Some catalogue edits cannot be sent; nothing was sent.", pd.DataFrame(problems)
        )
    return updates


def _plain(value: Any) -> Any:
    """A JSON-ready Python value from a pandas/numpy scalar."""
    return value.item() if hasattr(value, "item") else value
