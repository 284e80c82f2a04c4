"""The ``origin-frames`` command line, run in-process through ``main`` and as a real process."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from origin_frames import OriginFrames, schemas
from origin_frames._cli import main, resolve_scenario
from origin_frames._diff import flatten
from origin_frames._parquet import read_parquet, to_parquet
from origin_frames._plan import Plan, build_plan
from origin_frames.emulator import Emulator

CHANGE_COLUMNS = "domain,region,technology,variable,kind,year,transform_type,transform_value"
CHANGES = (
    f"{CHANGE_COLUMNS}\n"
    "technology,gbr,CCGT,capex,endogenous,2030,Percentage,10\n"
    "technology,gbr,CCGT,capex,endogenous,2031,Absolute,500\n"
)
SUBPROCESS_TIMEOUT_S = 60


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Runs the CLI in-process: exit code, stdout, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs ``python -m origin_frames._cli`` as a child process."""
    return subprocess.run(
        [sys.executable, "-m", "origin_frames._cli", *argv],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        env=env,
        check=False,
    )


def write(path: Path, text: str | bytes) -> str:
    """Writes a file and returns its path as a string."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def created_id(out: str) -> str:
    """The scenario id from the ``created scenario <id>`` line of the output."""
    match = re.search(r"created scenario (\S+)", out)
    assert match, out
    return match.group(1)


def one_line(err: str) -> bool:
    """True when stderr holds exactly one non-empty line."""
    return len(err.strip().splitlines()) == 1


def latest_central_gbr(sdk) -> tuple[str, str]:
    """(id, name) of the newest published gbr scenario named Central, per the official SDK."""
    rows = [s for s in sdk.get_aurora_scenarios("gbr") if "central" in s["name"].lower()]
    newest = max(rows, key=lambda s: s["publicationDate"])
    return newest["scenarioGlobalId"], newest["name"]


# -- help and usage --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="top"),
        *(pytest.param([c], id=c) for c in ("serve", "scenarios", "projects", "export", "plan")),
        pytest.param(["apply"], id="apply"),
    ],
)
def test_help_of_every_command_exits_0(argv: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: origin-frames" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["plan", "--emulator"], id="plan-missing-arguments"),
        pytest.param(["nosuchcommand"], id="unknown-command"),
        pytest.param(["scenarios", "--format", "xml"], id="bad-format"),
        pytest.param(["apply", "x.json", "--on-error", "ignore"], id="bad-on-error"),
    ],
)
def test_usage_errors_exit_1_not_the_plan_changes_code(
    argv: list[str], capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 1
    assert "error:" in capsys.readouterr().err


# -- scenarios / projects --------------------------------------------------------------------
def test_scenarios_table_lists_the_region_newest_first(capsys, sdk):
    code, out, err = run(capsys, "scenarios", "--emulator", "--region", "gbr")
    assert (code, err) == (0, "")
    sid, name = latest_central_gbr(sdk)
    lines = out.splitlines()
    assert "name" in lines[0] and "publication_date" in lines[0]
    assert sid in out and name in out
    assert " deu " not in out and " aus " not in out
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", out)
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_scenarios_written_as_a_file_reads_back_with_every_scenario(
    fmt: str, tmp_path: Path, capsys, sdk
):
    target = tmp_path / "sub" / f"scenarios.{fmt}"
    code, out, _ = run(
        capsys, "scenarios", "--emulator", "--region", "gbr", "--format", fmt, "--out", str(target)
    )
    expected = {s["scenarioGlobalId"] for s in sdk.get_aurora_scenarios("gbr")}
    assert code == 0
    assert out.strip() == f"wrote {len(expected)} rows to {target}"
    if fmt == "csv":
        frame = pd.read_csv(target, index_col="scenario_id")
    elif fmt == "json":
        frame = pd.DataFrame(json.loads(target.read_text())).set_index("scenario_id")
    else:
        frame = read_parquet(target)
    assert set(frame.index) == expected
    assert {"name", "region_group_code", "publication_date"} <= set(frame.columns)
    assert set(frame["region_group_code"]) == {"gbr"}


@pytest.mark.parametrize("command", ["scenarios", "projects"])
@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_file_format_without_out_is_a_one_line_error(command: str, fmt: str, capsys):
    code, out, err = run(capsys, command, "--emulator", "--format", fmt)
    assert code == 1
    assert one_line(err)
    assert f"--format {fmt}" in err and "--out" in err


def test_projects_on_a_fresh_emulator_is_an_empty_table(capsys):
    code, out, err = run(capsys, "projects", "--emulator")
    assert (code, err) == (0, "")
    assert out == "no projects\n"


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_projects_written_as_a_file_has_the_columns_and_no_rows(fmt: str, tmp_path: Path, capsys):
    target = tmp_path / f"projects.{fmt}"
    code, out, _ = run(capsys, "projects", "--emulator", "--format", fmt, "--out", str(target))
    assert code == 0
    assert out.strip() == f"wrote 0 rows to {target}"
    if fmt == "csv":
        frame = pd.read_csv(target)
        assert {"project_id", "name"} <= set(frame.columns)
    elif fmt == "json":
        assert json.loads(target.read_text()) == []
        frame = pd.DataFrame()
    else:
        frame = read_parquet(target)
        assert "name" in frame.columns
    assert len(frame) == 0


# -- export ---------------------------------------------------------------------------------
def test_export_writes_a_dataset_every_engine_reads(tmp_path: Path, capsys, sdk):
    import duckdb
    import polars as pl
    import pyarrow.dataset as ds

    target = tmp_path / "gbr"
    code, out, err = run(
        capsys, "export", "latest:gbr:central", "--emulator", "--out", str(target),
        "--domains", "technology", "--regions", "gbr",
    )  # fmt: skip
    assert (code, err) == (0, "")
    frame = read_parquet(target)
    schemas.validate(frame, schemas.InputCells)
    assert len(frame) > 1000
    assert set(frame["domain"]) == {"technology"}
    assert set(frame.index.get_level_values("region")) == {"gbr"}
    sid, name = latest_central_gbr(sdk)
    assert f"scenario {sid} ({name})" in out
    assert f"wrote {len(frame)} cells in 1 partitions to {target}" in out
    assert re.search(rf"technology\s+1\s+{len(frame)}", out)

    hive = ds.partitioning(flavor="hive")
    assert ds.dataset(target, format="parquet", partitioning=hive).count_rows() == len(frame)
    glob = f"{target}/**/*.parquet"
    rows, regions = duckdb.sql(
        f"select count(*), count(distinct region) from read_parquet('{glob}', "
        "hive_partitioning = true)"
    ).fetchall()[0]
    assert (rows, regions) == (len(frame), 1)
    lazy = pl.scan_parquet(glob, hive_partitioning=True)
    assert lazy.select(pl.len()).collect().item() == len(frame)


def test_export_of_demand_technology_holds_only_that_domain(tmp_path: Path, capsys):
    target = tmp_path / "dt"
    code, _, err = run(
        capsys, "export", "latest:gbr:central", "--emulator", "--out", str(target),
        "--domains", "demand_technology", "--regions", "gbr",
    )  # fmt: skip
    assert (code, err) == (0, "")
    frame = read_parquet(target)
    assert len(frame) > 0
    assert set(frame["domain"]) == {"demand_technology"}


def test_export_replaces_a_previous_export(tmp_path: Path, capsys):
    target = tmp_path / "ds"
    common = ["export", "latest:gbr:central", "--emulator", "--out", str(target)]
    common += ["--regions", "gbr"]
    assert run(capsys, *common, "--domains", "demand_technology")[0] == 0
    assert run(capsys, *common, "--domains", "demand")[0] == 0
    assert set(read_parquet(target)["domain"]) == {"demand"}
    assert not (target / "domain=demand_technology").exists()


def test_export_refuses_a_directory_holding_other_files(tmp_path: Path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    code, out, err = run(
        capsys, "export", "latest:gbr:central", "--emulator", "--out", str(tmp_path)
    )
    assert code == 1
    assert one_line(err) and "new or empty directory" in err
    assert notes.read_text() == "keep me"


def test_export_of_an_unknown_selector_is_a_one_line_error(tmp_path: Path, capsys):
    code, out, err = run(
        capsys, "export", "latest:gbr:nosuchcase", "--emulator", "--out", str(tmp_path / "x")
    )
    assert code == 1
    assert one_line(err)
    assert "latest:gbr:nosuchcase" in err and "origin-frames scenarios --region gbr" in err
    assert not (tmp_path / "x").exists()


# -- plan -----------------------------------------------------------------------------------
def test_plan_on_a_new_scenario_prints_the_changes_and_exits_0(tmp_path: Path, capsys):
    changes = write(tmp_path / "changes.csv", CHANGES)
    code, out, err = run(
        capsys, "plan", "latest:gbr:central", changes, "--emulator", "--new-scenario", "S",
        "--project", "P",
    )  # fmt: skip
    assert (code, err) == (0, "")
    sid = created_id(out)
    assert "(S) in project P" in out
    assert f"Plan(scenario='{sid}', 2 cells in 1 calls [technology: 2]" in out
    assert re.search(r"technology capex\s+2\s+0\s+1\s+0", out)
    assert re.search(r"2030\s+technology\s+capex\s+endogenous.*Percentage\s+10\.0", out)
    assert re.search(r"2031\s+technology\s+capex\s+endogenous.*\s500\.0+\s+Absolute", out)


def test_plan_out_saves_a_plan_that_reads_back(tmp_path: Path, capsys):
    changes = write(tmp_path / "changes.csv", CHANGES)
    target = tmp_path / "plan.json"
    code, out, _ = run(
        capsys, "plan", "latest:gbr:central", changes, "--emulator", "--new-scenario", "S",
        "--out", str(target),
    )  # fmt: skip
    assert code == 0
    assert f"saved plan to {target}" in out
    plan = Plan.from_json(target)
    assert plan.scenario_id == created_id(out)
    assert len(plan) == 2
    assert sorted(plan.cells["year"].astype(int)) == [2030, 2031]
    assert set(plan.cells["transform_type"].astype(str)) == {"Percentage", "Absolute"}


def test_plan_of_values_equal_to_the_server_exits_0(tmp_path: Path, capsys, sdk):
    sid, _ = latest_central_gbr(sdk)
    with OriginFrames.emulated() as client:
        tech = client.get_technology(sid, "CCGT", region="gbr")
    cells = tech.reset_index()
    cells = cells[(cells["variable"] == "capex") & (cells["kind"] == "endogenous")].head(3)
    assert len(cells) == 3
    frame = cells[["domain", "region", "technology", "variable", "kind", "year", "value"]]
    changes = tmp_path / "same.csv"
    frame.to_csv(changes, index=False)
    code, out, err = run(capsys, "plan", sid, str(changes), "--emulator", "--new-scenario", "S")
    assert (code, err) == (0, "")
    assert out.strip().splitlines()[-1] == f"Plan(scenario='{created_id(out)}', no changes)"


def test_plan_against_a_published_scenario_says_to_copy_it(tmp_path: Path, capsys):
    changes = write(tmp_path / "changes.csv", CHANGES)
    code, out, err = run(capsys, "plan", "latest:gbr:central", changes, "--emulator")
    assert code == 1 and out == ""
    assert one_line(err), err
    assert "published Aurora scenario" in err and "--new-scenario NAME" in err


def test_plan_of_target_values_with_detailed_exitcode_exits_2(tmp_path: Path, capsys):
    changes = write(
        tmp_path / "values.csv",
        "domain,region,technology,variable,kind,year,value\n"
        "technology,gbr,CCGT,capex,endogenous,2030,1234.5\n",
    )
    code, out, err = run(
        capsys, "plan", "latest:gbr:central", changes, "--emulator", "--new-scenario", "S",
        "--detailed-exitcode",
    )
    assert code == 2, err
    assert "1 cells in 1 calls" in out
    assert re.search(r"2030\s+technology\s+capex.*\s1234\.5", out)


def test_plan_of_an_unedited_export_finds_nothing_and_an_edited_one_finds_the_edits(
    tmp_path: Path, capsys
):
    dataset = tmp_path / "ds"
    code, _, err = run(
        capsys, "export", "latest:gbr:central", "--emulator", "--out", str(dataset),
        "--domains", "demand", "--regions", "gbr",
    )  # fmt: skip
    assert (code, err) == (0, "")
    code, out, err = run(
        capsys, "plan", "latest:gbr:central", str(dataset), "--emulator", "--new-scenario", "S"
    )
    assert (code, err) == (0, "")
    assert "no changes" in out

    frame = read_parquet(dataset)
    edited = frame.copy()
    edited.iloc[:3, edited.columns.get_loc("value")] *= 1.5
    target = tmp_path / "edited.parquet"
    to_parquet(edited, target)
    saved = tmp_path / "plan.json"
    code, out, err = run(
        capsys, "plan", "latest:gbr:central", str(target), "--emulator", "--new-scenario", "S",
        "--out", str(saved),
    )  # fmt: skip
    assert code == 0, err
    cells = Plan.from_json(saved).to_frame()
    # Edits of totalDemand also pin its components, so the plan may hold more cells.
    for (region, tech, year), row in edited.iloc[:3].iterrows():
        hit = cells.xs((region, tech, year))
        hit = hit[hit["variable"].astype(str) == str(row["variable"])]
        assert hit["after"].to_numpy() == pytest.approx([row["value"]])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("garbage.csv", bytes(range(128, 256)) * 3, "Could not read", id="garbage"),
        pytest.param("empty.csv", CHANGE_COLUMNS + "\n", "holds no rows", id="header-only"),
        pytest.param(
            "year.csv", CHANGE_COLUMNS + "\ntechnology,gbr,CCGT,capex,endogenous,20x0,Delta,1\n",
            "20x0", id="bad-year",
        ),
        pytest.param("changes.txt", CHANGES, ".csv, .parquet or an exported", id="suffix"),
        pytest.param("bad.parquet", b"not parquet at all", "Could not read", id="bad-parquet"),
    ],
)  # fmt: skip
def test_unreadable_change_file_is_a_one_line_error_saying_what_to_do(
    name: str, content: str | bytes, expected: str, tmp_path: Path, capsys
):
    path = write(tmp_path / name, content)
    code, out, err = run(capsys, "plan", "latest:gbr:central", path, "--emulator")
    assert code == 1
    assert one_line(err), err
    assert expected in err and path in err
    assert "Traceback" not in err


def test_missing_change_file_is_a_one_line_error(tmp_path: Path, capsys):
    missing = str(tmp_path / "nope.csv")
    code, _, err = run(capsys, "plan", "latest:gbr:central", missing, "--emulator")
    assert code == 1
    assert one_line(err)
    assert f"No changes file at {missing}. Check the path." in err


def test_change_file_without_key_columns_names_them(tmp_path: Path, capsys):
    path = write(tmp_path / "cols.csv", "a,b\n1,2\n")
    code, _, err = run(capsys, "plan", "latest:gbr:central", path, "--emulator")
    assert code == 1
    assert "lacks key columns" in err and "'variable'" in err


def test_unknown_variable_is_listed_with_its_file_and_line(tmp_path: Path, capsys):
    good = write(tmp_path / "good.csv", CHANGES)
    bad = write(
        tmp_path / "bad.csv",
        f"{CHANGE_COLUMNS}\n"
        "technology,gbr,CCGT,capex,endogenous,2040,Delta,1\n"
        "technology,gbr,CCGT,noSuchVar,endogenous,2031,Absolute,500\n",
    )
    code, out, err = run(
        capsys, "plan", "latest:gbr:central", good, bad, "--emulator", "--new-scenario", "S"
    )
    assert code == 1
    assert "1 problem(s)" in err and "nothing was sent" in err
    assert "row 3 (" in err and "noSuchVar" in err and "unknown variable" in err
    assert f"row 3 = {bad} data row 1, line 3" in err
    assert "Fix these rows" in err
    assert "Plan(" not in out


def test_plan_without_token_or_emulator_is_a_one_line_error(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("AURORA_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    changes = write(tmp_path / "changes.csv", CHANGES)
    code, out, err = run(capsys, "plan", "latest:gbr:central", changes)
    assert code == 1
    assert one_line(err)
    assert "No Origin API token found" in err and "AURORA_API_KEY" in err
    assert "--emulator" in err


# -- apply ----------------------------------------------------------------------------------
@pytest.mark.parametrize("on_error", ["rollback", "stop", "continue"])
def test_apply_changes_to_a_new_scenario_exits_0(on_error: str, tmp_path: Path, capsys):
    changes = write(tmp_path / "changes.csv", CHANGES)
    code, out, err = run(
        capsys, "apply", "latest:gbr:central", changes, "--emulator", "--new-scenario", "S",
        "--on-error", on_error,
    )  # fmt: skip
    assert code == 0, err
    sid = created_id(out)
    assert f"Plan(scenario='{sid}', 2 cells in 1 calls" in out
    assert f"ApplyResult(scenario='{sid}', 1 calls [applied: 1]" in out
    assert "verified=True" in out


def test_apply_of_a_saved_plan_on_a_fresh_emulator_explains_why_not(tmp_path: Path, capsys):
    plan = write(tmp_path / "plan.json", "{}")
    code, _, err = run(capsys, "apply", plan, "--emulator")
    assert code == 1
    assert one_line(err)
    assert "serve --state" in err and "--endpoint" in err and "SCENARIO CHANGES" in err


def test_apply_of_one_non_plan_argument_says_what_to_give(capsys):
    code, _, err = run(capsys, "apply", "latest:gbr:central", "--emulator")
    assert code == 1
    assert "Give a saved PLAN.json, or SCENARIO followed by CHANGES files." in err


def test_apply_of_a_saved_plan_with_new_scenario_is_refused(tmp_path: Path, capsys):
    plan = write(tmp_path / "plan.json", "{}")
    code, _, err = run(capsys, "apply", plan, "--new-scenario", "S")
    assert code == 1
    assert one_line(err) and "a saved plan already names its scenario" in err


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param("latest:", "Write the selector as latest:<region>", id="no-region"),
        pytest.param("latest:gbr:central:nosuchword", "No published scenario", id="no-match"),
        pytest.param("no-such-id", "'no-such-id' was not found", id="unknown-id"),
    ],
)
def test_bad_scenario_selector_is_a_one_line_error(
    selector: str, expected: str, tmp_path: Path, capsys
):
    code, _, err = run(capsys, "export", selector, "--emulator", "--out", str(tmp_path / "x"))
    assert code == 1
    assert one_line(err) and expected in err


@pytest.mark.parametrize(
    ("selector", "name"),
    [
        pytest.param("latest:gbr:central", "Central Oct 2026", id="one-word"),
        pytest.param("latest:gbr:NET:zero", "Net Zero Oct 2026", id="words-any-case"),
        pytest.param("latest:deu:jul:2026:low", "Low Jul 2026", id="three-words"),
    ],
)
def test_selector_picks_the_newest_scenario_whose_name_has_every_word(
    selector: str, name: str, capsys
):
    with OriginFrames.emulated() as client:
        sid = resolve_scenario(client, selector)
        assert client.get_scenario_by_id(sid)["name"].iloc[0] == name


@pytest.fixture
def own_emulator(monkeypatch: pytest.MonkeyPatch):
    """A private emulator the CLI reaches through the environment, like a real deployment."""
    token, readonly = "cli-token-0123456789", "cli-readonly-0123456789"
    with Emulator(tokens={token, readonly}, readonly_tokens={readonly}) as emu:
        monkeypatch.setenv("AURORA_ORIGIN_SCENARIO_API_BASE_URL", emu.scenario_base_url)
        monkeypatch.setenv("AURORA_ORIGIN_INPUTS_API_BASE_URL", emu.inputs_base_url)
        monkeypatch.setenv("AURORA_API_KEY", token)
        yield emu, token, readonly


def _new_scenario(emu: Emulator, token: str) -> str:
    """A fresh gbr scenario in a new project, made with the Python API."""
    with OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url) as client:
        base = client.get_aurora_scenarios("gbr").index[0]
        project = client.create_project({"name": "cli"}).index[0]
        made = client.create_scenario(
            {"projectGlobalId": project, "name": "cli-test", "baseScenarioGlobalId": base}
        )
        return str(made.index[0])


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("rows", [
    "a,b\n1,2\n",  # no key columns
    f"{CHANGE_COLUMNS}\ntechnology,gbr,CCGT,capex,endogenous,2030,Double,1\n",  # bad type
])  # fmt: skip
def test_new_scenario_with_a_bad_change_file_creates_nothing(
    command: str, rows: str, own_emulator, tmp_path: Path, capsys
):
    # --new-scenario makes a scenario, then plans the files on it: a file the checks that
    # need no server refuse must stop the command before anything is created.
    emu, token, _ = own_emulator
    changes = write(tmp_path / "bad.csv", rows)
    code, out, err = run(capsys, command, "latest:gbr:central", changes, "--new-scenario", "S")
    assert code == 1 and "created scenario" not in out
    assert "Fix" in err or "lacks key columns" in err
    with OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url) as client:
        assert client.get_projects().empty


def test_saved_plan_applies_through_env_configured_server(own_emulator, tmp_path: Path, capsys):
    emu, token, _ = own_emulator
    sid = _new_scenario(emu, token)
    changes = write(tmp_path / "changes.csv", CHANGES)
    plan_file = tmp_path / "plan.json"
    code, out, err = run(capsys, "plan", sid, changes, "--out", str(plan_file))
    assert code == 0, err
    code, out, err = run(capsys, "apply", str(plan_file))
    assert code == 0, err
    assert "[applied: 1]" in out and "verified=True" in out
    assert token not in out + err

    with OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url) as client:
        tech = client.get_technology(sid, "CCGT", region="gbr").reset_index()
    capex = tech[(tech["variable"] == "capex") & (tech["kind"] == "endogenous")]
    by_year = capex.set_index("year")
    assert by_year.loc[2031, "value"] == pytest.approx(500.0)
    assert by_year.loc[2030, "value"] == pytest.approx(by_year.loc[2030, "original"] * 1.1)
    assert str(by_year.loc[2030, "transform_type"]) == "Percentage"

    # The cells now hold the planned after-state: replanning finds nothing to do.
    code, out, _ = run(capsys, "plan", sid, changes)
    assert code == 0
    assert "no changes" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "No plan file at", id="missing"),
        pytest.param("{not json", "Cannot read a plan from", id="not-json"),
        pytest.param('{"format": 99}', "is not an origin_frames plan", id="wrong-format"),
    ],
)
def test_apply_of_a_bad_plan_file_is_a_one_line_error_before_connecting(
    content: str | None, expected: str, tmp_path: Path, capsys, monkeypatch
):
    # No token anywhere: the file is judged before any client is made.
    monkeypatch.delenv("AURORA_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "apply", str(path))
    assert code == 1
    assert one_line(err) and expected in err


def test_apply_of_a_stale_plan_fails_unless_forced(own_emulator, tmp_path: Path, capsys):
    emu, token, _ = own_emulator
    sid = _new_scenario(emu, token)
    first = write(tmp_path / "first.csv", CHANGES)
    plan_file = tmp_path / "plan.json"
    assert run(capsys, "plan", sid, first, "--out", str(plan_file))[0] == 0
    other = write(
        tmp_path / "other.csv",
        f"{CHANGE_COLUMNS}\ntechnology,gbr,CCGT,capex,endogenous,2031,Absolute,250\n",
    )
    assert run(capsys, "apply", sid, other)[0] == 0
    code, out, err = run(capsys, "apply", str(plan_file))
    assert code == 1
    assert one_line(err)
    assert "changed on the server since planning" in err
    assert "1 of the plan's 2 cells changed on the server since planning" in err
    assert "run `origin-frames plan` again, or add --force" in err
    assert ".report" not in err and "force=True" not in err
    code, out, err = run(capsys, "apply", str(plan_file), "--force")
    assert code == 0, err
    assert "[applied: 1]" in out


@pytest.mark.parametrize("on_error", ["rollback", "stop", "continue"])
def test_apply_refused_by_the_server_lists_the_failed_calls(
    on_error: str, own_emulator, tmp_path: Path, capsys, monkeypatch
):
    emu, token, readonly = own_emulator
    monkeypatch.setenv("AURORA_API_KEY", readonly)
    # Planning refuses a published scenario, so the plan is built offline (no client) and
    # saved: applying it is what the server refuses.
    with OriginFrames(readonly, emu.scenario_base_url, emu.inputs_base_url) as client:
        sid = resolve_scenario(client, "latest:gbr:central")
        current = client.technologies(sid, regions=["gbr"], technologies=["CCGT"])
        offline = build_plan(None, sid, pd.read_csv(io.StringIO(CHANGES)),
                             current=flatten(current), config=client.inputs_config())  # fmt: skip
    saved = str(offline.to_json(tmp_path / "plan.json"))
    code, out, err = run(capsys, "apply", saved, "--on-error", on_error)
    assert code == 1
    assert one_line(err)
    assert "1 of 1 calls failed" in err and "HTTP 403" in err and f"(--on-error {on_error})" in err
    assert ".result" not in err
    assert re.search(r"technology_endogenous .*CCGT\s+capex\s+endogenous\s+2\s+1\s+failed", out)
    assert readonly not in out + err

    with OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url) as client:
        sid = resolve_scenario(client, "latest:gbr:central")
        tech = client.get_technology(sid, "CCGT", region="gbr").reset_index()
    assert tech["transform_type"].isna().all()


# -- progress --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "bar"),
    [pytest.param("--progress", True, id="on"), pytest.param("--no-progress", False, id="off")],
)
def test_progress_flag_switches_the_bar(flag: str, bar: bool, tmp_path: Path, capsys):
    changes = write(tmp_path / "changes.csv", CHANGES)
    code, _, err = run(
        capsys, "apply", "latest:gbr:central", changes, "--emulator", "--new-scenario", "S", flag
    )
    assert code == 0
    assert ("%|" in err) is bar


# -- a real process --------------------------------------------------------------------------
def test_console_script_help_runs(tmp_path: Path):
    script = Path(sys.executable).with_name("origin-frames")
    done = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0
    for command in ("serve", "scenarios", "projects", "export", "plan", "apply"):
        assert command in done.stdout


def test_process_error_is_one_line_without_traceback(tmp_path: Path):
    done = run_process("export", "latest:gbr:nosuchcase", "--emulator", "--out", str(tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert one_line(done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("origin-frames: error: No published scenario matches")


def test_process_plan_with_detailed_exitcode_exits_2_with_changes(tmp_path: Path):
    changes = write(tmp_path / "changes.csv", CHANGES)
    done = run_process("plan", "latest:gbr:central", changes, "--emulator", "--no-progress",
                       "--new-scenario", "S", "--detailed-exitcode")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "2 cells in 1 calls" in done.stdout
    assert done.stderr == ""
