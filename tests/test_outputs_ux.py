"""Scenario outputs as a user reads them: local time, many years, a cache that follows runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from origin_frames import OriginFrames
from origin_frames.emulator import Emulator

TOKEN = "outputs-token-0123456789"


@pytest.fixture
def client(tmp_path: Path):
    """Overrides conftest's: an emulator of its own (instant launches, outputs cached in
    tmp_path), which conftest's ``central`` then reads too."""
    with Emulator(launch_step_s=0.0) as emu, OriginFrames(
        TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False,
        cache_dir=tmp_path / "cache",
    ) as made:  # fmt: skip
        yield made


def test_tz_gives_the_same_instants_in_local_time(client: OriginFrames, central: str):
    utc = client.get_scenario_outputs(central, "gbr", "interconnector", "1h", year=2030)
    local = client.get_scenario_outputs(central, "gbr", "interconnector", "1h", year=2030,
                                        tz="Europe/London")  # fmt: skip
    assert str(utc["datetime"].dt.tz) == "UTC" and str(local["datetime"].dt.tz) == "Europe/London"
    assert (local["datetime"] == utc["datetime"]).all()
    summer = local["datetime"][local["datetime"].dt.month == 7].iloc[0]
    assert summer.utcoffset() == pd.Timedelta(hours=1)


def test_a_bad_tz_is_refused_before_any_download(client: OriginFrames, central: str):
    before = client.transport.stats["requests"]
    with pytest.raises(ValueError, match="tz='Europe/Londn' is not a time zone name"):
        client.get_scenario_outputs(central, "gbr", "system", "1y", tz="Europe/Londn")
    assert client.transport.stats["requests"] == before


def test_a_list_of_years_reads_each_into_one_frame(client: OriginFrames, central: str):
    both = client.get_scenario_outputs(central, "gbr", "interconnector", "1h",
                                       year=[2030, 2031])  # fmt: skip
    one = [client.get_scenario_outputs(central, "gbr", "interconnector", "1h", year=y)
           for y in (2030, 2031)]  # fmt: skip
    pd.testing.assert_frame_equal(both, pd.concat(one, ignore_index=True))
    assert set(both["datetime"].dt.year) == {2030, 2031}


def test_a_rerun_scenario_misses_the_old_runs_cache_and_clear_empties_it(
    client: OriginFrames, central: str
):
    project = client.create_project({"name": "runs"}).index[0]
    sid = str(client.create_scenario(
        {"projectGlobalId": project, "name": "rerun", "baseScenarioGlobalId": central}
    ).index[0])  # fmt: skip
    client.launch_scenario(sid)
    first_run = client.get_scenario_by_id(sid)["latest_run_id"].iloc[0]
    client.get_scenario_outputs(sid, "gbr", "system", "1y")
    cache = Path(client.cache_dir or "")
    assert len(list(cache.rglob("*.parquet"))) == 1
    client.get_scenario_outputs(sid, "gbr", "system", "1y")  # same run: served from the cache
    assert len(list(cache.rglob("*.parquet"))) == 1

    client.launch_scenario(sid)
    assert client.get_scenario_by_id(sid)["latest_run_id"].iloc[0] != first_run
    client.get_scenario_outputs(sid, "gbr", "system", "1y")
    files = sorted(f.name for f in cache.rglob("*.parquet"))
    assert len(files) == 2 and files[0].split("--")[0] == files[1].split("--")[0]

    client.get_scenario_outputs(central, "gbr", "system", "1y")
    assert client.clear_output_cache(sid) == 2
    assert len(list(cache.rglob("*.parquet"))) == 1
    assert client.clear_output_cache() == 1
    assert list(cache.rglob("*.parquet")) == []


def test_cache_directory_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ORIGIN_FRAMES_CACHE_DIR", str(tmp_path / "env-cache"))
    with OriginFrames.emulated(client_options={"progress": False}) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        client.get_scenario_outputs(sid, "gbr", "system", "1y")
        assert len(list((tmp_path / "env-cache").rglob("*.parquet"))) == 1
        assert client.clear_output_cache() == 1
