"""Scenario fleets on a real ``dask.distributed.LocalCluster`` (2 worker processes).

The fleet talks to ``origin-frames serve`` in a child process (workers are separate
processes that find the token in their own environment), or, for the fault and latency
tests, to an emulator in this process with injected failures or latency.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import origin_frames as of
from origin_frames import ConfigurationError, FleetSettings, OriginFrames

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

TOKEN = "fleet-token-0123456789abcdef"
OTHER = "fleet-wrong-token-000000"


@pytest.fixture(scope="module")
def served(serve: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """``origin-frames serve`` accepting only TOKEN; yields its base URL."""
    with serve("--launch-step-s", "0.2", "--token", TOKEN) as url:
        yield url


@pytest.fixture(scope="module")
def dask_client() -> Iterator[distributed.Client]:
    """Two worker processes whose environment holds the token (and a wrong one aside)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None,
        env={"AURORA_API_KEY": TOKEN, "FLEET_OTHER_TOKEN": OTHER},
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        yield client


@pytest.fixture
def driver(served: str) -> Iterator[OriginFrames]:
    requests.post(f"{served}/_emulator/reset", timeout=10)
    with OriginFrames(TOKEN, f"{served}/scenarioExplr", f"{served}/modelInputs",
                      progress=False) as client:  # fmt: skip
        yield client


def _two_central(client: OriginFrames) -> list[str]:
    return of._selectors.expand_selectors(client, "all:gbr:central")[:2]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["region", "technology", "year", "domain", "variable", "kind", "sub_region",
            "sub_technology", "subsidy", "month"]  # fmt: skip
    flat = frame.reset_index() if "region" not in frame.columns else frame
    flat = flat.astype({k: "str" for k in keys if k != "year" and k != "month"})
    return flat.sort_values(keys, ignore_index=True)


def test_read_fleet_has_one_partition_per_scenario_region_domain_and_the_clients_cells(
    driver: OriginFrames, dask_client: distributed.Client
) -> None:
    ids = _two_central(driver)
    fleet = of.read_fleet(driver, ids, regions=["gbr", "irl"],
                          domains=["technology", "demand_technology", "interconnector"])
    assert fleet.npartitions == 2 * 2 * 3
    assert list(fleet.columns[:4]) == ["scenario_id", "region", "technology", "year"]
    frame = fleet.compute()
    assert set(frame["scenario_id"]) == set(ids)
    assert set(frame["domain"].astype(str)) == {"technology", "demand_technology",
                                                "interconnector"}  # fmt: skip
    one = frame[frame["scenario_id"] == ids[0]].drop(columns="scenario_id")
    tech = driver.technologies(ids[0], ["gbr", "irl"])
    demand = driver.demand(ids[0], ["gbr", "irl"])
    links = driver.interconnectors(ids[0], ["gbr", "irl"])
    links = links[links.index.get_level_values("region").isin(["gbr", "irl"])]
    expected = pd.concat([tech.reset_index(), demand[demand["domain"] == "demand_technology"]
                          .reset_index(), links.reset_index()])  # fmt: skip
    got, want = _sorted(one), _sorted(expected)
    assert len(got) == len(want)
    np.testing.assert_allclose(got["value"], want["value"])
    assert (got["variable"].to_numpy() == want["variable"].to_numpy()).all()


@pytest.mark.parametrize("convert_string", [True, False])
def test_a_fleet_read_is_one_task_per_partition_in_the_dtypes_of_its_meta(
    driver: OriginFrames, convert_string: bool
) -> None:
    import dask

    with dask.config.set({"dataframe.convert-string": convert_string}):
        fleet = of.read_fleet(driver, _two_central(driver), regions=["gbr"],
                              domains=["commodity", "interconnector"])  # fmt: skip
        graph = dict(fleet.__dask_graph__())  # unfused, as the distributed scheduler ran it
        frame = fleet.compute(scheduler="threads")
    # No conversion task per partition: the partitions are built in the strings' dtype.
    assert len(graph) == fleet.npartitions == 4
    strings = "string" if convert_string else "str"
    assert str(fleet.dtypes["scenario_id"]) == strings
    assert frame.dtypes.astype(str).to_dict() == fleet.dtypes.astype(str).to_dict()
    assert len(frame) > 0


