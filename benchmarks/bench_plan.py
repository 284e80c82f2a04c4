"""Benchmarks of the diff engine (plan) and of apply against the official SDK's loop.

1. plan: one million input cells (the pan-European scenario of ``Emulator(scale=1)``,
   read once through the client; or, with ``--synthetic``, a generated frame of the same
   contract and shape), 10 % of values edited. The current frame is passed to
   ``build_plan(current=...)`` so the figure measures the diff engine, not the reads.
   Time and tracemalloc peak, relative to the frame's own memory.
2. apply: 10,000 changed cells across 500 calls at 50 ms latency; ``apply_plan`` (batched,
   aliased) against the official SDK's one-call-per-entity ``update_technology_exogenous``
   loop on the same changes.

Usage::

    python benchmarks/bench_plan.py [--quick] [--synthetic] [--json PATH]

Targets: plan < 2 s and < 3x the frame's memory; apply >= 10x faster than the SDK loop.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from origin_frames import _diff
from origin_frames._plan import ConfigFacts, build_plan

TOKEN = "bench-token-0123456789"


def synthetic_frame(n_cells: int, seed: int = 0) -> pd.DataFrame:
    """A technology frame of the contract with about ``n_cells`` cells (32 regions)."""
    regions = [f"r{i:02d}" for i in range(32)]
    years = np.arange(2025, 2061)
    variables = ["capex", "opex", "capacity", "efficiency", "loadFactorAverage",
                 "lifetimeBuildLimit", "yearlyBuildLimit", "marginalLossFactor"]
    per_tech = len(regions) * len(years) * len(variables)
    techs = [f"tech{i:03d}" for i in range(max(1, n_cells // per_tech))]
    idx = pd.MultiIndex.from_product(
        [regions, techs, variables, years], names=["region", "technology", "variable", "year"]
    ).to_frame(index=False)
    rng = np.random.default_rng(seed)
    n = len(idx)
    frame = pd.DataFrame(
        {
            "region": pd.Categorical(idx["region"]),
            "technology": pd.Categorical(idx["technology"]),
            "year": idx["year"].astype("Int64"),
            "domain": pd.Categorical(["technology"] * n),
            "variable": pd.Categorical(idx["variable"]),
            "kind": pd.Categorical(["exogenous"] * n),
            "sub_region": pd.Categorical([None] * n, categories=[]),
            "sub_technology": pd.Categorical([None] * n, categories=[]),
            "subsidy": pd.Categorical([None] * n, categories=[]),
            "month": pd.array([pd.NA] * n, dtype="Int64"),
            "original": rng.uniform(1, 1000, n),
            "transform_type": pd.Categorical([None] * n, categories=list(_diff.TRANSFORM_TYPES)),
            "transform_value": np.full(n, np.nan),
        }
    )
    frame["value"] = frame["original"]
    frame["unit"] = pd.Categorical(["x"] * n)
    return frame.set_index(["region", "technology", "year"])


def _read_eur(client: Any, sid: str) -> pd.DataFrame:
    """Every input cell of the pan-European scenario, read once through the client."""
    return client.inputs(sid)


def bench_plan(
    current: pd.DataFrame, config: dict[str, Any] | None = None, changed_share: float = 0.10
) -> dict[str, Any]:
    """Times build_plan on an edited copy with ``changed_share`` of values changed.

    Edits scale values by 0.95 (inside every hard limit whose lower bound is 0) and skip
    locked parameters, so the plan validates like a real edit.
    """
    config = config or {}
    facts = ConfigFacts.from_config(config)
    locked = [n for n, p in facts.parameters.items() if p.get("lock")]
    rng = np.random.default_rng(1)
    edited = current.copy()
    values = edited["value"].to_numpy(copy=True)
    mask = (rng.random(len(edited)) < changed_share) & (values != 0)
    mask &= ~edited["variable"].isin(locked).to_numpy()
    if facts.read_only:
        pairs = pd.MultiIndex.from_arrays(
            [edited.index.get_level_values("technology").astype(object),
             edited["variable"].astype(object)]
        )
        mask &= ~pairs.isin(list(facts.read_only))
    values[mask] = values[mask] * 0.95
    edited["value"] = values
    frame_bytes = int(current.memory_usage(deep=True).sum())
    # Time without tracemalloc (it slows allocation-heavy code several-fold), best of 3;
    # then one traced run for the peak.
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        plan = build_plan(None, "bench", edited, current=current, config=config)
        times.append(time.perf_counter() - t0)
    elapsed = min(times)
    tracemalloc.start()
    build_plan(None, "bench", edited, current=current, config=config)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "cells": len(current),
        "changed": int(mask.sum()),
        "planned_cells": len(plan),
        "calls": len(plan.calls),
        "seconds": round(elapsed, 3),
        "frame_mb": round(frame_bytes / 2**20, 1),
        "peak_mb": round(peak / 2**20, 1),
        "peak_over_frame": round(peak / frame_bytes, 2),
    }


def _tenanted_scenario(sdk: Any) -> str:
    """A new project + scenario based on the first published gbr scenario."""
    base = sdk.get_aurora_scenarios("gbr")[0]["scenarioGlobalId"]
    project = sdk.create_project({"name": "bench", "productId": 1})["projectGlobalId"]
    scenario = sdk.create_scenario(
        {"projectGlobalId": project, "name": "bench", "baseScenarioGlobalId": base,
         "regionGroupCode": "gbr"}
    )
    return scenario["scenarioGlobalId"]


def bench_apply(
    n_calls: int, cells_per_call: int, latency_ms: float, in_process: bool = False
) -> dict[str, Any]:
    """apply_plan vs the official SDK loop on the same n_calls x cells_per_call changes.

    The emulator runs in its own process (as a real service does) unless ``in_process``.
    """
    from bench_read import served
    from origin_sdk.OriginSession import OriginSession

    from origin_frames._apply import apply_plan
    from origin_frames._client import OriginFrames

    with served(0, latency_ms, in_process) as emu:
        urls = {"scenario_base_url": emu.scenario_base_url,
                "inputs_base_url": emu.inputs_base_url}
        sdk = OriginSession({"token": TOKEN, **urls})
        client = OriginFrames(TOKEN, progress=False, **urls)
        sid = _tenanted_scenario(sdk)
        tech = client.technologies(sid)
        flat = _diff.flatten(tech)
        params = client.inputs_config()["technology"]["parameters"]
        locked = {p["name"] for p in params if p.get("lock")}
        flat = flat[~flat["variable"].isin(locked)]
        yearly = flat[flat["year"].notna() & flat["month"].isna()
                      & (flat["kind"].astype(object) == "exogenous") & (flat["value"] != 0)]
        groups = yearly.groupby(
            ["region", "technology", "variable", "sub_region", "sub_technology", "subsidy"],
            observed=True, dropna=False, sort=True,
        )
        chosen = [g.head(cells_per_call) for _, g in groups if len(g) >= cells_per_call]
        if len(chosen) < n_calls:
            raise SystemExit(f"only {len(chosen)} entities with {cells_per_call} cells")
        edit = pd.concat(chosen[:n_calls], ignore_index=True)
        edit["value"] = edit["value"] * 0.95
        plan = build_plan(client, sid, edit)
        t0 = time.perf_counter()
        apply_plan(client, plan, batch_size=100, verify=False, progress=False)
        ours = time.perf_counter() - t0

        sid2 = _tenanted_scenario(sdk)
        t0 = time.perf_counter()
        for _, call in plan.calls.iterrows():
            v = call["variables"]
            sdk.update_technology_exogenous(
                sid2, v["name"], v["parameter"], v["tx"], v["region"],
                sub_region=v["subRegion"], subsidy=v["subsidy"], sub_technology=v["subTechnology"],
            )
        theirs = time.perf_counter() - t0
    return {
        "calls": len(plan.calls),
        "cells": len(plan),
        "latency_ms": latency_ms,
        "apply_seconds": round(ours, 3),
        "sdk_loop_seconds": round(theirs, 3),
        "speedup": round(theirs / ours, 1) if ours else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints a table (optionally JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k cells, 50 calls")
    parser.add_argument("--synthetic", action="store_true",
                        help="plan on a generated frame instead of the scale=1 emulator")
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--cells", type=int, default=None,
                        help="plan on the first N cells read (default 1,000,000; 0 = all)")
    args = parser.parse_args(argv)
    n_cells = 100_000 if args.quick else 1_000_000
    if args.cells is not None:
        n_cells = args.cells
    results: dict[str, Any] = {}
    config: dict[str, Any] = {}
    if args.synthetic:
        current = synthetic_frame(n_cells)
        source = "synthetic"
    else:
        from origin_frames import Emulator
        from origin_frames._client import OriginFrames

        with Emulator(scale=1) as emu:
            client = OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url,
                                  progress=False)
            sid = str(client.get_aurora_scenarios("eur").index[0])
            t0 = time.perf_counter()
            current = _read_eur(client, sid)
            read_seconds = time.perf_counter() - t0
            config = client.inputs_config()
        if n_cells:
            current = current.iloc[:n_cells]
        source = f"emulator scale=1 (read {read_seconds:.0f} s)"
    results["plan"] = {"source": source, **bench_plan(current, config)}
    if not args.skip_apply:
        n_calls, per_call = (50, 20) if args.quick else (500, 20)
        results["apply"] = bench_apply(n_calls, per_call, latency_ms=50.0)
    plan_r = results["plan"]
    results["targets"] = {
        "plan < 2 s": plan_r["seconds"] < 2.0,
        "plan peak < 3x frame": plan_r["peak_over_frame"] < 3.0,
    }
    if "apply" in results:
        results["targets"]["apply >= 10x SDK loop"] = (results["apply"]["speedup"] or 0) >= 10
    print(f"{'benchmark':<10} {'metric':<22} {'value':>14}")
    for name, metrics in results.items():
        for key, value in metrics.items():
            print(f"{name:<10} {key:<22} {value!s:>14}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
