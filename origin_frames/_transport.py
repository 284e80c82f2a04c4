"""HTTP transport: auth headers, timeouts, bounded retries, DataNotReady/425 polling, errors.

This is the only module that talks to ``requests`` and the only one that turns
HTTP or GraphQL failures into :mod:`origin_frames._exceptions` (always with
``raise ... from exc`` where there is a cause).

Retries: connection errors, dropped connections, timeouts, 429 (honouring
``Retry-After``) and 502/503/504 are retried up to ``max_retries`` times with
exponential backoff and jitter, within a deadline. GraphQL POSTs are retried too:
reads are idempotent and every mutation ``origin_frames`` sends is idempotent per
cell (a transform replaces the previous one).

Polling: an inputs read answering only ``DataNotReady`` errors, and a download
answering 425, are polled with growing sleeps until ``not_ready_deadline_s``.

Deadlines and redaction: every request goes through :meth:`Transport._exchange`, the one
boundary every server message crosses. It bounds the whole exchange (connect, headers and
body) by ``connect_timeout + read_timeout`` of wall-clock time, however slowly the server
trickles bytes, and removes the token (plain, JSON-escaped and URL-quoted) from the answer's
body and headers before anything else sees them.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from typing import Any, Literal, Protocol, cast
from urllib.parse import quote, quote_plus

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ._config import INPUTS_URL_ENV, SCENARIO_URL_ENV, Settings
from ._exceptions import (
    AuthenticationError,
    ConfigurationError,
    DataNotReadyTimeout,
    NotFoundError,
    OriginConnectionError,
    OriginError,
    OriginGraphQLError,
    OriginTimeoutError,
    PermissionDeniedError,
    ServerError,
    TransportError,
    sentence,
)

__all__ = ["Service", "SessionLike", "Transport", "USER_AGENT", "WaitObserver"]

log = logging.getLogger(__name__)

Service = Literal["scenario", "inputs"]

# Told when a polling wait starts (what is awaited, the deadline in seconds); returns a
# callback given the seconds waited after each poll, then None once when the wait ends.
WaitObserver = Callable[[str, float], Callable[[float | None], None]]

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_NOT_READY_KEY = "DataNotReady"
_MAX_POLLS = 100_000  # the deadline is what normally ends a poll; this only bounds the count
_MAX_POLL_SLEEP_S = 2.5  # the official client's fixed DataNotReady pause
_MAX_RETRY_AFTER_S = 60.0
_NOT_FOUND_KEY = re.compile(r"notfound|not_found|unknown", re.IGNORECASE)
_NOT_FOUND_MESSAGE = re.compile(r"\bnot found\b|\bunknown\b|does not exist|no such", re.I)
_REDACTED = "****"
_MIN_REDACTED = 8
_WORKER_IDLE_S = 30.0


def _version() -> str:
    """The installed package version (``0+unknown`` when run from a bare checkout)."""
    try:
        return metadata.version("origin-frames")
    except metadata.PackageNotFoundError:
        return "0+unknown"


USER_AGENT = f"origin-frames/{_version()}"


class SessionLike(Protocol):
    """What the transport needs of a ``requests.Session`` (tests inject a stub)."""

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Sends one request."""
        ...

    def close(self) -> None:
        """Releases pooled connections."""
        ...


