"""State of the emulated scenario service: catalogue, projects, tenanted scenarios, downloads.

``ScenarioBackend`` holds everything behind one lock and knows nothing of GraphQL:
it takes and returns plain dicts shaped like the wire objects, and raises
:class:`~origin_frames.emulator._gql.ServiceError` with an ``errorKey``. Run status is
computed from timestamps at read time (no threads): a launched scenario spends
``options.launch_step_s`` seconds in each of Queued and Running, then is Complete.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import catalogue
from .._gql import ServiceError
from .._options import EmulatorOptions
from ..catalogue import RegionGroup, SessionSpec
from . import _model_files, _outputs, _published

#: Seconds a signed file URL stays valid.
URL_TTL_S = 300.0

_CURRENCY_NAMES: dict[str, str] = {"gbp": "GBP", "eur": "EUR", "usd": "USD", "aud": "AUD"}
_UPDATABLE = (
    "name", "description", "useExogifiedInputs", "defaultCurrency", "retentionPolicy",
    "scenarioRunType", "modelType", "modelPriceSpikiness", "userInputReference",
    "userInputRepository", "years", "weatherYear", "advancedSettings",
)  # fmt: skip


def _iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with a ``Z`` suffix (None stays None)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class _Scenario:
    """One scenario, published or tenanted (mutable; guarded by the backend lock)."""

    scenario_id: str
    name: str
    region_group: str
    case: str
    data_seed: int
    published: bool
    created_at: float
    tenant: str | None = field(default=None, repr=False)
    description: str | None = None
    publication_date: str | None = None
    base_input_reference: str | None = None
    project_id: str | None = None
    base_id: str | None = None
    default_currency: str = ""
    years: tuple[int, ...] = _published.YEARS
    weather_year: int | None = None
    use_exogified: bool = False
    run_type: str = "MYR_AND_FYR"
    model_type: str = "aeres"
    price_spikiness: str | None = None
    retention_policy: str | None = None
    user_input_reference: str | None = None
    user_input_repository: str | None = None
    advanced: dict[str, Any] = field(default_factory=dict)
    keep_transforms: bool = False
    updated_at: float = 0.0
    launched_at: float | None = None
    launches: int = 0


def _run_id(rec: _Scenario) -> str:
    """The deterministic id of a scenario's latest run."""
    return str(uuid.uuid5(_published.ID_NAMESPACE, f"{rec.scenario_id}/run/{rec.launches}"))


def _run_fields(
    rec: _Scenario, status: str, started: float | None, completed: float | None
) -> dict[str, Any]:
    """The fields of a scenario's wire object that follow its run: status, times, who."""
    complete = status == "Complete"
    run_details: list[dict[str, Any]] | None = None
    if rec.published or rec.launched_at is not None:
        run_details = [
            {
                "runGlobalId": _run_id(rec),
                "runType": rec.run_type,
                "runStatus": status,
                "runStartedAtUTC": _iso(started),
                "runCompletedAtUTC": _iso(completed),
            }
        ]
    return {
        "scenarioRunStatus": status,
        "scenarioOutputsAvailable": complete,
        "scenarioLaunchable": not rec.published and status not in ("Queued", "Running"),
        "runStartedAtUTC": _iso(started),
        "runCompletedAtUTC": _iso(completed),
        "launchedByUserName": "Aurora Energy Research"
        if rec.published
        else ("API user" if rec.launched_at is not None else None),
        "runDetails": run_details,
        "appReleaseStatus": {
            "scenarioExplorer": "Released" if complete else "NotReleased",
            "inputsEditor": "Released",
        },
        "launchedByEmail": None
        if rec.published or rec.launched_at is None
        else "api-user@origin-emulator.invalid",
    }


def _record_fields(rec: _Scenario, group: RegionGroup) -> dict[str, Any]:
    """The fields of a scenario's wire object that its record alone sets."""
    main = group.main_region
    return {
        "scenarioGlobalId": rec.scenario_id,
        "name": rec.name,
        "description": rec.description,
        "regionGroupCode": rec.region_group,
        "publishType": "Published" if rec.published else "Private",
        "publicationDate": rec.publication_date,
        "scenarioTransformStatus": "Complete"
        if rec.published or rec.keep_transforms
        else "NotStarted",
        "inputTypesSupported": "ENDOGENOUS_AND_EXOGENOUS",
        "scenarioType": "AURORA_SCENARIO" if rec.published else "TENANTED_SCENARIO",
        "scenarioRunType": rec.run_type,
        "useExogifiedInputs": rec.use_exogified,
        "projectGlobalId": rec.project_id,
        "scenarioInputsAvailable": True,
        "baseInputReference": rec.base_input_reference,
        "baseInputReferenceType": "Tag",
        "modelPriceSpikiness": rec.price_spikiness,
        "years": list(rec.years),
        "weatherYear": rec.weather_year,
        # A string, as the official client's ScenarioSummaryType types it.
        "supportsExogenousInputs": "true",
        "modelType": rec.model_type,
        "lastUpdated": _iso(rec.updated_at),
        "defaultCurrency": rec.default_currency,
        "sensitivity": rec.case,
        "regions": {
            main: {
                "regionCode": main,
                "metaUrl": f"v1/downloads/{rec.scenario_id}/{main}/meta.json",
                "dataUrlBase": f"v1/downloads/{rec.scenario_id}/{main}/data/",
            }
        },
        "baseScenarioGlobalId": rec.base_id,
        "userInputReference": rec.user_input_reference,
        "userInputRepository": rec.user_input_repository,
        "inputImportStatus": "Complete",
        "currencies": list(group.currencies),
        "advancedSettings": {"retentionPolicy": rec.retention_policy, **rec.advanced},
    }


