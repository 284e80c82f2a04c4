"""Read benchmark: origin_frames' batched reader vs the official SDK's one-call-per-technology loop.

Cases (each against a fresh ``Emulator(scale=1, latency_ms=L)`` for L in 0 and 50 ms):

- ``gbr-base``: every technology of the gbr main region, each technology's own view
  (what one ``get_technology(sid, name, "gbr")`` returns): origin_frames
  ``technologies(sid, ["gbr"], sub_keys=False)`` vs the SDK loop + ``pandas.json_normalize``;
- ``gbr-all``: the same region with every sub-technology/sub-region/subsidy view;
- ``eur-all``: every technology view of every region of the pan-European scenario,
  compared with the emulator's own serving time (the same batched documents fetched as
  raw bytes, same concurrency, no decoding);
- ``json->frame``: wire JSON (bytes) -> validated tidy frame, client side only.

``serving_s`` is the emulator's own serving time for the same batched documents
(fetched as raw bytes with the same concurrency, nothing decoded); ``x_serving`` is
origin_frames' time over it (1.0 = the client adds nothing).

Usage::

    python benchmarks/bench_read.py [--quick] [--json PATH]

``--quick`` runs latency 50 ms only and limits the pan-European case to 4 regions.

The emulator runs in its own process (``origin-frames serve``), as a real service would:
the client's decoding then overlaps the server's rendering instead of sharing one
interpreter with it. ``--in-process`` runs it in a thread of the benchmark instead.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

os.environ.setdefault("AURORA_ORIGIN_CACHE_DIRECTORY", tempfile.mkdtemp(prefix="bench-sdk-"))

import pandas as pd  # noqa: E402
import requests  # noqa: E402

from origin_frames import Emulator, OriginFrames, _reads, schemas  # noqa: E402
from origin_frames._frames import (  # noqa: E402
    CellFrameBuilder,
    add_technology_blocks,
    decode_technology_answer,
)
from origin_frames._queries import TechSelection, technology_batch  # noqa: E402

TOKEN = "bench-token-0123456789"


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


class ServedEmulator:
    """``origin-frames serve`` in a child process, with the Emulator's URL attributes."""

    def __init__(self, process: subprocess.Popen[str], scenario: str, inputs: str) -> None:
        self.process = process
        self.scenario_base_url = scenario
        self.inputs_base_url = inputs


