"""The emulator's HTTP front: routing, auth, injected failures, and the ``Emulator`` runner.

One process serves both services: the scenario service under ``/scenarioExplr``
and the inputs service under ``/modelInputs``, each answering
``POST /v1/graphql`` plus its REST routes. Control routes live under
``/_emulator`` (``GET /_emulator/health``, ``POST /_emulator/reset``,
``GET /_emulator/requests``: request and mutation counts, see ``_requests``).
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import msgspec

from . import _gql
from ._options import EmulatorOptions
from ._protocol import HttpResponse, RequestContext, Service, tenant_of
from ._requests import MutationRecord, RequestLog
from ._state import EmulatorState
from ._store import StateStore
from .inputs.resolvers import InputsService
from .scenario.resolvers import ScenarioService

log = logging.getLogger(__name__)

SCENARIO_PREFIX = "/scenarioExplr"
INPUTS_PREFIX = "/modelInputs"
_MAX_BODY = 64 * 1024 * 1024


def _encode(answer: dict[str, Any]) -> bytes:
    """A GraphQL answer as JSON bytes (msgspec: ~10x faster than ``json.dumps`` on cells).

    Cached cell lists come as ``msgspec.Raw`` (JSON encoded once per rendering, see
    ``_gql.WiredRecords``): msgspec copies them in as they are.
    """
    try:
        return msgspec.json.encode(answer)
    except (TypeError, msgspec.EncodeError):
        # A value msgspec does not know (never seen in answers): keep json's behaviour.
        return json.dumps(answer, default=_raw_value).encode()


def _raw_value(value: Any) -> Any:
    """``json.dumps``' fallback: pre-encoded JSON (``msgspec.Raw``) as the value it holds."""
    if isinstance(value, msgspec.Raw):
        return msgspec.json.decode(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _BadLength(ValueError):
    """The request's Content-Length is not a non-negative integer."""


def _echo_token(response: HttpResponse, token: str) -> HttpResponse:
    """The response with the token planted in its error messages (``echo_token``)."""
    if not token or (response.status < 400 and b'"errors"' not in response.body):
        return response
    echo = f" [echo {token} {json.dumps(token)[1:-1]} {quote(token, safe='')}]"
    try:
        doc = json.loads(response.body)
    except ValueError:
        return HttpResponse(response.status, response.body + echo.encode(), response.headers)
    if isinstance(doc, dict):
        if "message" in doc:
            doc["message"] = f"{doc['message']}{echo}"
        for error in doc.get("errors") or []:
            if isinstance(error, dict):
                error["message"] = f"{error.get('message', '')}{echo}"
    return HttpResponse(response.status, json.dumps(doc).encode(), response.headers)


class _App:
    """Everything one running emulator needs: options, state, services, fault dice."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._rng = random.Random(options.seed)
        self.store = StateStore(options.state_path, options) if options.state_path else None
        self.state = EmulatorState(options)
        if self.store is not None:
            self.store.load(self.state)
        self.services: list[Service] = self._build_services()
        self.requests = RequestLog()

    def _build_services(self) -> list[Service]:
        return [ScenarioService(self.state), InputsService(self.state)]

    def reset(self) -> None:
        """Restores the seeded state (projects, scenarios, sessions, transforms), kept too."""
        with self._lock:
            if self.store is not None:
                self.store.clear()
            self._rng = random.Random(self.options.seed)
            self.state = EmulatorState(self.options)
            self.services = self._build_services()
            self.requests.clear()

    def keep(self) -> None:
        """Writes what a mutation changed to the state file (``serve --state``), if any."""
        if self.store is not None:
            self.store.save(self.state)

    def roll_failure(self) -> str | None:
        """Decides, deterministically from the seed, whether this request fails and how."""
        if self.options.fail_rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= self.options.fail_rate:
                return None
            return self._rng.choice(("502", "503", "drop"))

    def roll_lost_answer(self) -> bool:
        """Decides, from the seed, whether the answer of an executed request is lost."""
        if self.options.fail_after_rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.options.fail_after_rate


def _http_url(address: Any) -> str:
    """``http://host:port`` of a bound TCP server address."""
    host, port = address[0], address[1]
    if isinstance(host, bytes):
        host = host.decode()
    return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server_version = "OriginEmulator/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without TCP_NODELAY, Nagle holds the
    # body's last segment until the client's (delayed) ACK of the one before.
    disable_nagle_algorithm = True
    app: _App  # set on the subclass made per server

    # -- plumbing -----------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        if log.isEnabledFor(logging.DEBUG):  # called for every request: format only if kept
            log.debug("%s - %s", self.address_string(), format % args)

    def _send(self, response: HttpResponse) -> None:
        if self.app.options.echo_token:
            response = _echo_token(response, self.headers.get("Private-Token") or "")
        self.send_response(response.status)
        headers = {"Content-Type": "application/json", **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        text = (self.headers.get("Content-Length") or "0").strip()
        # A negative or malformed length would make the read wait for an EOF that never
        # comes: refuse it (400) instead of hanging.
        if not text.isdigit():
            raise _BadLength(f"Invalid Content-Length {text!r}: give a non-negative integer.")
        length = int(text)
        if length > _MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _drop(self) -> None:
        """Closes the connection without answering, like a load balancer resetting it."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _base_url(self) -> str:
        return _http_url(self.server.server_address)

    # -- verbs --------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
        except _BadLength as exc:
            self.close_connection = True
            self._send(HttpResponse.json(400, {"message": str(exc)}))
            return
        except (ValueError, OSError):
            self._send(HttpResponse.json(413, {"message": "Request body too large."}))
            return
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        app = self.app

        if path.startswith("/_emulator/"):
            self._send(self._control(method, path))
            return
        # Logged before auth and injected faults: a refused or dropped request was still sent.
        app.requests.record(method, path, body, self.headers.get("Private-Token"), app.services)

        if app.options.latency_ms:
            time.sleep(app.options.latency_ms / 1000.0)
        failure = app.roll_failure()
        if failure == "drop":
            self._drop()
            return
        if failure is not None:
            status = int(failure)
            page = f"<html><body><h1>{status} {HTTPStatus(status).phrase}</h1></body></html>"
            self._send(HttpResponse(status, page.encode(), {"Content-Type": "text/html"}))
            return

        try:
            response = self._route(method, path, query, body)
        except Exception:  # the last guard: never leak a traceback to the client
            log.exception("unhandled error serving %s %s", method, path)
            response = HttpResponse.json(500, {"message": "Internal server error."})
        if app.roll_lost_answer():
            # The request executed (a mutation changed the state); only its answer is lost.
            self._drop()
            return
        self._send(response)

    def _control(self, method: str, path: str) -> HttpResponse:
        if path == "/_emulator/health":
            cache = self.app.state.inputs.budget_stats().as_dict()
            return HttpResponse.json(200, {"status": "ok", "cache": cache})
        if path == "/_emulator/reset" and method == "POST":
            self.app.reset()
            return HttpResponse.json(200, {"status": "reset"})
        if path == "/_emulator/requests" and method == "GET":
            return HttpResponse.json(200, self.app.requests.summary())
        return HttpResponse.json(404, {"message": f"No emulator control route {path}."})

    def _authenticate(self) -> tuple[HttpResponse | None, str, bool]:
        token = (self.headers.get("Private-Token") or "").strip()
        options = self.app.options
        if not token:
            return (
                HttpResponse.json(401, {"message": "Unauthorized: send your API token."}),
                "",
                False,
            )
        readonly = token in options.readonly_tokens
        if options.tokens and token not in options.tokens and not readonly:
            return HttpResponse.json(401, {"message": "Unauthorized: invalid token."}), "", False
        return None, token, readonly

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> HttpResponse:
        for service in self.app.services:
            if not (path == service.prefix or path.startswith(service.prefix + "/")):
                continue
            sub = path[len(service.prefix) :] or "/"
            if any(sub.startswith(p) for p in service.public_paths):
                answer = service.rest(method, sub, query, None)
                return answer or HttpResponse.json(404, {"message": "Not found."})
            denied, token, readonly = self._authenticate()
            if denied is not None:
                return denied
            ctx = RequestContext(
                tenant=tenant_of(token), readonly=readonly, base_url=self._base_url()
            )
            if sub.rstrip("/") == "/v1/graphql":
                if method != "POST":
                    return HttpResponse.json(405, {"message": "Use POST for GraphQL."})
                media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if media != "application/json":
                    # A browser may POST text/plain cross-site without a preflight: never
                    # execute such a "simple request".
                    return HttpResponse.json(
                        415, {"message": "GraphQL POSTs must be Content-Type application/json."}
                    )
                return self._graphql(service, body, ctx)
            answer = service.rest(method, sub, query, ctx)
            if answer is not None:
                return answer
            return HttpResponse.json(404, {"message": f"Cannot {method} {path}"})
        return HttpResponse.json(404, {"message": f"Cannot {method} {path}"})

    def _graphql(self, service: Service, body: bytes, ctx: RequestContext) -> HttpResponse:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            message = 'POST body must be JSON: {"query": ..., "variables": ...}'
            return HttpResponse.json(400, {"errors": [{"message": message}]})
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return HttpResponse.json(
                400, {"errors": [{"message": "Variables must be a JSON object."}]}
            )
        document = payload["query"]
        mutation = _gql.is_mutation(service.schema, document)
        if ctx.readonly and mutation:
            return HttpResponse.json(
                403, {"message": "Forbidden: this token may read but not change data."}
            )
        answer = service.graphql(document, variables, ctx, payload.get("operationName"))
        if mutation:
            self.app.keep()
        return HttpResponse(200, _encode(answer), {"Content-Type": "application/json"})


class Emulator:
    """An Origin-compatible server running in a background thread.

    Example:
        >>> from origin_sdk.OriginSession import OriginSession  # the official client
        >>> with Emulator(latency_ms=0) as emu:
        ...     session = OriginSession({"token": "t", "scenario_base_url": emu.scenario_base_url,
        ...                              "inputs_base_url": emu.inputs_base_url})
        ...     session.get_projects()
        []
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, options: EmulatorOptions | None = None,
        **option_values: Any,
    ) -> None:
        if options is not None and option_values:
            raise TypeError("Pass either options= or keyword options, not both.")
        self.options = options or EmulatorOptions(**option_values)
        self._host = host
        self._port = port
        self._app: _App | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> Emulator:
        """Binds the port and starts serving in a daemon thread."""
        if self._server is not None:
            return self
        app = _App(self.options)
        handler = type("Handler", (_Handler,), {"app": app})
        server = ThreadingHTTPServer((self._host, self._port), handler)
        server.daemon_threads = True
        self._app, self._server = app, server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1},
            name="origin-emulator", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and releases the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        if self._app is not None and self._app.store is not None:
            self._app.store.close()

    def serve_forever(self) -> None:
        """Serves in the calling thread until interrupted (used by ``origin-frames serve``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def reset(self) -> None:
        """Restores the seeded state."""
        self._require_app().reset()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------
    def _require_app(self) -> _App:
        if self._app is None:
            raise RuntimeError("The emulator is not running: call start() or use `with`.")
        return self._app

    def mutations(self, token: str | None = None) -> list[MutationRecord]:
        """GraphQL mutations that reached the server (all, or those sent with ``token``).

        Counted on arrival, before auth and injected faults, since the last reset; the
        same figures are served at ``GET /_emulator/requests``.

        Example:
            >>> links = client.get_interconnectors(sid, "gbr", "fra")
            >>> before = len(emu.mutations())
            >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
            >>> len(emu.mutations()) == before  # planning sends no mutation
            True
            >>> plan.apply().ok, len(emu.mutations()) > before
            (True, True)
        """
        return self._require_app().requests.mutations(token)

    @property
    def state(self) -> EmulatorState:
        """The live state (for tests that inspect what reached the server)."""
        return self._require_app().state

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The emulator is not running: call start() or use `with`.")
        return _http_url(self._server.server_address)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def scenario_base_url(self) -> str:
        return self.url + SCENARIO_PREFIX

    @property
    def inputs_base_url(self) -> str:
        return self.url + INPUTS_PREFIX

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"Emulator({where})"
