"""``OriginFrames``: the official client's methods by name, returning validated DataFrames.

Input domains follow the frame contract (``docs/architecture.md``); catalogues are
indexed by their natural ids. Bulk readers (:meth:`OriginFrames.technologies`,
:meth:`~OriginFrames.commodities`, :meth:`~OriginFrames.inputs` ...) alias many
reads into one GraphQL document, ``batch_size`` reads per request, and run the
requests concurrently (at most ``concurrency`` in flight).
"""

from __future__ import annotations

import re
import secrets
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from . import _queries as q
from ._args import check_arguments
from ._config import Settings
from ._exceptions import ConfigurationError, NotFoundError
from ._frames import (
    CellFrameBuilder,
    add_technology_blocks,
    commodity_frame,
    concat_inputs,
    decode_technology_answer,
    demand_frame,
    demand_technology_frame,
    demand_technology_names_frame,
    interconnector_frame,
    records_frame,
)
from ._lazy import LazyModule
from ._queries import (
    CONFIG,
    DemandSelection,
    ExoRead,
    TechRead,
    TechSelection,
    commodity_batch,
    demand_document,
    demand_technologies_document,
    interconnector_document,
    technology_batch,
)
from ._transport import Service, Transport
from ._units import mark_units
from ._updaters import SeedUpdaters

if TYPE_CHECKING:
    from . import schemas
    from ._apply import ApplyResult
    from ._plan import Plan
    from .emulator import Emulator
else:  # pandera loads at the first validation, not at import
    schemas = LazyModule("origin_frames.schemas")

__all__ = ["OriginFrames"]

T = TypeVar("T")
# Fewest views worth a request of their own: below this, HTTP and GraphQL parsing per
# request cost more than the overlap of a further request gains.
_LEAST_VIEWS = 8
_GROUPINGS_CACHE_SIZE = 64
INPUT_DOMAINS = ("technology", "demand", "demand_technology", "commodity", "interconnector")
DEMAND_DOMAINS = ("demand", "demand_technology")

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


