"""Scenario outputs: CSV downloads as tidy long frames, 425 polling and the Parquet cache."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from helpers import TOKEN

from origin_frames import (
    ConfigurationError,
    DataNotReadyTimeout,
    Emulator,
    NotFoundError,
    OriginFrames,
    schemas,
)
from origin_frames._outputs import cache_key, parse_csv


@pytest.fixture
def cached_client(emulator, tmp_path) -> OriginFrames:
    """A client caching output downloads under the test's own tmp_path."""
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url,
                      progress=False, cache_dir=tmp_path) as c:  # fmt: skip
        yield c


def test_yearly_system_outputs_match_the_official_sdk(cached_client, sdk, sid) -> None:
    from origin_sdk.service.Scenario import Scenario

    frame = cached_client.get_scenario_outputs(sid, "gbr", "system", "1y")
    schemas.ScenarioOutputs.validate(frame)
    assert str(frame["year"].dtype) == "Int64"
    theirs = Scenario(sid, sdk).get_scenario_dataframe("gbr", "system", "1y")
    series = [c[0] for c in theirs.columns if c[0] != "Year"]
    assert list(frame["series"].cat.categories) == series
    assert len(frame) == len(theirs) * len(series)
    for name, unit in [(c[0], c[1]) for c in theirs.columns if c[0] != "Year"]:
        part = frame[frame["series"] == name]
        assert set(part["unit"].astype(str)) == {unit}
        np.testing.assert_allclose(part["value"].to_numpy(), theirs[(name, unit)].to_numpy())
        assert part["year"].tolist() == theirs[("Year", "year")].tolist()


def test_label_columns_stay_categorical_and_monthly_files_type_months(cached_client, sid) -> None:
    tech = cached_client.get_scenario_outputs(sid, "gbr", "technology", "1y")
    assert isinstance(tech["technology"].dtype, pd.CategoricalDtype)
    monthly = cached_client.get_scenario_outputs(sid, "gbr", "system", "1m")
    assert str(monthly["month"].dtype) == "Int64"
    assert set(monthly["month"]) == set(range(1, 13))


def test_hourly_file_needs_a_year_and_types_datetimes(cached_client, sid) -> None:
    with pytest.raises(ConfigurationError, match="year="):
        cached_client.get_scenario_outputs(sid, "gbr", "interconnector", "1h")
    frame = cached_client.get_scenario_outputs(sid, "gbr", "interconnector", "1h", year=2030)
    assert str(frame["datetime"].dtype) == "datetime64[ns, UTC]"
    assert frame["datetime"].dt.year.unique().tolist() == [2030]


def test_year_on_a_download_without_years_is_rejected(cached_client, sid) -> None:
    with pytest.raises(ConfigurationError, match="drop year"):
        cached_client.get_scenario_outputs(sid, "gbr", "system", "1y", year=2030)


def test_unknown_download_lists_the_offered_ones(cached_client, sid) -> None:
    with pytest.raises(NotFoundError, match="system"):
        cached_client.get_scenario_outputs(sid, "gbr", "weather", "1y")


def test_region_of_the_group_missing_from_the_scenario_is_derived(cached_client, sid) -> None:
    frame = cached_client.get_scenario_outputs(sid, "fra", "system", "1y")
    assert len(frame) > 0


def test_region_outside_the_group_is_not_found(cached_client, sid) -> None:
    with pytest.raises(NotFoundError, match="not downloadable"):
        cached_client.get_scenario_outputs(sid, "aus", "system", "1y")


def test_currency_changes_units_and_values(cached_client, sid) -> None:
    gbp = cached_client.get_scenario_outputs(sid, "gbr", "system", "1y")
    usd = cached_client.get_scenario_outputs(sid, "gbr", "system", "1y", currency="usd2024")
    assert "usd2024/MWh" in set(usd["unit"].astype(str))
    assert not np.allclose(gbp["value"], usd["value"])


def test_cached_download_is_served_without_the_network(tmp_path) -> None:
    with Emulator() as emu:
        client = OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url,
                              progress=False, cache_dir=tmp_path)  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        first = client.get_scenario_outputs(sid, "gbr", "system", "1y")
        assert len(list(tmp_path.rglob("*.parquet"))) == 1
    # The emulator is gone: a second read can only come from the cache.
    again = client.get_scenario_outputs(sid, "gbr", "system", "1y")
    pd.testing.assert_frame_equal(again, first)
    client.close()


def test_file_still_generating_is_polled_until_ready(tmp_path) -> None:
    with Emulator(download_delay_s=0.5) as emu, OriginFrames(
        TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False, cache_dir=tmp_path,
        not_ready_deadline_s=20, backoff_base=0.1,
    ) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        assert len(client.get_scenario_outputs(sid, "gbr", "system", "1y")) > 0
        assert client.transport.stats["polls"] >= 1


def test_file_still_generating_past_the_deadline_raises(tmp_path) -> None:
    with Emulator(download_delay_s=30) as emu, OriginFrames(
        TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=False, cache_dir=tmp_path,
        not_ready_deadline_s=0.3, backoff_base=0.1,
    ) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        with pytest.raises(DataNotReadyTimeout, match="425"):
            client.get_scenario_outputs(sid, "gbr", "system", "1y")


def test_cache_key_is_a_stable_sha256_of_the_request() -> None:
    request = {"scenario": "s", "region": "gbr", "year": None}
    blob = json.dumps(request, sort_keys=True, separators=(",", ":"))
    assert cache_key(request) == hashlib.sha256(blob.encode()).hexdigest()
    assert cache_key(dict(reversed(list(request.items())))) == cache_key(request)
    assert cache_key({**request, "region": "fra"}) != cache_key(request)


def test_parse_csv_melts_every_numeric_column() -> None:
    text = "Year,Technology,Capacity,Price\nyear,-,GW,gbp/MWh\n2030,CCGT,1.5,70\n2031,CCGT,2.5,71\n"
    frame = parse_csv(text)
    assert frame.columns.tolist() == ["year", "technology", "series", "unit", "value"]
    assert frame["series"].astype(str).tolist() == ["Capacity", "Capacity", "Price", "Price"]
    assert frame["unit"].astype(str).tolist() == ["GW", "GW", "gbp/MWh", "gbp/MWh"]
    assert frame["value"].tolist() == [1.5, 2.5, 70.0, 71.0]
    assert frame["year"].tolist() == [2030, 2031, 2030, 2031]
