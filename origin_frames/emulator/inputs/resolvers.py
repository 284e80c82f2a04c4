"""PLACEHOLDER service being replaced by the inputs-service work."""

from __future__ import annotations

from typing import Any

from graphql import build_schema

from .. import _gql
from .._protocol import HttpResponse, RequestContext


class InputsService:
    prefix = "/modelInputs"
    public_paths: tuple[str, ...] = ()

    def __init__(self, state: Any) -> None:
        self.state = state
        self.schema = build_schema("type Query { ping: String }")

    def graphql(self, document: str, variables: dict[str, Any] | None, ctx: RequestContext,
                operation_name: str | None = None) -> dict[str, Any]:
        return _gql.execute(self.schema, document, variables, ctx, operation_name)

    def rest(self, method: str, path: str, query: dict[str, list[str]],
             ctx: RequestContext | None) -> HttpResponse | None:
        return None