@check_arguments
class OriginFrames(SeedUpdaters):
    """A pandas-centric client of the Origin API.

    Args:
        token: API token; else env ``AURORA_API_KEY``; else ``~/.aurora-api-key``.
        scenario_base_url: Scenario service base URL (env / production default).
        inputs_base_url: Inputs service base URL (env / production default).
        timeout: Read timeout in seconds, or ``(connect, read)``.
        max_retries: Retries of transient failures per request.
        batch_size: Reads aliased into one GraphQL document by the bulk readers.
        concurrency: Requests in flight at once.
        progress: Show tqdm bars on multi-request work and while waiting for a loading
            session or a file being generated; None = only on a TTY.
        not_ready_deadline_s: How long to wait for a loading session or file.
        backoff_base: First retry backoff in seconds.
        cache_dir: Directory of the scenario-output Parquet cache (None = user cache dir).
        endpoint: One root URL for both services, e.g. a running ``origin-frames serve``
            (``http://127.0.0.1:8765``); else env ``ORIGIN_FRAMES_ENDPOINT``.

    Raises:
        ConfigurationError: No token found, a malformed URL or a bad option.
        ArgumentError: An argument of the wrong type (``timeout="abc"``); every public
            method checks its arguments the same way before sending anything.

    Example:
        >>> with OriginFrames.emulated() as client:  # doctest: +SKIP
        ...     scenarios = client.get_aurora_scenarios("gbr")
        ...     tech = client.technologies(scenarios.index[0], regions=["gbr"])
    """

    def __init__(
        self,
        token: str | None = None,
        scenario_base_url: str | None = None,
        inputs_base_url: str | None = None,
        *,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int | None = None,
        batch_size: int | None = None,
        concurrency: int | None = None,
        progress: bool | None = None,
        not_ready_deadline_s: float | None = None,
        backoff_base: float | None = None,
        cache_dir: str | Path | None = None,
        endpoint: str | None = None,
    ) -> None:
        options: dict[str, Any] = {}
        if timeout is not None:
            if isinstance(timeout, tuple):
                options["connect_timeout"], options["read_timeout"] = timeout
            else:
                options["connect_timeout"] = options["read_timeout"] = float(timeout)
        for name, value in (
            ("max_retries", max_retries),
            ("batch_size", batch_size),
            ("concurrency", concurrency),
            ("not_ready_deadline_s", not_ready_deadline_s),
            ("backoff_base", backoff_base),
        ):
            if value is not None:
                options[name] = value
        self._init_args: dict[str, Any] = {
            "scenario_base_url": scenario_base_url,
            "inputs_base_url": inputs_base_url,
            "timeout": timeout,
            "max_retries": max_retries,
            "batch_size": batch_size,
            "concurrency": concurrency,
            "progress": progress,
            "not_ready_deadline_s": not_ready_deadline_s,
            "backoff_base": backoff_base,
            "cache_dir": cache_dir,
            "endpoint": endpoint,
        }
        self.settings = Settings.resolve(
            token, scenario_base_url, inputs_base_url, endpoint=endpoint, **options
        )
        self.progress = progress
        self.transport = Transport(self.settings, on_wait=self._wait_bar)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()
        self._inputs_config: dict[str, Any] | None = None
        self._dash_config: dict[str, Any] | None = None
        self._groupings_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._emulator: Emulator | None = None

    # -- lifecycle ----------------------------------------------------------------------
    @classmethod
    def emulated(cls, *, client_options: Mapping[str, Any] | None = None, **emulator_options: Any
                 ) -> OriginFrames:  # fmt: skip
        """Starts an embedded Origin emulator and returns a client bound to it.

        Closing the client (or leaving its ``with`` block) stops the emulator.

        Args:
            client_options: Keyword arguments for the client (``timeout``, ``batch_size`` ...).
            **emulator_options: :class:`~origin_frames.EmulatorOptions` fields
                (``seed``, ``scale``, ``latency_ms``, ``fail_rate`` ...).

        Returns:
            A client with a generated token.

        Example:
            >>> with OriginFrames.emulated(latency_ms=5) as client:  # doctest: +SKIP
            ...     client.get_projects()
        """
        import dataclasses
        import inspect

        from .emulator import Emulator, EmulatorOptions  # lazily: only needed here

        known = {f.name for f in dataclasses.fields(EmulatorOptions)} | {"options", "host", "port"}
        client_names = set(inspect.signature(cls).parameters) - {"self"}
        misplaced = sorted(set(emulator_options) & (client_names - known))
        if misplaced:
            shown = ", ".join(f"{name!r}: ..." for name in misplaced)
            what = "is a client option" if len(misplaced) == 1 else "are client options"
            raise TypeError(
                f"{', '.join(misplaced)} {what}, not an EmulatorOptions field: pass "
                f"client_options={{{shown}}}."
            )
        emulator = Emulator(**emulator_options).start()
        try:
            client = cls(
                secrets.token_urlsafe(24),
                emulator.scenario_base_url,
                emulator.inputs_base_url,
                **dict(client_options or {}),
            )
        except BaseException:
            emulator.stop()
            raise
        client._emulator = emulator
        return client

    @property
    def emulator(self) -> Emulator | None:
        """The embedded emulator of a client made by :meth:`emulated`, else None."""
        return self._emulator

    def close(self) -> None:
        """Closes pooled connections and stops an embedded emulator."""
        self.transport.close()
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None

    def __enter__(self) -> OriginFrames:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        s = self.settings
        return f"OriginFrames(scenario={s.scenario_base_url!r}, inputs={s.inputs_base_url!r})"

    def __getstate__(self) -> dict[str, Any]:
        if self._emulator is not None:
            raise TypeError("A client bound to an embedded emulator cannot be pickled.")
        # Like the official client: the token is not pickled but re-resolved on load.
        return dict(self._init_args)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(None, **state)  # type: ignore[misc]

    # -- plumbing -----------------------------------------------------------------------
    def _gql(self, service: Service, document: str, variables: Mapping[str, Any] | None = None
             ) -> dict[str, Any]:  # fmt: skip
        """``data`` of one GraphQL request."""
        return self.transport.graphql(service, document, variables)

    def _session(self, scenario_id: str, document: str, variables: Mapping[str, Any],
                 decode: Callable[[bytes], dict[str, Any]] | None = None
                 ) -> dict[str, Any]:  # fmt: skip
        """The ``getSession`` object of an inputs answer (NotFoundError when null)."""
        data = self.transport.graphql("inputs", document, variables, decode=decode)
        session = data.get("getSession")
        if session is None:
            raise NotFoundError(
                f"No inputs session for scenario {scenario_id!r}: check the id with "
                "get_aurora_scenarios() or get_projects()."
            )
        return session

    def _show_progress(self) -> bool:
        """Whether to draw progress bars."""
        if self.progress is not None:
            return self.progress
        return bool(getattr(sys.stderr, "isatty", lambda: False)())

    def _wait_bar(self, what: str, total_s: float) -> Callable[[float | None], None]:
        """A tqdm bar (seconds waited of the deadline) for one polling wait of the
        transport, closed when the wait ends; draws nothing when progress is off."""
        if not self._show_progress():
            return lambda _elapsed: None
        from tqdm.auto import tqdm

        # One bar per wait, updated only by the waiting thread; tqdm places concurrent bars.
        bar = tqdm(total=total_s, desc=f"waiting: {what}", leave=False,
                   bar_format="{desc} {bar} {n:.0f}/{total:.0f} s")  # fmt: skip

        def update(elapsed: float | None) -> None:
            if elapsed is None:
                bar.close()
            else:
                bar.update(min(elapsed, total_s) - bar.n)

        return update

    def _run(self, fn: Callable[[T], Any], items: Sequence[T], desc: str) -> list[Any]:
        """Runs ``fn`` over ``items`` with at most ``concurrency`` in flight, in order."""
        return list(self._iter_run(fn, items, desc))

    def _iter_run(self, fn: Callable[[T], Any], items: Sequence[T], desc: str) -> Iterator[Any]:
        """Like ``_run``, but yields each result (in order) as soon as it is there.

        The caller can work on answer i while answers i+1... are still being fetched.
        """
        if len(items) <= 1:
            yield from (fn(item) for item in items)
            return
        bar = None
        if self._show_progress():
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc=desc, unit="req", leave=False)
        workers = min(self.settings.concurrency, len(items))
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="origin") as pool:
                futures = [pool.submit(fn, item) for item in items]
                try:
                    for future in futures:
                        result = future.result()
                        if bar is not None:
                            bar.update(1)
                        yield result
                finally:
                    for future in futures:  # on an error, do not start what is still queued
                        future.cancel()
        finally:
            if bar is not None:
                bar.close()

    def inputs_config(self) -> dict[str, Any]:
        """The inputs service's ``getConfig`` (fetched once, then cached).

        Returns:
            The ``getConfig`` object (technology parameters, demand variables, ...).

        Raises:
            OriginError: When the request fails.

        Example:
            >>> client.inputs_config()["technology"]["parameters"][0]["name"]  # doctest: +SKIP
        """
        # The lock guards the cache only: the request (with its retries) runs outside it, so
        # a slow service never blocks other threads' cache hits; racing first reads each
        # fetch, and the first answer stored is the one every caller gets.
        with self._lock:
            if self._inputs_config is not None:
                return self._inputs_config
        fetched = self._gql("inputs", CONFIG)["getConfig"]
        with self._lock:
            if self._inputs_config is None:
                self._inputs_config = fetched
            return self._inputs_config

    def _tech_selection(self) -> TechSelection:
        """Technology selection from the cached config."""
        return TechSelection.from_config(self.inputs_config())

    def _demand_selection(self) -> DemandSelection:
        """Demand selection from the cached config."""
        return DemandSelection.from_config(self.inputs_config())

    # -- scenario catalogue -------------------------------------------------------------
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
            >>> client.get_aurora_scenarios("gbr").name.head()  # doctest: +SKIP
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
            >>> client.get_scenario_by_id(sid).loc[sid, "default_currency"]  # doctest: +SKIP
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
            >>> client.create_scenario({"projectGlobalId": pid, "name": "Low gas",  # doctest: +SKIP
            ...     "baseScenarioGlobalId": sid})
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
            >>> client.update_scenario({"scenarioGlobalId": sid, "name": "x"})  # doctest: +SKIP
            >>> row = client.get_scenario_by_id(sid)  # doctest: +SKIP
            >>> client.update_scenario(row.assign(name="Renamed"))  # doctest: +SKIP
        """
        if isinstance(scenario_update, pd.DataFrame):
            from ._updaters import SCENARIO_EDITABLE, catalogue_updates

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
            >>> client.delete_scenario(sid).loc[sid, "result"]  # doctest: +SKIP
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
            >>> client.launch_scenario(sid)["scenario_run_status"]  # doctest: +SKIP
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
            >>> client.get_weather_year_list(sid)  # doctest: +SKIP
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
            >>> client.get_projects()["name"]  # doctest: +SKIP
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
            >>> client.get_project(pid).loc[pid, "scenario_ids"]  # doctest: +SKIP
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
            >>> client.get_project_scenarios(pid).index.tolist()  # doctest: +SKIP
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
            >>> client.create_project({"name": "Gas", "productId": "SaaS"})  # doctest: +SKIP
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
            >>> client.update_project({"projectGlobalId": pid, "name": "Renamed"})  # doctest: +SKIP
            >>> projects = client.get_projects()  # doctest: +SKIP
            >>> client.update_project(projects.assign(description="Q3 study"))  # doctest: +SKIP
        """
        if isinstance(project_update, pd.DataFrame):
            from ._updaters import PROJECT_EDITABLE, catalogue_updates

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
            >>> client.delete_project(pid)  # doctest: +SKIP
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
            >>> client.pin_project(pid)  # doctest: +SKIP
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
            >>> client.unpin_project(pid)  # doctest: +SKIP
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
            >>> client.get_meta_json(meta_url).attrs["years"]  # doctest: +SKIP
        """
        url = f"{self.settings.scenario_base_url}/{meta_url.lstrip('/')}"
        meta = self.transport.get(url).json()
        return download_definitions_frame(meta)

    # -- inputs session -------------------------------------------------------------------
    def _session_info(self, scenario_id: str) -> dict[str, Any]:
        """The raw session information."""
        return self._session(scenario_id, q.SESSION_INFO, {"sessionId": scenario_id})

    def get_inputs_session(self, scenario_id: str) -> pd.DataFrame:
        """The regions enabled in a scenario's inputs session.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per enabled region (schema ``EnabledRegions``); ``frame.attrs`` holds
            ``default_currency``, ``model_min_year``, ``model_max_year`` and ``product_region``.

        Raises:
            NotFoundError: Unknown scenario.

        Example:
            >>> client.get_inputs_session(sid).query("is_main_region")  # doctest: +SKIP
        """
        info = self._session_info(scenario_id)
        pri = info.get("productRegionInformation") or {}
        records = pri.get("enabledRegions") or []
        frame = records_frame(
            records,
            [("code", "region", "str"), ("isFocusRegion", "is_focus_region", "bool"),
             ("isEndogenous", "is_endogenous", "bool"), ("isMainRegion", "is_main_region", "bool"),
             ("hasCapacityMarket", "has_capacity_market", "bool")],
            "region",
        )  # fmt: skip
        frame = schemas.validate(frame, schemas.EnabledRegions)
        frame.attrs.update(
            {
                "default_currency": info.get("defaultCurrency"),
                "model_min_year": info.get("modelMinYear"),
                "model_max_year": info.get("modelMaxYear"),
                "product_region": pri.get("code"),
            }
        )
        return frame

    def get_inputs_data_groups(self, scenario_id: str) -> pd.DataFrame:
        """The data groups of a scenario's inputs session.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per data group, indexed by ``data_group`` (schema ``DataGroups``).

        Example:
            >>> client.get_inputs_data_groups(sid)["loading"]  # doctest: +SKIP
        """
        groups = self._session_info(scenario_id).get("dataGroups") or {}
        records = [{"name": k, **(v or {})} for k, v in groups.items()]
        frame = records_frame(
            records,
            [("name", "data_group", "str"), ("reference", "reference", "str"),
             ("referenceType", "reference_type", "str"),
             ("productRegion", "product_region", "str"), ("loading", "loading", "bool")],
            "data_group",
        )  # fmt: skip
        return schemas.validate(frame, schemas.DataGroups)

    def get_inputs_transforms(self, scenario_id: str) -> pd.DataFrame:
        """The transforms log of a scenario's inputs session, oldest first.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per logged update, indexed by ``step`` (schema ``TransformsLog``).

        Example:
            >>> client.get_inputs_transforms(sid)["reason"]  # doctest: +SKIP
        """
        log = self._session_info(scenario_id).get("transforms") or []
        records = [{"step": i, **t} for i, t in enumerate(log)]
        frame = records_frame(
            records,
            [("step", "step", "int"), ("reason", "reason", "str"),
             ("updateParameters", "update_parameters", "object"), ("steps", "steps", "object")],
            "step",
        )  # fmt: skip
        return schemas.validate(frame, schemas.TransformsLog)

    # -- technologies ---------------------------------------------------------------------
    def _groupings(self, scenario_id: str) -> dict[str, Any]:
        """``getTechnologyGroupings`` JSON, cached per scenario (a scenario's keys never change)."""
        with self._lock:
            hit = self._groupings_cache.get(scenario_id)
            if hit is not None:
                self._groupings_cache.move_to_end(scenario_id)
                return hit
        session = self._session(scenario_id, q.TECHNOLOGY_NAMES, {"sessionId": scenario_id})
        groupings = session.get("getTechnologyGroupings") or {}
        with self._lock:
            self._groupings_cache[scenario_id] = groupings
            while len(self._groupings_cache) > _GROUPINGS_CACHE_SIZE:
                self._groupings_cache.popitem(last=False)
        return groupings

    def get_technology_names(self, scenario_id: str) -> pd.DataFrame:
        """Every readable technology view: region, technology, kind and sub-keys.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per (region, technology, kind, sub_region, sub_technology, subsidy)
            view (schema ``TechnologyNames``).

        Example:
            >>> client.get_technology_names(sid).loc["gbr"]  # doctest: +SKIP
        """
        reads = _tech_reads(self._groupings(scenario_id), None, None)
        rows = []
        for r in reads:
            for exo in r.exogenous:
                rows.append((r.region, r.technology, "exogenous", r.sub_region,
                             exo.sub_technology, exo.subsidy))  # fmt: skip
            for sub in r.endogenous:
                rows.append((r.region, r.technology, "endogenous", r.sub_region, sub, None))
        cols = ["region", "technology", "kind", "sub_region", "sub_technology", "subsidy"]
        records = [dict(zip(cols, row, strict=True)) for row in rows]
        frame = records_frame(
            records, [(c, c, "category" if c == "kind" else "str") for c in cols],
            ["region", "technology"],
        )  # fmt: skip
        frame["kind"] = frame["kind"].cat.set_categories(pd.Index(["exogenous", "endogenous"],
                                                                  dtype="str"))  # fmt: skip
        return schemas.validate(frame, schemas.TechnologyNames)

    def get_technology(
        self,
        scenario_id: str,
        technology_name: str,
        region: str,
        subregion: str | None = None,
        exogenous_sub_technology: str | None = None,
        subsidy: str | None = None,
        endogenous_sub_technology: str | None = None,
    ) -> pd.DataFrame:
        """One technology's exogenous and endogenous cells.

        Args:
            scenario_id: The scenario id.
            technology_name: Technology name as the API spells it (``"CCGT"``).
            region: Region code.
            subregion: Sub-region, if any.
            exogenous_sub_technology: Exogenous sub-technology, if any.
            subsidy: Subsidy (exogenous, with a sub-region), if any.
            endogenous_sub_technology: Endogenous sub-technology, if any.

        Returns:
            One row per cell (schema ``TechnologyCells``).

        Raises:
            NotFoundError / OriginGraphQLError: Unknown scenario, technology or sub-key.

        Example:
            >>> client.get_technology(sid, "CCGT", "gbr").xs("capex", level=None)  # doctest: +SKIP
        """
        read = TechRead(
            technology_name,
            region,
            subregion,
            (ExoRead(exogenous_sub_technology, subsidy),),
            (endogenous_sub_technology,),
        )
        return self._read_technologies(scenario_id, [read])

    def technologies(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        technologies: Sequence[str] | None = None,
        *,
        sub_keys: bool = True,
    ) -> pd.DataFrame:
        """Every technology cell of a scenario (all sub-regions, sub-technologies, subsidies).

        Reads are batched (``batch_size`` views per request) and run concurrently.

        Args:
            scenario_id: The scenario id.
            regions: Region codes to read; None reads every region of the session.
            technologies: Technology names to read; None reads all.
            sub_keys: Also read sub-regions, sub-technologies and subsidies; False reads
                only each technology's own exogenous and endogenous view (what one
                ``get_technology(sid, name, region)`` returns).

        Returns:
            One row per cell (schema ``TechnologyCells``); empty with the full schema
            when nothing matches.

        Raises:
            NotFoundError: Unknown scenario, or a region/technology it does not have.

        Example:
            >>> client.technologies(sid, regions=["gbr"]).groupby("variable").size()
            ... # doctest: +SKIP
        """
        groupings = self._groupings(scenario_id)
        reads = _tech_reads(groupings, regions, technologies)
        if not sub_keys:
            reads = [TechRead(r.technology, r.region) for r in reads if r.sub_region is None]
        return self._read_technologies(scenario_id, reads)

    def _read_technologies(self, scenario_id: str, reads: Sequence[TechRead]) -> pd.DataFrame:
        """Batches, fetches and parses technology reads into one validated frame."""
        selection = self._tech_selection()
        batches = _batches(reads, self.settings.batch_size, self.settings.concurrency)

        def fetch(batch: list[TechRead]) -> dict[str, Any]:
            document, variables = technology_batch(scenario_id, batch, selection)
            return self._session(scenario_id, document, variables, decode_technology_answer)

        builder = CellFrameBuilder()
        # Frame the answers as they arrive, while later batches are still in flight.
        answers = self._iter_run(fetch, batches, "technologies")
        for batch, session in zip(batches, answers, strict=True):
            add_technology_blocks(builder, session, batch, selection)
        frame = builder.frame()
        return schemas.validate(frame, schemas.TechnologyCells)

    # -- demand ---------------------------------------------------------------------------
    def get_demand_regions(self, scenario_id: str) -> pd.DataFrame:
        """Regions that have demand data.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per region with its ``peak_load_demand`` (schema ``DemandRegions``).

        Example:
            >>> client.get_demand_regions(sid)["peak_load_demand"]  # doctest: +SKIP
        """
        session = self._session(scenario_id, q.DEMAND_REGIONS, {"sessionId": scenario_id})
        docs = session.get("getDemand")
        frame = records_frame(
            docs, [("region", "region", "str"), ("peakLoadDemand", "peak_load_demand", "float")],
            "region",
        )  # fmt: skip
        return schemas.validate(frame, schemas.DemandRegions)

    def get_demand(
        self, scenario_id: str, demand_filter: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """System demand variables and demand technologies.

        Args:
            scenario_id: The scenario id.
            demand_filter: ``{"region": ...}`` or ``{"regions": [...]}``; None reads all.

        Returns:
            One row per cell (schema ``DemandCells``): system variables under technology
            ``"system"`` (domain ``demand``), demand technologies under their name.

        Example:
            >>> client.get_demand(sid, {"region": "gbr"})  # doctest: +SKIP
        """
        selection = self._demand_selection()
        document, variables = demand_document(scenario_id, selection)
        variables["demandFilter"] = dict(demand_filter) if demand_filter else None
        docs = self._session(scenario_id, document, variables).get("getDemand")
        return schemas.validate(demand_frame(docs, selection), schemas.DemandCells)

    def demand(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        domains: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Demand cells: system demand and demand technologies, or one of the two.

        Both domains have a ``totalDemand`` variable (the system's and each demand
        technology's), so sum or plot within one ``domain``, or ask for one here.

        Args:
            scenario_id: The scenario id.
            regions: Region codes; None reads every region.
            domains: ``["demand"]`` (system variables), ``["demand_technology"]``, or
                None for both.

        Returns:
            One row per cell (schema ``DemandCells``).

        Raises:
            ConfigurationError: A domain other than the two demand domains.

        Example:
            >>> client.demand(sid, regions=["gbr"], domains=["demand"]).groupby(  # doctest: +SKIP
            ...     "variable", observed=True)["value"].sum()
        """
        chosen = _chosen_domains(domains, DEMAND_DOMAINS)
        selection = self._demand_selection()
        document, variables = demand_document(scenario_id, selection, regions)
        docs = self._session(scenario_id, document, variables).get("getDemand")
        frame = demand_frame(docs, selection)
        if len(chosen) < len(DEMAND_DOMAINS):
            frame = frame[frame["domain"].isin(chosen).to_numpy(dtype=bool)]
        return schemas.validate(frame, schemas.DemandCells)

    def get_demand_technology_names(
        self, scenario_id: str, demand_technology_filter: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """Demand technologies per region.

        Args:
            scenario_id: The scenario id.
            demand_technology_filter: A ``GetDemandTechFilterDemandTechnologyInput`` value.

        Returns:
            One row per (region, technology) (schema ``DemandTechnologyNames``).

        Example:
            >>> client.get_demand_technology_names(sid).loc["gbr"]  # doctest: +SKIP
        """
        # Derived from the full demand-technology documents: the names-only selection the
        # official client sends is documented there as unsupported by the service.
        document, variables = demand_technologies_document(
            scenario_id, self._demand_selection(), demand_technology_filter
        )
        docs = self._session(scenario_id, document, variables).get("getDemandTechnologies")
        frame = demand_technology_names_frame(docs)
        return schemas.validate(frame, schemas.DemandTechnologyNames)

    def get_demand_technologies(
        self, scenario_id: str, demand_technology_filter: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """Demand technology cells, without system demand.

        Args:
            scenario_id: The scenario id.
            demand_technology_filter: A ``GetDemandTechFilterDemandTechnologyInput`` value.

        Returns:
            One row per cell (schema ``DemandCells``, domain ``demand_technology``).

        Example:
            >>> client.get_demand_technologies(sid, {"region": "gbr"})  # doctest: +SKIP
        """
        selection = self._demand_selection()
        document, variables = demand_technologies_document(
            scenario_id, selection, demand_technology_filter
        )
        docs = self._session(scenario_id, document, variables).get("getDemandTechnologies")
        return schemas.validate(demand_technology_frame(docs, selection), schemas.DemandCells)

    # -- commodities ----------------------------------------------------------------------
    def _commodity_units(self, native_units: bool) -> dict[str, str | None]:
        """Commodity name -> unit (native units, or per-MWh prices)."""
        available = (self.inputs_config().get("commodities") or {}).get("commoditiesAvailable")
        units: dict[str, str | None] = {}
        for c in available or []:
            unit = c.get("units")
            # Answers carry their own unit; this is only the fallback when they do not.
            units[c["name"]] = unit if native_units else c.get("storedUnits")
        return units

    def get_commodities(
        self,
        scenario_id: str,
        native_units_flag: bool | None = None,
        regions: Sequence[str] | None = None,
        commodities: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Commodity prices (the official signature; see :meth:`commodities`).

        Args:
            scenario_id: The scenario id.
            native_units_flag: Prices in the commodities' native units instead of per MWh.
            regions: Region codes (one row set per region); None = cross-region average
                (region ``"all"``).
            commodities: Commodity names; None reads all.

        Returns:
            One row per price cell (schema ``CommodityCells``).

        Example:
            >>> client.get_commodities(sid, regions=["gbr"], commodities=["gas"])  # doctest: +SKIP
        """
        return self.commodities(scenario_id, regions, commodities, bool(native_units_flag))

    def commodities(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        commodities: Sequence[str] | None = None,
        native_units: bool = False,
    ) -> pd.DataFrame:
        """Commodity prices per region (one alias per region, batched).

        Args:
            scenario_id: The scenario id.
            regions: Region codes; None reads the equally weighted average (region ``"all"``).
            commodities: Commodity names; None reads all.
            native_units: Prices in native units instead of per MWh.

        Returns:
            One row per price cell (schema ``CommodityCells``).

        Example:
            >>> client.commodities(sid, native_units=True)["unit"].unique()  # doctest: +SKIP
        """
        wanted: list[str | None] = list(regions) if regions is not None else [None]
        batches = _batches(wanted, self.settings.batch_size, self.settings.concurrency)
        units = self._commodity_units(native_units)

        def fetch(batch: list[str | None]) -> pd.DataFrame:
            document, variables = commodity_batch(scenario_id, batch, commodities, native_units)
            return commodity_frame(self._session(scenario_id, document, variables), batch, units)

        frames = self._run(fetch, batches, "commodities")
        frame = schemas.validate(concat_inputs(frames), schemas.CommodityCells)
        # Planning reads this mark when the frame has lost its unit column (see _units).
        return mark_units(frame, native=native_units)

    # -- interconnectors ------------------------------------------------------------------
    def _interconnector_variables(self) -> tuple[list[str], dict[str, str | None]]:
        """Configured interconnector variables and their units."""
        variables = (self.inputs_config().get("interconnectors") or {}).get("variables") or []
        return [v["name"] for v in variables], {v["name"]: v.get("units") for v in variables}

    def get_interconnectors_connections(self, scenario_id: str) -> pd.DataFrame:
        """Which regions are connected, listed from both ends.

        Args:
            scenario_id: The scenario id.

        Returns:
            An index-only frame of ``(region, connected_region)`` pairs, sorted.

        Example:
            >>> client.get_interconnectors_connections(sid).loc["gbr"]  # doctest: +SKIP
        """
        docs = self._session(
            scenario_id, q.INTERCONNECTOR_ENDS, {"sessionId": scenario_id,
                                                 "interconnectorFilter": None}
        ).get("getInterconnectors") or []  # fmt: skip
        pairs = sorted(
            {(a, b) for d in docs for a, b in [tuple(d["ends"][:2]), tuple(d["ends"][1::-1])]}
        )
        frame = records_frame(
            [{"region": a, "connected_region": b} for a, b in pairs],
            [("region", "region", "str"), ("connected_region", "connected_region", "str")],
            ["region", "connected_region"],
        )
        return schemas.validate(frame, schemas.InterconnectorConnections)

    def get_interconnectors(
        self, scenario_id: str, region: str, connection_region: str
    ) -> pd.DataFrame:
        """Interconnector cells between two regions (both directions).

        Args:
            scenario_id: The scenario id.
            region: One end.
            connection_region: The other end.

        Returns:
            One row per cell (schema ``InterconnectorCells``).

        Example:
            >>> client.get_interconnectors(sid, "gbr", "fra")  # doctest: +SKIP
        """
        flt = {"OR": [{"from": region, "to": connection_region},
                      {"from": connection_region, "to": region}]}  # fmt: skip
        return self._read_interconnectors(scenario_id, flt)

    def interconnectors(
        self, scenario_id: str, regions: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Interconnector cells touching any of ``regions`` (all when None).

        Args:
            scenario_id: The scenario id.
            regions: Region codes; an interconnector is read when either end is listed.

        Returns:
            One row per cell (schema ``InterconnectorCells``).

        Example:
            >>> client.interconnectors(sid, regions=["gbr"])  # doctest: +SKIP
        """
        flt = None
        if regions is not None:
            flt = {"OR": [{"from": r} for r in regions] + [{"to": r} for r in regions]}
        return self._read_interconnectors(scenario_id, flt)

    def _read_interconnectors(self, scenario_id: str, flt: Mapping[str, Any] | None
                              ) -> pd.DataFrame:  # fmt: skip
        """One getInterconnectors read -> validated frame."""
        names, units = self._interconnector_variables()
        document, variables = interconnector_document(scenario_id, names, flt)
        docs = self._session(scenario_id, document, variables).get("getInterconnectors")
        return schemas.validate(
            interconnector_frame(docs, names, units), schemas.InterconnectorCells
        )

    # -- everything -----------------------------------------------------------------------
    def inputs(
        self,
        scenario_id: str,
        domains: Iterable[str] | None = None,
        regions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Every input cell of a scenario, all domains in one frame.

        Args:
            scenario_id: The scenario id.
            domains: Any of ``technology, demand, demand_technology, commodity,
                interconnector`` (the values of the frame's ``domain`` column); None = all.
            regions: Region codes; None = all (commodities then as the average, ``"all"``).

        Returns:
            One row per cell (schema ``InputCells``).

        Raises:
            ConfigurationError: An unknown domain name.

        Example:
            >>> client.inputs(sid, regions=["irl"]).domain.value_counts()  # doctest: +SKIP
        """
        chosen = _chosen_domains(domains, INPUT_DOMAINS)
        demand = [d for d in DEMAND_DOMAINS if d in chosen]
        readers: dict[str, Callable[[], pd.DataFrame]] = {
            "technology": lambda: self.technologies(scenario_id, regions),
            "demand": lambda: self.demand(scenario_id, regions, demand),
            "commodity": lambda: self.commodities(scenario_id, regions),
            "interconnector": lambda: self.interconnectors(scenario_id, regions),
        }
        # One read serves both demand domains.
        wanted = ["demand" if d in DEMAND_DOMAINS else d for d in chosen]
        frames = [readers[d]() for d in readers if d in wanted]
        return schemas.validate(concat_inputs(frames), schemas.InputCells)

    # -- plan / apply ---------------------------------------------------------------------
    def plan(
        self,
        scenario_id: str,
        changes: pd.DataFrame | Sequence[pd.DataFrame],
        *,
        current: pd.DataFrame | None = None,
    ) -> Plan:
        """Diffs desired cells against the server; sends nothing (see ``_plan.build_plan``).

        Args:
            scenario_id: The scenario to change.
            changes: An edited getter frame, an explicit change frame, or a list of them.
            current: The current cells, when already read.

        Returns:
            The plan (empty when the server already holds these values).

        Raises:
            ValidationError: Every bad row at once.
            PlanError: The current state cannot be diffed.

        Example:
            >>> tech = client.technologies(sid, regions=["gbr"])  # doctest: +SKIP
            >>> plan = client.plan(sid, tech.assign(value=tech["value"] * 0.9))  # doctest: +SKIP
        """
        from ._plan import build_plan  # the plan layer loads only when used

        return build_plan(self, scenario_id, changes, current=current)

    def apply(self, plan: Plan, **options: Any) -> ApplyResult:
        """Sends a plan's calls (see ``_apply.apply_plan`` for ``options``).

        Args:
            plan: From :meth:`plan`.
            **options: ``batch_size``, ``on_error``, ``force``, ``verify``, ``audit``, ...

        Returns:
            The apply result, call by call; ``result.outcome`` is ``"applied"`` or
            ``"applied-unverified"`` (the verification re-read failed).

        Raises:
            ApplyError: Some calls failed or a value did not verify (after
                rollback/stop/continue as asked); ``.result.outcome`` says what holds.
            StalePlanError: The server changed since the plan was made.
            ValidationError: A planned cell breaks today's rules; nothing was sent.

        Example:
            >>> result = client.apply(client.plan(sid, edited))  # doctest: +SKIP
        """
        from ._apply import apply_plan

        options.setdefault("progress", self.progress)
        return apply_plan(self, plan, **options)

    # -- outputs --------------------------------------------------------------------------
    def get_scenario_outputs(
        self,
        scenario_id: str,
        region: str,
        download_type: str,
        granularity: str,
        currency: str | None = None,
        year: int | Sequence[int] | None = None,
        *,
        node: str | None = None,
        sub_type: str | None = None,
        use_cache: bool = True,
        tz: str | None = None,
    ) -> pd.DataFrame:
        """A scenario output download as a tidy long frame (cached on disk as Parquet).

        Args:
            scenario_id: The scenario id.
            region: Region code (see the scenario's ``regions``).
            download_type: ``system``, ``technology``, ``interconnector`` ...
            granularity: ``1y``, ``1m``, ``1h`` ...
            currency: Currency such as ``gbp2024``; None = the scenario's default.
            year: Year, for downloads split per year; a list of years reads each (with a
                progress bar) into one frame.
            node: Node name, for nodal downloads.
            sub_type: Disambiguates downloads sharing type and granularity.
            use_cache: Read/write the on-disk cache (see :meth:`clear_output_cache`).
            tz: Time zone of the ``datetime`` column (an IANA name such as
                ``"Europe/London"``); None keeps UTC.

        Returns:
            One row per (time, series) with ``series``, ``unit`` and ``value``.

        Raises:
            NotFoundError: Unknown scenario, region or download.
            DataNotReadyTimeout: The file was still being generated at the deadline.
            ValueError: ``tz`` is not a time zone name.

        Example:
            >>> client.get_scenario_outputs(sid, "gbr", "system", "1h",  # doctest: +SKIP
            ...     year=[2030, 2031], tz="Europe/London").head()
        """
        from ._outputs import get_scenario_outputs, to_zone

        zone = to_zone(tz)
        # The argument check has made ``year`` None, an int or a list of ints.
        wanted: list[int | None] = list(year) if isinstance(year, list) else [year]  # type: ignore[list-item]

        def one(chosen: int | None) -> pd.DataFrame:
            return get_scenario_outputs(
                self, scenario_id, region, download_type, granularity, currency, chosen,
                node=node, sub_type=sub_type, use_cache=use_cache,
            )  # fmt: skip

        # Years download side by side (``concurrency``), with a bar over them.
        frames = self._run(one, wanted, f"{download_type} {granularity}")
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if zone is not None and "datetime" in frame.columns:
            frame["datetime"] = frame["datetime"].dt.tz_convert(zone)
        return frame

    def clear_output_cache(self, scenario_id: str | None = None) -> int:
        """Deletes cached output downloads, of one scenario or all.

        Args:
            scenario_id: Only this scenario's files; None clears the whole cache.

        Returns:
            How many files were deleted.

        Example:
            >>> client.clear_output_cache(sid)  # doctest: +SKIP
            2
        """
        from ._outputs import clear_cache, default_cache_dir

        return clear_cache(self.cache_dir or default_cache_dir(), scenario_id)


# --- helpers --------------------------------------------------------------------------------
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


def _weight(item: object) -> int:
    """Views one item puts in a document (a technology read counts its views)."""
    return len(item.exogenous) + len(item.endogenous) if isinstance(item, TechRead) else 1


def _batches(items: Sequence[T], size: int, concurrency: int = 1) -> list[list[T]]:
    """Consecutive chunks of at most ``size`` views, spread so one wave fills ``concurrency``.

    A read of ``n`` views is cut into ``ceil(n / concurrency)``-view chunks (no fewer than
    ``_LEAST_VIEWS`` views each, no more than ``size``), so every request is in flight at
    once: one round trip instead of ``ceil(n / size / concurrency)``, and several answers
    the client can decode while the others are still arriving.
    """
    if not items:
        return []
    weights = [_weight(item) for item in items]
    total = max(1, sum(weights))
    wanted = max(1, -(-total // size), min(concurrency, -(-total // _LEAST_VIEWS)))
    # Each item goes to the chunk its weight's midpoint falls in: balanced, in order.
    chunks: list[list[T]] = [[] for _ in range(wanted)]
    cumulative = 0
    for item, w in zip(items, weights, strict=True):
        chunks[min(wanted - 1, (2 * cumulative + w) * wanted // (2 * total))].append(item)
        cumulative += w
    return [piece for chunk in chunks if chunk for piece in _greedy(chunk, size)]


def _greedy(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive chunks of at most ``size`` views (an item heavier than that stands alone)."""
    batches: list[list[T]] = []
    current: list[T] = []
    weight = 0
    for item in items:
        w = _weight(item)
        if current and weight + w > size:
            batches.append(current)
            current, weight = [], 0
        current.append(item)
        weight += w
    if current:
        batches.append(current)
    return batches


def _tech_reads(
    groupings: Mapping[str, Any],
    regions: Sequence[str] | None,
    technologies: Sequence[str] | None,
) -> list[TechRead]:
    """Every view of ``getTechnologyGroupings``, one read per (region, technology, sub-region)."""
    if regions is not None:
        missing = sorted(set(regions) - set(groupings))
        if missing:
            raise NotFoundError(
                f"Regions {missing} are not in this scenario: use any of {sorted(groupings)}."
            )
    wanted_regions = list(regions) if regions is not None else list(groupings)
    if technologies is not None:
        known = {t for r in wanted_regions for t in groupings.get(r) or {}}
        missing = sorted(set(technologies) - known)
        if missing:
            raise NotFoundError(
                f"Technologies {missing} are not in regions {wanted_regions}: "
                f"use any of {sorted(known)}."
            )
    reads: list[TechRead] = []
    for region in wanted_regions:
        for tech, entry in (groupings.get(region) or {}).items():
            if technologies is not None and tech not in technologies:
                continue
            reads.append(_read_for(tech, region, None, entry, ()))
            for sub_region, sub in (entry.get("subRegions") or {}).items():
                reads.append(_read_for(tech, region, sub_region, sub, sub.get("subsidies") or ()))
    return reads


def _read_for(tech: str, region: str, sub_region: str | None, holder: Mapping[str, Any],
              subsidies: Sequence[str]) -> TechRead:  # fmt: skip
    """The read of one (technology, region, sub-region) with all its views."""
    exo_subs = [None, *(holder.get("subTechnologiesExogenous") or ())]
    endo_subs = [None, *(holder.get("subTechnologiesEndogenous") or ())]
    return TechRead(
        tech,
        region,
        sub_region,
        tuple(ExoRead(st, sd) for st, sd in product(exo_subs, [None, *subsidies])),
        tuple(endo_subs),
    )


def download_definitions_frame(meta: Mapping[str, Any]) -> pd.DataFrame:
    """Download definitions frame from a meta JSON.

    Args:
        meta: ``{"dataDefinitions": [...], "years": [...]}``.

    Returns:
        The validated ``DownloadDefinitions`` frame, years in ``attrs["years"]``.

    Example:
        >>> download_definitions_frame({"dataDefinitions": [], "years": []}).shape  # doctest: +SKIP
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


def _chosen_domains(domains: Iterable[str] | None, allowed: tuple[str, ...]) -> list[str]:
    """The asked-for domains, checked against ``allowed`` (None means all of them)."""
    if isinstance(domains, str):
        domains = [domains]
    chosen = list(dict.fromkeys(domains)) if domains is not None else list(allowed)
    unknown = sorted(set(chosen) - set(allowed))
    if unknown or not chosen:
        raise ConfigurationError(
            f"Unknown domains {unknown}: use any of {list(allowed)}."
            if unknown
            else f"No domains given: use any of {list(allowed)}, or pass None for all."
        )
    return chosen
