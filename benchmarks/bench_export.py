"""Parquet export throughput: ``write_dataset`` (hive-partitioned, contract metadata) vs a
raw ``pyarrow.dataset.write_dataset`` of the same frame with the same partitioning
(hive, ``domain`` then ``region``).

Both start from the same DataFrame (the inputs of an emulated scenario) and include the
pandas -> Arrow conversion. Target (issue 11): origin_frames >= 0.95x the raw throughput.

Usage::

    python benchmarks/bench_export.py [--quick] [--json PATH]

``--quick`` exports the gbr Central scenario (~220k cells); the full run exports the
pan-European scenario of ``Emulator(scale=1)`` (~1.6 M cells).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from origin_frames import Emulator, OriginFrames, write_dataset

TOKEN = "bench-token-0123456789"
#: The issue's target: ours at least this share of the raw writer's throughput.
TARGET = 0.95


def _seconds(fn: Any) -> tuple[float, float]:
    """Wall time and CPU time (every thread of the process) of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def read_frame(quick: bool) -> pd.DataFrame:
    """The frame to export: every input of one emulated scenario."""
    with Emulator(scale=0 if quick else 1) as emu:
        with OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url,
                          progress=False) as client:  # fmt: skip
            region = "gbr" if quick else "eur"
            sid = str(client.get_aurora_scenarios(region).index[0])
            return client.inputs(sid)


def run(quick: bool, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """Times both writers on the same frame; returns cells/s and the ratio."""
    frame = read_frame(quick) if frame is None else frame
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    runs = itertools.count()
    try:
        # Each run writes into a new directory: neither writer pays for deleting the last one.
        def ours() -> None:
            write_dataset(frame, work / f"ours-{next(runs)}")

        def raw() -> None:
            ds.write_dataset(
                pa.Table.from_pandas(frame), work / f"raw-{next(runs)}", format="parquet",
                partitioning=["domain", "region"], partitioning_flavor="hive",
            )

        repeat = 5
        # Interleaved, so that both writers see the same machine load.
        ours_s = raw_s = ours_cpu = raw_cpu = float("inf")
        for _ in range(repeat):
            (wall, cpu), (raw_wall, raw_c) = _seconds(ours), _seconds(raw)
            ours_s, ours_cpu = min(ours_s, wall), min(ours_cpu, cpu)
            raw_s, raw_cpu = min(raw_s, raw_wall), min(raw_cpu, raw_c)
            for done in list(work.iterdir()):
                shutil.rmtree(done)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cells = len(frame)
    return {
        "cells": cells,
        "origin_frames_s": round(ours_s, 3),
        "raw_write_dataset_s": round(raw_s, 3),
        "origin_frames_cells_per_s": round(cells / ours_s),
        "raw_cells_per_s": round(cells / raw_s),
        "ratio": round(raw_s / ours_s, 2),
        "origin_frames_cpu_s": round(ours_cpu, 3),
        "raw_cpu_s": round(raw_cpu, 3),
        "cpu_ratio": round(raw_cpu / ours_cpu, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="gbr instead of pan-European")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    result = run(args.quick)
    for key, value in result.items():
        print(f"{key:<28} {value!s:>14}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
