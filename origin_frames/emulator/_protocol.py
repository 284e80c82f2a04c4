"""What the HTTP server hands a service, and what a service hands back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import GraphQLSchema


def tenant_of(token: str) -> str:
    """The tenant a token acts as: its SHA-256 hex digest, so state never holds a token.

    Args:
        token: The ``Private-Token`` header as sent (stripped).

    Returns:
        64 hex digits; the same token always gives the same tenant, in every process.

    Example:
        >>> tenant_of("abc")[:8]
        'ba7816bf'
    """
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RequestContext:
    """Who is asking; resolvers receive it inside ``info.context``."""

    tenant: str  # tenant_of(token): the token itself is never kept
    readonly: bool
    base_url: str  # e.g. "http://127.0.0.1:8765", for absolute URLs in answers


@dataclass
class HttpResponse:
    """A non-GraphQL answer (REST routes, files)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any) -> HttpResponse:
        import json

        return cls(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


class Service(Protocol):
    """One emulated service mounted under ``prefix`` (e.g. ``/scenarioExplr``)."""

    prefix: str
    schema: GraphQLSchema
    #: Paths below the prefix served without a token (pre-signed file URLs).
    public_paths: tuple[str, ...]

    def graphql(
        self,
        document: str,
        variables: dict[str, Any] | None,
        ctx: RequestContext,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Answers one GraphQL request (``{"data": ..., "errors": [...]}``)."""
        ...

    def rest(
        self, method: str, path: str, query: dict[str, list[str]], ctx: RequestContext | None
    ) -> HttpResponse | None:
        """Answers a REST route below the prefix, or None when there is none."""
        ...
