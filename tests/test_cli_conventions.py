"""The command line as a user runs it: real processes against a real ``serve`` process.

One ``origin-frames serve`` process (restricted to one key) is shared by the module; each
test runs the console entry point as a child process, the way a shell or a CI script does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from origin_frames import __version__
from origin_frames._cli import main

KEY = "conventions-key-0123456789"
TIMEOUT_S = 60
CHANGES = (
    "domain,region,technology,variable,kind,year,transform_type,transform_value\n"
    "technology,gbr,CCGT,capex,endogenous,2030,Percentage,10\n"
)
EMULATOR_ONLY = ("--latency-ms", "--fail-rate", "--not-ready-s", "--download-delay-s",
                 "--launch-step-s", "--readonly-token", "--seed", "--scale")  # fmt: skip


def cli(*argv: str) -> list[str]:
    """The command line of the console entry point."""
    return [sys.executable, "-m", "origin_frames._cli", *argv]


def start_serve(*argv: str) -> tuple[subprocess.Popen[str], str, str]:
    """Starts ``origin-frames serve --port 0`` and reads both base URLs it prints."""
    proc = subprocess.Popen(
        cli("serve", "--port", "0", *argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    stdout = proc.stdout
    urls: list[str] = []

    def read_urls() -> None:
        for _ in range(2):
            line = stdout.readline()
            if line:
                urls.append(line.split()[-1])

    # A thread bounds the wait: readline alone could block forever on a stuck server.
    reader = threading.Thread(target=read_urls, daemon=True)
    reader.start()
    reader.join(TIMEOUT_S)
    if len(urls) < 2:
        proc.kill()
        raise AssertionError(f"serve did not start: {proc.stderr.read() if proc.stderr else ''}")
    return proc, urls[0], urls[1]


def stop(proc: subprocess.Popen[str]) -> None:
    """Stops a serve process and reaps it."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A serve process accepting only KEY, and the environment that reaches it."""
    proc, scenario_url, inputs_url = start_serve("--token", KEY)
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_")}
    env.update(
        HOME=str(home),
        AURORA_ORIGIN_SCENARIO_API_BASE_URL=scenario_url,
        AURORA_ORIGIN_INPUTS_API_BASE_URL=inputs_url,
    )
    try:
        yield env
    finally:
        stop(proc)


