"""The ``origin-frames`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _add_emulator_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that starts an emulator."""
    parser.add_argument("--seed", type=int, default=0, help="seed of data and failures")
    parser.add_argument("--scale", type=int, default=0, help="publish the pan-European scenario")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of failed requests")
    parser.add_argument("--not-ready-s", type=float, default=0.0, help="DataNotReady window")
    parser.add_argument("--download-delay-s", type=float, default=0.0, help="425 window")
    parser.add_argument("--launch-step-s", type=float, default=1.0, help="seconds per run status")
    parser.add_argument("--token", action="append", default=[], help="accepted token (repeat)")
    parser.add_argument(
        "--readonly-token", action="append", default=[], help="token refused mutations (repeat)"
    )


def _emulator_options(args: argparse.Namespace):  # -> EmulatorOptions
    """Builds EmulatorOptions from parsed arguments."""
    from .emulator import EmulatorOptions

    return EmulatorOptions(
        seed=args.seed,
        scale=args.scale,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        not_ready_s=args.not_ready_s,
        download_delay_s=args.download_delay_s,
        launch_step_s=args.launch_step_s,
        tokens=frozenset(args.token),
        readonly_tokens=frozenset(args.readonly_token),
    )


def _cmd_serve(args: argparse.Namespace) -> int:
    from .emulator import Emulator

    emulator = Emulator(host=args.host, port=args.port, options=_emulator_options(args))
    emulator.start()
    print(f"scenario service: {emulator.scenario_base_url}", flush=True)
    print(f"inputs service:   {emulator.inputs_base_url}", flush=True)
    emulator.serve_forever()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``origin-frames``."""
    parser = argparse.ArgumentParser(prog="origin-frames", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the Origin emulator until stopped")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    _add_emulator_options(serve)
    serve.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (ValueError, OSError) as exc:
        print(f"origin-frames: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
