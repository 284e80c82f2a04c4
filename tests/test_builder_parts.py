"""CellFrameBuilder: sealing answers as they arrive and joining them gives the frame of one pass.

A reader seals each batch answer on the thread that fetched it and extends one builder with
the parts; the frame must not depend on where the cells were cut, nor on whether blocks came
one by one (``add_block``) or as a group sharing keys (``add_blocks``). Every frame is also
checked against a plain per-cell reading of the same blocks (no numpy, no codes).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from origin_frames._frames import CellFrameBuilder, TechnologyDecoder

_TRANSFORM_TYPES = ("Absolute", "Delta", "Percentage")


def _cell(draw: st.DrawFn) -> dict[str, Any] | None:
    """A wire cell (or a null entry) with any of the optional parts."""
    if draw(st.integers(0, 9)) == 0:
        return None
    cell: dict[str, Any] = {
        "original": draw(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))),
        "year": draw(st.one_of(st.none(), st.integers(1990, 2100))),
        "month": draw(st.one_of(st.none(), st.integers(1, 12))),
        "validationWarnings": draw(st.lists(st.sampled_from(["low", "high"]), max_size=2)),
        "validationErrors": draw(st.lists(st.sampled_from(["bad"]), max_size=1)),
    }
    if draw(st.booleans()):
        cell["transform"] = {"type": draw(st.sampled_from(_TRANSFORM_TYPES)),
                             "value": draw(st.floats(-100, 100, allow_nan=False))}  # fmt: skip
    return cell


@st.composite
def _blocks(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Blocks as a reader registers them: keys, cells, how years are read, monthly or not."""
    blocks = []
    for i in range(draw(st.integers(0, 8))):
        cells = [_cell(draw) for _ in range(draw(st.integers(0, 5)))]
        mode = draw(st.sampled_from(["cell", "none", "given"]))
        year: Any = mode
        if mode == "given":
            year = [draw(st.one_of(st.none(), st.integers(1990, 2100))) for _ in cells]
        blocks.append({
            "keys": {"region": draw(st.sampled_from(["gbr", "fra"])),
                     "technology": draw(st.sampled_from(["ccgt", "ocgt"])),
                     "domain": "technology", "variable": f"v{i}",
                     "kind": draw(st.sampled_from(["exogenous", "endogenous", None])),
                     "unit": draw(st.sampled_from(["MW", None]))},
            "cells": cells, "year": year, "monthly": draw(st.booleans()),
            "grouped": mode == "cell" and draw(st.booleans()),
        })  # fmt: skip
    return blocks


def _add(builder: CellFrameBuilder, block: dict[str, Any]) -> None:
    """Registers one block, through ``add_blocks`` when it reads years from its cells."""
    keys = block["keys"]
    if block["grouped"]:
        builder.add_blocks(keys, [(keys["variable"], keys["unit"], block["cells"])],
                           monthly=block["monthly"])  # fmt: skip
    else:
        builder.add_block(keys, block["cells"], year=block["year"], monthly=block["monthly"])


def _expected(blocks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each cell's row read plainly: (region, technology, year, variable, month, original,
    transform type, transform value, warnings, errors)."""
    rows = []
    for block in blocks:
        for j, cell in enumerate(block["cells"]):
            cell = cell or {}
            year = block["year"]
            year = cell.get("year") if year == "cell" else None if year == "none" else year[j]
            transform = cell.get("transform") or {}
            warnings = "; ".join(cell.get("validationWarnings") or []) or None
            errors = "; ".join(cell.get("validationErrors") or []) or None
            rows.append((block["keys"]["region"], block["keys"]["technology"], year,
                         block["keys"]["variable"], cell.get("month") if block["monthly"] else None,
                         cell.get("original"), transform.get("type"), transform.get("value"),
                         warnings, errors))  # fmt: skip
    return rows


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The same fields read back from a frame, nulls as None."""
    flat = frame.reset_index()
    columns = ["region", "technology", "year", "variable", "month", "original",
               "transform_type", "transform_value", "validation_warnings",
               "validation_errors"]  # fmt: skip
    out = []
    for row in flat[columns].itertuples(index=False):
        out.append(tuple(None if _missing(v) else v for v in row))
    return out