def run(env: dict[str, str], *argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Runs one command as a child process with ``env`` (plus ``extra`` variables)."""
    return subprocess.run(
        cli(*argv), capture_output=True, text=True, timeout=TIMEOUT_S, env={**env, **extra},
        check=False,
    )  # fmt: skip


def one_line(text: str) -> bool:
    """True when ``text`` holds exactly one non-empty line."""
    return len(text.strip().splitlines()) == 1


# -- 1: --token is the API key; emulator flags belong to serve -------------------------------
def test_token_option_is_the_api_key_of_client_commands(served):
    done = run(served, "scenarios", "--region", "gbr", "--token", KEY)
    assert done.returncode == 0, done.stderr
    assert "Central Oct 2026" in done.stdout

    wrong = run(served, "scenarios", "--region", "gbr", "--token", "not-the-key")
    assert wrong.returncode == 1
    assert one_line(wrong.stderr) and "HTTP 401" in wrong.stderr
    assert "Check --token, AURORA_API_KEY" in wrong.stderr
    assert "not-the-key" not in wrong.stderr + wrong.stdout


def test_client_help_shows_no_emulator_only_flags_and_serve_has_them():
    done = subprocess.run(
        cli("plan", "--help"), capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert done.returncode == 0
    assert "--token KEY" in done.stdout and "--emulator" in done.stdout
    assert not [flag for flag in EMULATOR_ONLY if flag in done.stdout]
    assert len(done.stdout.splitlines()) < 40  # one screen
    serve = subprocess.run(
        cli("serve", "--help"), capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert all(flag in serve.stdout for flag in EMULATOR_ONLY)


@pytest.mark.parametrize("command", ["", "serve", "scenarios", "projects", "export", "plan",
                                     "apply"])  # fmt: skip
def test_every_help_fits_on_one_screen(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main([c for c in (command, "--help") if c])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) <= 30 and max(map(len, lines)) <= 80, "\n".join(lines)


def test_token_with_a_fresh_emulator_is_refused_saying_why(served):
    done = run(served, "projects", "--emulator", "--token", KEY)
    assert done.returncode == 1
    assert one_line(done.stderr) and "drop --token" in done.stderr


# -- 2 and 3: plan && apply, like terraform; re-applying says what happened --------------------
def test_plan_and_apply_chain_in_a_shell_and_reapplying_says_it_was_applied(
    served, tmp_path: Path
):
    changes = tmp_path / "changes.csv"
    changes.write_text(CHANGES)
    plan_file = tmp_path / "plan.json"
    command = " ".join(cli("plan", "latest:gbr:central", str(changes), "--new-scenario", "Mine",
                           "--out", str(plan_file)))  # fmt: skip
    command += " && " + " ".join(cli("apply", str(plan_file)))
    done = subprocess.run(
        ["sh", "-ec", command], capture_output=True, text=True, timeout=2 * TIMEOUT_S,
        env={**served, "AURORA_API_KEY": KEY}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "saved plan to" in done.stdout and "[applied: 1]" in done.stdout

    again = run(served, "apply", str(plan_file), AURORA_API_KEY=KEY)
    assert again.returncode == 1
    assert one_line(again.stderr) and "This plan was already applied" in again.stderr
    assert "nothing was sent" in again.stderr
    assert ".report" not in again.stderr and "the server" not in again.stderr

    sid = re.search(r"created scenario (\S+)", done.stdout)
    assert sid
    detailed = run(served, "plan", sid.group(1), str(changes), "--detailed-exitcode",
                   AURORA_API_KEY=KEY)  # fmt: skip
    assert detailed.returncode == 0 and "no changes" in detailed.stdout


def test_detailed_exitcode_gives_2_for_changes(served, tmp_path: Path):
    changes = tmp_path / "changes.csv"
    changes.write_text(CHANGES)
    done = run(served, "plan", "latest:gbr:central", str(changes), "--detailed-exitcode",
               "--new-scenario", "Copy", AURORA_API_KEY=KEY)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "1 cells in 1 calls" in done.stdout


# -- 4: serve on a busy port ---------------------------------------------------------------
def test_serve_on_a_busy_port_says_how_to_pick_another(served):
    port = served["AURORA_ORIGIN_SCENARIO_API_BASE_URL"].rsplit(":", 1)[1].split("/")[0]
    done = run(served, "serve", "--port", port)
    assert done.returncode == 1
    assert one_line(done.stderr) and "Errno" not in done.stderr
    assert f"Port {port}" in done.stderr and "--port 0" in done.stderr


# -- 6: a row without kind; a published scenario --------------------------------------------
def test_change_without_kind_names_the_kinds_that_exist(served, tmp_path: Path):
    changes = tmp_path / "nokind.csv"
    changes.write_text(
        "domain,region,technology,variable,year,value\ntechnology,gbr,CCGT,capex,2030,1\n"
    )
    done = run(served, "plan", "latest:gbr:central", str(changes), "--new-scenario", "K",
               AURORA_API_KEY=KEY)  # fmt: skip
    assert done.returncode == 1
    assert "kind is blank; this variable has kind endogenous" in done.stderr
    assert "set kind to one of them" in done.stderr


def test_apply_to_a_published_scenario_is_refused_naming_new_scenario(served, tmp_path: Path):
    changes = tmp_path / "changes.csv"
    changes.write_text(CHANGES)
    done = run(served, "apply", "latest:gbr:central", str(changes), AURORA_API_KEY=KEY)
    assert done.returncode == 1
    assert one_line(done.stderr)
    assert "published Aurora scenario" in done.stderr and "nothing was planned or sent" in (
        done.stderr
    )
    assert done.stderr.rstrip().endswith("Add --new-scenario NAME to work on a copy of it "
                                         "(made in --project).")  # fmt: skip
    assert "client.create_scenario" not in done.stderr
    assert "ApplyResult" not in done.stdout


# -- 7: latest:<region> with a tie ---------------------------------------------------------
def test_latest_selector_with_a_tie_lists_the_candidates(served):
    done = run(served, "export", "latest:gbr", "--out", "unused", AURORA_API_KEY=KEY)
    assert done.returncode == 1
    assert one_line(done.stderr)
    assert "matches 4 scenarios published the same day" in done.stderr
    for name in ("Central Oct 2026", "High Oct 2026", "Low Oct 2026", "Net Zero Oct 2026"):
        assert name in done.stderr
    assert "latest:gbr:central" in done.stderr


# -- 10: output --------------------------------------------------------------------------
def test_files_hold_no_python_reprs_and_tables_one_missing_mark(served, tmp_path: Path):
    target = tmp_path / "scenarios.csv"
    done = run(served, "scenarios", "--region", "gbr", "--format", "csv", "--out", str(target),
               AURORA_API_KEY=KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = target.read_text()
    assert "{'" not in text and "['" not in text and "Timestamp(" not in text
    frame = pd.read_csv(target, index_col="scenario_id")
    assert frame["regions"].eq("gbr").all()
    assert json.loads(frame["years"].iloc[0])[0] == 2025

    changes = tmp_path / "changes.csv"
    changes.write_text(CHANGES)
    plan = run(served, "plan", "latest:gbr:central", str(changes), "--new-scenario", "Out",
               AURORA_API_KEY=KEY)  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    table = plan.stdout.split("\n", 1)[1]
    assert not re.search(r"\bNaN\b|\bNone\b|<NA>|\bNaT\b", table), table
    assert re.search(r"endogenous\s+-\s+\d", table)


def test_an_empty_list_says_so():
    done = subprocess.run(cli("projects", "--emulator"), capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "no projects\n")


# -- 9: messages ---------------------------------------------------------------------------
def test_blank_api_key_variable_is_no_key_and_the_cli_says_token_option(served):
    done = run(served, "projects", AURORA_API_KEY="   ")
    assert done.returncode == 1
    assert one_line(done.stderr)
    assert "AURORA_API_KEY is set but blank" in done.stderr
    assert "--token KEY" in done.stderr and "token=" not in done.stderr
    assert ".." not in done.stderr.replace("...", "")


def test_bad_base_url_is_named_not_the_key(served):
    base = served["AURORA_ORIGIN_SCENARIO_API_BASE_URL"].rsplit("/", 1)[0]
    done = run(served, "projects", AURORA_API_KEY=KEY,
               AURORA_ORIGIN_SCENARIO_API_BASE_URL=f"{base}/scenarioExplorer")  # fmt: skip
    assert done.returncode == 1
    assert one_line(done.stderr)
    assert "base URL looks wrong" in done.stderr and "AURORA_ORIGIN_SCENARIO_API_BASE_URL" in (
        done.stderr
    )
    assert "token" not in done.stderr.lower().replace("authentication token", "")


# -- 11: --version, -v ---------------------------------------------------------------------
def test_version_prints_the_package_version():
    done = subprocess.run(
        cli("--version"), capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"origin-frames {__version__}")


@pytest.mark.slow  # a serve process failing half its requests: ~10 s of retries, idle
def test_verbose_reports_retries_of_a_failing_server_and_quiet_hides_them():
    proc, scenario_url, inputs_url = start_serve("--fail-rate", "0.5", "--seed", "3")
    env = {**os.environ, "AURORA_API_KEY": KEY, "AURORA_ORIGIN_SCENARIO_API_BASE_URL":
           scenario_url, "AURORA_ORIGIN_INPUTS_API_BASE_URL": inputs_url}  # fmt: skip
    try:
        loud = run(env, "scenarios", "--region", "gbr", "-v")
        quiet = run(env, "-q", "scenarios", "--region", "gbr")
    finally:
        stop(proc)
    assert loud.returncode == 0, loud.stderr
    assert re.search(r"origin-frames: retrying POST \S+ after", loud.stderr), loud.stderr
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
