"""The scenario service: GraphQL resolvers and the output-download REST routes.

Resolvers are thin: they read the caller from the context, call the
:class:`~origin_frames.emulator.scenario.models.ScenarioBackend` and return its
plain dicts. REST routes (all below ``/scenarioExplr``):

- ``GET /v1/downloads/<scenario>/<region>/meta.json``: the region's meta JSON;
- ``GET /v1/downloads/<scenario>/<region>/data/<file>``: 425 while generating, else a
  response whose ``location`` header is a short-lived signed URL (``noredirect=true``
  answers 200, otherwise 302);
- ``GET /files/<scenario>/<region>/<file>?expires=..&signature=..``: the CSV (public);
- ``GET /v1/modelFiles/<scenario>?runGlobalId=<run>[&year=<y>]``: a completed run's model
  files (JSON, see ``_model_files``);
- ``GET /v1/modelFiles/<scenario>/files/<name>?runGlobalId=<run>[&year=<y>]``: 302 to a
  short-lived signed ``/files/model/...`` URL (public) serving the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from .. import _gql
from .._protocol import HttpResponse, RequestContext
from . import schema as _schema
from .models import ScenarioBackend

_DOWNLOAD_RE = re.compile(
    r"^/v1/downloads/(?P<sid>[^/]+)/(?P<region>[^/]+)/(?:(?P<meta>meta\.json)|data/(?P<file>[^/]+))$"
)
_MODEL_FILES_RE = re.compile(r"^/v1/modelFiles/(?P<sid>[^/]+)(?:/files/(?P<name>[^/]+))?$")
_STATUS_OF_KEY = {"NotFound": 404, "Forbidden": 403, "NotReady": 425, "BadUserInput": 400}


@dataclass(frozen=True)
class ScenarioContext:
    """What every resolver receives as ``info.context``."""

    request: RequestContext
    backend: ScenarioBackend


def _ctx(info: GraphQLResolveInfo) -> ScenarioContext:
    """The resolver context."""
    return info.context  # type: ignore[no-any-return]


def _get_scenarios(_: Any, info: GraphQLResolveInfo, filter: dict | None = None) -> list[dict]:
    """``getScenarios(filter)``."""
    f = filter or {}
    c = _ctx(info)
    return c.backend.list_scenarios(
        c.request.tenant,
        region_group=f.get("regionGroupCode"),
        scenario_type=f.get("scenarioType"),
        scenario_id=f.get("scenarioGlobalId"),
    )


def _get_projects(_: Any, info: GraphQLResolveInfo) -> list[dict]:
    """``getProjects``."""
    c = _ctx(info)
    return c.backend.list_projects(c.request.tenant)


def _get_config(_: Any, info: GraphQLResolveInfo) -> dict:
    """``getConfig``."""
    return _ctx(info).backend.config()


def _get_weather_years(_: Any, info: GraphQLResolveInfo, scenarioGlobalId: str) -> dict:
    """``getWeatherYearList(scenarioGlobalId)``."""
    c = _ctx(info)
    return {"years": c.backend.weather_years(c.request.tenant, scenarioGlobalId)}


def _tenant_call(method: str, *extra: Any) -> Any:
    """A resolver calling ``backend.<method>(tenant, <the field's one argument>, *extra)``.

    Most root fields take exactly one argument (an id or an input object) and act for
    the calling tenant; one factory keeps them identical.
    """

    def resolve(_: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        c = _ctx(info)
        (value,) = args.values()
        return getattr(c.backend, method)(c.request.tenant, value, *extra)

    resolve.__doc__ = f"Calls ScenarioBackend.{method} for the calling tenant."
    return resolve


_QUERIES = {
    "getScenarios": _get_scenarios,
    "getProjects": _get_projects,
    "getProject": _tenant_call("get_project"),
    "getConfig": _get_config,
    "getWeatherYearList": _get_weather_years,
}
_MUTATIONS = {
    "createScenario": _tenant_call("create_scenario"),
    "updateScenario": _tenant_call("update_scenario"),
    "deleteScenario": _tenant_call("delete_scenario"),
    "launchScenario": _tenant_call("launch_scenario"),
    "createProject": _tenant_call("create_project"),
    "updateProject": _tenant_call("update_project"),
    "deleteProject": _tenant_call("delete_project"),
    "createProjectPin": _tenant_call("set_pinned", True),
    "deleteProjectPin": _tenant_call("set_pinned", False),
}


@lru_cache(maxsize=1)
def service_schema() -> GraphQLSchema:
    """The scenario schema with resolvers attached (built once per process)."""
    schema = _schema.build()
    for root, table in ((schema.query_type, _QUERIES), (schema.mutation_type, _MUTATIONS)):
        assert isinstance(root, GraphQLObjectType)
        for name, fn in table.items():
            root.fields[name].resolve = fn
    return schema


def _error(exc: _gql.ServiceError) -> HttpResponse:
    """A REST error answer for a backend error."""
    status = _STATUS_OF_KEY.get(exc.error_key, 400)
    return HttpResponse.json(status, {"message": exc.message, "errorKey": exc.error_key})


class ScenarioService:
    """The emulated scenario service (``/scenarioExplr``).

    Args:
        state: The emulator state; its ``scenarios`` attribute is the backend.

    Example:
        >>> from origin_frames.emulator import EmulatorOptions
        >>> from origin_frames.emulator._state import EmulatorState
        >>> ScenarioService(EmulatorState(EmulatorOptions())).prefix
        '/scenarioExplr'
    """

    prefix = "/scenarioExplr"
    public_paths: tuple[str, ...] = ("/files/",)

    def __init__(self, state: Any) -> None:
        self.state = state
        self.backend: ScenarioBackend = state.scenarios
        self.schema = service_schema()

    def graphql(
        self,
        document: str,
        variables: dict[str, Any] | None,
        ctx: RequestContext,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Answers one GraphQL request.

        Args:
            document: The GraphQL document.
            variables: Its variables.
            ctx: Who asks.
            operation_name: The operation to run when the document holds several.

        Returns:
            ``{"data": ..., "errors": [...]}`` as the real service answers.
        """
        context = ScenarioContext(request=ctx, backend=self.backend)
        return _gql.execute(self.schema, document, variables, context, operation_name)

    def rest(
        self, method: str, path: str, query: dict[str, list[str]], ctx: RequestContext | None
    ) -> HttpResponse | None:
        """Answers the download routes, or None for any other path.

        Args:
            method: HTTP method.
            path: Path below the prefix.
            query: Parsed query string.
            ctx: Who asks (None on public paths).

        Returns:
            The HTTP answer, or None when the path is not a route of this service.
        """
        if path.startswith("/files/model/"):
            return self._model_file_body(method, path, query)
        if path.startswith("/files/"):
            if method not in ("GET", "HEAD"):
                return HttpResponse.json(405, {"message": "Use GET to download a file."})
            try:
                filename, text = self.backend.read_file(
                    path, (query.get("expires") or [""])[0], (query.get("signature") or [""])[0]
                )
            except _gql.ServiceError as exc:
                return _error(exc)
            return HttpResponse(
                200,
                text.encode(),
                {
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": f'attachment; filename="{filename}"',
                },
            )
        if ctx is not None and _MODEL_FILES_RE.match(path):
            return self._model_files(method, path, query, ctx)
        match = _DOWNLOAD_RE.match(path)
        if match is None or ctx is None:
            return None
        if method != "GET":
            return HttpResponse.json(405, {"message": "Use GET for downloads."})
        sid, region = match["sid"], match["region"]
        try:
            if match["meta"]:
                return HttpResponse.json(200, self.backend.meta(ctx.tenant, sid, region))
            signed = self.backend.request_download(ctx.tenant, sid, region, match["file"])
        except _gql.ServiceError as exc:
            return _error(exc)
        location = f"{ctx.base_url}{self.prefix}{signed}"
        if (query.get("noredirect") or ["false"])[0].lower() == "true":
            answer = HttpResponse.json(200, {"url": location})
            answer.headers["location"] = location
            return answer
        return HttpResponse(302, b"", {"Location": location})

    def _model_files(
        self, method: str, path: str, query: dict[str, list[str]], ctx: RequestContext
    ) -> HttpResponse:
        """``/v1/modelFiles/<scenario>[/files/<name>]``: the listing, or a redirect to a file."""
        if method != "GET":
            return HttpResponse.json(405, {"message": "Use GET for model files."})
        match = _MODEL_FILES_RE.match(path)
        assert match is not None
        run_id = (query.get("runGlobalId") or [""])[0]
        year_text = (query.get("year") or [""])[0]
        if not run_id or (year_text and not year_text.isdigit()):
            return HttpResponse.json(
                400,
                {
                    "message": "Give runGlobalId (from the scenario's runDetails) and, for runs "
                    "listing years, a numeric year.",
                    "errorKey": "BadUserInput",
                },
            )
        year = int(year_text) if year_text else None
        sid, name = match["sid"], match["name"]
        try:
            if name is None:
                return HttpResponse.json(
                    200, self.backend.model_files(ctx.tenant, sid, run_id, year)
                )
            signed = self.backend.model_file_location(ctx.tenant, sid, run_id, year, name)
        except _gql.ServiceError as exc:
            return _error(exc)
        location = f"{ctx.base_url}{self.prefix}{signed}"
        if (query.get("noredirect") or ["false"])[0].lower() == "true":
            answer = HttpResponse.json(200, {"url": location})
            answer.headers["location"] = location
            return answer
        return HttpResponse(302, b"", {"Location": location})

    def _model_file_body(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> HttpResponse:
        """The public, signed ``/files/model/...`` URL of one model file."""
        if method not in ("GET", "HEAD"):
            return HttpResponse.json(405, {"message": "Use GET to download a file."})
        try:
            name, body = self.backend.read_model_file(
                path, (query.get("expires") or [""])[0], (query.get("signature") or [""])[0]
            )
        except _gql.ServiceError as exc:
            return _error(exc)
        return HttpResponse(
            200,
            body,
            {
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )
