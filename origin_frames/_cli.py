"""The ``origin-frames`` command line.

Commands: ``serve`` (the emulator), ``scenarios``, ``projects``, ``export``,
``plan`` and ``apply``. Every command but ``serve`` talks to the configured
Origin API (``--token`` or token and base URLs resolved like the official client)
or, with ``--emulator``, to a fresh embedded emulator. Emulator options (failure
modes, accepted tokens) belong to ``serve`` only.

A scenario argument is a scenario id, or ``latest:<region>[:<name filter>]``
(for instance ``latest:gbr:central``): the most recently published Aurora
scenario of that region whose name contains every ``:``-separated word.
``export`` also takes several scenarios, ``all:<region>[:<words>]`` or
``project:<id>``: a fleet, written by Dask (``--scheduler`` for a cluster).

Exit codes: 0 success, 1 error (usage errors too), 130 interrupted. ``plan
--detailed-exitcode`` exits 0 when there is nothing to change and 2 when there are
changes, like ``terraform plan -detailed-exitcode``.

Changes are CSV or Parquet files, or a dataset directory written by ``export``.
``export`` replaces its ``--out`` directory only when it is new, empty or a previous
export.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from ._contract import DOMAINS

if TYPE_CHECKING:
    import pandas as pd

    from ._apply import ApplyResult
    from ._client import OriginFrames
    from ._plan import Plan
    from .emulator import EmulatorOptions

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_INTERRUPTED = 0, 1, 2, 130
T = TypeVar("T")
TOKEN_ENV = "AURORA_API_KEY"


class CommandError(Exception):
    """A user-facing failure of a command: printed as one line, exit code 1."""


class _Formatter(argparse.HelpFormatter):
    """Option and help on one line where they fit, so each --help fits on one screen."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 1: 2 means "changes" under -detailed-exitcode."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


# -- shared options -------------------------------------------------------------------------
def _add_emulator_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that starts an emulator."""
    group = parser.add_argument_group("emulator")
    group.add_argument("--seed", type=int, default=0, metavar="N", help="seed of data and failures")
    group.add_argument("--scale", type=int, default=0, metavar="N",
                       help="publish a pan-European scenario (eur)")
    group.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                       help="added to every request")
    group.add_argument("--fail-rate", type=float, default=0.0, metavar="P",
                       help="share of failed requests")
    group.add_argument("--fail-after-rate", type=float, default=0.0, metavar="P",
                       help="share executed, answer lost")
    group.add_argument("--not-ready-s", type=float, default=0.0, metavar="S",
                       help="sessions load this long (DataNotReady)")
    group.add_argument("--download-delay-s", type=float, default=0.0, metavar="S",
                       help="downloads answer 425 this long")
    group.add_argument("--launch-step-s", type=float, default=1.0, metavar="S",
                       help="seconds per run status")
    group.add_argument("--token", action="append", default=[], metavar="KEY",
                       help="accept only these keys (repeat)")
    group.add_argument("--readonly-token", action="append", default=[], metavar="KEY",
                       help="a key refused mutations (repeat)")  # fmt: skip
    group.add_argument("--cache-mb", type=float, default=512.0, metavar="MB",
                       help="memory for generated data (LRU beyond)")  # fmt: skip


def _emulator_options(args: argparse.Namespace) -> EmulatorOptions:
    """EmulatorOptions from parsed arguments."""
    from .emulator import EmulatorOptions

    return EmulatorOptions(
        seed=args.seed,
        scale=args.scale,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        fail_after_rate=args.fail_after_rate,
        not_ready_s=args.not_ready_s,
        download_delay_s=args.download_delay_s,
        launch_step_s=args.launch_step_s,
        tokens=frozenset(args.token),
        readonly_tokens=frozenset(args.readonly_token),
        cache_mb=args.cache_mb,
    )


def _verbosity_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``-v``/``-q``, accepted before and after the command name."""
    parser.add_argument(
        "-v", "--verbose", action="count", default=default,
        help="retries and waits on stderr (-vv: requests)",
    )  # fmt: skip
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="only errors on stderr"
    )


def _client_parent() -> _Parser:
    """Options of every command that talks to Origin (real or emulated)."""
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--emulator",
        action="store_true",
        help="use a fresh embedded emulator, not the API",
    )
    parent.add_argument(
        "--token",
        metavar="KEY",
        help=f"API key (else ${TOKEN_ENV}, then a key file)",
    )
    parent.add_argument(
        "--endpoint", metavar="URL",
        help="a running serve's root URL (else $ORIGIN_FRAMES_ENDPOINT)",
    )  # fmt: skip
    parent.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars (default: on a terminal)",
    )
    _verbosity_options(parent, argparse.SUPPRESS)
    return parent


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[OriginFrames]:
    """The client a command works with: the configured API, or a fresh emulator."""
    from ._client import OriginFrames
    from ._exceptions import ConfigurationError

    if args.emulator and args.endpoint:
        raise CommandError(
            "--emulator starts a fresh emulator; --endpoint names a running one: drop one."
        )
    progress = False if args.quiet else args.progress
    if args.emulator:
        if args.token is not None:
            raise CommandError(
                "--emulator starts a fresh emulator that accepts any key: drop --token, or "
                "drop --emulator to use the key against the configured API."
            )
        client = OriginFrames.emulated(client_options={"progress": progress})
    else:
        try:
            client = OriginFrames(args.token, progress=progress, endpoint=args.endpoint)
        except ConfigurationError as exc:
            raise CommandError(_cli_words(str(exc))) from exc
    try:
        yield client
    finally:
        client.close()


def _cli_words(message: str) -> str:
    """A configuration message in command-line words: options, not Python arguments."""
    message = message.replace("Pass token=..., set", "Pass --token KEY, set")
    message = message.replace("the token argument", "--token")
    return f"{message} Or add --emulator to work against an embedded emulator."


def resolve_scenario(client: OriginFrames, selector: str) -> str:
    """A scenario id from an id or a ``latest:<region>[:<words>]`` selector."""
    from ._selectors import resolve_scenario as resolve

    return resolve(client, selector)


def _write_table(frame: pd.DataFrame, fmt: str, out: str | None, what: str) -> None:
    """Prints a frame, or writes it as csv/json/parquet to ``out``."""
    if fmt == "table":
        if frame.empty:
            print(f"no {what}")
            return
        import pandas as pd

        with pd.option_context("display.width", 160, "display.max_columns", 12):
            print(_display(frame).to_string(max_rows=60, max_colwidth=40))
        return
    if out is None:
        raise CommandError(f"--format {fmt} writes a file: give its path with --out.")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _as_text(frame).to_csv(path)
    elif fmt == "json":
        frame.reset_index().to_json(path, orient="records", date_format="iso", indent=2)
    else:
        from ._parquet import to_parquet

        to_parquet(frame, path)
    print(f"wrote {len(frame)} rows to {path}")


MISSING = "-"
"""How the command line shows a missing value, whatever the column's dtype."""


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame for printing: one missing-value mark (not NaN/None/<NA> by dtype)."""
    import pandas as pd

    shown = _as_text(frame).astype(object)
    shown = shown.where(shown.notna(), MISSING)
    if isinstance(shown.index, pd.MultiIndex):
        shown.index = pd.MultiIndex.from_arrays(
            [level.astype(object).where(level.notna(), MISSING)
             for level in (shown.index.get_level_values(i)
                           for i in range(shown.index.nlevels))],
            names=shown.index.names,
        )  # fmt: skip
    return shown


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts as JSON text, so files hold no Python reprs."""
    import json

    nested = [c for c in frame.columns if frame[c].dtype == object
              and any(isinstance(v, list | dict | tuple) for v in frame[c])]  # fmt: skip
    if not nested:
        return frame
    out = frame.copy()
    for column in nested:
        out[column] = [json.dumps(v, default=str) if isinstance(v, list | dict | tuple)
                       else v for v in out[column]]  # fmt: skip
    return out


def _read_changes(paths: Sequence[str]) -> list[pd.DataFrame]:
    """Change frames from CSV or Parquet files, with a clear error for each bad file."""
    import pandas as pd

    from ._exceptions import OriginError, sentence

    frames = []
    for name in paths:
        path = Path(name)
        if not (path.is_file() or path.is_dir()):
            raise CommandError(f"No changes file at {path}. Check the path.")
        try:
            # A directory is a dataset of `export`, edited in place.
            if path.is_dir() or path.suffix.lower() in {".parquet", ".pq"}:
                from ._parquet import read_parquet

                frame = read_parquet(path)
            elif path.suffix.lower() == ".csv":
                frame = pd.read_csv(
                    path,
                    dtype={"year": "Int64", "month": "Int64"},
                    keep_default_na=True,
                )
            else:
                raise CommandError(
                    f"{path}: give changes as .csv, .parquet or an exported dataset directory."
                )
        except (ValueError, OSError, pd.errors.ParserError, OriginError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CommandError(
                f"Could not read {path}: {sentence(first)} Fix the file and retry."
            ) from exc
        if frame.empty:
            raise CommandError(f"{path} holds no rows: nothing to plan. Put change rows in it.")
        frames.append(frame)
    return frames


def _refuse_bad_export_target(path: Path) -> None:
    """Checks --out before any reading, so a bad target fails fast."""
    from ._exceptions import ConfigurationError
    from ._parquet import check_dataset_target

    try:
        check_dataset_target(path)
    except ConfigurationError as exc:
        raise CommandError(f"{exc} Use --out to choose another.") from exc


def _plan_changes(
    client: OriginFrames, scenario_id: str, frames: list[pd.DataFrame], paths: Sequence[str]
) -> Plan:
    """Plans the change files, naming each bad row's file and line on a ValidationError."""
    return _naming_rows(lambda: client.plan(scenario_id, frames), frames, paths)


def _naming_rows(run: Callable[[], T], frames: list[pd.DataFrame], paths: Sequence[str]) -> T:
    """``run()``; a ValidationError becomes a CommandError naming each bad row's file and
    line."""
    import numpy as np

    from ._exceptions import ValidationError

    try:
        return run()
    except ValidationError as exc:
        report = exc.report
        rows = report.index.to_numpy() if len(report) else []
        places = []
        starts = np.cumsum([0] + [len(f) for f in frames])
        for row in rows:
            if not isinstance(row, int | np.integer):
                continue
            number = int(np.searchsorted(starts, row, side="right")) - 1
            if 0 <= number < len(paths):
                local = int(row) - int(starts[number])
                line = f", line {local + 2}" if Path(paths[number]).suffix.lower() == ".csv" else ""
                places.append(f"  row {int(row)} = {paths[number]} data row {local}{line}")
        where = "\n" + "\n".join(places) if places else ""
        fix = "Fix these rows of the change file(s) and retry."
        raise CommandError(f"{exc}{where}\n{fix}") from exc


def _print_plan(plan: Plan) -> None:
    """Prints a plan: headline, counts per variable, and the first changed cells."""
    import pandas as pd

    print(repr(plan))
    if not plan:
        return
    columns = ["domain", "variable", "kind", "month", "before", "after", "transform_type",
               "transform_value", "warning"]  # fmt: skip
    cells = plan.to_frame()
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        print(plan.summary().to_string())
        print(_display(cells[[c for c in columns if c in cells.columns]].head(20)).to_string())
    if len(cells) > 20:
        print(f"... and {len(cells) - 20} more cells (save them all with --out plan.json)")


# -- commands ---------------------------------------------------------------------------------
def _cmd_serve(args: argparse.Namespace) -> int:
    from .emulator import Emulator

    options = dataclasses.replace(_emulator_options(args), state_path=args.state)
    emulator = Emulator(host=args.host, port=args.port, options=options)
    try:
        emulator.start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise CommandError(
            f"Port {args.port} on {args.host} is already in use (another serve?): choose "
            "another with --port N, or --port 0 for any free port."
        ) from exc
    print(f"scenario service: {emulator.scenario_base_url}", flush=True)
    print(f"inputs service:   {emulator.inputs_base_url}", flush=True)
    print(f"endpoint:         {emulator.url}  (--endpoint / ORIGIN_FRAMES_ENDPOINT)", flush=True)
    if args.state:
        print(f"state kept in:    {args.state}", flush=True)
    emulator.serve_forever()
    return EXIT_OK


_SCENARIO_COLUMNS = ["name", "region_group_code", "publication_date", "scenario_run_status"]


def _cmd_scenarios(args: argparse.Namespace) -> int:
    with _client(args) as client:
        frame = client.get_aurora_scenarios(args.region)
        if args.format == "table":
            frame = frame[[c for c in _SCENARIO_COLUMNS if c in frame.columns]]
            frame = frame.sort_values("publication_date", ascending=False, kind="stable")
        _write_table(frame, args.format, args.out, "scenarios match")
    return EXIT_OK


def _cmd_projects(args: argparse.Namespace) -> int:
    with _client(args) as client:
        _write_table(client.get_projects(), args.format, args.out, "projects")
    return EXIT_OK


def _is_fleet(args: argparse.Namespace) -> bool:
    """Whether ``export`` writes a fleet (several scenarios, a selector of many, Dask)."""
    many = len(args.scenario) > 1 or args.scenario[0].startswith(("all:", "project:"))
    return many or args.scheduler is not None or args.max_requests is not None


def _export_fleet(client: OriginFrames, args: argparse.Namespace) -> int:
    """``export`` of many scenarios: one dataset with a scenario_id level, written by Dask."""
    from ._fleet import FleetSettings, export_fleet

    fleet = FleetSettings.from_client(client, max_requests=args.max_requests)
    with contextlib.ExitStack() as stack:
        if args.scheduler is not None:
            try:
                from distributed import Client
            except ImportError as exc:
                raise CommandError('--scheduler needs pip install "origin-frames[dask]".') from exc
            stack.enter_context(Client(args.scheduler, timeout=30))
        summary = export_fleet(fleet, args.scenario, args.out, regions=args.regions,
                               domains=args.domains)  # fmt: skip
    per_scenario = summary.groupby(["scenario_id", "domain"]).agg(
        regions=("region", "nunique"), cells=("rows", "sum")
    )
    scenarios = summary["scenario_id"].nunique()
    print(f"wrote {int(summary['rows'].sum())} cells of {scenarios} scenarios in "
          f"{len(summary)} partitions to {args.out}")  # fmt: skip
    print(per_scenario.to_string())
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from ._parquet import write_dataset

    _refuse_bad_export_target(Path(args.out))
    with _client(args) as client:
        if _is_fleet(args):
            return _export_fleet(client, args)
        scenario_id = resolve_scenario(client, args.scenario[0])
        detail = client.get_scenario_by_id(scenario_id)
        name = str(detail["name"].iloc[0]) if "name" in detail.columns and len(detail) else ""
        frame = client.inputs(scenario_id, domains=args.domains, regions=args.regions)
        summary = write_dataset(
            frame,
            args.out,
            metadata={"scenario_id": scenario_id, "scenario_name": name},
        )
    per_domain = summary.groupby("domain", observed=True).agg(
        regions=("region", "nunique"), cells=("rows", "sum")
    )
    print(f"scenario {scenario_id} ({name})")
    print(f"wrote {int(summary['rows'].sum())} cells in {len(summary)} partitions to {args.out}")
    print(per_domain.to_string())
    return EXIT_OK


def _target_scenario(client: OriginFrames, args: argparse.Namespace,
                     frames: list[pd.DataFrame], paths: Sequence[str]) -> str:  # fmt: skip
    """The scenario to plan ``frames`` against: the given one, or a new one made from it
    (only once the frames passed the checks that need no server: bad files create
    nothing)."""
    scenario_id = resolve_scenario(client, args.scenario)
    if not args.new_scenario:
        return scenario_id
    from ._plan import check_changes

    _naming_rows(lambda: check_changes(frames), frames, paths)
    projects = client.get_projects()
    match = projects[projects["name"].astype(str) == args.project]
    if len(match):
        project_id = str(match.index[0])
    else:
        project_id = str(client.create_project({"name": args.project}).index[0])
    created = client.create_scenario(
        {
            "projectGlobalId": project_id,
            "name": args.new_scenario,
            "baseScenarioGlobalId": scenario_id,
        }
    )
    new_id = str(created.index[0])
    print(f"created scenario {new_id} ({args.new_scenario}) in project {args.project}")
    return new_id


def _cmd_plan(args: argparse.Namespace) -> int:
    changes = _read_changes(args.changes)
    with _client(args) as client:
        scenario_id = _target_scenario(client, args, changes, args.changes)
        plan = _plan_changes(client, scenario_id, changes, args.changes)
        _print_plan(plan)
        if args.out:
            path = plan.to_json(args.out)
            print(f"saved plan to {path}")
    return EXIT_CHANGES if args.detailed_exitcode and len(plan) else EXIT_OK


def _cmd_apply(args: argparse.Namespace) -> int:
    from ._exceptions import ApplyError, StalePlanError
    from ._plan import Plan

    # Arguments and files are checked before any connection is made.
    saved = len(args.inputs) == 1 and args.inputs[0].endswith(".json")
    if saved:
        if args.new_scenario:
            raise CommandError(
                "--new-scenario works with SCENARIO CHANGES...; a saved plan already names "
                "its scenario. Drop --new-scenario, or plan again with it."
            )
        if args.emulator:
            raise CommandError(
                "A saved plan belongs to the server it was planned on, and --emulator starts "
                "a fresh one that does not hold its scenario. Keep an emulator running with "
                "`origin-frames serve --state state.db`, plan and apply against it with "
                "--endpoint http://127.0.0.1:8765 (or ORIGIN_FRAMES_ENDPOINT), or apply "
                "SCENARIO CHANGES... --emulator in one go."
            )
        path = Path(args.inputs[0])
        if not path.is_file():
            raise CommandError(f"No plan file at {path}. Check the path.")
        plan = Plan.from_json(path)
    elif len(args.inputs) >= 2:
        args.scenario = args.inputs[0]
        changes = _read_changes(args.inputs[1:])
    else:
        raise CommandError("Give a saved PLAN.json, or SCENARIO followed by CHANGES files.")
    with _client(args) as client:
        if saved:
            plan.client = client
        else:
            paths = args.inputs[1:]
            scenario_id = _target_scenario(client, args, changes, paths)
            plan = _plan_changes(client, scenario_id, changes, paths)
        if not plan:
            print("nothing to apply: the server already holds these values")
            return EXIT_OK
        _print_plan(plan)
        try:
            result = client.apply(
                plan, on_error=args.on_error, force=args.force, audit=args.audit,
                batch_size=args.batch_size,
            )
        except StalePlanError as exc:
            if getattr(exc, "already_applied", False):
                raise CommandError(str(exc)) from exc
            stale = _print_stale(exc)
            raise CommandError(
                f"{stale} of the plan's {len(plan)} cells changed on the server since planning "
                "(listed above); nothing was sent: run `origin-frames plan` again, or add --force."
            ) from exc
        except ApplyError as exc:
            if exc.result is not None:
                _print_result(exc.result)
            raise CommandError(
                f"{str(exc).replace('See .result.calls', 'See the calls above')} "
                f"(--on-error {args.on_error})"
            ) from exc
        _print_result(result)
    return EXIT_OK if result.ok else EXIT_ERROR


def _print_stale(exc: Exception) -> int:
    """Prints the first cells of a stale plan's report (planned before/after, value now).

    Returns:
        How many cells are stale.
    """
    import pandas as pd

    report = getattr(exc, "report", None)
    if not isinstance(report, pd.DataFrame):
        return 0
    with pd.option_context("display.width", 160, "display.max_columns", 14):
        print(report.head(20).to_string())
    return len(report)


def _print_result(result: ApplyResult) -> None:
    """Prints an apply result and every call that did not end as applied."""
    import pandas as pd

    print(repr(result))
    calls = result.calls
    bad = calls[(calls["status"] != "applied").to_numpy(dtype=bool)]
    if len(bad):
        columns = ["mutation", "regions", "technology", "variable", "kind", "n_cells", "attempts",
                   "status", "error"]  # fmt: skip
        with pd.option_context("display.width", 160):
            # Errors in full: their end says what to do.
            shown = bad[[c for c in columns if c in bad.columns]].head(50)
            print(shown.to_string(max_colwidth=None))


# -- parser -----------------------------------------------------------------------------------
_Commands = argparse._SubParsersAction  # the type of ``add_subparsers()``, for the helpers
_FORMATS = ("table", "csv", "json", "parquet")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``origin-frames``."""
    parser = _Parser(
        prog="origin-frames",
        description="Tidy frames over Aurora's Origin API, and an Origin emulator.",
        epilog="Scenario selectors: an id, latest:<region>[:<name words>], or (export) "
        "all:<region>[:<name words>] and project:<id>.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _verbosity_options(parser, None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = _client_parent()
    _add_serve(commands)
    _add_listings(commands, parent)
    _add_export(commands, parent)
    _add_plan(commands, parent)
    _add_apply(commands, parent)
    return parser


def _add_serve(commands: _Commands[_Parser]) -> None:
    """``serve``: the emulator, with its options."""
    serve = commands.add_parser("serve", help="run the Origin emulator until stopped")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0: any free port")
    serve.add_argument("--state", metavar="PATH",
                       help="keep what users make in this SQLite file")  # fmt: skip
    _verbosity_options(serve, argparse.SUPPRESS)
    _add_emulator_options(serve)
    serve.set_defaults(func=_cmd_serve)


def _add_listings(commands: _Commands[_Parser],
                  parent: _Parser) -> None:  # fmt: skip
    """``scenarios`` and ``projects``: catalogue listings as a table or a file."""
    scenarios = commands.add_parser("scenarios", parents=[parent], help="published scenarios")
    scenarios.add_argument("--region", help="region group code, e.g. gbr")
    scenarios.add_argument("--format", choices=_FORMATS, default="table")
    scenarios.add_argument("--out", help="file to write with --format csv|json|parquet")
    scenarios.set_defaults(func=_cmd_scenarios)

    projects = commands.add_parser("projects", parents=[parent], help="your projects")
    projects.add_argument("--format", choices=_FORMATS, default="table")
    projects.add_argument("--out", help="file to write with --format csv|json|parquet")
    projects.set_defaults(func=_cmd_projects)


def _add_export(commands: _Commands[_Parser],
                parent: _Parser) -> None:  # fmt: skip
    """``export``: scenarios' inputs as one Parquet dataset."""
    export = commands.add_parser(
        "export", parents=[parent], help="a scenario's inputs as a Parquet dataset"
    )
    export.add_argument(
        "scenario", nargs="+",
        help="ids or selectors (latest:, all:<region>[:<words>], project:<id>); "
        "several make one dataset (Dask)",
    )  # fmt: skip
    export.add_argument("--out", required=True, help="dataset directory (replaced)")
    export.add_argument("--domains", nargs="+", choices=DOMAINS, metavar="DOMAIN",
                        help="only these domains: " + ", ".join(DOMAINS))  # fmt: skip
    export.add_argument("--regions", nargs="+", metavar="REGION", help="only these regions")
    export.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="Dask scheduler to run on (tcp://host:8786); default: threads in this process",
    )  # fmt: skip
    export.add_argument(
        "--max-requests", type=int, metavar="N", help="requests in flight across all workers"
    )
    export.set_defaults(func=_cmd_export)


