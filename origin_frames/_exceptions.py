"""The exceptions ``origin_frames`` raises; every one derives from :class:`OriginError`.

::

    OriginError
    ├── ArgumentError               a public method got an argument of the wrong type or
    │                               value (also a TypeError and a ValueError); nothing sent
    ├── ConfigurationError          no token found, or a base URL that is not http(s)
    ├── TransportError              the request did not get a usable answer
    │   ├── OriginTimeoutError      connect/read timeout after the allowed retries
    │   ├── OriginConnectionError   refused/dropped connections after the allowed retries
    │   └── ServerError             5xx (or 429) still failing after the allowed retries
    ├── AuthenticationError         401: the token is missing or wrong
    ├── PermissionDeniedError       403: the token may not do this
    ├── OriginGraphQLError          the service answered with GraphQL ``errors``
    │   └── NotFoundError           unknown scenario, project, technology, region, ...
    ├── DataNotReadyTimeout         the session kept answering DataNotReady past the deadline
    ├── ValidationError             an input frame has bad rows (see ``.report``)
    ├── PlanError                   a plan cannot be built
    │   ├── PlanFileError           a saved plan file is malformed, edited or inconsistent
    │   └── StalePlanError          the server changed since the plan was made
    └── ApplyError                  some calls of an apply failed (see ``.result``)

Messages are sentences that say what to do next. None of them ever contains the
API token: the transport redacts it before building any message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (server messages often bring their own).

    Example:
        >>> sentence("done."), sentence("done")
        ('done.', 'done.')
    """
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."

__all__ = [
    "ApplyError",
    "ArgumentError",
    "AuthenticationError",
    "ConfigurationError",
    "DataNotReadyTimeout",
    "NotFoundError",
    "OriginConnectionError",
    "OriginError",
    "OriginGraphQLError",
    "OriginTimeoutError",
    "PermissionDeniedError",
    "PlanError",
    "PlanFileError",
    "ServerError",
    "StalePlanError",
    "TransportError",
    "ValidationError",
]


#: Arguments whose value must never be echoed in a message.
_SECRET_NAMES = frozenset({"token"})


def describe(name: str, value: Any) -> str:
    """``int 5``-style description of a value for an error message (type only for secrets).

    Args:
        name: The argument's name; a secret's (``token``) value is never shown.
        value: The value to describe.

    Returns:
        The type name and a repr cut at 60 characters, or ``"None"``.

    Example:
        >>> describe("year", "2030")
        "str '2030'"
    """
    if value is None:
        return "None"
    kind = type(value).__name__
    if name in _SECRET_NAMES:
        return kind
    text = repr(value)
    return f"{kind} {text[:60] + '...' if len(text) > 60 else text}"



class OriginError(Exception):
    """Root of every error raised by ``origin_frames``."""


class ArgumentError(OriginError, TypeError, ValueError):
    """A public method got an argument it cannot use; the message names it and the fix.

    It is also a :class:`TypeError` and a :class:`ValueError`, so code catching the
    built-in errors of a bad call keeps working. Raised before any request is sent.
    """


class ConfigurationError(OriginError):
    """The client cannot be configured (no token, malformed base URL, bad option)."""


class TransportError(OriginError):
    """A request did not get a usable HTTP answer after the allowed retries."""


class OriginTimeoutError(TransportError):
    """A connect or read timeout, after the allowed retries."""


class OriginConnectionError(TransportError):
    """The connection was refused or dropped, after the allowed retries."""


class ServerError(TransportError):
    """The service kept answering 5xx (or 429) after the allowed retries.

    Attributes:
        status: The last HTTP status code seen.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationError(OriginError):
    """401: the token is missing, expired or wrong."""


class PermissionDeniedError(OriginError):
    """403: the token is valid but may not perform this operation."""


class OriginGraphQLError(OriginError):
    """The service answered with GraphQL ``errors``.

    Attributes:
        errors: The raw ``errors`` entries as the service sent them.
        messages: Their ``message`` texts.
        error_keys: Their ``errorKey`` values (None where absent).
    """

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.messages: list[str] = [str(e.get("message", "")) for e in self.errors]
        self.error_keys: list[str | None] = [e.get("errorKey") for e in self.errors]


class NotFoundError(OriginGraphQLError):
    """An unknown scenario, project, session, technology, region or download.

    It derives from :class:`OriginGraphQLError` when it was reported in GraphQL
    ``errors`` (so ``.messages`` and ``.error_keys`` are available); REST 404s and
    client-side lookups carry an empty ``errors`` list.
    """


class DataNotReadyTimeout(OriginError):
    """The inputs session kept answering ``DataNotReady`` past the configured deadline."""


class ValidationError(OriginError):
    """An input frame has bad rows or fields.

    Attributes:
        report: One row per problem, with at least ``reason`` and ``fix`` columns
            (and the offending key columns where they exist).
    """

    def __init__(self, message: str, report: pd.DataFrame | None = None) -> None:
        self.report = report if report is not None else _empty_report()
        super().__init__(_with_report(message, self.report))


class PlanError(OriginError):
    """A plan cannot be built from the given frames."""


class PlanFileError(PlanError):
    """A saved plan file is malformed, was edited, or its calls disagree with its cells."""


class StalePlanError(PlanError):
    """The server's values changed since the plan was made: re-plan, then apply."""


class ApplyError(OriginError):
    """Some calls of an apply failed.

    Attributes:
        result: The apply result (what succeeded, what failed, and why).
    """

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


def _empty_report() -> pd.DataFrame:
    """An empty report frame with the two mandatory columns."""
    import pandas as pd

    return pd.DataFrame({"reason": pd.Series(dtype=object), "fix": pd.Series(dtype=object)})


def _with_report(message: str, report: pd.DataFrame) -> str:
    """The message followed by one line per bad row of the report (every row, no elision)."""
    if report is None or len(report) == 0:
        return message
    lines = [message]
    keys = [str(c) for c in report.columns if c not in ("reason", "fix")]
    for index, values in zip(report.index, report.to_dict("records"), strict=True):
        where = ", ".join(f"{k}={values.get(k)!r}" for k in keys)
        label = f"row {index!r}" + (f" ({where})" if where else "")
        lines.append(f"  - {label}: {values.get('reason')} Fix: {values.get('fix')}")
    return "\n".join(lines)
