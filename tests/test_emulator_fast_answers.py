"""The emulator's fast answers are byte for byte graphql-core's own, for any selection.

The fast executor completes dict records (a plant's parameters, cells, transforms) in one
projection, splices cached cells in as their JSON, and shares what it collects and
compiles across requests repeating a document. Here random documents (subsets, orders,
aliases, repeats, fragments, directives of the technology and commodity trees) are
answered by it and by graphql-core's standard executor; the bytes must be the same.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import requests
from graphql.execution.executor import Executor
from helpers import first_gbr_scenario, post_inputs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from origin_frames.emulator import Emulator, _gql
from origin_frames.emulator.server import _encode

TOKEN = "fast-answers-token"
CELL_FIELDS = ("year", "month", "original", "validationWarnings", "validationErrors")
TRANSFORM_FIELDS = ("type", "value", "__typename")
EXOGENOUS = ("capacity", "opex", "loadFactorAverage", "efficiency", "availability")
ENDOGENOUS = ("capex", "opex", "lifetimeBuildLimit", "yearlyBuildLimit", "availability")
DEFINITIONS = ("discountRate", "discountRateLow")
TECHNOLOGIES = ("CCGT", "Solar PV", "Battery", "Onshore Wind")


def _post(emu: Emulator, document: str, variables: dict[str, Any]) -> bytes:
    return post_inputs(emu, document, variables, TOKEN).content


def _fast_and_standard(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, document: str, variables: dict[str, Any]
) -> tuple[bytes, bytes, bytes]:
    """The answer of the fast executor (twice: the second reuses what the first shared)
    and of graphql-core's own."""
    first = _post(emu, document, variables)
    with monkeypatch.context() as patch:
        patch.setattr(_gql, "EXECUTOR_CLASS", Executor)
        standard = _post(emu, document, variables)
    return first, _post(emu, document, variables), standard


@pytest.fixture
def gbr_session(emulator: Emulator) -> str:
    return first_gbr_scenario(emulator, TOKEN)


# -- random selections -------------------------------------------------------------------------
def _alias(draw: st.DrawFn, names: Iterator[int], field: str) -> str:
    """The field, aliased one time in three (to a fresh key: aliases never conflict)."""
    return f"k{next(names)}: {field}" if draw(st.integers(0, 2)) == 0 else field


def _pick_some(draw: st.DrawFn, fields: tuple[str, ...]) -> list[str]:
    """A non-empty selection of fields in any order, one of them maybe twice."""
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields), unique=True))
    if draw(st.booleans()):
        chosen.append(draw(st.sampled_from(chosen)))  # a repeat merges with the first
    return chosen


def _wrapped(draw: st.DrawFn, text: str, on: str) -> str:
    """A selection as it is, in an inline fragment, or under @skip/@include."""
    how = draw(st.integers(0, 5))
    if how == 0:
        return f"... on {on} {{ {text} }}"
    if how == 1:
        return f"... on {on} @include(if: $yes) {{ {text} }}"
    if how == 2:
        return f"... on {on} @skip(if: $yes) {{ {text} }}"
    return text


@st.composite
def cell_selection(draw: st.DrawFn, names: Iterator[int]) -> str:
    """A selection on ``Cell``: any fields, ``__typename``, a transform sub-selection."""
    parts = [_alias(draw, names, f) for f in _pick_some(draw, CELL_FIELDS)]
    if draw(st.booleans()):
        inner = " ".join(_alias(draw, names, f) for f in _pick_some(draw, TRANSFORM_FIELDS))
        parts.insert(
            draw(st.integers(0, len(parts))), f"{_alias(draw, names, 'transform')} {{ {inner} }}"
        )
    if draw(st.integers(0, 3)) == 0:
        parts.append("__typename")
    return _wrapped(draw, " ".join(parts), "Cell")