def test_the_task_graph_and_its_pickles_never_hold_the_token(driver: OriginFrames) -> None:
    fleet = of.read_fleet(driver, _two_central(driver), regions=["gbr"], domains=["commodity"])
    import cloudpickle

    graph = dict(fleet.__dask_graph__())
    for blob in (cloudpickle.dumps(graph), pickle.dumps(FleetSettings.from_client(driver))):
        assert TOKEN.encode() not in blob
    assert TOKEN not in repr(FleetSettings.from_client(driver))


def test_workers_resolve_the_token_through_the_credential_callable(
    driver: OriginFrames, dask_client: distributed.Client
) -> None:
    wrong = FleetSettings.from_client(
        driver, credential=functools.partial(os.getenv, "FLEET_OTHER_TOKEN")
    )
    fleet = of.read_fleet(wrong, _two_central(driver)[:1], regions=["gbr"], domains=["demand"])
    with pytest.raises(of.AuthenticationError):
        fleet.compute()  # the workers used the credential, which returns the wrong token
    right = FleetSettings.from_client(driver, credential=functools.partial(os.getenv,
                                                                           "AURORA_API_KEY"))
    frame = of.read_fleet(right, _two_central(driver)[:1], regions=["gbr"],
                          domains=["demand"]).compute()  # fmt: skip
    assert len(frame) and set(frame["domain"].astype(str)) == {"demand"}


def test_export_fleet_writes_one_hive_dataset_that_every_reader_reads(
    driver: OriginFrames, dask_client: distributed.Client, tmp_path: Path
) -> None:
    ids = _two_central(driver)
    target = tmp_path / "fleet"
    summary = of.export_fleet(driver, ids, target, regions=["gbr", "fra"],
                              domains=["commodity", "demand_technology"])  # fmt: skip
    assert set(summary["domain"]) == {"commodity", "demand_technology"}  # no system demand
    assert len(summary) == 2 * 2 * 2
    files = sorted(p.relative_to(target).parts[:3] for p in target.rglob("*.parquet"))
    assert files[0][0].startswith("scenario_id=") and files[0][1].startswith("domain=")
    assert (target / "_common_metadata").is_file()
    back = of.read_parquet(target)
    assert len(back) == int(summary["rows"].sum())
    assert set(back["scenario_id"]) == set(ids)
    assert list(back.index.names) == ["region", "technology", "year"]
    contract = of._parquet.read_dataset_metadata(target)
    assert contract["units"]["commodity.price"]
    assert contract["extra"]["scenario_ids"] == ids
    import duckdb
    import polars as pl

    rows = duckdb.sql(
        f"select count(*) from read_parquet('{target}/**/*.parquet', hive_partitioning=true) "
        f"where scenario_id = '{ids[0]}'"
    ).fetchall()
    assert rows[0][0] == int(summary.loc[summary.scenario_id == ids[0],
                                                           "rows"].sum())  # fmt: skip
    polars_frame = pl.read_parquet(f"{target}/**/*.parquet", hive_partitioning=True)
    assert polars_frame.height == len(back) and "scenario_id" in polars_frame.columns


def test_a_failed_export_leaves_the_previous_dataset_and_no_staging(
    driver: OriginFrames, dask_client: distributed.Client, tmp_path: Path
) -> None:
    target = tmp_path / "fleet"
    ids = _two_central(driver)
    of.export_fleet(driver, ids[:1], target, regions=["gbr"], domains=["commodity"])
    before = sorted(p.name for p in target.rglob("*"))
    with pytest.raises(of.NotFoundError):
        of.export_fleet(driver, [ids[1], "no-such-scenario"], target, regions=["gbr"],
                        domains=["commodity"])  # fmt: skip
    assert sorted(p.name for p in target.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["fleet"]
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError):
        of.export_fleet(driver, ids[:1], tmp_path / "foreign", regions=["gbr"])


