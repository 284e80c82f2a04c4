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
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Union, overload

import msgspec
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    parse,
    validate,
)
from graphql import execute as gql_execute
from graphql.execution.collect_fields import CollectedFields
from graphql.execution.executor import Executor
from graphql.language import ast as gql_ast
from graphql.pyutils import Undefined

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
        ast: DocumentNode | None
        try:
            ast = parsed = parse(document)
            errors = [_format(e) for e in validate(schema, parsed)]
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
        code = original.error_key
        entry["extensions"] = {
            "code": "INTERNAL_SERVER_ERROR" if code == "InternalServerError" else code
        }
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


def parses(schema: GraphQLSchema, document: str) -> bool:
    """Whether a document parses (valid or not): then :func:`is_mutation` is definitive."""
    return _CACHE.get(schema, document)[0] is not None


#: Key order of rendered records: ``((key, nested layout or None), ...)``.
Layout = tuple[tuple[str, Union["Layout", None]], ...]


class RenderedRecords(list):  # type: ignore[type-arg]
    """A resolver's list of dict records that are already in their wire form.

    Returning one is a promise: every item is a dict (never None) whose keys are those
    of ``layout``, in that order; every leaf is exactly what its GraphQL serializer
    returns (``int`` for Int, a finite ``float`` for Float, a valid name for an enum,
    a list or tuple of ``str`` for ``[String!]!``: both encode as the same JSON array,
    and tuples of atoms keep records out of the cycle collector's way); a field that
    is non-null in the schema is never None; nested records keep the same promise for
    their own layout. The
    executor then completes the list without serialising a leaf again: as-is when the
    selection asks for exactly ``layout``, else by picking keys. Resolvers that cannot
    keep the promise (a non-finite float, say) return a plain list, which takes the
    checked path and gets graphql-core's errors.
    """

    __slots__ = ("layout",)

    def __init__(self, items: Iterable[dict[str, Any]], layout: Layout) -> None:
        super().__init__(items)
        self.layout = layout


class WiredRecords(Sequence[dict[str, Any]]):
    """:class:`RenderedRecords` kept as their JSON alone, for render caches.

    An answer selecting the records as they are (their layout, no alias) gets the JSON
    spliced in (``msgspec.Raw``): nothing is completed or encoded again. Any other
    use decodes them back into the same records (JSON keeps every value exactly:
    ints, finite floats, strings, lists of strings, nulls). The JSON takes about a
    third of the memory of the dicts it stands for.
    """

    __slots__ = ("wire", "layout", "_len")

    def __init__(self, records: RenderedRecords) -> None:
        self.wire = msgspec.Raw(msgspec.json.encode(records))
        self.layout = records.layout
        self._len = len(records)

    def records(self) -> RenderedRecords:
        """The records, decoded afresh (callers may keep or change them)."""
        return RenderedRecords(msgspec.json.decode(self.wire), self.layout)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return self.records()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())


