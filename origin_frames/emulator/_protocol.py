"""What the HTTP server hands a service, and what a service hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import GraphQLSchema


@dataclass(frozen=True)
class RequestContext:
    """Who is asking; resolvers receive it inside ``info.context``."""

    tenant: str
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