def _new_scenario(base: _Scenario, tenant: str, fields: dict[str, Any], now: float) -> _Scenario:
    """A tenant's new scenario record, its model settings copied from ``base``."""
    return _Scenario(
        scenario_id=str(uuid.uuid4()),
        name=fields["name"],
        region_group=base.region_group,
        case=base.case,
        data_seed=base.data_seed,
        published=False,
        created_at=now,
        updated_at=now,
        tenant=tenant,
        project_id=fields["projectGlobalId"],
        base_id=base.scenario_id,
        base_input_reference=base.base_input_reference,
        default_currency=base.default_currency,
        years=base.years,
        weather_year=base.weather_year,
        use_exogified=base.use_exogified,
        run_type=base.run_type,
        model_type=base.model_type,
        price_spikiness=base.price_spikiness,
        keep_transforms=bool(fields.get("preserveBaseScenarioTransformations")),
    )


@dataclass
class _Project:
    """One tenant's project."""

    project_id: str
    name: str
    created_at: float
    tenant: str = field(repr=False)
    description: str | None = None
    product_id: str | None = None
    pinned: bool = False
    updated_at: float = 0.0


def _group_order(groups: dict[str, RegionGroup]) -> list[str]:
    """Region-group codes ordered so a group comes before any other group listing its main
    region: the official client picks the first group containing a scenario's main region
    when it derives neighbour download URLs."""
    remaining = list(groups)
    order: list[str] = []
    while remaining:

        def preds(code: str) -> int:
            return sum(
                1 for o in remaining if o != code and groups[o].main_region in groups[code].regions
            )

        best = min(remaining, key=lambda c: (preds(c), remaining.index(c)))
        order.append(best)
        remaining.remove(best)
    return order


