"""Import time of ``origin_frames``, measured in fresh interpreters (``python -X importtime``).

The official client (``origin_sdk``) is the side-by-side figure; it does not load pandas, so
it is a floor rather than a like-for-like baseline.

Usage::

    python benchmarks/bench_import.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from typing import Any

LIMIT_S = 0.5


def import_seconds(module: str) -> float:
    """Cumulative import time of ``module`` in a fresh interpreter, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    # The module's own line is the last one printed, with the cumulative time in microseconds.
    last = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")]
    return int(last[-1].split("|")[1]) / 1e6


def run(quick: bool) -> dict[str, Any]:
    """Medians over fresh interpreters (3 with ``quick``, else 9): the machine may be loaded."""
    runs = 3 if quick else 9
    ours = [import_seconds("origin_frames") for _ in range(runs)]
    sdk = [import_seconds("origin_sdk") for _ in range(runs)]
    return {
        "runs": runs,
        "origin_frames_s": statistics.median(ours),
        "origin_frames_all_s": ours,
        "origin_sdk_s": statistics.median(sdk),
        "limit_s": LIMIT_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    result = run(parser.parse_args().quick)
    print(result)


if __name__ == "__main__":
    main()
