"""Scenario fleets on a 2-worker ``dask.distributed.LocalCluster`` (processes).

- read: 16 scenarios x 2 regions (every domain) at 50 ms latency, against the same partition
  reads in a sequential loop in one process: the same tasks on Dask's synchronous scheduler
  (the client's own per-request concurrency still on), joined into one frame. The fleet is
  timed two ways: read into the workers' memory (``persist()`` until every partition is
  there: a fleet read, whose partitions then stay spread over the cluster, as the memory
  goal has it) - target >= 3x; and read then gathered into one frame in the driver
  (``compute()``: Dask moves every partition to one worker, joins them there and sends the
  whole frame over; what a fleet too big for one machine cannot do), reported beside it.
- export: 32 pan-European regions x 4 scenarios (``--scale 1``) with ``export_fleet`` vs
  a single process reading each scenario whole (``OriginFrames.inputs``) and writing it
  with ``write_dataset``: cells per second, and each side's peak memory.

Speed runs on 4 threads per worker (the reads wait on the network). Memory is measured
on a second cluster with 1 thread per worker, so that a worker holds one partition at a
time: its peak RSS growth over the pass, from a baseline taken after it read and wrote
every domain of one (scenario, region) once, against the largest partition's frame.
Target: at most that frame + 64 MiB of buffer. The growth on the 4-thread cluster
during the export (baseline after a one-region export) is reported too.

The emulator runs in its own process (``origin-frames serve``); the workers find the
token in their environment, as on a real cluster. Only the public API of ``origin_frames``
is used.

Usage::

    python benchmarks/bench_fleet.py [--quick] [--json PATH]

``--quick`` exports 4 pan-European regions instead of 32.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_read  # noqa: E402
import cloudpickle  # noqa: E402
import dask  # noqa: E402
import pandas as pd  # noqa: E402
import psutil  # noqa: E402
from distributed import Client, LocalCluster, wait  # noqa: E402

import origin_frames as of  # noqa: E402

TOKEN = "bench-fleet-token-0123456789"
THREADS_PER_WORKER = 4
BUFFER_MB = 64.0
MB = 1024 * 1024

# The sampler functions run inside the workers, which cannot import this script.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# -- per-worker peak memory ---------------------------------------------------------------------
def _start_sampler(dask_worker: Any) -> float:
    """In a worker: samples its RSS every 5 ms; returns the RSS now."""
    worker = dask_worker
    process = psutil.Process()
    state = {"peak": process.memory_info().rss, "run": True}
    worker.bench_sampler = state

    def sample() -> None:
        while state["run"]:
            state["peak"] = max(state["peak"], process.memory_info().rss)
            time.sleep(0.005)

    threading.Thread(target=sample, daemon=True).start()
    return float(state["peak"])


def _stop_sampler(dask_worker: Any) -> float:
    """In a worker: stops the sampler; returns the peak RSS it saw."""
    state = dask_worker.bench_sampler
    state["run"] = False
    return float(state["peak"])


@contextmanager
def worker_peaks(client: Client) -> Iterator[dict[str, float]]:
    """Peak RSS growth of each worker (MB) over the block."""
    start = client.run(_start_sampler)
    growth: dict[str, float] = {}
    try:
        yield growth
    finally:
        peak = client.run(_stop_sampler)
        growth.update({w: (peak[w] - start[w]) / MB for w in start})


def _frame_bytes(frame: pd.DataFrame) -> pd.Series:
    """A partition's in-memory size (deep), as a one-row series."""
    return pd.Series([int(frame.memory_usage(deep=True).sum())])


@contextmanager
def cluster(threads: int = THREADS_PER_WORKER) -> Iterator[Client]:
    """Two worker processes, the token in their environment, no statistical profiler, no
    spilling to disk.

    Each worker's profiler samples every thread's stack every 10 ms: on 2 cores it cost
    about 25 ms of worker CPU per fleet partition (81 -> 55 ms, psutil), more than the
    client's own read. A spilling worker sizes every partition it stores a second time
    (``dask.sizeof`` of an 18-column frame, its largest per-task cost after the read):
    the fleet fits in memory, so the workers keep the partitions in a plain dict (their
    pause and restart thresholds still hold). The settings are the cluster's, scoped to
    this block.
    """
    settings = {"distributed.worker.profile.enabled": False,
                "distributed.worker.memory.target": False,
                "distributed.worker.memory.spill": False}  # fmt: skip
    with dask.config.set(settings), \
            LocalCluster(n_workers=2, threads_per_worker=threads, processes=True,
                         dashboard_address=None, env={"AURORA_API_KEY": TOKEN},
                         silence_logs=40) as local, Client(local) as client:  # fmt: skip
        yield client


def _client(emu: Any) -> of.OriginFrames:
    return of.OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False)


