"""Answers arrive whole however the server frames them: one block, chunked transfer
encoding in pieces with pauses, gzip-compressed, or both (real sockets, scripted bytes)."""

from __future__ import annotations

import gzip
import json

import pytest
from helpers import scripted_server

from origin_frames import Settings
from origin_frames._transport import Transport

DATA = {"data": {"getSession": {"cells": [{"year": 2030 + i, "original": i * 1.5}
                                          for i in range(2000)]}}}  # fmt: skip
BODY = json.dumps(DATA).encode()


def _head(extra: str) -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}\r\n".encode()


def _chunked(body: bytes, pieces: int) -> list[bytes | float]:
    """``body`` as ``pieces`` transfer-encoding chunks, a short pause after each."""
    size = -(-len(body) // pieces)
    steps: list[bytes | float] = []
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        steps += [b"%x\r\n" % len(piece) + piece + b"\r\n", 0.02]
    return [*steps, b"0\r\n\r\n"]


ZIPPED = gzip.compress(BODY)
SCRIPTS = {
    "content-length": [_head(f"Content-Length: {len(BODY)}\r\n") + BODY],
    "chunked": [_head("Transfer-Encoding: chunked\r\n"), *_chunked(BODY, 5)],
    "gzip": [_head(f"Content-Encoding: gzip\r\nContent-Length: {len(ZIPPED)}\r\n") + ZIPPED],
    "chunked-gzip": [_head("Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
                     *_chunked(ZIPPED, 4)],  # fmt: skip
}


@pytest.mark.parametrize("framing", sorted(SCRIPTS))
def test_answers_are_read_whole_however_the_server_frames_them(framing: str) -> None:
    with scripted_server(SCRIPTS[framing]) as url:
        settings = Settings.resolve(token="bodies-test-token", scenario_base_url=url + "/s",
                                    inputs_base_url=url + "/i", max_retries=0)  # fmt: skip
        transport = Transport(settings)
        try:
            assert transport.graphql("inputs", "{ getSession { cells } }") == DATA["data"]
        finally:
            transport.close()