def _add_plan(commands: _Commands[_Parser],
              parent: _Parser) -> None:  # fmt: skip
    """``plan``: what change files would change, optionally saved."""
    command = commands.add_parser("plan", parents=[parent], help="show what CHANGES would change")
    command.add_argument("scenario", help="scenario id or latest:<region>[:<words>]")
    command.add_argument(
        "changes", nargs="+", help="CSV or Parquet change files, or exported datasets"
    )
    command.add_argument("--out", help="save the plan as JSON")
    command.add_argument(
        "--detailed-exitcode", action="store_true",
        help="exit 0: no changes, 1: error, 2: changes (like terraform plan)",
    )  # fmt: skip
    command.set_defaults(func=_cmd_plan)
    _add_new_scenario(command)


def _add_apply(commands: _Commands[_Parser],
               parent: _Parser) -> None:  # fmt: skip
    """``apply``: a saved plan, or a scenario and change files."""
    command = commands.add_parser(
        "apply", parents=[parent], help="apply a saved plan, or SCENARIO CHANGES..."
    )
    command.add_argument("inputs", nargs="+", metavar="PLAN.json | SCENARIO CHANGES")
    command.add_argument(
        "--on-error", choices=("rollback", "stop", "continue"), default="rollback"
    )
    command.add_argument("--force", action="store_true", help="apply a stale plan")
    command.add_argument("--audit", help="append an audit record to this Parquet file")
    command.add_argument("--batch-size", type=int, help="calls per request")
    command.set_defaults(func=_cmd_apply)
    _add_new_scenario(command)


def _add_new_scenario(command: argparse.ArgumentParser) -> None:
    """``--new-scenario`` / ``--project`` of ``plan`` and ``apply``."""
    command.add_argument(
        "--new-scenario",
        metavar="NAME",
        help="create (in --project) a scenario from SCENARIO and work on it",
    )
    command.add_argument("--project", default="origin-frames", help="project of --new-scenario")


def _version() -> str:
    """The installed package version."""
    from . import __version__

    return __version__


@contextlib.contextmanager
def _stderr_logging(verbose: int, quiet: bool) -> Iterator[None]:
    """Reports the package's log records on stderr for this command only.

    The handler sits on the ``origin_frames`` logger and is removed afterwards, so an
    embedding program's logging configuration is left as it was.
    """
    level = logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(
        verbose, logging.DEBUG
    )
    logger = logging.getLogger("origin_frames")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("origin-frames: %(message)s"))
    handler.setLevel(level)
    saved = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    from ._exceptions import OriginError

    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose, args.quiet = args.verbose or 0, bool(args.quiet)
    try:
        with _stderr_logging(args.verbose, args.quiet):
            return int(args.func(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except (CommandError, OriginError, ValueError, OSError) as exc:
        print(f"origin-frames: error: {_cli_message(str(exc))}", file=sys.stderr)
        return EXIT_ERROR


def _cli_message(message: str) -> str:
    """An error message as the command line says it (options rather than arguments)."""
    message = message.replace("Check the token argument,", "Check --token,")
    python_advice = message.find(" Copy it into a project and plan against the copy:")
    if "published Aurora scenario" in message and python_advice >= 0:
        message = message[:python_advice] + (
            " Add --new-scenario NAME to work on a copy of it (made in --project)."
        )
    return message


if __name__ == "__main__":
    raise SystemExit(main())