# -- read ---------------------------------------------------------------------------------------
def _warm(fleet: Any, sid: str, region: str, root: str, dask_worker: Any = None) -> int:
    """In a worker: reads every partition of one (scenario, region) and writes it, once.

    Imports, caches and the allocator's high-water mark of one partition are then in the
    baseline, so the growth measured afterwards is what holding more than one costs.
    """
    frame = of.read_fleet(fleet, [sid], regions=[region]).compute(scheduler="synchronous")
    folder = Path(root) / str(os.getpid())
    for _, part in frame.groupby(["domain"], observed=True):
        of.write_dataset(part.drop(columns="scenario_id").set_index(
            ["region", "technology", "year"]), folder)  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    return len(frame)


def _memory(fleet: Any, first: tuple[str, str], lazy: Any, pass_: Any) -> dict[str, Any]:
    """Peak RSS growth per worker (1 thread each) over ``pass_()``, after a warm-up on the
    ``first`` (scenario, region)."""
    with cluster(threads=1) as dask, tempfile.TemporaryDirectory() as root:
        dask.run(_warm, fleet, *first, root)
        with worker_peaks(dask) as growth:
            pass_()
        sizes = lazy.map_partitions(_frame_bytes, meta=(None, "int64")).compute()
    largest = float(sizes.max()) / MB
    worst = max(growth.values())
    return {"largest_partition_mb": round(largest, 1), "worker_peak_growth_mb": round(worst, 1),
            "memory_limit_mb": round(largest + BUFFER_MB, 1),
            "memory_ok": worst <= largest + BUFFER_MB}  # fmt: skip


def _warm_reader(fleet: Any, sid: str, region: str) -> int:
    """Reads every partition of one (scenario, region) in this process (a worker's, or the
    driver's): imports, the fleet client and its config caches are then in place."""
    return len(of.read_fleet(fleet, [sid], regions=[region]).compute(scheduler="synchronous"))


def _read_speed(fleet: Any, lazy: Any, first: tuple[str, str], rounds: int = 2) -> dict[str, Any]:
    """The sequential loop, the fleet gathered (``compute``) and the fleet read into the
    workers (``persist``), back to back, ``rounds`` times: each one's best.

    Each process that reads (the driver for the loop, every worker for the fleet) first
    reads the ``first`` (scenario, region) once, so neither pass pays imports. The first
    round fills what the rest find warm on both sides: the emulator's rendered answers
    (about 20 ms of its CPU per partition on a first read) and each client's caches.
    """
    times: dict[str, list[float]] = {"sequential": [], "fleet": [], "persist": [],
                                     "sequential_cpu": []}  # fmt: skip
    with cluster() as dask:
        dask.run(_warm_reader, fleet, *first)
        _warm_reader(fleet, *first)
        for _ in range(rounds):
            started, cpu = time.perf_counter(), time.process_time()
            sequential = lazy.compute(scheduler="synchronous")
            times["sequential"].append(time.perf_counter() - started)
            times["sequential_cpu"].append(time.process_time() - cpu)

            started = time.perf_counter()
            frame = lazy.compute()
            times["fleet"].append(time.perf_counter() - started)
            assert len(frame) == len(sequential), (len(frame), len(sequential))

            started = time.perf_counter()
            spread = lazy.persist()
            wait(spread)
            times["persist"].append(time.perf_counter() - started)
            held = spread.map_partitions(len).compute().sum()
            assert held == len(sequential), (held, len(sequential))
            del spread
    return {"cells": len(frame), **times}


def bench_fleet_read(latency_ms: float = 50.0, scenarios: int = 16,
                     memory: bool = True) -> dict[str, Any]:  # fmt: skip
    """``scenarios`` (16) x 2 regions, every domain: the fleet vs a sequential loop.

    The loop runs the very same partition tasks one after the other in this process
    (Dask's synchronous scheduler), so the two differ only in how the tasks are run.
    Both are timed twice, alternately, and each side's best counts: the first round
    warms the emulator and the clients for the second.
    """
    with bench_read.served(0, latency_ms) as emu, _client(emu) as driver:
        ids = list(driver.get_aurora_scenarios("gbr").index[:scenarios])
        regions = ["gbr", "irl"]
        fleet = of.FleetSettings.from_client(driver)
        lazy = of.read_fleet(fleet, ids, regions=regions)
        # The emulator generates each scenario once, on first read: outside both passes.
        for sid in ids:
            driver.commodities(sid, regions[:1])
        speed = _read_speed(fleet, lazy, (ids[0], regions[0]))
        sequential_s, fleet_s = min(speed["sequential"]), min(speed["fleet"])
        persist_s = min(speed["persist"])
        figures: dict[str, Any] = {}
        if memory:
            figures = _memory(fleet, (ids[0], regions[0]), lazy,
                              lambda: lazy.map_partitions(len).compute())  # fmt: skip
    return {
        "partitions": lazy.npartitions, "cells": speed["cells"], "latency_ms": latency_ms,
        "sequential_s": round(sequential_s, 2), "persist_s": round(persist_s, 2),
        "speedup": round(sequential_s / persist_s, 2), "fleet_s": round(fleet_s, 2),
        "gathered_speedup": round(sequential_s / fleet_s, 2),
        "rounds_sequential_s": [round(t, 2) for t in speed["sequential"]],
        "rounds_persist_s": [round(t, 2) for t in speed["persist"]],
        "rounds_fleet_s": [round(t, 2) for t in speed["fleet"]],
        "rounds_sequential_cpu_s": [round(t, 2) for t in speed["sequential_cpu"]], **figures,
    }  # fmt: skip