class Transport:
    """One pooled HTTP session to both Origin services.

    Args:
        settings: Resolved client settings (token, URLs, timeouts, retry policy).
        session: A ``requests.Session`` (or a stub with ``request``/``close``) shared by
            every exchange, so it must be safe to share between threads; by default each
            exchange borrows a session of its own from the transport (``requests.Session``
            is not documented thread-safe), at most one per concurrent exchange.
        sleep: Called to wait between attempts (tests pass a fake).
        clock: Monotonic clock in seconds (tests pass a fake).
        rng: Source of backoff jitter.
        gate: Entered around every HTTP request (not around the sleeps between
            retries): a fleet passes a semaphore shared by all its workers here, to
            bound the requests in flight across a cluster.
        on_wait: Told about each DataNotReady/425 polling wait (see ``WaitObserver``);
            called from the waiting thread, so several waits may run at once.

    Example:
        >>> t = Transport(Settings.resolve(token="my-token", endpoint=emu.url))
        >>> t.graphql("scenario", "{ getProjects { projectGlobalId } }")
        {'getProjects': []}
        >>> t.close()
    """

    def __init__(
        self,
        settings: Settings,
        session: SessionLike | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        gate: Callable[[], AbstractContextManager[Any]] | None = None,
        on_wait: WaitObserver | None = None,
    ) -> None:
        self.settings = settings
        self._on_wait = on_wait
        self._gate = gate or nullcontext
        self._sessions = _SessionPool(self._new_session, shared=session)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        token = settings.token.reveal()
        self._token_forms = _token_forms(token)
        self._token_needles = [_Needle(form.encode()) for form in self._token_forms]
        self._headers = {
            "Content-Type": "application/json",
            "Private-Token": token,
            "EOS-Cookie": token,
            "User-Agent": USER_AGENT,
        }
        self._stats_lock = threading.Lock()
        self._stats = {"requests": 0, "retries": 0, "polls": 0}

    @property
    def stats(self) -> dict[str, int]:
        """Counters for tests and benchmarks (attempts, retries, polls): a consistent copy.

        Returns:
            ``{"requests": n, "retries": n, "polls": n}`` since the transport was made.

        Example:
            >>> transport = client.transport
            >>> _ = client.get_projects(), client.get_projects()
            >>> transport.stats
            {'requests': 2, 'retries': 0, 'polls': 0}
        """
        with self._stats_lock:
            return dict(self._stats)

    def _count(self, name: str) -> None:
        """Adds one to a counter; worker threads count at once, so under a lock."""
        with self._stats_lock:
            self._stats[name] += 1

    def _new_session(self) -> SessionLike:
        """A session for one exchange at a time: no implicit retries, connections that can
        be shut from another thread when their deadline passes, one kept per host."""
        session = requests.Session()
        adapter = _Adapter(pool_connections=2, pool_maxsize=1, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return cast(SessionLike, session)

    # -- public API -----------------------------------------------------------------
    def graphql(
        self,
        service: Service,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        decode: Callable[[bytes], dict[str, Any]] | None = None,
        slot: AbstractContextManager[Any] | None = None,
    ) -> dict[str, Any]:
        """Runs one GraphQL document and returns its ``data``.

        Args:
            service: ``"scenario"`` or ``"inputs"``.
            document: The GraphQL document; values belong in ``variables``.
            variables: JSON-serialisable variable values.
            decode: Turns the body into ``{"data": ..., "errors": [...]}`` (a typed,
                faster decoder for big answers); default ``json``.
            slot: Entered around each HTTP exchange of this document (not its decoding
                or the waits between retries): a read bounds its requests in flight with
                one semaphore while more threads than that decode answers.

        Returns:
            The ``data`` object of the answer (``{}`` when the service sent none).

        Raises:
            NotFoundError: The service reported an unknown id/name.
            OriginGraphQLError: Any other GraphQL error.
            DataNotReadyTimeout: The session stayed not ready past the deadline.
            AuthenticationError, PermissionDeniedError, TransportError: see :meth:`graphql_raw`.

        Example:
            >>> transport = client.transport
            >>> transport.graphql("inputs", "{ getConfig { userPermissions } }")
            {'getConfig': {'userPermissions': {'canEditTechnology': True, ...}}}
        """
        answer = self.graphql_raw(service, document, variables, decode=decode, slot=slot)
        errors = answer.get("errors") or []
        if errors:
            raise self._graphql_error(service, errors)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    def graphql_raw(
        self,
        service: Service,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        decode: Callable[[bytes], dict[str, Any]] | None = None,
        slot: AbstractContextManager[Any] | None = None,
    ) -> dict[str, Any]:
        """Runs one GraphQL document and returns the whole answer without raising on errors.

        HTTP-level retries and DataNotReady polling happen here; other GraphQL
        errors are returned untouched (batched aliased mutations need the partial
        ``data`` alongside the per-alias ``errors``).

        Args:
            service: ``"scenario"`` or ``"inputs"``.
            document: The GraphQL document.
            variables: JSON-serialisable variable values.
            decode: Optional body decoder, as in :meth:`graphql`.
            slot: Entered around each HTTP exchange, as in :meth:`graphql`.

        Returns:
            ``{"data": ..., "errors": [...]}`` (``errors`` is a list, possibly empty).

        Raises:
            AuthenticationError: 401.
            PermissionDeniedError: 403.
            DataNotReadyTimeout: DataNotReady past ``not_ready_deadline_s``.
            OriginTimeoutError, OriginConnectionError, ServerError: after the retries.

        Example:
            >>> transport = client.transport
            >>> transport.graphql_raw("inputs", "{ getConfig { nope } }")["errors"][0]["message"]
            "Cannot query field 'nope' on type 'Config'."
        """
        url = self.settings.graphql_url(service)
        body = json.dumps({"query": document, "variables": dict(variables or {})})
        with self._waiting(f"the {service} session is loading") as wait:
            for _poll in range(_MAX_POLLS):
                response = self._send("POST", url, data=body, slot=slot)
                answer = self._decode(response, service, decode)
                errors = answer.get("errors") or []
                if not errors or not all(e.get("errorKey") == _NOT_READY_KEY for e in errors):
                    answer["errors"] = list(errors)
                    return answer
                if not wait(_poll):
                    break
        raise DataNotReadyTimeout(
            f"The {service} service kept answering DataNotReady for "
            f"{self.settings.not_ready_deadline_s:g} s. The scenario's inputs are still "
            "loading: try again later, or raise not_ready_deadline_s."
        )

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        allow_redirects: bool = True,
        *,
        authenticated: bool = True,
    ) -> requests.Response:
        """GETs a REST URL with retries; a 425 (file still being generated) is polled.

        Args:
            url: Absolute URL.
            params: Query parameters.
            allow_redirects: Follow redirects (False to read a ``location`` header).
            authenticated: Send the token headers (False for pre-signed file URLs).

        Returns:
            The response (status < 400).

        Raises:
            NotFoundError: 404.
            AuthenticationError, PermissionDeniedError: 401, 403.
            DataNotReadyTimeout: 425 past ``not_ready_deadline_s``.
            TransportError: Any other failure after the retries.

        Example:
            >>> transport = client.transport
            >>> transport.get(emu.url + "/_emulator/health").json()["status"]
            'ok'
        """
        with self._waiting("the file is being generated (425)") as wait:
            for _poll in range(_MAX_POLLS):
                response = self._send(
                    "GET",
                    url,
                    params=dict(params or {}),
                    allow_redirects=allow_redirects,
                    authenticated=authenticated,
                )
                if response.status_code != 425:
                    if response.status_code == 404:
                        raise NotFoundError(
                            f"Nothing at {_strip_query(url)} (HTTP 404): check the scenario "
                            "id, region, download type and granularity."
                        )
                    if response.status_code >= 400:
                        raise TransportError(
                            f"GET {_strip_query(url)} answered HTTP {response.status_code}: "
                            f"{self._redact(response.text[:200])}"
                        )
                    return response
                if not wait(_poll):
                    break
        raise DataNotReadyTimeout(
            f"{_strip_query(url)} was still being generated (HTTP 425) after "
            f"{self.settings.not_ready_deadline_s:g} s: try again later, or raise "
            "not_ready_deadline_s."
        )

    def close(self) -> None:
        """Releases pooled connections (of the sessions this transport created)."""
        self._sessions.close()

    def __repr__(self) -> str:
        s = self.settings
        return f"Transport(scenario={s.scenario_base_url!r}, inputs={s.inputs_base_url!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError(
            "A Transport holds live connections and a token and cannot be pickled; "
            "pickle the frames it returned instead."
        )

    # -- internals ------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        *,
        authenticated: bool = True,
        slot: AbstractContextManager[Any] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One request with bounded retries; translates transport failures and 401/403.
        ``slot`` (then the gate) is held around each exchange only."""
        s = self.settings
        timeout = (s.connect_timeout, s.read_timeout)
        headers = self._headers if authenticated else {"User-Agent": USER_AGENT}
        attempts = s.max_retries + 1
        # Wall-clock bound on the whole retry loop, on top of the attempt count.
        deadline = self._clock() + attempts * (s.connect_timeout + s.read_timeout) + 60.0
        last: Exception | None = None
        last_status: int | None = None
        where = f"{method} {_strip_query(url)}"
        for attempt in range(attempts):
            self._count("requests")
            log.debug("%s (attempt %d)", where, attempt + 1)
            retry_after: float | None = None
            try:
                # The caller's own slot first: a fleet-wide lease is not held while this
                # thread waits for one of its read's slots.
                with slot or nullcontext(), self._gate():
                    response = self._exchange(method, url, headers=headers, timeout=timeout,
                                              **kwargs)  # fmt: skip
            except requests.Timeout as exc:
                last, last_status = exc, None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                last, last_status = exc, None
            else:
                _refuse(response, method, where)
                if response.status_code not in _RETRY_STATUSES:
                    return response
                last, last_status = None, response.status_code
                retry_after = _retry_after(response)
            if attempt + 1 >= attempts or self._clock() >= deadline:
                break
            delay = self._retry_delay(attempt, retry_after, deadline)
            self._count("retries")
            # INFO, not DEBUG: a struggling server must not look like a hang.
            log.info(
                "retrying %s after %s (attempt %d of %d, sleeping %.3f s)",
                where,
                last_status or type(last).__name__,
                attempt + 1,
                attempts,
                delay,
            )
            self._sleep(delay)
        raise self._exhausted(where, attempts, last, last_status) from last

    def _retry_delay(self, attempt: int, retry_after: float | None, deadline: float) -> float:
        """The pause before the next attempt: backoff, or the server's (capped) Retry-After."""
        delay = self._backoff(attempt)
        if retry_after is not None:
            delay = max(delay, min(retry_after, _MAX_RETRY_AFTER_S))
        return min(delay, max(deadline - self._clock(), 0.0))

    def _exhausted(
        self, where: str, attempts: int, last: Exception | None, last_status: int | None
    ) -> OriginError:
        """The error of a request that failed every attempt, by its last failure."""
        s = self.settings
        tried = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
        if last_status is not None:
            return ServerError(
                f"{where} kept failing with HTTP {last_status} {tried}: the service is "
                "overloaded or down. Try again later or raise max_retries.",
                status=last_status,
            )
        if isinstance(last, requests.Timeout):
            return OriginTimeoutError(
                f"{where} timed out {tried} (connect {s.connect_timeout:g} s, read "
                f"{s.read_timeout:g} s). Raise the timeout or try again later."
            )
        return OriginConnectionError(
            f"{where} could not connect or the connection dropped {tried}. Check the base "
            "URL and your network, then try again."
        )

    def _exchange(
        self, method: str, url: str, *, headers: Mapping[str, str], timeout: tuple[float, float],
        **kwargs: Any,
    ) -> requests.Response:
        """One HTTP exchange within a wall-clock deadline; the answer comes back redacted.

        The request runs on a pooled daemon worker while this thread waits at most
        ``connect_timeout + read_timeout``; ``requests``' own read timeout restarts on every
        byte, so without this a server trickling bytes would hold the caller forever.

        Raises:
            requests.Timeout: the deadline passed (headers or body still incomplete), or the
                body stalled longer than the read timeout.
            requests.ConnectionError: the connection failed or dropped.
        """
        limit = timeout[0] + timeout[1]
        sockets: list[socket.socket] = []  # the exchange's connection, once it waits

        def fetch() -> requests.Response:
            _IN_FLIGHT.sockets = sockets
            try:
                with self._sessions.lend() as session:
                    response = session.request(
                        method, url, headers=dict(headers), timeout=timeout, stream=True,
                        **kwargs,
                    )  # fmt: skip
                    _read_body(response)  # the whole body, inside the deadline
            except requests.exceptions.ConnectionError as exc:
                if _is_read_timeout(exc):
                    raise requests.exceptions.ReadTimeout(
                        "the answer's body stalled past the read timeout"
                    ) from exc
                raise
            finally:
                _IN_FLIGHT.sockets = None
            return response

        try:
            response = _WORKERS.run(fetch, limit)
        except FutureTimeout:
            # Shutting the socket ends the worker's blocked read, so no thread stays behind
            # on a server that keeps trickling.
            for sock in sockets:
                _shut(sock)
            raise requests.exceptions.Timeout(
                f"no complete answer within {limit:g} s (connect + read timeout)"
            ) from None
        return self._redact_response(response)

    def _redact_response(self, response: requests.Response) -> requests.Response:
        """Removes every form of the token from the body, headers and the sent request."""
        forms = self._token_forms
        content = getattr(response, "_content", None)
        if forms and isinstance(content, bytes | bytearray):
            for needle in self._token_needles:
                if needle.found_in(content):
                    content = content.replace(needle.text, _REDACTED.encode())
            response._content = bytes(content)
        if forms:
            for name, value in list(response.headers.items()):
                response.headers[name] = self._redact(str(value))
            for sent in (response.request, *[h.request for h in response.history]):
                if sent is not None:
                    for name in ("Private-Token", "EOS-Cookie"):
                        if name in sent.headers:
                            sent.headers[name] = _REDACTED
        return response

    def _decode(
        self,
        response: requests.Response,
        service: Service,
        decode: Callable[[bytes], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The JSON answer of a GraphQL POST; non-JSON and unexpected statuses become errors."""
        try:
            if decode is not None and response.status_code == 200:
                answer = decode(response.content)
            else:
                answer = response.json()
        except ValueError as exc:  # json and msgspec decode errors are ValueErrors
            raise ServerError(
                f"The {service} service answered HTTP {response.status_code} with a body that "
                f"is not JSON: {self._redact(response.text[:200])!r}. Try again later.",
                status=response.status_code,
            ) from exc
        if not isinstance(answer, dict):
            raise ServerError(
                f"The {service} service answered a JSON {type(answer).__name__}, not an object.",
                status=response.status_code,
            )
        if response.status_code >= 500:
            raise ServerError(
                f"The {service} service failed with HTTP {response.status_code}: "
                f"{self._redact(str(answer.get('message') or answer)[:200])}. Try again later.",
                status=response.status_code,
            )
        if response.status_code >= 400 and not answer.get("errors"):
            answer = {
                "data": None,
                "errors": [{"message": str(answer.get("message") or answer)}],
            }
        return answer

    def _graphql_error(self, service: Service, errors: list[dict[str, Any]]) -> OriginError:
        """The exception for a list of GraphQL errors (NotFound/Forbidden recognised)."""
        clean = [
            {**e, "message": self._redact(str(e.get("message", "")))}
            for e in errors
            if isinstance(e, dict)
        ]
        text = "; ".join(e["message"] for e in clean) or "no message"
        keys = [str(e.get("errorKey") or "") for e in clean]
        if any(k.lower() in ("forbidden", "permissiondenied") for k in keys):
            return PermissionDeniedError(
                f"The {service} service refused: {sentence(text)} Use a scenario or project you "
                "may edit."
            )
        if any(_NOT_FOUND_KEY.search(k) for k in keys) or any(
            _NOT_FOUND_MESSAGE.search(e["message"]) for e in clean
        ):
            return NotFoundError(
                f"The {service} service did not find what was asked for: {sentence(text)} "
                "Check the ids and names (list them with get_aurora_scenarios / "
                "get_technology_names).",
                clean,
            )
        return OriginGraphQLError(
            f"The {service} service answered with {len(clean)} GraphQL "
            f"error{'s' if len(clean) != 1 else ''}: {text}",
            clean,
        )

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter in [0.5, 1.0] of the nominal delay."""
        with self._rng_lock:
            jitter = 0.5 + self._rng.random() / 2
        return self.settings.backoff_base * (2**attempt) * jitter

    @contextmanager
    def _waiting(self, why: str) -> Iterator[Callable[[int], bool]]:
        """A polling wait: yields the sleep-before-poll-n function; tells the observer
        from the first sleep on, and that the wait ended however it ends."""
        start = self._clock()
        deadline = start + self.settings.not_ready_deadline_s
        updates: list[Callable[[float | None], None]] = []  # per wait: no shared state

        def wait(poll: int) -> bool:
            if self._on_wait is not None:
                if not updates:
                    updates.append(self._on_wait(why, self.settings.not_ready_deadline_s))
                updates[0](self._clock() - start)
            return self._wait_for_poll(poll, deadline, why)

        try:
            yield wait
        finally:
            if updates:
                updates[0](None)

    def _wait_for_poll(self, poll: int, deadline: float, why: str) -> bool:
        """Sleeps before the next poll; False when the deadline leaves no room for one."""
        remaining = deadline - self._clock()
        if remaining <= 0:
            return False
        delay = min(max(self.settings.backoff_base, 0.05) * (1.5**poll), _MAX_POLL_SLEEP_S)
        self._count("polls")
        # The first poll and every tenth at INFO: a long wait shows, without a flood.
        log.log(
            logging.INFO if poll % 10 == 0 else logging.DEBUG,
            "waiting: %s (poll %d, %.0f s left)", why, poll + 1, remaining,
        )  # fmt: skip
        self._sleep(min(delay, remaining))
        return True

    def _redact(self, text: str) -> str:
        """Removes the token (every form of it) from text that may echo request data."""
        for form in self._token_forms:
            text = text.replace(form, _REDACTED)
        return text


def _token_forms(token: str) -> tuple[str, ...]:
    """The token as it may appear in a server's text: plain, URL-quoted, JSON-escaped.

    JSON escaping is taken twice over (a message quoting a JSON document), and the longest
    forms come first so that a shorter one never breaks a longer one apart. A token shorter
    than ``_MIN_REDACTED`` characters (Origin never issues one) is not redacted: it would
    match ordinary text and corrupt every answer.
    """
    if len(token) < _MIN_REDACTED:
        return ()
    forms = {token, quote(token, safe=""), quote_plus(token), quote(token)}
    for form in list(forms):
        once = json.dumps(form)[1:-1]
        forms.update({once, json.dumps(once)[1:-1]})
        ascii_once = json.dumps(form, ensure_ascii=False)[1:-1]
        forms.add(ascii_once)
    return tuple(sorted(forms, key=len, reverse=True))


#: Bytes of an answer body by how often they occur in one (JSON of numbers, camelCase keys
#: and names), commonest first; a byte not listed is rarer than all of them.
_COMMON_BYTES = b'0123456789.,:"{}[]-eE+ nrtoaluislcdpmyhgfvTWbkwRxqjz'


class _Needle:
    """Bytes searched for in answer bodies, found through their rarest byte.

    ``bytes in bytes`` costs some 0.2 ms per megabyte of JSON, which matches the last byte
    of a token often; ``find`` of one byte runs at memory speed and, for a byte the body
    does not hold (most bytes of a token but digits), is the whole search.
    """

    __slots__ = ("_anchor", "_offset", "text")

    def __init__(self, text: bytes) -> None:
        self.text = text
        rank = {b: i for i, b in enumerate(_COMMON_BYTES)}
        self._offset = max(range(len(text)), key=lambda i: rank.get(text[i], len(rank)))
        self._anchor = text[self._offset : self._offset + 1]

    def found_in(self, body: bytes | bytearray) -> bool:
        """Whether ``body`` holds the bytes (``self.text in body``)."""
        position = body.find(self._anchor)
        for _ in range(16):  # a few anchors checked one by one, then the plain search
            if position < 0:
                return False
            start = position - self._offset
            if start >= 0 and body.startswith(self.text, start):
                return True
            position = body.find(self._anchor, position + 1)
        return self.text in body


def _is_read_timeout(exc: BaseException) -> bool:
    """Whether a ``requests`` error wraps a read timeout (a body that stalled)."""
    seen: BaseException | None = exc
    for _ in range(8):  # a cause chain is short; bound the walk anyway
        if seen is None:
            return False
        if isinstance(seen, urllib3.exceptions.ReadTimeoutError | socket.timeout):
            return True
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = inner or seen.__cause__ or seen.__context__
    return False


def _read_body(response: requests.Response) -> None:
    """Reads the whole body into ``response.content`` in as few reads as the server allows.

    ``response.content`` reads 10 KB at a time, which costs some four times the CPU of one
    read on a large answer; ``iter_content(None)`` keeps ``requests``' error translation.
    """
    if response._content is not False or not hasattr(response.raw, "stream"):
        _ = response.content  # already read, or not a urllib3 answer (a stub's)
        return
    response._content = b"".join(response.iter_content(chunk_size=None))
    response._content_consumed = True


def _shut(sock: socket.socket) -> None:
    """Shuts a socket down (unblocking any thread reading it); already closed is fine."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


#: Per worker thread: where the connection of the exchange it runs records its socket.
_IN_FLIGHT = threading.local()


def _record_socket(sock: socket.socket | None) -> None:
    """Hands the socket about to be read to the exchange running on this thread."""
    sockets = getattr(_IN_FLIGHT, "sockets", None)
    if sockets is not None and sock is not None:
        sockets.append(sock)


class _TrackedHTTPConnection(HTTPConnection):
    """An HTTP connection that tells its exchange which socket the answer is read from."""

    def getresponse(self) -> Any:
        _record_socket(self.sock)
        return super().getresponse()


class _TrackedHTTPSConnection(HTTPSConnection):
    """The HTTPS counterpart of :class:`_TrackedHTTPConnection`."""

    def getresponse(self) -> Any:
        _record_socket(self.sock)
        return super().getresponse()


class _TrackedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class _Adapter(HTTPAdapter):
    """``requests``' adapter with connections whose sockets an expired exchange can shut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _TrackedHTTPPool,
            "https": _TrackedHTTPSPool,
        }


class _SessionPool:
    """Sessions lent to one exchange at a time, so no two threads share a ``requests.Session``.

    A pool rather than one session per thread: exchanges run on the shared daemon workers
    below, which come and go, so thread-local sessions would pile up with them. The pool
    grows to the number of exchanges in flight at once (the client's concurrency).
    """

    def __init__(self, factory: Callable[[], SessionLike], *, shared: SessionLike | None) -> None:
        self._factory = factory
        self._shared = shared  # a caller's session: used as is, never closed here
        self._lock = threading.Lock()
        self._idle: list[SessionLike] = []
        self._closed = False

    @contextmanager
    def lend(self) -> Iterator[SessionLike]:
        """A session for the caller alone until the block ends."""
        if self._shared is not None:
            yield self._shared
            return
        with self._lock:
            session = self._idle.pop() if self._idle else None
        if session is None:
            session = self._factory()
        try:
            yield session
        finally:
            with self._lock:
                keep = not self._closed
                if keep:
                    self._idle.append(session)
            if not keep:  # the transport closed while this exchange was out
                session.close()

    def close(self) -> None:
        """Closes every idle session; sessions still lent close when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for session in idle:
            session.close()


class _Worker:
    """A daemon thread that runs one request at a time and retires after idling."""

    def __init__(self, pool: _WorkerPool) -> None:
        self._pool = pool
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="origin-frames-request", daemon=True).start()

    def submit(self, job: Callable[[], None]) -> None:
        """Queues a job (the worker was taken from the idle list first)."""
        self._jobs.put(job)

    def _loop(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=_WORKER_IDLE_S)
            except queue.Empty:
                if self._pool.retire(self):
                    return
                continue  # claimed just now: its job is on the way
            job()
            # Let go of the job (its future holds the answer) before idling: a worker
            # waiting for its next job would otherwise keep the last body alive.
            del job
            self._pool.release(self)


class _WorkerPool:
    """Daemon workers shared by every transport: reused while busy, gone when idle.

    Daemon threads (unlike ``concurrent.futures``' workers) never hold up interpreter exit,
    even when one is still stuck on a server that stopped answering.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def run(self, call: Callable[[], requests.Response], limit: float) -> requests.Response:
        """``call()`` on a worker; its result, or FutureTimeout after ``limit`` seconds."""
        future: Future[requests.Response] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the waiting caller
                future.set_exception(exc)

        with self._lock:
            worker = self._idle.pop() if self._idle else None
        (worker or _Worker(self)).submit(job)
        return future.result(timeout=limit)

    def release(self, worker: _Worker) -> None:
        """Returns a worker that finished its job to the idle list."""
        with self._lock:
            self._idle.append(worker)

    def retire(self, worker: _Worker) -> bool:
        """Removes an idle worker; False when it was claimed meanwhile."""
        with self._lock:
            if worker in self._idle:
                self._idle.remove(worker)
                return True
            return False


_WORKERS = _WorkerPool()


# What gateways answer for a path they do not route: AWS API Gateway's 403 "Missing
# Authentication Token" and express-style "Cannot POST /path" 404s.
_NO_ROUTE = re.compile(r"Missing Authentication Token|Cannot (POST|GET) /", re.I)


def _refuse(response: requests.Response, method: str, where: str) -> None:
    """Raises for an answer no retry can fix: no such route (a wrong base URL), 401, 403."""
    status = response.status_code
    if _no_such_route(response, method):
        raise ConfigurationError(
            f"{where} answered HTTP {status}: nothing serves that path, so the base "
            "URL looks wrong (a key problem would not show here). Check the "
            f"scenario/inputs base URLs ({SCENARIO_URL_ENV}, {INPUTS_URL_ENV})."
        )
    if status == 401:
        raise AuthenticationError(
            f"{where} was refused (HTTP 401): the API token is missing or wrong. "
            "Check the token argument, AURORA_API_KEY or ~/.aurora-api-key."
        )
    if status == 403:
        raise PermissionDeniedError(
            f"{where} was forbidden (HTTP 403): the token is valid but may not do "
            "this. Ask your Origin administrator for the permission, or use a "
            "scenario you own."
        )


def _no_such_route(response: requests.Response, method: str) -> bool:
    """True when the answer says the URL itself is wrong rather than the key or the query."""
    if response.status_code not in (403, 404) or (
        method == "GET" and response.status_code == 404
    ):
        return False
    return bool(_NO_ROUTE.search(response.text[:500]))


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date.

    RFC 9110 allows both forms; a date in the past means "now", an unreadable value
    is ignored (the backoff applies).
    """
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _strip_query(url: str) -> str:
    """The URL without its query string (pre-signed URLs carry credentials there)."""
    return url.split("?", 1)[0]