def _missing(value: Any) -> bool:
    """pandas' null forms (NA, NaN) and None."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


@settings(max_examples=150, deadline=None)
@given(blocks=_blocks(), cuts=st.lists(st.integers(0, 8), max_size=4))
def test_frame_of_sealed_parts_equals_the_frame_of_one_pass(blocks, cuts) -> None:
    whole = CellFrameBuilder()
    for block in blocks:
        _add(whole, block)
    joined, part = CellFrameBuilder(), CellFrameBuilder()
    for i, block in enumerate(blocks):
        if i in cuts:  # an answer ends here: seal it and hand it over
            part.seal()
            joined.extend(part)
            part = CellFrameBuilder()
        _add(part, block)
    joined.extend(part)
    expected = whole.frame()
    pd.testing.assert_frame_equal(joined.frame(), expected)
    assert _rows(expected) == _expected(blocks)
    assert len(joined) == len(whole) == len(expected)


def test_typed_cells_of_sealed_parts_equal_dict_cells() -> None:
    body = (b'{"data": {"getSession": {"t0": {"x0": {"parameters": {"capex": ['
            b'{"year": 2030, "original": 1.0, "validationWarnings": ["w"], '
            b'"validationErrors": [], "transform": {"type": "Delta", "value": 2.0}}, '
            b'{"year": 2031, "original": null, "validationWarnings": [], '
            b'"validationErrors": [], "transform": null}]}}}}}}')  # fmt: skip
    typed = TechnologyDecoder()(body)["data"]["getSession"]["t0"]["x0"]
    cells = typed.parameters["capex"]
    keys = {"region": "gbr", "technology": "ccgt", "domain": "technology", "variable": "capex"}
    a, b = CellFrameBuilder(), CellFrameBuilder()
    a.add_blocks(keys, [("capex", None, cells)])
    a.seal()
    b.add_block(keys, [{"year": 2030, "original": 1.0, "validationWarnings": ["w"],
                        "transform": {"type": "Delta", "value": 2.0}},
                       {"year": 2031, "original": None}], year="cell")  # fmt: skip
    joined = CellFrameBuilder()
    joined.extend(a)
    pd.testing.assert_frame_equal(joined.frame(), b.frame())
    assert joined.frame()["value"].tolist()[0] == 3.0


def _decoded(cells: list[dict[str, Any] | None]) -> list[Any]:
    """The cells as the typed decoder hands them over: sent as JSON in a technology answer."""
    body = json.dumps({"data": {"getSession": {"t0": {"x0": {"parameters": {"v": cells}}}}}})
    return TechnologyDecoder()(body.encode())["data"]["getSession"]["t0"]["x0"].parameters["v"]


@settings(max_examples=150, deadline=None)
@given(blocks=_blocks(), cuts=st.lists(st.integers(0, 8), max_size=4))
def test_decoded_cells_give_the_frame_of_plain_cells(blocks, cuts) -> None:
    # The typed path reads each field of all cells in one C-level pass where no cell is
    # null and skips the message scan where every list is empty: any null, message,
    # transform or given year anywhere in an answer must still land on its own row.
    plain, joined, part = CellFrameBuilder(), CellFrameBuilder(), CellFrameBuilder()
    for i, block in enumerate(blocks):
        if i in cuts:
            part.seal()
            joined.extend(part)
            part = CellFrameBuilder()
        _add(plain, block)
        _add(part, {**block, "cells": _decoded(block["cells"])})
    joined.extend(part)
    pd.testing.assert_frame_equal(joined.frame(), plain.frame())


def _answer(cell: dict[str, Any]) -> bytes:
    """A technology answer of one view holding one cell."""
    return json.dumps({"data": {"getSession": {"t0": {"x0": {"parameters": {
        "capex": [cell]}}}}}}).encode()  # fmt: skip


def test_a_read_decodes_cells_without_transforms_plainly_until_one_has_some() -> None:
    # Plain cells skip the transform and message passes; the first answer with a
    # transform or a message switches the read to the full cells, and decodes in full.
    bare = {"year": 2030, "original": 1.0, "validationWarnings": [], "validationErrors": [],
            "transform": None}  # fmt: skip
    edited = {**bare, "transform": {"type": "Delta", "value": 2.0}}
    warned = {**bare, "validationWarnings": ["high"]}
    decode = TechnologyDecoder()

    def cell(body: bytes) -> Any:
        return decode(body)["data"]["getSession"]["t0"]["x0"].parameters["capex"][0]

    assert type(cell(_answer(bare))).__name__ == "_PlainCell"
    assert cell(_answer(edited)).transform.value == 2.0
    assert type(cell(_answer(bare))).__name__ == "_Cell"  # the rest of the read: in full
    assert TechnologyDecoder()(_answer(warned))["data"]["getSession"]["t0"]["x0"].parameters[
        "capex"][0].validationWarnings == ("high",)  # fmt: skip