def _dearer(frame: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity every test applies: prices 10% up."""
    prices = frame[(frame["variable"] == "price").to_numpy(dtype=bool)]
    return prices.assign(value=prices["value"] * 1.1)


def test_change_fleet_applies_an_edit_to_a_copy_of_each_scenario(
    driver: OriginFrames, dask_client: distributed.Client
) -> None:
    ids = _two_central(driver)
    project = str(driver.create_project({"name": "sensitivities"}).index[0])
    result = of.change_fleet(driver, ids, _dearer, domains=["commodity"], regions=["gbr"],
                             copy_into=project)  # fmt: skip
    assert list(result["scenario_id"]) == ids
    assert list(result["status"]) == ["applied", "applied"]
    assert result["verified"].tolist() == [True, True]
    for sid, copy in zip(result["scenario_id"], result["target_id"], strict=True):
        assert copy != sid
        before = driver.commodities(sid, ["gbr"])["value"].to_numpy()
        after = driver.commodities(copy, ["gbr"])["value"].to_numpy()
        np.testing.assert_allclose(after, before * 1.1)  # the original is untouched
    assert set(driver.get_project_scenarios(project).index) == set(result["target_id"])


def test_change_fleet_reports_each_failure_on_its_own_row(
    driver: OriginFrames, dask_client: distributed.Client
) -> None:
    ids = _two_central(driver)
    project = str(driver.create_project({"name": "partial"}).index[0])
    bad = ids[0][:-4] + "0000"
    result = of.change_fleet(driver, [ids[0], bad, ids[1]], _dearer, domains=["commodity"],
                             regions=["gbr"], copy_into=project)  # fmt: skip
    rows = result.set_index("scenario_id")
    assert rows.loc[bad, "status"] == "failed" and "NotFoundError" in rows.loc[bad, "error"]
    assert rows.loc[ids, "status"].tolist() == ["applied", "applied"]


@pytest.fixture(scope="module")
def flaky() -> Iterator[of.Emulator]:
    """An in-process emulator that fails 30% of requests (workers reach it over TCP)."""
    with of.Emulator(fail_rate=0.3, seed=7, tokens={TOKEN}) as emulator:
        yield emulator


def test_under_injected_faults_no_scenario_is_left_half_applied(
    flaky: of.Emulator, dask_client: distributed.Client
) -> None:
    with OriginFrames(TOKEN, flaky.scenario_base_url, flaky.inputs_base_url, progress=False,
                      max_retries=10, backoff_base=0.01) as steady:  # fmt: skip
        ids = of._selectors.expand_selectors(steady, "all:gbr")[:8]
        before = {sid: steady.commodities(sid, ["gbr"])["value"].to_numpy() for sid in ids}
        project = str(steady.create_project({"name": "faults"}).index[0])
        # The workers retry little and apply one call per request: faults land mid-apply.
        fleet = dataclasses.replace(FleetSettings.from_client(steady),
                                    options=(("max_retries", 1), ("backoff_base", 0.01)))
        result = of.change_fleet(fleet, ids, _dearer, domains=["commodity"], regions=["gbr"],
                                 copy_into=project,
                                 apply_options={"batch_size": 1, "retries": 0})  # fmt: skip
        assert len(result) == len(ids)
        assert set(result["status"]) <= {"applied", "rolled_back", "failed"}
        assert (result["status"] != "applied").any()  # 9% of requests fail even after a retry
        for row in result.itertuples():
            if pd.isna(row.target_id):
                assert row.status == "failed" and row.error  # the copy itself failed
                continue
            now = steady.commodities(row.target_id, ["gbr"])["value"].to_numpy()
            if row.status == "applied":
                np.testing.assert_allclose(now, before[row.scenario_id] * 1.1)
            else:
                assert row.error
                np.testing.assert_allclose(now, before[row.scenario_id])


def test_max_requests_serialises_the_requests_of_every_worker(
    dask_client: distributed.Client,
) -> None:
    latency = 0.15
    with of.Emulator(latency_ms=latency * 1000) as emulator, OriginFrames(
        TOKEN, emulator.scenario_base_url, emulator.inputs_base_url, progress=False
    ) as client:  # fmt: skip
        ids = of._selectors.expand_selectors(client, "all:gbr:central")[:4]
        fleet = FleetSettings.from_client(client, max_requests=1)
        lazy = of.read_fleet(fleet, ids, regions=["gbr", "irl"], domains=["commodity"])
        started = time.perf_counter()
        lazy.compute()
        elapsed = time.perf_counter() - started

    def requests_sent(name: str) -> int:
        from origin_frames import _fleet

        client = _fleet._CLIENTS.get(name)
        return client.transport.stats["requests"] if client is not None else 0

    sent = sum(dask_client.run(requests_sent, fleet.name).values())
    assert sent >= len(ids) * 2  # one commodity read per partition, and the configs
    # One request at a time across both workers: the latencies add up.
    assert elapsed >= sent * latency * 0.95


def test_the_local_scheduler_reads_with_the_drivers_own_token(driver: OriginFrames) -> None:
    import dask

    ids = _two_central(driver)
    with dask.config.set(scheduler="threads"):
        frame = of.read_fleet(driver, ids, regions=["gbr"], domains=["demand"]).compute()
    assert set(frame["scenario_id"]) == set(ids)


def test_selectors_expand_to_many_scenarios_and_refuse_bad_input(driver: OriginFrames) -> None:
    every = of._selectors.expand_selectors(driver, ["all:gbr:central", "latest:gbr:central"])
    assert len(every) == len(set(every)) > 1  # the latest is already among all:
    with pytest.raises(ConfigurationError, match="No published scenario"):
        of._selectors.expand_selectors(driver, "all:gbr:nosuchcase")
    with pytest.raises(ConfigurationError, match="names many"):
        of._selectors.resolve_scenario(driver, "all:gbr")
    with pytest.raises(ConfigurationError, match="Unknown or no domains"):
        of.read_fleet(driver, every, domains=["prices"])


def test_cli_exports_a_selector_of_many_scenarios_on_a_scheduler_with_only_the_asked_domain(
    dask_client: distributed.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from origin_frames._cli import main

    target = tmp_path / "fleet"
    code = main(["export", "all:gbr:central", "--emulator", "--out", str(target), "--regions",
                 "gbr", "--domains", "demand_technology", "--scheduler",
                 dask_client.scheduler.address, "--max-requests", "4"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    back = of.read_parquet(target)
    assert set(back["domain"].astype(str)) == {"demand_technology"}  # not system demand too
    assert back["scenario_id"].nunique() > 1
    assert f"of {back['scenario_id'].nunique()} scenarios" in out


def test_cli_exports_several_scenarios_with_local_threads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from origin_frames._cli import main

    target = tmp_path / "two"
    code = main(["export", "latest:gbr:central", "latest:deu:central", "--emulator", "--out",
                 str(target), "--regions", "fra", "--domains", "commodity"])  # fmt: skip
    assert code == 0, capsys.readouterr()
    back = of.read_parquet(target)
    assert back["scenario_id"].nunique() == 2
    assert set(back.index.get_level_values("region")) == {"fra"}


def test_fleet_settings_refuse_bad_options_before_anything_runs() -> None:
    with pytest.raises(ConfigurationError, match="Unknown client options"):
        FleetSettings("http://a/s", "http://a/i", options=(("tokn", "x"),))
    with pytest.raises(ConfigurationError, match="max_requests"):
        FleetSettings("http://a/s", "http://a/i", max_requests=0)
    with pytest.raises(ConfigurationError, match="credential"):
        FleetSettings("http://a/s", "http://a/i", credential="secret")  # type: ignore[arg-type]


def test_max_requests_holds_on_the_local_threaded_scheduler_too() -> None:
    import dask

    latency = 0.1
    with of.OriginFrames.emulated(latency_ms=latency * 1000,
                                  client_options={"progress": False}) as client:  # fmt: skip
        ids = of._selectors.expand_selectors(client, "all:gbr:central")[:3]
        fleet = FleetSettings.from_client(client, max_requests=1)
        lazy = of.read_fleet(fleet, ids, regions=["gbr", "irl"], domains=["commodity"])
        started = time.perf_counter()
        with dask.config.set(scheduler="threads", num_workers=6):
            lazy.compute()
        elapsed = time.perf_counter() - started
    from origin_frames import _fleet

    sent = _fleet._CLIENTS[fleet.name].transport.stats["requests"]
    assert sent >= 6 and elapsed >= sent * latency * 0.95