@contextlib.contextmanager
def served(scale: int, latency_ms: float, in_process: bool = False) -> Iterator[Any]:
    """An emulator in its own process (or in this one), stopped on exit."""
    if in_process:
        with Emulator(scale=scale, latency_ms=latency_ms) as emu:
            yield emu
        return
    command = [sys.executable, "-m", "origin_frames._cli", "serve", "--port", "0",
               "--scale", str(scale), "--latency-ms", str(latency_ms)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        scenario = process.stdout.readline().split()[-1]
        inputs = process.stdout.readline().split()[-1]
        yield ServedEmulator(process, scenario, inputs)
    finally:
        process.terminate()
        process.wait(timeout=30)


def sdk_loop(sdk: Any, sid: str, region: str, technologies: list[str]) -> pd.DataFrame:
    """The official client's way: one get_technology per technology, json_normalize each."""
    frames = []
    for tech in technologies:
        doc = sdk.get_technology(sid, tech, region)
        for kind in ("getExogenous", "getEndogenous"):
            node = doc.get(kind) or {}
            for var, cells in (node.get("parameters") or {}).items():
                if cells:
                    f = pd.json_normalize(cells)
                    f["variable"], f["kind"], f["technology"] = var, kind, tech
                    frames.append(f)
            for var, cell in (node.get("definitions") or {}).items():
                if cell:
                    f = pd.json_normalize([cell])
                    f["variable"], f["kind"], f["technology"] = var, kind, tech
                    frames.append(f)
    return pd.concat(frames, ignore_index=True)


def raw_fetch(emu: Any, documents: list[tuple[str, dict]], concurrency: int) -> list[bytes]:
    """The emulator's serving time: POST every document, keep the raw bytes, no decoding."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=concurrency, pool_maxsize=concurrency)
    session.mount("http://", adapter)
    headers = {"Content-Type": "application/json", "Private-Token": TOKEN, "EOS-Cookie": TOKEN}
    url = emu.inputs_base_url + "/v1/graphql"

    def post(doc: tuple[str, dict]) -> bytes:
        body = json.dumps({"query": doc[0], "variables": doc[1]})
        r = session.post(url, data=body, headers=headers, timeout=(10, 600))
        r.raise_for_status()
        return r.content

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(post, documents))


def json_to_frame(bodies: list[bytes], batches: list, selection: TechSelection) -> pd.DataFrame:
    """Client-side work only, as the client does it: typed decode, build, validate."""
    builder = CellFrameBuilder()
    for body, batch in zip(bodies, batches, strict=True):
        session = decode_technology_answer(body)["data"]["getSession"]
        add_technology_blocks(builder, session, batch, selection)
    frame = builder.frame()
    return schemas.validate(frame, schemas.TechnologyCells)


def run(latency: float, quick: bool, in_process: bool = False) -> list[dict[str, Any]]:
    """All cases at one latency."""
    from origin_sdk.OriginSession import OriginSession

    rows: list[dict[str, Any]] = []
    with served(1, latency, in_process) as emu:
        client = OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False)
        sdk = OriginSession({"token": TOKEN, "scenario_base_url": emu.scenario_base_url,
                             "inputs_base_url": emu.inputs_base_url})  # fmt: skip
        gbr = str(client.get_aurora_scenarios("gbr").index[0])
        eur = str(client.get_aurora_scenarios("eur").index[0])
        names = sorted(client.get_technology_names(gbr).loc["gbr"].index.unique())
        # Warm both (config caches, lazy generation of the session) before timing.
        client.technologies(gbr, ["gbr"], sub_keys=False)
        sdk_loop(sdk, gbr, "gbr", names[:1])

        selection = TechSelection.from_config(client.inputs_config())
        gbr_reads = _reads.tech_reads(client._groupings(gbr), ["gbr"], None)
        base_reads = [r for r in gbr_reads if r.sub_region is None]
        base_docs = [technology_batch(gbr, b, selection)
                     for b in _reads.batches([type(r)(r.technology, r.region) for r in base_reads],
                                       client.settings.batch_size,
                                       client.settings.concurrency)]  # fmt: skip
        all_docs = [technology_batch(gbr, b, selection)
                    for b in _reads.batches(gbr_reads, client.settings.batch_size,
                                       client.settings.concurrency)]  # fmt: skip
        conc = client.settings.concurrency

        t_of, f_of = timed(lambda: client.technologies(gbr, ["gbr"], sub_keys=False), 3)
        t_serve_base, _ = timed(lambda: raw_fetch(emu, base_docs, conc), 3)
        t_sdk, f_sdk = timed(lambda: sdk_loop(sdk, gbr, "gbr", names), 1 if quick else 2)
        rows.append({"case": "gbr-base", "latency_ms": latency, "cells": len(f_of),
                     "origin_frames_s": t_of, "serving_s": t_serve_base,
                     "baseline_s": t_sdk, "baseline": "sdk loop",
                     "baseline_cells": len(f_sdk), "speedup": t_sdk / t_of})  # fmt: skip

        t_all, f_all = timed(lambda: client.technologies(gbr, ["gbr"]), 2)
        t_serve_all, _ = timed(lambda: raw_fetch(emu, all_docs, conc), 2)
        rows.append({"case": "gbr-all", "latency_ms": latency, "cells": len(f_all),
                     "origin_frames_s": t_all, "serving_s": t_serve_all})  # fmt: skip

        groupings = client._groupings(eur)
        regions = sorted(groupings)[:4] if quick else sorted(groupings)
        reads = _reads.tech_reads(groupings, regions, None)
        batches = _reads.batches(reads, client.settings.batch_size, client.settings.concurrency)
        documents = [technology_batch(eur, b, selection) for b in batches]
        raw_fetch(emu, documents[:1], 1)  # warm the document cache
        client.technologies(eur, regions)  # generates every region's cells once
        t_serve, bodies = timed(
            lambda: raw_fetch(emu, documents, client.settings.concurrency), 1
        )
        t_eur, f_eur = timed(lambda: client.technologies(eur, regions), 1)
        rows.append({"case": f"eur-all ({len(regions)} regions)", "latency_ms": latency,
                     "cells": len(f_eur), "origin_frames_s": t_eur,
                     "serving_s": t_serve})  # fmt: skip

        t_parse, parsed = timed(lambda: json_to_frame(bodies, batches, selection), 3)
        rows.append({"case": "json->frame", "latency_ms": latency, "cells": len(parsed),
                     "origin_frames_s": t_parse,
                     "cells_per_s": len(parsed) / t_parse})  # fmt: skip
        client.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 ms only, 4 eur regions")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--in-process", action="store_true", help="emulator in a thread")
    args = parser.parse_args(argv)
    latencies = [50.0] if args.quick else [0.0, 50.0]
    rows = [row for latency in latencies for row in run(latency, args.quick, args.in_process)]
    table = pd.DataFrame(rows)
    table["x_serving"] = table["origin_frames_s"] / table["serving_s"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
