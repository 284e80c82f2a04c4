"""Benchmarks of the diff engine (plan) and of apply against the official SDK's loop.

Only the public API is timed: ``OriginFrames.plan`` and ``OriginFrames.apply``.

1. plan: up to one million input cells of a copy of the pan-European scenario of
   ``Emulator(scale=1)``, read once, 10 % of values edited; ``client.plan(sid, edited,
   current=current)`` (the already-read frame, as a user who holds it passes it), so the
   figure measures the diff engine and one round trip (the published-scenario check).
   Time (best of 3) and tracemalloc peak, relative to the frame's own memory.
2. apply: 10,000 changed cells in 500 calls at 50 ms latency, against ``origin-frames
   serve`` in its own process; ``client.apply`` (batched, aliased, ``concurrency``
   requests in flight) against the official SDK's one-call-per-entity
   ``update_technology_exogenous`` loop on the same changes. Its limit: the round trips
   ``ceil(calls / (batch_size x concurrency))`` plus the serving time, measured raw on the
   same server: the same updates as aliased documents of the same size, written out by
   hand and POSTed with the same concurrency. The server is warmed by one update first
   (a server's first mutation ever costs ~0.4 s of one-time set-up); ours and the raw
   posts alternate, best of 3 each.
   The served emulator's CPU seconds during ``client.apply`` are reported too.

Usage::

    python benchmarks/bench_plan.py [--quick] [--skip-apply] [--cells N] [--json PATH]

``--quick`` plans the first 100,000 cells of 3 pan-European regions and applies 50 calls
(1,000 cells) picked in the gbr region only (the full apply picks in every region of the
gbr group, whose read alone took some 10 s).

Targets (issue 11): plan < 1 s and peak < 2x the frame's memory; apply <= 1.5x its
limit and >= 10x faster than the SDK loop.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_read  # noqa: E402
from bench_memory import cpu_s  # noqa: E402

from origin_frames import Emulator, OriginFrames  # noqa: E402

TOKEN = "bench-token-0123456789"
LATENCY_MS = 50.0
#: Calls aliased into one request by the apply benchmark.
APPLY_BATCH = 100
#: ``--quick``: pan-European regions read for the plan (3 hold 148,548 cells, over 100,000),
#: and regions whose entities the apply changes (gbr alone has far more than 50).
QUICK_REGIONS = 3
QUICK_APPLY_REGIONS = ["gbr"]


def tenanted_scenario(sdk: Any, group: str) -> str:
    """A new project + scenario based on the first published scenario of ``group``."""
    base = sdk.get_aurora_scenarios(group)[0]["scenarioGlobalId"]
    project = sdk.create_project({"name": "bench", "productId": 1})["projectGlobalId"]
    scenario = sdk.create_scenario(
        {"projectGlobalId": project, "name": "bench", "baseScenarioGlobalId": base,
         "regionGroupCode": group}
    )
    return str(scenario["scenarioGlobalId"])


def _sdk(scenario_url: str, inputs_url: str) -> Any:
    """The official client on these URLs."""
    from origin_sdk.OriginSession import OriginSession

    return OriginSession({"token": TOKEN, "scenario_base_url": scenario_url,
                          "inputs_base_url": inputs_url})  # fmt: skip


def _editable(current: pd.DataFrame, config: Mapping[str, Any]) -> np.ndarray:
    """Rows an edit may change: not a locked or read-only parameter, value not 0."""
    tech = config.get("technology") or {}
    locked = {p["name"] for key in ("parameters", "definitionParameters")
              for p in tech.get(key) or [] if p.get("lock")}  # fmt: skip
    read_only = {(str(d.get("name")), str(p)) for d in tech.get("definitions") or []
                 for p in d.get("readOnlyParameters") or []}  # fmt: skip
    mask = (current["value"].to_numpy() != 0) & ~current["variable"].isin(locked).to_numpy()
    if read_only:
        pairs = pd.MultiIndex.from_arrays(
            [current.index.get_level_values("technology").astype(object),
             current["variable"].astype(object)]
        )  # fmt: skip
        mask &= ~pairs.isin(list(read_only))
    return mask


def bench_plan(
    client: OriginFrames, sid: str, current: pd.DataFrame, changed_share: float = 0.10
) -> dict[str, Any]:
    """Times ``client.plan`` on an edited copy with ``changed_share`` of values scaled by
    0.95 (inside every hard limit whose lower bound is 0), so the plan validates."""
    mask = (np.random.default_rng(1).random(len(current)) < changed_share) & _editable(
        current, client.inputs_config()
    )
    edited = current.copy()
    values = edited["value"].to_numpy(copy=True)
    values[mask] = values[mask] * 0.95
    edited["value"] = values
    frame_bytes = int(current.memory_usage(deep=True).sum())
    # Time without tracemalloc (it slows allocation-heavy code several-fold), best of 3;
    # CPU time too (a loaded machine stretches wall time); then one traced run for the peak.
    times, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        plan = client.plan(sid, edited, current=current)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    client.plan(sid, edited, current=current)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "cells": len(current),
        "changed": int(mask.sum()),
        "planned_cells": len(plan),
        "calls": len(plan.calls),
        "seconds": round(min(times), 3),
        "cpu_seconds": round(min(cpu), 3),
        "frame_mb": round(frame_bytes / 2**20, 1),
        "peak_mb": round(peak / 2**20, 1),
        "peak_over_frame": round(peak / frame_bytes, 2),
    }


def plan_current(cells: int, regions: int | None = None) -> tuple[Emulator, str, pd.DataFrame]:
    """A running scale=1 emulator, a copy of its pan-European scenario and the first
    ``cells`` technology cells of that copy (of the first ``regions`` regions)."""
    emu = Emulator(scale=1).start()
    sid = tenanted_scenario(_sdk(emu.scenario_base_url, emu.inputs_base_url), "eur")
    with OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url,
                      progress=False) as client:  # fmt: skip
        names = client.get_technology_names(sid)
        chosen = sorted(names.index.unique(level=0))[:regions]
        current = client.technologies(sid, chosen)
    return emu, sid, current.iloc[:cells] if cells else current


def _apply_edit(client: OriginFrames, sid: str, n_calls: int, per_call: int,
                regions: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """``per_call`` yearly exogenous cells of each of ``n_calls`` entities (of ``regions``,
    None: all), scaled by 0.95."""
    tech = client.technologies(sid, regions)
    flat = tech.reset_index()[_editable(tech, client.inputs_config())]
    yearly = flat[flat["year"].notna() & flat["month"].isna()
                  & (flat["kind"].astype(object) == "exogenous")]  # fmt: skip
    groups = yearly.groupby(
        ["region", "technology", "variable", "sub_region", "sub_technology", "subsidy"],
        observed=True, dropna=False, sort=True,
    )
    chosen = [g.head(per_call) for _, g in groups if len(g) >= per_call]
    if len(chosen) < n_calls:
        raise SystemExit(f"only {len(chosen)} entities with {per_call} cells")
    edit = pd.concat(chosen[:n_calls], ignore_index=True)
    edit["value"] = edit["value"] * 0.95
    return edit


#: Argument types of ``updateExogenousTechnologyParameter``, for the raw documents.
_EXOGENOUS = {"sessionId": "String!", "parameter": "ExogenousPlantVariable!",
              "tx": "[OptionalYearlyNumberItemInput!]!", "name": "String!",
              "region": "String!", "subRegion": "String", "subsidy": "String",
              "subTechnology": "String"}  # fmt: skip


def raw_documents(calls: list[dict[str, Any]], size: int) -> list[tuple[str, dict[str, Any]]]:
    """The same updates written out by hand, ``size`` aliased mutations per document."""
    documents = []
    for start in range(0, len(calls), size):
        declared, fields, variables = [], [], {}
        for i, call in enumerate(calls[start : start + size]):
            declared += [f"${name}{i}: {_EXOGENOUS[name]}" for name in call]
            variables.update({f"{name}{i}": value for name, value in call.items()})
            args = ", ".join(f"{name}: ${name}{i}" for name in call)
            fields.append(f"m{i}: updateExogenousTechnologyParameter({args}) {{ __typename }}")
        documents.append((f"mutation({', '.join(declared)}) {{ {' '.join(fields)} }}", variables))
    return documents


def raw_serving(inputs_url: str, documents: list[tuple[str, dict[str, Any]]],
                concurrency: int) -> float:  # fmt: skip
    """Seconds to POST the documents (``concurrency`` in flight) and get every answer:
    the round trips and the serving time, nothing of a client."""
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=concurrency))
    headers = {"Content-Type": "application/json", "Private-Token": TOKEN, "EOS-Cookie": TOKEN}

    def post(document: tuple[str, dict[str, Any]]) -> None:
        body = json.dumps({"query": document[0], "variables": document[1]})
        answer = session.post(inputs_url + "/v1/graphql", data=body, headers=headers,
                              timeout=(10, 600))  # fmt: skip
        answer.raise_for_status()
        assert not answer.json().get("errors"), answer.text[:300]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(post, documents))
    return time.perf_counter() - start


def _sdk_update(sdk: Any, sid: str, v: dict[str, Any]) -> None:
    """One update through the official client."""
    sdk.update_technology_exogenous(
        sid, v["name"], v["parameter"], v["tx"], v["region"],
        sub_region=v["subRegion"], subsidy=v["subsidy"], sub_technology=v["subTechnology"],
    )  # fmt: skip


def _warm(sdk: Any, call: dict[str, Any]) -> None:
    """One update of a throwaway copy: the server's first mutation ever pays one-time set-up
    (about 0.4 s of CPU), which neither our figure nor the limit should carry."""
    _sdk_update(sdk, tenanted_scenario(sdk, "gbr"), call)


def bench_apply(
    n_calls: int, cells_per_call: int, latency_ms: float = LATENCY_MS, repeat: int = 3,
    regions: list[str] | None = None,
) -> dict[str, Any]:
    """``client.apply`` vs its limit and vs the official SDK loop, on the same n_calls x
    cells_per_call changes, each run on a fresh copy of the first gbr scenario of one
    served emulator (warmed by one update).

    The limit is measured raw on the same server: the same updates, as aliased documents
    of the same size, POSTed with the same concurrency; that is
    ``ceil(calls / (batch_size x concurrency))`` round trips plus the serving time. Ours
    and the raw posts alternate, best of ``repeat`` each (the server's own pauses vary a
    lot from run to run on a loaded machine). ``regions``: where the changed entities are
    picked (None: every region of the group; ``--quick`` reads only gbr's).

    The emulator is ``bench_read.served(0, latency_ms)``: inside ``bench_read.sharing()``
    (``run.py``) the fleet read's emulator of the same configuration.
    """
    with bench_read.served(0, latency_ms) as emu:
        process = emu.process
        scenario_url, inputs_url = emu.scenario_base_url, emu.inputs_base_url
        sdk = _sdk(scenario_url, inputs_url)
        with OriginFrames(TOKEN, scenario_url, inputs_url, progress=False) as client:
            sid = tenanted_scenario(sdk, "gbr")
            edit = _apply_edit(client, sid, n_calls, cells_per_call, regions)
            plan = client.plan(sid, edit)
            _warm(sdk, plan.calls["variables"].iloc[0])
            concurrency = client.settings.concurrency
            ours = raw = server_cpu = float("inf")
            for _ in range(repeat):
                plan = client.plan(tenanted_scenario(sdk, "gbr"), edit)
                cpu0, t0 = cpu_s(process.pid), time.perf_counter()
                client.apply(plan, batch_size=APPLY_BATCH, verify=False)
                ours = min(ours, time.perf_counter() - t0)
                server_cpu = min(server_cpu, cpu_s(process.pid) - cpu0)
                copy = tenanted_scenario(sdk, "gbr")
                calls = [{**v, "sessionId": copy} for v in plan.calls["variables"]]
                documents = raw_documents(calls, APPLY_BATCH)
                raw = min(raw, raw_serving(inputs_url, documents, concurrency))
        sid2 = tenanted_scenario(sdk, "gbr")
        t0 = time.perf_counter()
        for v in plan.calls["variables"]:
            _sdk_update(sdk, sid2, v)
        theirs = time.perf_counter() - t0
    return {
        "calls": len(plan.calls),
        "cells": len(plan),
        "latency_ms": latency_ms,
        "batch_size": APPLY_BATCH,
        "concurrency": concurrency,
        "round_trips": -(-len(plan.calls) // (APPLY_BATCH * concurrency)),
        "server_cpu_seconds": round(server_cpu, 3),
        "limit_seconds": round(raw, 3),
        "apply_seconds": round(ours, 3),
        "over_limit": round(ours / raw, 2),
        "sdk_loop_seconds": round(theirs, 3),
        "speedup": round(theirs / ours, 1) if ours else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints a table (optionally JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k cells, 50 calls")
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--cells", type=int, default=None,
                        help="plan on the first N cells read (default 1,000,000; 0 = all)")
    args = parser.parse_args(argv)
    n_cells = 100_000 if args.quick else 1_000_000
    if args.cells is not None:
        n_cells = args.cells
    results: dict[str, Any] = {}
    emu, sid, current = plan_current(n_cells, QUICK_REGIONS if args.quick else None)
    try:
        with OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url,
                          progress=False) as client:  # fmt: skip
            results["plan"] = bench_plan(client, sid, current)
    finally:
        emu.stop()
    if not args.skip_apply:
        n_calls, per_call = (50, 20) if args.quick else (500, 20)
        results["apply"] = bench_apply(n_calls, per_call,
                                       regions=QUICK_APPLY_REGIONS if args.quick else None)
    plan_r = results["plan"]
    results["targets"] = {
        "plan < 1 s": plan_r["seconds"] < 1.0,
        "plan peak < 2x frame": plan_r["peak_over_frame"] < 2.0,
    }
    if "apply" in results:
        apply_r = results["apply"]
        results["targets"]["apply >= 10x SDK loop"] = (apply_r["speedup"] or 0) >= 10
        results["targets"]["apply <= 1.5x limit"] = apply_r["over_limit"] <= 1.5
    print(f"{'benchmark':<10} {'metric':<22} {'value':>14}")
    for name, metrics in results.items():
        for key, value in metrics.items():
            print(f"{name:<10} {key:<22} {value!s:>14}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