def wired(records: list[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Rendered records as kept in a render cache: :class:`WiredRecords` when they are
    :class:`RenderedRecords`, else (a plain list, for graphql-core's checks) as they are."""
    return WiredRecords(records) if isinstance(records, RenderedRecords) else records


class _Fallback(Exception):
    """A record the fast path cannot complete exactly; the standard executor takes over."""


# A compiled field: (response key, field name, non-null?, leaf serializer | None, list
# kind, nested selection | None); list kind: 0 not a list, 1 a list whose items may be
# null, 2 a list of non-null items.
_Field = tuple[str, str, bool, Any, int, "_Selection | None"]


class _Selection(list[_Field]):
    """A compiled selection (its fields, in answer order), with its pick plans over
    rendered records memoised per layout: they live and die with the selection."""

    __slots__ = ("_plans",)

    def __init__(self) -> None:
        super().__init__()
        self._plans: dict[int, tuple[Layout, _Plan | bool | None]] = {}

    def plan(self, layout: Layout) -> _Plan | bool | None:
        """:func:`_trusted_plan` of this selection over ``layout``."""
        hit = self._plans.get(id(layout))
        if hit is not None and hit[0] is layout:
            return hit[1]
        plan = _trusted_plan(self, layout)
        self._plans[id(layout)] = (layout, plan)  # keeps the layout, so its id stays unique
        return plan


def _has_directives(
    selection_set: gql_ast.SelectionSetNode | None,
    fragments: dict[str, gql_ast.FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    """Whether any selection below (fragments included) carries a directive."""
    if selection_set is None:
        return False
    for node in selection_set.selections:
        if node.directives:
            return True
        if isinstance(node, gql_ast.FragmentSpreadNode):
            name = node.name.value
            fragment = fragments.get(name)
            if name in seen or fragment is None:
                continue
            seen.add(name)
            if fragment.directives or _has_directives(fragment.selection_set, fragments, seen):
                return True
        elif _has_directives(getattr(node, "selection_set", None), fragments, seen):
            return True
    return False


class _SharedSelections:
    """What the fast executor derives from a directive-free operation's AST (graphql-core's
    collected subfields, compiled selections), kept per operation: a bounded LRU of
    operations, each with a memo that lives and dies with it (sized like the parse cache,
    so that a batch of many documents shares as much as the parse cache keeps)."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._ops: OrderedDict[int, tuple[OperationDefinitionNode, dict[Any, Any] | None]]
        self._ops = OrderedDict()
        self._lock = threading.Lock()

    def memo(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, gql_ast.FragmentDefinitionNode],
    ) -> dict[Any, Any] | None:
        """The operation's memo, or None when a selection carries a directive (what is
        collected then depends on the variables: nothing is shared)."""
        key = id(operation)
        with self._lock:
            hit = self._ops.get(key)
            if hit is not None and hit[0] is operation:
                self._ops.move_to_end(key)
                return hit[1]
        memo: dict[Any, Any] | None = None
        if not _has_directives(operation.selection_set, fragments, set()):
            memo = {}
        with self._lock:
            hit = self._ops.get(key)
            if hit is not None and hit[0] is operation:  # another request stored it first
                return hit[1]
            self._ops[key] = (operation, memo)  # the AST stays alive with its id
            if len(self._ops) > self._size:
                self._ops.popitem(last=False)
        return memo


_SHARED_SELECTIONS = _SharedSelections()


class _RecordListExecutor(Executor):
    """graphql-core's executor with a fast path for plain dict records and lists of them.

    Input cells are lists of thousands of small dicts (``{year, original, transform
    {type value}, ...}``) whose fields all use the default resolver. The standard
    executor runs its whole per-field machinery for each of them; here a dict object
    (a plant's ``parameters``, say: a mapping of cell lists) or a list of them is
    projected in one pass with the same result: the same aliases, ``__typename``,
    @skip/@include (applied by field collection), leaf serialisation and null checks.
    Anything else (arguments, custom resolvers, callable values, non-dict items, a null
    in a non-null field, a value a serializer refuses) falls back to the standard path,
    which then also produces the standard errors. Rendered records skip even the
    projection when the selection is their layout (:class:`WiredRecords`: their JSON,
    spliced in; :class:`RenderedRecords`: a shallow copy), else are reshaped by key.
    Compiled selections of directive-free documents are shared across requests, since
    they then depend on the AST nodes alone.
    """

    def complete_list_value(  # type: ignore[override]
        self,
        return_type: GraphQLList,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        item_type = return_type.of_type
        record_type = get_nullable_type(item_type)
        rendered = isinstance(result, RenderedRecords | WiredRecords)
        if (rendered or isinstance(result, list)) and is_object_type(record_type):
            selection = self._selection(record_type, field_details_list)
            if selection is not None and (rendered or len(result) > 8):
                try:
                    return _project_list(result, selection, isinstance(item_type, GraphQLNonNull))
                except Exception:  # _Fallback, or an error the standard path reports in place
                    pass
        if isinstance(result, WiredRecords):
            result = result.records()
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_object_value(  # type: ignore[override]
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if isinstance(result, dict) and return_type.is_type_of is None:
            selection = self._selection(return_type, field_details_list)
            if selection is not None:
                try:
                    return _project(result, selection, True)
                except Exception:  # _Fallback, or an error the standard path reports in place
                    pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def collect_subfields(  # type: ignore[override]
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields:
        """graphql-core's collection, shared across requests repeating the operation when
        it depends on the AST nodes alone (no directive, no fragment variable, no defer)."""

        def collect() -> CollectedFields:
            collected = super(_RecordListExecutor, self).collect_subfields(
                return_type, field_details_list
            )
            # A plain dict: a shared defaultdict would grow on a missing key's look-up.
            return collected._replace(grouped_field_set=dict(collected.grouped_field_set))

        shared: CollectedFields
        shared = self._shared("collected", return_type, field_details_list, collect)
        return shared

    def _shared(self, kind: str, record_type: GraphQLObjectType, details: Any, make: Any) -> Any:
        """``make()``, memoised with the operation under (kind, type, field nodes) when it
        depends on the AST nodes alone, else made afresh."""
        memo = self.__dict__.get("_memo", False)
        if memo is False:  # once per request: the operation is the same throughout
            memo = _SHARED_SELECTIONS.memo(self.operation, self.fragment_definitions)
            self.__dict__["_memo"] = memo
        if memo is None or not all(
            d.defer_usage is None and d.fragment_variable_values is None for d in details
        ):
            return make()
        # Ids are unique while the operation, which holds the nodes, and the schema live.
        key = (kind, id(record_type), *[id(d.node) for d in details])
        made = memo.get(key, memo)
        if made is memo:
            made = memo[key] = make()
        return made

    def _selection(self, record_type: GraphQLObjectType, details: Any) -> _Selection | None:
        """Compiles the sub-selection once per (type, field group), or None if not plain."""
        cache: dict[tuple[int, int], tuple[Any, _Selection | None]]
        cache = self.__dict__.setdefault("_fast_selections", {})
        key = (id(record_type), id(details))
        hit = cache.get(key)
        if hit is not None:
            return hit[1]
        compiled: _Selection | None = self._shared(
            "plain", record_type, details, lambda: self._compile(record_type, details)
        )
        cache[key] = (details, compiled)  # keep details alive so its id stays unique
        return compiled

    def _compile(self, record_type: GraphQLObjectType, details: Any) -> _Selection | None:
        """The plain selection of a record type, or None when it needs the full executor."""
        if record_type.is_type_of is not None:
            return None
        # graphql-core's own collection: the compiled result is what gets shared.
        collected = Executor.collect_subfields(self, record_type, details)
        if collected.new_defer_usages:
            return None
        selection = _Selection()
        for response_key, group in collected.grouped_field_set.items():
            node = group[0].node
            name = node.name.value
            if name == "__typename":
                selection.append((response_key, name, True, record_type.name, 0, None))
                continue
            field = record_type.fields.get(name)
            if field is None or field.resolve is not None or node.arguments:
                return None
            entry = self._compile_field(response_key, name, field.type, group)
            if entry is None:
                return None
            selection.append(entry)
        return selection

    def _compile_field(
        self, response_key: str, name: str, field_type: Any, group: Any
    ) -> _Field | None:
        """One field of a plain selection: a leaf, a list of leaves, an object or a list
        of objects (None for anything else: abstract types, lists of lists)."""
        non_null = isinstance(field_type, GraphQLNonNull)
        inner = get_nullable_type(field_type)
        list_kind = 0
        if is_list_type(inner):
            list_kind = 2 if isinstance(inner.of_type, GraphQLNonNull) else 1
            inner = get_nullable_type(inner.of_type)
        if is_leaf_type(inner):
            return (response_key, name, non_null, inner.coerce_output_value, list_kind, None)
        if is_object_type(inner):
            nested = self._compile(inner, group)
            if nested is None:
                return None
            return (response_key, name, non_null, None, list_kind, nested)
        return None


def _project_list(records: Sequence[Any], selection: _Selection, item_non_null: bool) -> Any:
    """A list of records as the executor would complete it, or _Fallback."""
    if isinstance(records, RenderedRecords | WiredRecords):
        plan = selection.plan(records.layout)
        if plan is True:
            return records.wire if isinstance(records, WiredRecords) else list(records)
        if isinstance(records, WiredRecords):
            records = records.records()
        if isinstance(plan, list):
            return [_pick(item, plan) for item in records]
    return [_project(item, selection, item_non_null) for item in records]


def _project(item: Any, selection: _Selection, non_null: bool) -> dict[str, Any] | None:
    """One record as the executor would complete it, or _Fallback."""
    if item is None:
        if non_null:
            raise _Fallback
        return None
    if not isinstance(item, dict):
        raise _Fallback
    out: dict[str, Any] = {}
    for response_key, name, field_non_null, serialize, list_kind, nested in selection:
        if name == "__typename":
            out[response_key] = serialize
            continue
        value = item.get(name)
        if value is None:
            if field_non_null:
                raise _Fallback
            out[response_key] = None
        elif callable(value):
            raise _Fallback  # the default resolver would call it with the resolve info
        elif list_kind:
            if not isinstance(value, list | tuple | WiredRecords):
                raise _Fallback
            if nested is not None:
                out[response_key] = _project_list(value, nested, list_kind == 2)
            else:
                out[response_key] = [_leaf(v, serialize) for v in value]
        elif nested is not None:
            out[response_key] = _project(value, nested, field_non_null)
        else:
            try:
                coerced = serialize(value)
            except Exception as exc:
                raise _Fallback from exc
            if coerced is None or coerced is Undefined:
                raise _Fallback
            out[response_key] = coerced
    return out


def _leaf(value: Any, serialize: Any) -> Any:
    """A leaf as graphql-core completes it, or _Fallback (its errors come from there)."""
    if value is None:
        raise _Fallback  # null items of leaf lists: the standard path decides
    try:
        coerced = serialize(value)
    except Exception as exc:
        raise _Fallback from exc
    if coerced is None or coerced is Undefined:
        raise _Fallback
    return coerced


# A pick plan over rendered records: (response key, record key, constant, nested plan);
# True stands for "the record as it is".
_Plan = list[tuple[str, str, Any, "_Plan | bool | None"]]


def _trusted_plan(selection: _Selection, layout: Layout) -> _Plan | bool | None:
    """How to complete rendered records for a selection: True (as-is), a plan, or None."""
    keys = dict(layout)
    plan: _Plan = []
    for response_key, name, non_null, serialize, list_kind, nested in selection:
        if name == "__typename":
            plan.append((response_key, name, serialize, None))
            continue
        if name not in keys:
            if non_null:
                return None  # the standard path reports the missing non-null field
            plan.append((response_key, name, None, None))
            continue
        sub_layout = keys[name]
        if (nested is None) != (sub_layout is None) or (nested is not None and list_kind):
            return None
        sub: _Plan | bool | None = None
        if nested is not None and sub_layout is not None:
            sub = _trusted_plan(nested, sub_layout)
            if sub is None:
                return None
        plan.append((response_key, name, None, sub))
    same = len(plan) == len(layout) and all(
        rk == name == key and const is None and (sub is None or sub is True)
        for (rk, name, const, sub), (key, _) in zip(plan, layout, strict=True)
    )
    return True if same else plan


def _pick(item: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    """One rendered record reshaped to a selection (leaves are already serialised)."""
    out: dict[str, Any] = {}
    for response_key, name, const, sub in plan:
        if const is not None:
            out[response_key] = const
            continue
        value = item.get(name)
        if isinstance(sub, list) and value is not None:
            value = _pick(value, sub)
        out[response_key] = value
    return out


#: The executor every request runs with (tests compare it with graphql-core's own).
EXECUTOR_CLASS: type[Executor] = _RecordListExecutor


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
        executor_class=EXECUTOR_CLASS,
    )
    if not isinstance(result, ExecutionResult):  # every resolver here is synchronous
        raise TypeError("an emulator resolver returned an awaitable")
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [_format(e) for e in result.errors]
    return answer
