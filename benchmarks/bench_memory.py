"""Memory benchmark: ``origin-frames serve`` resident memory while reading the published catalogue.

The client reads ``inputs(sid)`` (every domain, every region) of every published
scenario of the gbr and deu region groups, one after another, against a served
emulator in its own process; the server's resident set (``VmRSS``) is sampled after
each scenario and its peak (``VmHWM``) at the end. Then the first three scenarios (two
with ``--quick``) are read again, each twice: cold (its data dropped by the budget long
before, so generated again) and warm (read again at once, its data held); the medians are
reported, as wall time and as the server's CPU time (``/proc/<pid>/stat``), which a busy
machine distorts less.

Usage::

    python benchmarks/bench_memory.py [--quick] [--cache-mb MB] [--json PATH]

``--quick`` reads 2 scenarios of each group with a 128 MB budget (a scenario costs the
server about 85 MB, so eviction happens from the second read on and the first two are
cold again when re-read) and reads 2 scenarios cold and warm; the full run reads all of
them with the default budget, and 3 cold and warm.
``--cache-mb 0`` starts ``serve`` without the option (for a server that predates it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from origin_frames import OriginFrames

TOKEN = "bench-memory-0123456789"
GROUPS = ("gbr", "deu")
#: The done-when of the memory issue: the whole gbr+deu catalogue under 1 GB resident.
LIMIT_MB = 1024.0


def status_mb(pid: int, field: str) -> float:
    """A ``/proc/<pid>/status`` memory field (``VmRSS``, ``VmHWM``) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not found for process {pid}")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used: contention on a shared machine
    stretches wall times, much less the CPU a read costs the server."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_command(*options: str) -> list[str]:
    """``origin-frames serve --port 0 ...`` through the installed console script."""
    script = Path(sys.executable).with_name("origin-frames")
    found = str(script) if script.exists() else shutil.which("origin-frames")
    if found is None:
        raise SystemExit("the origin-frames command is not installed (pip install -e .)")
    return [found, "serve", "--port", "0", *options]


@contextmanager
def serve(*options: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """``origin-frames serve`` in its own process; yields it and its two base URLs."""
    process = subprocess.Popen(serve_command(*options), stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        scenario_url = process.stdout.readline().split()[-1]
        inputs_url = process.stdout.readline().split()[-1]
        yield process, scenario_url, inputs_url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def served(cache_mb: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``origin-frames serve`` on a free port; yields the process and its base URL."""
    with serve(*(["--cache-mb", str(cache_mb)] if cache_mb else [])) as (process, url, _):
        yield process, url.rsplit("/", 1)[0]


#: Scenarios read of each group by ``--quick``.
QUICK_PER_GROUP = 2


def _timed_read(client: OriginFrames, sid: str) -> tuple[float, pd.DataFrame]:
    """Seconds to read every input of a scenario, and the frame."""
    start = time.perf_counter()
    frame = client.inputs(sid)
    return time.perf_counter() - start, frame


def run(quick: bool, cache_mb: int, keep_frame: bool = False) -> dict[str, Any]:
    """Reads the catalogue once; returns the RSS curve, peak, and cold/warm read times
    (with ``keep_frame``, also ``"frame"``: the inputs of the first gbr scenario, which
    ``run.py`` hands to the export benchmark instead of reading them again)."""
    with served(cache_mb) as (process, url):
        client = OriginFrames(
            TOKEN, url + "/scenarioExplr", url + "/modelInputs", progress=False
        )
        per_group = QUICK_PER_GROUP if quick else None
        sids = [str(s) for g in GROUPS for s in client.get_aurora_scenarios(g).index[:per_group]]
        start_mb = status_mb(process.pid, "VmRSS")
        first_s, first = _timed_read(client, sids[0])
        curve: list[float] = []
        started = time.perf_counter()
        for sid in sids[1:]:
            _timed_read(client, sid)
            curve.append(status_mb(process.pid, "VmRSS"))
        whole_s = time.perf_counter() - started
        # The first scenarios were dropped long ago (with a budget): read each cold, then warm.
        cold, warm, cold_cpu, warm_cpu = [], [], [], []
        for sid in sids[: 2 if quick else 3]:
            for times, cpus in ((cold, cold_cpu), (warm, warm_cpu)):
                cpu = cpu_s(process.pid)
                times.append(_timed_read(client, sid)[0])
                cpus.append(cpu_s(process.pid) - cpu)
        health = requests.get(url + "/_emulator/health", timeout=10).json()
        peak = status_mb(process.pid, "VmHWM")
        client.close()
    return {
        **({"frame": first} if keep_frame else {}),
        "cache_mb": cache_mb or None,
        "scenarios": len(sids),
        "cells_per_scenario": len(first),
        "start_mb": round(start_mb, 1),
        "rss_mb_after_each": [round(v, 1) for v in curve],
        "peak_mb": round(peak, 1),
        "limit_mb": LIMIT_MB,
        "first_read_s": round(first_s, 3),
        "cold_warm_pairs": len(cold),
        "cold_s": round(statistics.median(cold), 3),
        "warm_s": round(statistics.median(warm), 3),
        "cold_server_cpu_s": round(statistics.median(cold_cpu), 3),
        "warm_server_cpu_s": round(statistics.median(warm_cpu), 3),
        "catalogue_s": round(whole_s, 1),
        "health": health,
    }


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints (and optionally writes) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 scenarios per group")
    parser.add_argument("--cache-mb", type=int, help="serve --cache-mb (0: leave it out)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    cache_mb = args.cache_mb if args.cache_mb is not None else (128 if args.quick else 512)
    result = run(args.quick, cache_mb)
    curve = result["rss_mb_after_each"]
    marks = sorted({0, len(curve) // 4, len(curve) // 2, 3 * len(curve) // 4, len(curve) - 1})
    print(f"{result['scenarios']} scenarios of {'+'.join(GROUPS)}, "
          f"{result['cells_per_scenario']:,} cells each, "
          f"cache_mb={result['cache_mb']}")  # fmt: skip
    print(f"RSS at start {result['start_mb']} MB; after scenario n: "
          + ", ".join(f"{i + 2}: {curve[i]:.0f}" for i in marks))
    print(f"peak {result['peak_mb']} MB (limit {LIMIT_MB:.0f} MB)")
    pairs = result["cold_warm_pairs"]
    print(f"read times (median of {pairs}): cold {result['cold_s']} s, warm {result['warm_s']} s; "
          f"first read of a fresh server {result['first_read_s']} s")  # fmt: skip
    print(f"server CPU per read (median of {pairs}): cold {result['cold_server_cpu_s']} s, "
          f"warm {result['warm_server_cpu_s']} s")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
