"""Import time of ``origin_frames``, measured in fresh interpreters (``python -X importtime``).

The official client (``origin_sdk``) is the side-by-side figure; it does not load pandas, so
it is a floor rather than a like-for-like baseline.

Bytecode: ``pip install`` compiles every module of a package it installs, so a user's
``import origin_frames`` reads ``.pyc`` files. A source checkout under
``PYTHONDONTWRITEBYTECODE=1`` (as on this machine) compiles every module of
``origin_frames`` again in each interpreter, 45-90 ms more. The target figure is therefore
taken as installed: on a copy of the package in a temporary directory, compiled there
(``compileall``) and put first on ``PYTHONPATH`` (nothing is written into the tree); the
figure of the checkout without bytecode is reported beside it.

Usage::

    python benchmarks/bench_import.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

LIMIT_S = 0.5


PACKAGE = Path(__file__).resolve().parents[1] / "origin_frames"


def import_seconds(module: str, path: str | None = None) -> float:
    """Cumulative import time of ``module`` in a fresh interpreter, from ``-X importtime``;
    with ``path``, that directory comes first on ``PYTHONPATH``."""
    env = {**os.environ, "PYTHONPATH": path} if path else None
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True, text=True, check=True, timeout=120, env=env,
    )  # fmt: skip
    # The module's own line is the last one printed, with the cumulative time in microseconds.
    last = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")]
    return int(last[-1].split("|")[1]) / 1e6


def run(quick: bool) -> dict[str, Any]:
    """Medians over fresh interpreters (3 with ``quick``, else 9): the machine may be loaded."""
    runs = 3 if quick else 9
    with tempfile.TemporaryDirectory() as installed:
        copy = shutil.copytree(PACKAGE, Path(installed) / PACKAGE.name,
                               ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], check=True,
                       timeout=120)  # fmt: skip
        ours = [import_seconds("origin_frames", installed) for _ in range(runs)]
    source = [import_seconds("origin_frames") for _ in range(runs)]
    sdk = [import_seconds("origin_sdk") for _ in range(runs)]
    return {
        "runs": runs,
        "origin_frames_s": statistics.median(ours),
        "origin_frames_all_s": ours,
        "origin_frames_no_bytecode_s": statistics.median(source),
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