@st.composite
def plant_selection(draw: st.DrawFn, kind: str, names: Iterator[int]) -> str:
    """A selection on an exogenous or endogenous plant."""
    fields = EXOGENOUS if kind == "exogenous" else ENDOGENOUS
    params = " ".join(
        f"{_alias(draw, names, p)} {{ {draw(cell_selection(names))} }}"
        for p in _pick_some(draw, fields)
    )
    parts = [f"parameters {{ {params} }}"]
    if kind == "endogenous" and draw(st.booleans()):
        defs = " ".join(
            f"{_alias(draw, names, d)} {{ {draw(cell_selection(names))} }}"
            for d in _pick_some(draw, DEFINITIONS)
        )
        parts.append(f"definitions {{ {defs} }}")
    if draw(st.booleans()):
        parts.insert(0, "technology { original }")
    return " ".join(parts)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A document reading one to three technologies of gbr (and maybe commodity prices)."""
    technologies = draw(st.lists(st.sampled_from(TECHNOLOGIES), min_size=1, max_size=3))
    names = itertools.count()
    reads = []
    for i in range(len(technologies)):
        plants = []
        if draw(st.booleans()):
            plants.append(f"getExogenous {{ {draw(plant_selection('exogenous', names))} }}")
        if draw(st.booleans()) or not plants:
            plants.append(f"getEndogenous {{ {draw(plant_selection('endogenous', names))} }}")
        reads.append(
            f't{i}: getTechnology(name: $t{i}, region: "gbr") {{ name {" ".join(plants)} }}'
        )
    if draw(st.booleans()):
        prices = draw(cell_selection(names))
        reads.append(f'commodities(regions: ["gbr"]) {{ commodity prices {{ {prices} }} }}')
    body = " ".join(reads)
    declared = "".join(f", $t{i}: String!" for i in range(len(technologies)))
    if "$yes" in body:
        declared += ", $yes: Boolean!"
    document = f"query ($s: String!{declared}) {{ getSession(sessionId: $s) {{ {body} }} }}"
    return document, technologies


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=documents(), yes=st.booleans())
def test_random_selections_answer_byte_for_byte_like_graphql_core(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    gbr_session: str,
    doc: tuple[str, list[str]],
    yes: bool,
) -> None:
    document, technologies = doc
    variables: dict[str, Any] = {"s": gbr_session}
    if "$yes" in document:
        variables["yes"] = yes
    variables.update({f"t{i}": name for i, name in enumerate(technologies)})
    fast, again, standard = _fast_and_standard(emulator, monkeypatch, document, variables)
    assert "errors" not in json.loads(fast), fast[:500]
    assert fast == standard
    assert again == fast


def test_the_client_batch_document_answers_like_graphql_core(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str
) -> None:
    """The aliased batch the client sends (every parameter, full cell selection)."""
    cell = "{ year original validationWarnings validationErrors transform { type value } }"
    monthly = cell.replace("{ year", "{ year month", 1)
    exo = " ".join(f"{p} {monthly if p == 'availability' else cell}" for p in EXOGENOUS)
    endo = " ".join(f"{p} {monthly if p == 'availability' else cell}" for p in ENDOGENOUS)
    defs = " ".join(f"{d} {cell}" for d in DEFINITIONS)
    reads = " ".join(
        f't{i}: getTechnology(name: "{name}", region: "gbr") {{ name region '
        f"x0: getExogenous {{ parameters {{ {exo} }} }} "
        f"d0: getEndogenous {{ parameters {{ {endo} }} definitions {{ {defs} }} }} }}"
        for i, name in enumerate(TECHNOLOGIES)
    )
    document = f"query ($s: String!) {{ getSession(sessionId: $s) {{ {reads} }} }}"
    fast, again, standard = _fast_and_standard(emulator, monkeypatch, document, {"s": gbr_session})
    answer = json.loads(fast)
    assert "errors" not in answer
    assert fast == standard == again
    cells = answer["data"]["getSession"]["t0"]["x0"]["parameters"]["capacity"]
    assert len(cells) > 8 and set(cells[0]) == {
        "year", "original", "validationWarnings", "validationErrors", "transform"
    }  # fmt: skip


def test_errors_inside_a_batch_answer_like_graphql_core(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str
) -> None:
    """An unknown technology next to a good one: the same data, the same error entry."""
    document = """query ($s: String!) { getSession(sessionId: $s) {
        good: getTechnology(name: "CCGT", region: "gbr") {
            getEndogenous { parameters { capex { year original } } } }
        bad: getTechnology(name: "Perpetual Motion", region: "gbr") {
            getEndogenous { parameters { capex { year original } } } }
    } }"""
    fast, again, standard = _fast_and_standard(emulator, monkeypatch, document, {"s": gbr_session})
    answer = json.loads(fast)
    assert answer["data"]["getSession"]["bad"] is None
    assert answer["errors"][0]["path"] == ["getSession", "bad"]
    assert fast == standard == again


# -- wired cells: what the cache keeps ---------------------------------------------------------
def test_wired_records_decode_to_the_records_they_were_made_of() -> None:
    layout: _gql.Layout = (("year", None), ("original", None), ("transform", (("type", None),)))
    rows = [
        {"year": 2030, "original": 0.1 + 0.2, "transform": None},
        {"year": 2031, "original": 1e-300, "transform": {"type": "Delta"}},
    ]
    wired = _gql.wired(_gql.RenderedRecords(rows, layout))
    assert isinstance(wired, _gql.WiredRecords)
    assert len(wired) == 2 and wired[1] == rows[1] and list(wired) == rows
    assert wired.records().layout is layout
    expected = msgspec.json.encode({"data": {"cells": rows}})
    assert _encode({"data": {"cells": wired.wire}}) == expected
    plain = [{"year": 2030, "original": float("nan")}]  # not RenderedRecords: kept as it is
    assert _gql.wired(plain) is plain


def test_pre_encoded_cells_survive_the_json_fallback_of_the_encoder() -> None:
    """An answer msgspec refuses takes json.dumps, which must still write wired cells."""
    wire = msgspec.Raw(b'[{"year":2030,"original":1.5}]')
    answer = {"data": {"cells": wire, "flags": {True: 1}}}  # msgspec wants str keys
    with pytest.raises(TypeError):
        msgspec.json.encode(answer)
    decoded = json.loads(_encode(answer))
    assert decoded["data"] == {"cells": [{"year": 2030, "original": 1.5}], "flags": {"true": 1}}


# -- the request log: a parsed document is a mutation only by its operations -------------------
def test_the_word_mutation_in_a_query_does_not_count_as_a_mutation(emulator: Emulator) -> None:
    query = "{ mutation: __typename getConfig { userPermissions } } # mutation { x }"
    requests.post(
        emulator.inputs_base_url + "/v1/graphql",
        json={"query": query},
        headers={"Private-Token": TOKEN},
        timeout=30,
    )
    assert emulator.mutations() == []
    broken = {"query": "mutation { updateCommodity(sessionId: 1"}  # does not parse
    requests.post(
        emulator.inputs_base_url + "/v1/graphql",
        json=broken,
        headers={"Private-Token": TOKEN},
        timeout=30,
    )
    assert len(emulator.mutations()) == 1


# -- what repeated documents share -------------------------------------------------------------
def test_a_repeated_batch_of_documents_is_neither_collected_nor_compiled_again(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, gbr_session: str
) -> None:
    """A hundred distinct documents (a pan-European read sends dozens), each read twice: the
    second round reuses every collection and compilation the first one made."""
    cell = "{ year original validationWarnings validationErrors transform { type value } }"
    params = " ".join(f"{p} {cell}" for p in ENDOGENOUS if p != "availability")
    documents = [
        "query ($s: String!) { getSession(sessionId: $s) { "
        + " ".join(
            f'd{n}t{i}: getTechnology(name: "{name}", region: "gbr") '
            f"{{ getEndogenous {{ parameters {{ {params} }} }} }}"
            for i, name in enumerate(TECHNOLOGIES)
        )
        + " } }"
        for n in range(100)
    ]
    calls = {"collect": 0, "compile": 0}

    def counting(name: str, method: Any) -> Any:
        def count(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return method(*args, **kwargs)

        return count

    monkeypatch.setattr(
        Executor, "collect_subfields", counting("collect", Executor.collect_subfields)
    )
    monkeypatch.setattr(
        _gql._RecordListExecutor,
        "_compile",
        counting("compile", _gql._RecordListExecutor._compile),
    )
    first = [_post(emulator, doc, {"s": gbr_session}) for doc in documents]
    assert calls["collect"] > 0 and calls["compile"] > 0
    calls.update(collect=0, compile=0)
    again = [_post(emulator, doc, {"s": gbr_session}) for doc in documents]
    assert calls == {"collect": 0, "compile": 0}
    assert again == first
