"""GraphQL mutation documents for input changes: one kind per API call, batched with aliases.

A batch is one document whose root fields are aliased ``m0``, ``m1``, ... Each alias gets its
own variables (``$sessionId0``, ``$tx0``, ...), so per-alias ``errors`` (their ``path`` starts
with the alias) tell which call failed. Values only ever travel in ``variables``; the only
names put into a document are GraphQL field names taken from the inputs config (parameter
names), checked against the GraphQL name grammar first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


@dataclass(frozen=True)
class MutationKind:
    """One mutation root field: its argument types (as the official client declares them).

    Attributes:
        field: Root field name on the inputs service.
        args: ``(variable name, argument name, GraphQL type)`` in declaration order.
    """

    field: str
    args: tuple[tuple[str, str, str], ...]

    def arg_type(self, variable: str) -> str:
        """GraphQL type declared for one variable."""
        for name, _arg, gql_type in self.args:
            if name == variable:
                return gql_type
        raise KeyError(f"{self.field} takes no variable {variable!r}.")

    def arg_name(self, variable: str) -> str:
        """Argument the variable is passed to."""
        for name, arg, _gql_type in self.args:
            if name == variable:
                return arg
        raise KeyError(f"{self.field} takes no variable {variable!r}.")


KINDS: dict[str, MutationKind] = {
    "technology_exogenous": MutationKind(
        "updateExogenousTechnologyParameter",
        (
            ("sessionId", "sessionId", "String!"),
            ("parameter", "parameter", "ExogenousPlantVariable!"),
            ("tx", "tx", "[OptionalYearlyNumberItemInput!]!"),
            ("name", "name", "String!"),
            ("region", "region", "String!"),
            ("subRegion", "subRegion", "String"),
            ("subsidy", "subsidy", "String"),
            ("subTechnology", "subTechnology", "String"),
        ),
    ),
    "technology_endogenous": MutationKind(
        "updateEndogenousTechnologyParameter",
        (
            ("sessionId", "sessionId", "String!"),
            ("parameter", "parameter", "EndogenousPlantVariable!"),
            ("tx", "tx", "[OptionalYearlyNumberItemInput!]!"),
            ("name", "name", "String!"),
            ("region", "region", "String!"),
            ("subRegion", "subRegion", "String"),
            ("subTechnology", "subTechnology", "String"),
        ),
    ),
    "demand": MutationKind(
        "updateDemandVariable",
        (
            ("sessionId", "sessionId", "String!"),
            ("variable", "variable", "String!"),
            ("technology", "technology", "EnumDemandTechnology"),
            ("region", "region", "String"),
            ("regions", "regions", "[String!]"),
            ("autoCapacityMarketTarget", "autoCapacityMarketTarget", "Boolean"),
            ("tx", "tx", "[YearlyNumberItemInput]!"),
        ),
    ),
    "demand_technology": MutationKind(
        "updateDemandTechnologyVariable",
        (
            ("sessionId", "sessionId", "String!"),
            ("technology", "technology", "String!"),
            ("region", "region", "String"),
            ("regions", "regions", "[String!]"),
            ("variable", "variable", "EnumDemandTechnologyVariable!"),
            ("autoCapacityMarketTarget", "autoCapacityMarketTarget", "Boolean"),
            ("tx", "tx", "[YearlyNumberItemInput!]!"),
        ),
    ),
    "commodity": MutationKind(
        "updateCommodity",
        (
            ("sessionId", "sessionId", "String!"),
            ("commodity", "commodity", "String!"),
            ("regions", "regions", "[String!]"),
            ("nativeUnitsFlag", "applyCommodityUnitConversionFactor", "Boolean"),
            ("tx", "tx", "[YearlyNumberItemInput!]!"),
        ),
    ),
    "interconnector": MutationKind(
        "updateInterconnectorVariable",
        (
            ("sessionId", "sessionId", "String!"),
            ("from", "from", "String!"),
            ("to", "to", "String!"),
            ("variable", "variable", "String!"),
            ("tx", "tx", "[YearlyNumberItemInput]!"),
        ),
    ),
}


#: What a batched call selects: a non-null answer is all apply needs to know the call went
#: through. One selection for every call keeps the text of a batch of a given size and mix
#: of kinds the same from batch to batch (the service parses and validates it once), and
#: the service renders nothing for the answer.
BATCH_SELECTION = "{ __typename }"


def selection(kind: str, parameter: str | None = None, definition: bool = False) -> str:
    """A small real selection set for a mutation's answer.

    Technology mutations return the parameters/definitions subtree, so the changed parameter
    itself is selected; the other mutations select an identifying field of their document.

    Raises:
        ValueError: when the parameter is not a valid GraphQL name.
    """
    if kind in ("technology_exogenous", "technology_endogenous"):
        if parameter is None or not _NAME.match(parameter):
            raise ValueError(f"{parameter!r} is not a valid parameter name.")
        if definition:
            return f"{{ definitions {{ {parameter} {{ original }} }} }}"
        return f"{{ parameters {{ {parameter} {{ year }} }} }}"
    if kind == "demand":
        return "{ region }"
    if kind == "demand_technology":
        return "{ region { original } }"
    if kind == "commodity":
        return "{ commodity }"
    if kind == "interconnector":
        return "{ from to }"
    raise ValueError(f"Unknown mutation kind {kind!r}: use one of {', '.join(KINDS)}.")


@lru_cache(maxsize=512)
def _document(shape: tuple[tuple[str, tuple[str, ...], str], ...]) -> str:
    """The batched document for a shape: (kind, variable names, selection) per alias."""
    declarations: list[str] = []
    fields: list[str] = []
    for i, (kind, names, sel) in enumerate(shape):
        spec = KINDS[kind]
        declarations.extend(f"${name}{i}: {spec.arg_type(name)}" for name in names)
        args = ", ".join(f"{spec.arg_name(name)}: ${name}{i}" for name in names)
        fields.append(f"  m{i}: {spec.field}({args}) {sel}")
    return "mutation ApplyInputChanges(" + ", ".join(declarations) + ") {\n" + "\n".join(
        fields
    ) + "\n}"


def batch(calls: list[tuple[str, dict[str, Any], str]]) -> tuple[str, dict[str, Any]]:
    """One aliased document and its variables for several calls.

    Args:
        calls: ``(kind, variables, selection)`` per call, in alias order (``m0``, ``m1``...).

    Returns:
        ``(document, variables)``; alias ``m<i>`` answers call ``i``.

    Raises:
        KeyError: when a call carries a variable its mutation does not take.

    Example:
        >>> doc, variables = batch([("commodity", {"sessionId": "s", "commodity": "gas",
        ...     "tx": []}, "{ commodity }")])
        >>> sorted(variables)
        ['commodity0', 'sessionId0', 'tx0']
    """
    shape = tuple((kind, tuple(variables), sel) for kind, variables, sel in calls)
    variables_out: dict[str, Any] = {}
    for i, (_kind, variables, _sel) in enumerate(calls):
        for name, value in variables.items():
            variables_out[f"{name}{i}"] = value
    return _document(shape), variables_out


def single(kind: str, variables: dict[str, Any], sel: str) -> tuple[str, dict[str, Any]]:
    """The un-aliased document of one call, with the variable names the official client uses."""
    spec = KINDS[kind]
    declarations = ", ".join(f"${name}: {spec.arg_type(name)}" for name in variables)
    args = ", ".join(f"{spec.arg_name(name)}: ${name}" for name in variables)
    return f"mutation ({declarations}) {{ {spec.field}({args}) {sel} }}", dict(variables)