class ScenarioBackend:
    """Projects, scenarios, the launch clock and output downloads of one emulator.

    Args:
        options: The emulator's options (seed, scale, launch_step_s, download_delay_s).
        clock: Source of epoch seconds (tests of the clock may pass their own).

    Example:
        >>> backend = ScenarioBackend(EmulatorOptions())
        >>> len(backend.list_scenarios("t", region_group="GBR", scenario_type="AURORA_SCENARIO"))
        80
    """

    def __init__(self, options: EmulatorOptions, clock: Callable[[], float] = time.time) -> None:
        self.options = options
        self.inputs: Any = None
        self._clock = clock
        self._lock = threading.Lock()
        self._groups = catalogue.region_groups(options.scale)
        self._scenarios: dict[str, _Scenario] = {}
        self._projects: dict[str, _Project] = {}
        self._downloads_started: dict[tuple[str, str, str], float] = {}
        self._signing_key = secrets.token_bytes(32)
        for group in self._groups.values():
            for pub in _published.published_catalogue(group, options.seed):
                published_ts = datetime.fromisoformat(pub.publication_date).timestamp()
                self._scenarios[pub.scenario_id] = _Scenario(
                    scenario_id=pub.scenario_id,
                    name=pub.name,
                    region_group=group.code,
                    case=pub.case,
                    data_seed=pub.data_seed,
                    published=True,
                    created_at=published_ts,
                    updated_at=published_ts,
                    description=f"Aurora {pub.case} case for {group.name}, {pub.vintage} release.",
                    publication_date=pub.publication_date,
                    base_input_reference=f"{group.code}-{pub.case.lower().replace(' ', '-')}"
                    f"-{pub.vintage}",
                    default_currency=group.default_currency,
                )

    def attach_inputs(self, inputs: Any) -> None:
        """Wires the inputs backend (``fork_session``/``drop_session``) to this one."""
        self.inputs = inputs

    # -- kept state (serve --state) -------------------------------------------------
    def kept_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every project and tenanted scenario as JSON-ready dicts (owners are digests).

        Returns:
            ``{"projects": [...], "scenarios": [...]}``; published scenarios are left out
            (they are a function of the options).
        """
        with self._lock:
            return {
                "projects": [asdict(p) for p in self._projects.values()],
                "scenarios": [asdict(r) for r in self._scenarios.values() if not r.published],
            }

    def restore_records(self, records: dict[str, list[dict[str, Any]]]) -> None:
        """Adds projects and tenanted scenarios saved by :meth:`kept_records`."""
        with self._lock:
            for fields in records.get("projects", []):
                self._projects[fields["project_id"]] = _Project(**fields)
            for fields in records.get("scenarios", []):
                rec = _Scenario(**{**fields, "years": tuple(fields["years"])})
                self._scenarios[rec.scenario_id] = rec

    # -- visibility -------------------------------------------------------------
    def _visible(self, scenario_id: str, tenant: str) -> _Scenario | None:
        """The scenario if the tenant may see it (published or its own)."""
        rec = self._scenarios.get(scenario_id)
        if rec is None or not (rec.published or rec.tenant == tenant):
            return None
        return rec

    def _require(self, scenario_id: str, tenant: str) -> _Scenario:
        """The visible scenario or a NotFound error."""
        rec = self._visible(scenario_id, tenant)
        if rec is None:
            raise ServiceError(
                f"Scenario '{scenario_id}' was not found. Check the id with getScenarios.",
                "NotFound",
            )
        return rec

    def _require_own(self, scenario_id: str, tenant: str, action: str) -> _Scenario:
        """The tenant's own scenario; published ones are Forbidden for ``action``."""
        rec = self._require(scenario_id, tenant)
        if rec.published:
            raise ServiceError(
                f"Scenario '{scenario_id}' is a published Aurora scenario and cannot be "
                f"{action}. Create your own copy with createScenario (baseScenarioGlobalId) "
                "and use that.",
                "Forbidden",
            )
        return rec

    def _require_project(self, project_id: str, tenant: str) -> _Project:
        """The tenant's project or a NotFound error."""
        proj = self._projects.get(project_id)
        if proj is None or proj.tenant != tenant:
            raise ServiceError(
                f"Project '{project_id}' was not found. Check the id with getProjects.",
                "NotFound",
            )
        return proj

    # -- run clock ----------------------------------------------------------------
    def _run_state(self, rec: _Scenario, now: float) -> tuple[str, float | None, float | None]:
        """(status, started, completed) of a scenario's run at ``now``."""
        if rec.published:
            return "Complete", rec.created_at - 86400.0, rec.created_at - 3600.0
        if rec.launched_at is None:
            return "NotLaunched", None, None
        step = self.options.launch_step_s
        started, completed = rec.launched_at + step, rec.launched_at + 2 * step
        if now < started:
            return "Queued", None, None
        if now < completed:
            return "Running", started, None
        return "Complete", started, completed

    def _view(self, rec: _Scenario, now: float) -> dict[str, Any]:
        """The wire object of a scenario (every field the official client selects)."""
        status, started, completed = self._run_state(rec, now)
        return {
            **_record_fields(rec, self._groups[rec.region_group]),
            **_run_fields(rec, status, started, completed),
        }

    # -- scenarios --------------------------------------------------------------
    def list_scenarios(
        self,
        tenant: str,
        region_group: str | None = None,
        scenario_type: str | None = None,
        scenario_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Scenarios visible to the tenant, filtered like ``getScenarios``.

        Args:
            tenant: The caller (its token).
            region_group: Region-group code, matched case-insensitively.
            scenario_type: ``AURORA_SCENARIO`` (published) or ``TENANTED_SCENARIO`` (own).
            scenario_id: One scenario's id; unknown ids give an empty list.

        Returns:
            Wire objects: published newest first, then the tenant's own in creation order.
        """
        now = self._clock()
        group = region_group.lower() if region_group else None
        with self._lock:
            if scenario_id is not None:
                found = self._visible(scenario_id, tenant)
                candidates = [found] if found is not None else []
            else:
                candidates = [
                    r for r in self._scenarios.values() if r.published or r.tenant == tenant
                ]
            picked = [
                r
                for r in candidates
                if (group is None or r.region_group == group)
                and (scenario_type is None or (scenario_type == "AURORA_SCENARIO") == r.published)
            ]
            picked.sort(
                key=lambda r: (not r.published, -r.created_at if r.published else r.created_at)
            )
            return [self._view(r, now) for r in picked]

    def get_scenario(self, scenario_id: str, tenant: str) -> dict[str, Any]:
        """One scenario's wire object (``getScenarios`` with ``scenarioGlobalId``).

        Args:
            scenario_id: The scenario id.
            tenant: The caller; other tenants' scenarios are invisible.

        Returns:
            The wire object with every field the official client selects.

        Raises:
            ServiceError: NotFound when unknown or not visible.

        Example:
            >>> backend = ScenarioBackend(EmulatorOptions())
            >>> published = backend.list_scenarios("t", region_group="GBR")[0]
            >>> backend.get_scenario(published["scenarioGlobalId"], "t")["scenarioRunStatus"]
            'Complete'
        """
        with self._lock:
            return self._view(self._require(scenario_id, tenant), self._clock())

    def _validate(self, fields: dict[str, Any], group: RegionGroup, problems: list[str]) -> None:
        """Appends one sentence per bad field of a create/update input to ``problems``."""
        currency = fields.get("defaultCurrency")
        if currency is not None and currency not in group.currencies:
            problems.append(
                f"defaultCurrency '{currency}' is not offered for region group '{group.code}'; "
                f"use one of {', '.join(group.currencies)}."
            )
        years = fields.get("years")
        if years is not None:
            bad = sorted({y for y in years if y not in _published.YEARS})
            if not years or bad:
                problems.append(
                    f"years {bad or '[]'} are outside the model range; give years between "
                    f"{catalogue.MODEL_MIN_YEAR} and {catalogue.MODEL_MAX_YEAR}."
                )
        weather = fields.get("weatherYear")
        if weather is not None:
            allowed = _published.weather_years(group.code)
            if weather not in allowed:
                hint = (
                    f"use one of {allowed[0]}..{allowed[-1]} (getWeatherYearList)"
                    if allowed
                    else "this region group does not support weather years; leave it out"
                )
                problems.append(f"weatherYear {weather} is not available: {hint}.")
        name = fields.get("name")
        if name is not None and not str(name).strip():
            problems.append("name is empty; give the scenario a name.")

    @staticmethod
    def _raise_problems(what: str, problems: list[str], keys: list[str]) -> None:
        """Raises one error naming every problem (the key of the only one, else BadUserInput)."""
        if not problems:
            return
        key = keys[0] if len(set(keys)) == 1 and len(keys) == len(problems) else "BadUserInput"
        raise ServiceError(f"{what} was refused: " + " ".join(problems), key)

    def _apply_fields(self, rec: _Scenario, fields: dict[str, Any]) -> None:
        """Copies the updatable fields present (and not null) in ``fields`` onto ``rec``."""
        attr = {
            "name": "name", "description": "description", "useExogifiedInputs": "use_exogified",
            "defaultCurrency": "default_currency", "retentionPolicy": "retention_policy",
            "scenarioRunType": "run_type", "modelType": "model_type",
            "modelPriceSpikiness": "price_spikiness", "userInputReference": "user_input_reference",
            "userInputRepository": "user_input_repository", "weatherYear": "weather_year",
        }  # fmt: skip
        for key in _UPDATABLE:
            value = fields.get(key)
            if value is None:
                continue
            if key == "years":
                rec.years = tuple(sorted(set(value)))
            elif key == "advancedSettings":
                rec.advanced = {**rec.advanced, **{k: v for k, v in value.items() if v is not None}}
            else:
                setattr(rec, attr[key], value)

    def create_scenario(self, tenant: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Creates a tenanted scenario from a base and copies its inputs (``createScenario``).

        Args:
            tenant: The caller.
            fields: The ``InputScenario`` object as sent.

        Returns:
            The new scenario's wire object (NotLaunched).

        Raises:
            ServiceError: NotFound for an unknown project or base, BadUserInput otherwise,
                naming every bad field.
        """
        now = self._clock()
        with self._lock:
            base = self._check_create(tenant, fields)
            rec = _new_scenario(base, tenant, fields, now)
            self._apply_fields(rec, fields)
            self._scenarios[rec.scenario_id] = rec
        # Outside our lock: the inputs backend may call session_spec() while forking.
        try:
            if self.inputs is not None:
                self.inputs.fork_session(
                    rec.scenario_id, base.scenario_id, tenant, keep_transforms=rec.keep_transforms
                )
        except BaseException:
            with self._lock:
                self._scenarios.pop(rec.scenario_id, None)
            raise
        return self.get_scenario(rec.scenario_id, tenant)

    def _check_create(self, tenant: str, fields: dict[str, Any]) -> _Scenario:
        """The base of a ``createScenario`` call; one error naming every bad field (lock held)."""
        problems: list[str] = []
        keys: list[str] = []
        project_id = fields.get("projectGlobalId")
        if not project_id:
            problems.append("projectGlobalId is missing; create a project with createProject.")
            keys.append("BadUserInput")
        elif self._projects.get(project_id) is None or (
            self._projects[project_id].tenant != tenant
        ):
            problems.append(f"project '{project_id}' was not found; check getProjects.")
            keys.append("NotFound")
        base_id = fields.get("baseScenarioGlobalId")
        base = self._visible(base_id, tenant) if base_id else None
        if not base_id:
            problems.append("baseScenarioGlobalId is missing; pick a base with getScenarios.")
            keys.append("BadUserInput")
        elif base is None:
            problems.append(f"base scenario '{base_id}' was not found; check getScenarios.")
            keys.append("NotFound")
        if base is not None:
            group = self._groups[base.region_group]
            code = fields.get("regionGroupCode")
            if code is not None and code.lower() != group.code:
                problems.append(
                    f"regionGroupCode '{code}' does not match the base scenario's region "
                    f"group '{group.code}'; leave it out or use '{group.code}'."
                )
                keys.append("BadUserInput")
            before = len(problems)
            self._validate(fields, group, problems)
            keys.extend(["BadUserInput"] * (len(problems) - before))
        self._raise_problems("createScenario", problems, keys)
        assert base is not None
        return base

    def update_scenario(self, tenant: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Changes the fields present in an ``UpdateScenarioInput`` of the tenant's scenario.

        Args:
            tenant: The caller.
            fields: The input object; null fields are left unchanged.

        Returns:
            The updated wire object.

        Raises:
            ServiceError: NotFound, Forbidden (published), BadUserInput naming every bad field.
        """
        scenario_id = fields["scenarioGlobalId"]
        with self._lock:
            rec = self._require_own(scenario_id, tenant, "updated")
            group = self._groups[rec.region_group]
            problems: list[str] = []
            code = fields.get("regionGroupCode")
            if code is not None and code.lower() != rec.region_group:
                problems.append(
                    f"regionGroupCode cannot change from '{rec.region_group}' to '{code}'; "
                    "create a new scenario from a base of that region group."
                )
            base = fields.get("baseScenarioGlobalId")
            if base is not None and base != rec.base_id:
                problems.append(
                    "baseScenarioGlobalId cannot change; create a new scenario from that base."
                )
            project_id = fields.get("projectGlobalId")
            if project_id is not None:
                proj = self._projects.get(project_id)
                if proj is None or proj.tenant != tenant:
                    problems.append(f"project '{project_id}' was not found; check getProjects.")
            self._validate(fields, group, problems)
            self._raise_problems("updateScenario", problems, ["BadUserInput"] * len(problems))
            self._apply_fields(rec, fields)
            if project_id is not None:
                rec.project_id = project_id
            rec.updated_at = self._clock()
            return self._view(rec, self._clock())

    def delete_scenario(self, tenant: str, scenario_id: str) -> bool:
        """Deletes the tenant's scenario and its inputs session (``deleteScenario``).

        Args:
            tenant: The caller.
            scenario_id: The scenario to delete.

        Returns:
            True.

        Raises:
            ServiceError: NotFound, or Forbidden for a published scenario.
        """
        with self._lock:
            self._require_own(scenario_id, tenant, "deleted")
            self._drop_locked(scenario_id)
        if self.inputs is not None:
            self.inputs.drop_session(scenario_id)
        return True

    def _drop_locked(self, scenario_id: str) -> None:
        """Forgets a scenario and its download clocks (lock held)."""
        self._scenarios.pop(scenario_id, None)
        for key in [k for k in self._downloads_started if k[0] == scenario_id]:
            del self._downloads_started[key]

    def launch_scenario(self, tenant: str, scenario_id: str) -> dict[str, Any]:
        """Starts the run clock of the tenant's scenario (NotLaunched -> Queued).

        Args:
            tenant: The caller.
            scenario_id: The scenario to launch.

        Returns:
            The wire object right after launch (Queued, or Complete when the step is 0).

        Raises:
            ServiceError: NotFound, Forbidden (published), Conflict while Queued/Running.
        """
        now = self._clock()
        with self._lock:
            rec = self._require_own(scenario_id, tenant, "launched")
            status, _, _ = self._run_state(rec, now)
            if status in ("Queued", "Running"):
                raise ServiceError(
                    f"Scenario '{scenario_id}' is already {status}; wait until its "
                    "scenarioRunStatus is Complete before launching it again.",
                    "Conflict",
                )
            rec.launched_at = now
            rec.launches += 1
            rec.updated_at = now
            for key in [k for k in self._downloads_started if k[0] == scenario_id]:
                del self._downloads_started[key]
            return self._view(rec, now)

    def weather_years(self, tenant: str, scenario_id: str) -> list[int]:
        """Weather years the scenario can run with (``getWeatherYearList``).

        Args:
            tenant: The caller.
            scenario_id: A visible scenario.

        Returns:
            The years, empty when the region group does not support weather years.

        Raises:
            ServiceError: NotFound when unknown or not visible.
        """
        with self._lock:
            rec = self._require(scenario_id, tenant)
            return list(_published.weather_years(rec.region_group))

    def session_spec(self, scenario_id: str, tenant: str) -> SessionSpec | None:
        """What the inputs service needs to serve the scenario's session.

        Args:
            scenario_id: The scenario (= session) id.
            tenant: The caller; other tenants' scenarios are invisible.

        Returns:
            The spec (a tenanted scenario carries its base's data seed, ``published=False``
            and its owner), or None for an unknown or invisible scenario.
        """
        with self._lock:
            rec = self._visible(scenario_id, tenant)
            if rec is None:
                return None
            group = self._groups[rec.region_group]
            return SessionSpec(
                scenario_id=rec.scenario_id,
                region_group=group.code,
                main_region=group.main_region,
                data_seed=rec.data_seed,
                published=rec.published,
                tenant=rec.tenant,
            )

    # -- projects ---------------------------------------------------------------
    def _project_view(self, proj: _Project, now: float, with_scenarios: bool) -> dict[str, Any]:
        """The wire object of a project (lock held)."""
        product = next(
            (p for p in catalogue.PRODUCTS if str(p["productId"]) == proj.product_id), None
        )
        view: dict[str, Any] = {
            "projectGlobalId": proj.project_id,
            "name": proj.name,
            "description": proj.description,
            "productId": proj.product_id,
            "productName": product["name"] if product else None,
            "isProjectPinned": proj.pinned,
            "lastUpdated": _iso(proj.updated_at),
        }
        if with_scenarios:
            view["scenarios"] = [
                self._view(r, now)
                for r in self._scenarios.values()
                if r.project_id == proj.project_id and r.tenant == proj.tenant
            ]
        return view

    @staticmethod
    def _check_product(product_id: Any, problems: list[str]) -> str | None:
        """The product id as a string, or None after appending a problem."""
        if product_id is None:
            return None
        pid = str(product_id)
        if not any(str(p["productId"]) == pid for p in catalogue.PRODUCTS):
            known = ", ".join(f"{p['productId']} ({p['name']})" for p in catalogue.PRODUCTS)
            problems.append(f"productId '{pid}' is not a known product; use one of {known}.")
            return None
        return pid

    def list_projects(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's projects in creation order (``getProjects``).

        Args:
            tenant: The caller.

        Returns:
            Project wire objects without their scenarios.
        """
        now = self._clock()
        with self._lock:
            return [
                self._project_view(p, now, False)
                for p in self._projects.values()
                if p.tenant == tenant
            ]

    def get_project(self, tenant: str, project_id: str) -> dict[str, Any]:
        """The tenant's project with its scenarios (``getProject``).

        Args:
            tenant: The caller.
            project_id: The project id.

        Returns:
            The project wire object with ``scenarios`` in creation order.

        Raises:
            ServiceError: NotFound when unknown or another tenant's.
        """
        with self._lock:
            return self._project_view(
                self._require_project(project_id, tenant), self._clock(), True
            )

    def create_project(self, tenant: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Creates a project (``createProject``).

        Args:
            tenant: The caller.
            fields: ``InputProject``: name, description, productId (an id of
                ``catalogue.PRODUCTS``).

        Returns:
            The project wire object.

        Raises:
            ServiceError: BadUserInput naming every bad field.
        """
        now = self._clock()
        problems: list[str] = []
        name = fields.get("name")
        if not name or not str(name).strip():
            problems.append("name is empty; give the project a name.")
        product_id = self._check_product(fields.get("productId"), problems)
        self._raise_problems("createProject", problems, ["BadUserInput"] * len(problems))
        proj = _Project(
            project_id=str(uuid.uuid4()),
            name=str(name),
            created_at=now,
            updated_at=now,
            tenant=tenant,
            description=fields.get("description"),
            product_id=product_id,
        )
        with self._lock:
            self._projects[proj.project_id] = proj
            return self._project_view(proj, now, False)

    def update_project(self, tenant: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Changes the fields present in an ``UpdateProjectInputGroup`` (``updateProject``).

        Args:
            tenant: The caller.
            fields: The input object; null fields are left unchanged.

        Returns:
            The project wire object.

        Raises:
            ServiceError: NotFound for an unknown project, BadUserInput for bad fields.
        """
        now = self._clock()
        with self._lock:
            proj = self._require_project(fields["projectGlobalId"], tenant)
            problems: list[str] = []
            name = fields.get("name")
            if name is not None and not str(name).strip():
                problems.append("name is empty; give the project a name.")
            product_id = self._check_product(fields.get("productId"), problems)
            self._raise_problems("updateProject", problems, ["BadUserInput"] * len(problems))
            if name is not None:
                proj.name = str(name)
            if fields.get("description") is not None:
                proj.description = fields["description"]
            if product_id is not None:
                proj.product_id = product_id
            proj.updated_at = now
            return self._project_view(proj, now, False)

    def delete_project(self, tenant: str, project_id: str) -> bool:
        """Deletes the tenant's project and every scenario in it (``deleteProject``).

        Args:
            tenant: The caller.
            project_id: The project to delete.

        Returns:
            True.

        Raises:
            ServiceError: NotFound when unknown or another tenant's.
        """
        with self._lock:
            self._require_project(project_id, tenant)
            del self._projects[project_id]
            doomed = [
                r.scenario_id
                for r in self._scenarios.values()
                if r.project_id == project_id and r.tenant == tenant
            ]
            for sid in doomed:
                self._drop_locked(sid)
        if self.inputs is not None:
            for sid in doomed:
                self.inputs.drop_session(sid)
        return True

    def set_pinned(self, tenant: str, project_id: str, pinned: bool) -> bool:
        """Pins or unpins the tenant's project (``createProjectPin``/``deleteProjectPin``).

        Args:
            tenant: The caller.
            project_id: The project.
            pinned: The new state (setting the current state again is fine).

        Returns:
            True.

        Raises:
            ServiceError: NotFound when unknown or another tenant's.
        """
        with self._lock:
            proj = self._require_project(project_id, tenant)
            proj.pinned = pinned
            return True

    # -- config -----------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The scenario service's ``getConfig`` answer.

        Returns:
            ``regionGroups`` (keyed by code, ordered so that the official client derives
            each scenario's neighbour regions from its own group), ``currencies``,
            ``sensitivities``, ``products``, ``isAuthor``, ``isAdvancedUser``,
            ``appsSupported``.
        """
        groups: dict[str, Any] = {}
        for code in _group_order(self._groups):
            group = self._groups[code]
            groups[code] = {
                "regionGroupCode": code,
                "name": group.name,
                "mainRegion": group.main_region,
                "defaultCurrency": group.default_currency,
                "currencies": list(group.currencies),
                "regions": {
                    r: {
                        "regionCode": r,
                        "isMainRegion": r == group.main_region,
                        "isSubRegion": r in group.sub_regions,
                    }
                    for r in _outputs.download_regions(group)
                },
            }
        codes = sorted({c for g in self._groups.values() for c in g.currencies})
        return {
            "regionGroups": groups,
            "currencies": [
                {
                    "currencyCode": c,
                    "name": f"{_CURRENCY_NAMES.get(c[:3], c[:3].upper())} ({c[3:]} real)",
                    "regionGroupCodes": [
                        g.code for g in self._groups.values() if c in g.currencies
                    ],
                }
                for c in codes
            ],
            "sensitivities": list(_published.CASES),
            "products": [dict(p) for p in catalogue.PRODUCTS],
            "isAuthor": False,
            "isAdvancedUser": False,
            "appsSupported": ["scenarioExplorer", "inputsEditor"],
        }

    # -- downloads --------------------------------------------------------------
    def _download_target(self, tenant: str | None, scenario_id: str, region: str) -> _Scenario:
        """The scenario behind a download route, checked for region and completed run."""
        rec = self._require(scenario_id, tenant) if tenant is not None else None
        if rec is None:
            rec = self._scenarios.get(scenario_id)
            if rec is None:
                raise ServiceError(f"Scenario '{scenario_id}' no longer exists.", "NotFound")
        group = self._groups[rec.region_group]
        if region not in _outputs.download_regions(group):
            raise ServiceError(
                f"Region '{region}' has no outputs in scenario '{scenario_id}'; use one of "
                f"{', '.join(_outputs.download_regions(group))}.",
                "NotFound",
            )
        status, _, _ = self._run_state(rec, self._clock())
        if status != "Complete":
            raise ServiceError(
                f"Outputs of scenario '{scenario_id}' are not available: its run is {status}. "
                "Launch it and wait until scenarioRunStatus is Complete.",
                "NotFound",
            )
        return rec

    def meta(self, tenant: str, scenario_id: str, region: str) -> dict[str, Any]:
        """The meta JSON of one region's downloads.

        Args:
            tenant: The caller.
            scenario_id: A visible scenario whose run is Complete.
            region: A region of the scenario's group.

        Returns:
            ``{"dataDefinitions": [...], "years": [...]}``.

        Raises:
            ServiceError: NotFound for unknown scenarios or regions, or outputs not ready.
        """
        with self._lock:
            rec = self._download_target(tenant, scenario_id, region)
            return _outputs.meta_json(self._groups[rec.region_group], region, rec.years)

    def _check_file(self, rec: _Scenario, region: str, filename: str) -> _outputs.FileRequest:
        """The parsed file name, checked against the scenario's currencies, years, region."""
        group = self._groups[rec.region_group]
        request = _outputs.parse_filename(filename)
        if request is None:
            raise ServiceError(
                f"File '{filename}' is not an output of this scenario; see the meta JSON for "
                "the available file names.",
                "NotFound",
            )
        if request.currency not in group.currencies:
            raise ServiceError(
                f"Currency '{request.currency}' is not available; use one of "
                f"{', '.join(group.currencies)}.",
                "NotFound",
            )
        if request.year is not None and request.year not in rec.years:
            raise ServiceError(
                f"Year {request.year} is not a model year of this scenario "
                f"({rec.years[0]}..{rec.years[-1]}).",
                "NotFound",
            )
        if request.kind == "interconnector" and not _outputs.neighbours(group, region):
            raise ServiceError(f"Region '{region}' has no interconnectors.", "NotFound")
        return request

    def _sign(self, path: str, expires: int) -> str:
        """HMAC-SHA256 signature of a file path and expiry with this instance's random key."""
        return hmac.new(self._signing_key, f"{path}|{expires}".encode(), hashlib.sha256).hexdigest()

    def request_download(self, tenant: str, scenario_id: str, region: str, filename: str) -> str:
        """Starts (or checks) generation of a file; returns its signed path below ``/files/``.

        Raises:
            ServiceError: ``NotReady`` while the file is generating (the route answers 425),
                NotFound for unknown scenarios, regions, files, currencies or years.
        """
        now = self._clock()
        with self._lock:
            rec = self._download_target(tenant, scenario_id, region)
            self._check_file(rec, region, filename)
            key = (scenario_id, region, filename)
            started = self._downloads_started.setdefault(key, now)
            if now - started < self.options.download_delay_s:
                raise ServiceError(
                    f"File '{filename}' is being generated; retry in a few seconds.", "NotReady"
                )
        path = f"/files/{scenario_id}/{region}/{filename}"
        expires = int(now + URL_TTL_S)
        return f"{path}?expires={expires}&signature={self._sign(path, expires)}"

    def read_file(self, path: str, expires: str, signature: str) -> tuple[str, str]:
        """The CSV of a signed file path; returns (filename, csv text).

        Raises:
            ServiceError: Forbidden for a bad or expired signature, NotFound otherwise.
        """
        try:
            expiry = int(expires)
        except ValueError:
            expiry = -1
        if not hmac.compare_digest(self._sign(path, expiry), signature):
            raise ServiceError("The file URL signature does not match.", "Forbidden")
        if self._clock() > expiry:
            raise ServiceError("The file URL has expired; ask for a new one.", "Forbidden")
        parts = path.split("/")  # "", "files", scenario, region, filename
        if len(parts) != 5:
            raise ServiceError("Unknown file.", "NotFound")
        _, _, scenario_id, region, filename = parts
        with self._lock:
            rec = self._download_target(None, scenario_id, region)
            request = self._check_file(rec, region, filename)
            group = self._groups[rec.region_group]
            seed = rec.data_seed if rec.published else rec.data_seed ^ (rec.launches * 7919)
            case, years = rec.case, rec.years
        return filename, _outputs.render(request, region, group, case, seed, years)

    # -- model files ----------------------------------------------------------------
    def _model_run(
        self, tenant: str | None, scenario_id: str, run_id: str, year: int | None
    ) -> _model_files.RunRef:
        """The completed run a model-files request names (lock held)."""
        rec = self._require(scenario_id, tenant) if tenant is not None else None
        if rec is None:
            rec = self._scenarios.get(scenario_id)
            if rec is None:
                raise ServiceError(f"Scenario '{scenario_id}' no longer exists.", "NotFound")
        status, _, _ = self._run_state(rec, self._clock())
        if not (rec.published or rec.launched_at is not None) or run_id != _run_id(rec):
            raise ServiceError(
                f"Run '{run_id}' is not a run of scenario '{scenario_id}'; use a runGlobalId "
                "from the scenario's runDetails.",
                "NotFound",
            )
        if status != "Complete":
            raise ServiceError(
                f"Model files of run '{run_id}' are not available: the run is {status}.",
                "NotFound",
            )
        if year is not None and year not in rec.years:
            raise ServiceError(
                f"Year {year} is not a model year of scenario '{scenario_id}'.", "NotFound"
            )
        return _model_files.RunRef(rec.scenario_id, run_id, rec.run_type, year)

    def model_files(
        self, tenant: str, scenario_id: str, run_id: str, year: int | None
    ) -> dict[str, Any]:
        """The model-files listing of a completed run (``GET /v1/modelFiles/<scenario>``).

        Args:
            tenant: The caller.
            scenario_id: A visible scenario.
            run_id: The ``runGlobalId`` of its latest run (``runDetails``).
            year: The run year, for runs whose ``runDetails`` list years; else None.

        Returns:
            The listing JSON (see ``_model_files.listing``).

        Raises:
            ServiceError: NotFound for unknown scenarios, runs or years, or a run not Complete.
        """
        with self._lock:
            return _model_files.listing(self._model_run(tenant, scenario_id, run_id, year))

    def model_file_location(
        self, tenant: str, scenario_id: str, run_id: str, year: int | None, name: str
    ) -> str:
        """The signed path (below ``/files/``) of one model file of a completed run.

        Raises:
            ServiceError: NotFound as for :meth:`model_files`, or for an unknown file name.
        """
        with self._lock:
            run = self._model_run(tenant, scenario_id, run_id, year)
        if not _model_files.is_model_file(name):
            raise ServiceError(f"Run '{run_id}' has no model file '{name}'.", "NotFound")
        year_part = "-" if year is None else str(year)
        path = f"/files/model/{run.scenario_id}/{run.run_id}/{year_part}/{name}"
        expires = int(self._clock() + URL_TTL_S)
        return f"{path}?expires={expires}&signature={self._sign(path, expires)}"

    def read_model_file(self, path: str, expires: str, signature: str) -> tuple[str, bytes]:
        """The bytes of a signed model-file path; returns (file name, body).

        Raises:
            ServiceError: Forbidden for a bad or expired signature, NotFound otherwise.
        """
        expiry = int(expires) if expires.isdigit() else -1
        if not hmac.compare_digest(self._sign(path, expiry), signature):
            raise ServiceError("The file URL signature does not match.", "Forbidden")
        if self._clock() > expiry:
            raise ServiceError("The file URL has expired; ask for a new one.", "Forbidden")
        parts = path.split("/")  # "", "files", "model", scenario, run, year, name
        if len(parts) != 7 or not _model_files.is_model_file(parts[6]):
            raise ServiceError("Unknown file.", "NotFound")
        year = None if parts[5] == "-" else int(parts[5])
        with self._lock:
            run = self._model_run(None, parts[3], parts[4], year)
        return parts[6], _model_files.body(run, parts[6])
