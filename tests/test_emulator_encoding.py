"""The emulator's JSON answers (msgspec) decode to exactly what json.dumps would have sent."""

from __future__ import annotations

import json

import pytest

from origin_frames.emulator.server import _encode


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1e-05, id="small-float"),
        pytest.param(1e20, id="big-float"),
        pytest.param(-0.0, id="negative-zero"),
        pytest.param(0.1 + 0.2, id="shortest-repr"),
        pytest.param(2**63 - 1, id="big-int"),
        pytest.param("gbr \u00e9 \u2013 \"quoted\" \\ \n", id="unicode-and-escapes"),
        pytest.param(("a", "b"), id="tuple-as-array"),
        pytest.param({"nested": [None, True, {"x": 1.5}]}, id="nested"),
    ],
)
def test_encoded_answers_decode_like_json_dumps(value: object) -> None:
    answer = {"data": {"v": value}}
    assert json.loads(_encode(answer)) == json.loads(json.dumps(answer))


def test_key_order_is_kept() -> None:
    answer = {"data": {"z": 1, "a": 2, "m": {"y": 1, "b": 2}}}
    assert _encode(answer) == b'{"data":{"z":1,"a":2,"m":{"y":1,"b":2}}}'


def test_objects_json_cannot_encode_still_raise_type_error() -> None:
    with pytest.raises(TypeError):
        _encode({"data": {"v": object()}})
