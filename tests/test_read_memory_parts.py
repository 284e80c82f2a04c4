"""The parts that keep a big read's peak memory down give what their plain forms give.

Sealed chunks hold compact arrays (narrow ints, sparse transforms), in a memory map of their
own when big; year codes come from a lookup table, not ``pd.factorize``; the validation
reads a nullable int column a slice at a time and finds used codes without ``bincount``.
Each is checked here against the plain computation it replaces.
"""

from __future__ import annotations

import mmap
from unittest import mock

import numpy as np
import pandas as pd
from helpers import TOKEN
from hypothesis import given, settings
from hypothesis import strategies as st

from origin_frames import OriginFrames, schemas
from origin_frames import _frames as frames

_CELLS = st.lists(st.one_of(st.none(), st.fixed_dictionaries(
    {"original": st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
     "year": st.one_of(st.none(), st.integers(1990, 2100)),
     "month": st.one_of(st.none(), st.integers(1, 12)),
     "validationWarnings": st.lists(st.sampled_from(["low", "high"]), max_size=2)},
    optional={"transform": st.fixed_dictionaries(
        {"type": st.sampled_from(["Absolute", "Delta", "Percentage"]),
         "value": st.floats(-100, 100, allow_nan=False)})})), max_size=5)  # fmt: skip
_BLOCKS = st.lists(st.fixed_dictionaries(
    {"region": st.sampled_from(["gbr", "fra"]), "variable": st.sampled_from(["capex", "opex"]),
     "kind": st.sampled_from(["exogenous", "endogenous", None]), "cells": _CELLS,
     "year": st.sampled_from(["cell", "none"]), "monthly": st.booleans()}), max_size=8)  # fmt: skip
_SPANS = st.sampled_from([(1990, 2100), (-5, 5), (-(2**40), 2**40), (0, 300), (-130, 130)])


@st.composite
def _nullable_ints(draw: st.DrawFn) -> list[int | None]:
    """Optional ints drawn from one of several ranges (narrow, wide, around zero)."""
    low, high = draw(_SPANS)
    return draw(st.lists(st.one_of(st.none(), st.integers(low, high)), max_size=40))


def _ints(values: list[int | None]) -> frames._Ints:
    """The values as a chunk holds them (narrowest int type, null mask)."""
    mask = np.array([v is None for v in values], dtype=bool)
    plain = np.array([0 if v is None else v for v in values], dtype=np.int64)
    return frames._narrow(plain, mask)


@settings(max_examples=300, deadline=None)
@given(values=_nullable_ints())
def test_year_codes_are_those_of_a_sorted_factorize(values) -> None:
    codes, levels = frames._sorted_codes(_ints(values))
    expected_codes, expected_levels = pd.factorize(pd.array(values, dtype="Int64"), sort=True)
    assert codes.tolist() == expected_codes.tolist()
    assert levels.tolist() == list(expected_levels)
    assert levels.dtype == np.int64


@settings(max_examples=300, deadline=None)
@given(values=_nullable_ints())
def test_narrow_ints_keep_their_values_and_nulls(values) -> None:
    ints = _ints(values)
    assert ints.values.itemsize <= 8
    nulls = ints.mask.tolist() if ints.mask is not None else [False] * len(values)
    assert [None if null else int(v) for v, null in zip(ints.values, nulls, strict=True)] == values
    as_array = frames._integer_array(ints, len(values))
    assert as_array.dtype == "Int64" and as_array.tolist() == [
        pd.NA if v is None else v for v in values
    ]


@settings(max_examples=300, deadline=None)
@given(values=_nullable_ints())
def test_month_codes_are_equal_exactly_when_the_values_are(values) -> None:
    """Nulls included (one code of their own), as the full-key check needs."""
    array = pd.array(values, dtype="Int64")
    with mock.patch.object(schemas, "_SLICE_ROWS", 3):  # several slices, a ragged last one
        codes = schemas._small_int_codes(array)
    assert len(codes) == len(values)
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            assert (codes[i] == codes[j]) == (a == b)


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 20), data=st.data())
def test_used_codes_are_the_distinct_non_null_codes(size, data) -> None:
    codes = np.array(data.draw(st.lists(st.integers(-1, size - 1), max_size=50)), dtype=np.int8)
    expected = sorted(set(codes.tolist()) - {-1})
    assert schemas._used(codes, size).tolist() == expected


@settings(max_examples=150, deadline=None)
@given(blocks=_BLOCKS, cuts=st.lists(st.integers(0, 8), max_size=4))
def test_chunks_in_memory_of_their_own_give_the_same_frame(blocks, cuts) -> None:
    def build() -> tuple[pd.DataFrame, list[frames._Chunk]]:
        joined, part = frames.CellFrameBuilder(), frames.CellFrameBuilder()
        for i, block in enumerate(blocks):
            if i in cuts:  # an answer ends here: seal it and hand it over
                joined.extend(part)
                part = frames.CellFrameBuilder()
            keys = {**block, "technology": "ccgt", "domain": "technology", "unit": "MW"}
            part.add_block(keys, block["cells"], year=block["year"], monthly=block["monthly"])
        joined.extend(part)
        chunks = list(joined._chunks)
        return joined.frame(), chunks

    expected, _ = build()
    with mock.patch.object(frames, "_OWN_MEMORY_BYTES", 0):  # every chunk in its own map
        mapped, chunks = build()
    pd.testing.assert_frame_equal(mapped, expected)
    assert len(mapped) == sum(len(block["cells"]) for block in blocks)
    for chunk in chunks:
        assert isinstance(chunk.original.base, memoryview)
        assert isinstance(chunk.original.base.obj, mmap.mmap)


def test_a_chunk_too_small_for_a_map_keeps_its_arrays() -> None:
    original = np.arange(4, dtype=np.float64)
    kept = frames._own_memory([original, None])
    assert kept[0] is original and kept[1] is None


def test_one_big_answer_reads_as_many_small_ones(emulator, sid) -> None:
    """One request (one chunk, in its own memory map, used by the frame as it is) and many
    requests (chunks joined) give the same frame."""
    url = (emulator.scenario_base_url, emulator.inputs_base_url)
    with OriginFrames(TOKEN, *url, progress=False, batch_size=10_000, concurrency=1) as one:
        whole = one.technologies(sid, regions=["gbr"])
        requests = one.transport.stats["requests"]
        one.technologies(sid, regions=["gbr"])
        assert one.transport.stats["requests"] - requests == 1
    with OriginFrames(TOKEN, *url, progress=False, batch_size=8, concurrency=4) as many:
        before = many.transport.stats["requests"]
        parts = many.technologies(sid, regions=["gbr"])
        assert many.transport.stats["requests"] - before > 4
    assert len(whole) * 12 > frames._OWN_MEMORY_BYTES  # the one chunk was big enough
    pd.testing.assert_frame_equal(whole, parts)