# -- export -------------------------------------------------------------------------------------
def _rss_peak_during(fn: Any) -> tuple[float, float]:
    """Wall time of ``fn()`` and the peak RSS growth (MB) of this process meanwhile."""
    process = psutil.Process()
    state = {"peak": process.memory_info().rss, "run": True}
    base = state["peak"]

    def sample() -> None:
        while state["run"]:
            state["peak"] = max(state["peak"], process.memory_info().rss)
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    try:
        fn()
    finally:
        elapsed = time.perf_counter() - started
        state["run"] = False
        thread.join()
    return elapsed, (state["peak"] - base) / MB


def bench_fleet_export(quick: bool, latency_ms: float = 50.0, scenarios: int = 4,
                       quick_regions: int = 4) -> dict[str, Any]:  # fmt: skip
    """``scenarios`` (4) pan-European scenarios: export_fleet on the cluster vs one process;
    all 32 regions, or the first ``quick_regions`` with ``quick``."""
    work = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    try:
        with bench_read.served(1, latency_ms) as emu, _client(emu) as driver:
            eur = driver.get_aurora_scenarios("eur")
            central = eur["name"].astype(str).str.lower().str.contains("central")
            ids = list(eur.index[central.to_numpy(dtype=bool)][:scenarios])  # all:eur:central
            regions = sorted(driver.get_technology_names(ids[0]).index.unique(level=0))
            regions = regions[:quick_regions] if quick else regions
            fleet = of.FleetSettings.from_client(driver)
            # Warm-up: the emulator generates each scenario once, on first read.
            for sid in ids:
                driver.technologies(sid, regions[:1])

            def single() -> None:
                for sid in ids:
                    frame = driver.inputs(sid, regions=regions)
                    of.write_dataset(frame, work / "single" / sid)

            single_s, single_mb = _rss_peak_during(single)
            with cluster() as dask:
                of.export_fleet(fleet, ids[:1], work / "warm", regions=regions[:1])
                with worker_peaks(dask) as growth:
                    started = time.perf_counter()
                    summary = of.export_fleet(fleet, ids, work / "fleet", regions=regions)
                    fleet_s = time.perf_counter() - started
            # Memory: the same export of two scenarios, one partition at a time per worker.
            lazy = of.read_fleet(fleet, ids[:2], regions=regions)
            memory = _memory(fleet, (ids[0], regions[0]), lazy, lambda: of.export_fleet(
                fleet, ids[:2], work / "memory", regions=regions))  # fmt: skip
        cells = int(summary["rows"].sum())
        single_cells = sum(len(of.read_parquet(work / "single" / s)) for s in ids)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "scenarios": len(ids), "regions": len(regions), "cells": cells,
        "single_cells": single_cells, "latency_ms": latency_ms,
        "single_s": round(single_s, 2), "fleet_s": round(fleet_s, 2),
        "single_cells_per_s": round(single_cells / single_s),
        "fleet_cells_per_s": round(cells / fleet_s),
        "ratio": round((cells / fleet_s) / (single_cells / single_s), 2),
        "single_peak_growth_mb": round(single_mb, 1),
        "peak_growth_4_threads_mb": round(max(growth.values()), 1), **memory,
    }  # fmt: skip


def run(quick: bool, read_scenarios: int = 16, export_scenarios: int = 4,
        export_quick_regions: int = 4) -> dict[str, Any]:  # fmt: skip
    """Both fleet benchmarks (``run.py --quick`` passes smaller sizes)."""
    os.environ.setdefault("AURORA_API_KEY", TOKEN)  # the benchmark's driver, like its workers
    return {"read": bench_fleet_read(scenarios=read_scenarios),
            "export": bench_fleet_export(quick, scenarios=export_scenarios,
                                         quick_regions=export_quick_regions)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 pan-European regions, not 32")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    result = run(args.quick)
    for name, figures in result.items():
        print(name)
        for key, value in figures.items():
            print(f"  {key:<26} {value!s:>14}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
