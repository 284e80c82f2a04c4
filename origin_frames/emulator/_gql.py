"""GraphQL plumbing shared by both emulated services: JSON scalar, parsing cache, errors.

Resolvers raise :class:`ServiceError`; :func:`execute` turns it into an ``errors``
entry shaped like the real service's (``message``, ``path``, ``errorKey``), and
turns any other exception into an opaque internal error so that no Python
traceback ever reaches a client.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql import execute as gql_execute
from graphql.language import ast as gql_ast

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """An error the emulated service reports in a GraphQL ``errors`` entry."""

    def __init__(self, message: str, error_key: str = "BadRequest") -> None:
        super().__init__(message)
        self.message = message
        self.error_key = error_key


def _parse_json_literal(node: gql_ast.ValueNode, variables: dict[str, Any] | None = None) -> Any:
    """Turns an inline GraphQL literal into the Python value a JSON scalar holds."""
    if isinstance(node, gql_ast.ObjectValueNode):
        return {f.name.value: _parse_json_literal(f.value, variables) for f in node.fields}
    if isinstance(node, gql_ast.ListValueNode):
        return [_parse_json_literal(v, variables) for v in node.values]
    if isinstance(node, gql_ast.IntValueNode):
        return int(node.value)
    if isinstance(node, gql_ast.FloatValueNode):
        return float(node.value)
    if isinstance(node, gql_ast.BooleanValueNode):
        return node.value
    if isinstance(node, gql_ast.NullValueNode):
        return None
    if isinstance(node, gql_ast.VariableNode):
        return (variables or {}).get(node.name.value)
    if isinstance(node, gql_ast.StringValueNode | gql_ast.EnumValueNode):
        return node.value
    raise GraphQLError("JSON cannot represent this literal.")


JSONScalar = GraphQLScalarType(
    name="JSON",
    description="Any JSON value.",
    serialize=lambda value: value,
    parse_value=lambda value: value,
    parse_literal=_parse_json_literal,
)


class _DocumentCache:
    """Parsed and validated documents, keyed by their exact text (bounded LRU)."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, str], tuple[DocumentNode | None, list[dict]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, schema: GraphQLSchema, document: str) -> tuple[DocumentNode | None, list[dict]]:
        key = (id(schema), document)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        try:
            ast: DocumentNode | None = parse(document)
            errors = [_format(e) for e in validate(schema, ast)]
        except GraphQLError as exc:
            ast, errors = None, [_format(exc)]
        with self._lock:
            self._items[key] = (ast, errors)
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return ast, errors


_CACHE = _DocumentCache()


def _format(error: GraphQLError) -> dict[str, Any]:
    """A GraphQL error entry; ServiceErrors carry their ``errorKey`` like the real service."""
    entry: dict[str, Any] = {"message": error.message}
    if error.locations:
        entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        entry["path"] = list(error.path)
    original = error.original_error
    if isinstance(original, ServiceError):
        entry["message"] = original.message
        entry["errorKey"] = original.error_key
        entry["extensions"] = {"code": original.error_key}
    elif original is not None and not isinstance(original, GraphQLError):
        log.error("resolver failed", exc_info=original)
        entry["message"] = "Internal server error. Please try again or contact support."
        entry["errorKey"] = "InternalServerError"
        entry["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    else:
        entry["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
    return entry


def is_mutation(schema: GraphQLSchema, document: str) -> bool:
    """Whether a (valid) document holds a mutation; invalid documents are not mutations."""
    ast, _ = _CACHE.get(schema, document)
    if ast is None:
        return False
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
        for d in ast.definitions
    )


def execute(
    schema: GraphQLSchema,
    document: str,
    variables: dict[str, Any] | None,
    context: Any,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """Parses (cached), validates and executes one document; returns the JSON answer."""
    ast, errors = _CACHE.get(schema, document)
    if ast is None or errors:
        return {"errors": errors}
    result = gql_execute(
        schema,
        ast,
        variable_values=variables or {},
        context_value=context,
        operation_name=operation_name,
    )
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [_format(e) for e in result.errors]
    return answer
