"""Parquet datasets: hive layout, metadata, exact round trip, and third-party readers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pytest

from origin_frames._exceptions import ConfigurationError, ValidationError
from origin_frames._parquet import read_dataset_metadata, read_parquet, write_dataset

CATEGORY_COLUMNS = ["domain", "variable", "kind", "sub_region", "sub_technology", "subsidy", "unit"]


def contract_frame(rows_per_region: int = 50) -> pd.DataFrame:
    """A small frame shaped like the input contract, two domains and three regions."""
    rng = np.random.default_rng(0)
    parts = []
    for domain, regions in (("technology", ["gbr", "fra"]), ("commodity", ["all", "gbr"])):
        for region in regions:
            n = rows_per_region
            original = rng.uniform(1, 100, n)
            has_tx = rng.random(n) < 0.3
            parts.append(
                pd.DataFrame(
                    {
                        "region": region,
                        "technology": np.where(np.arange(n) % 2 == 0, "CCGT", "Solar PV"),
                        "year": pd.array(2025 + np.arange(n) % 30, dtype="Int64"),
                        "domain": domain,
                        "variable": "capex" if domain == "technology" else "price",
                        "kind": "exogenous" if domain == "technology" else None,
                        "sub_region": None,
                        "sub_technology": None,
                        "subsidy": None,
                        "month": pd.array([None] * n, dtype="Int64"),
                        "original": original,
                        "transform_type": np.where(has_tx, "Percentage", None),
                        "transform_value": np.where(has_tx, 10.0, np.nan),
                        "value": np.where(has_tx, original * 1.1, original),
                        "unit": "GBP/kW" if domain == "technology" else "GBP/MWh",
                        "validation_warnings": pd.array([None] * n, dtype="string"),
                        "validation_errors": pd.array([None] * n, dtype="string"),
                    }
                )
            )
    flat = pd.concat(parts, ignore_index=True)
    for column in CATEGORY_COLUMNS:
        present = sorted(flat[column].dropna().unique())
        flat[column] = flat[column].astype(pd.CategoricalDtype(pd.Index(present, dtype="str")))
    flat["transform_type"] = flat["transform_type"].astype(
        pd.CategoricalDtype(["Absolute", "Delta", "Percentage"])
    )
    flat["region"] = flat["region"].astype("string")
    flat["technology"] = flat["technology"].astype("string")
    return flat.set_index(["region", "technology", "year"])


def test_dataset_is_hive_partitioned_by_domain_and_region(tmp_path) -> None:
    summary = write_dataset(contract_frame(), tmp_path / "ds", metadata={"scenario_id": "s1"})
    root = tmp_path / "ds"
    folders = sorted(p.relative_to(root).as_posix() for p in root.glob("*/*"))
    assert folders == [
        "domain=commodity/region=all",
        "domain=commodity/region=gbr",
        "domain=technology/region=fra",
        "domain=technology/region=gbr",
    ]
    assert summary["rows"].tolist() == [50, 50, 50, 50]


def test_round_trip_restores_index_dtypes_and_categories(tmp_path) -> None:
    frame = contract_frame()
    write_dataset(frame, tmp_path / "ds")
    back = read_parquet(tmp_path / "ds")
    expected = frame.sort_index(kind="stable")
    got = back.loc[expected.index.unique()].sort_index(kind="stable")
    pd.testing.assert_frame_equal(
        got.reset_index().sort_values(["domain", "region", "technology", "year", "original"])
        .reset_index(drop=True),
        expected.reset_index().sort_values(["domain", "region", "technology", "year", "original"])
        .reset_index(drop=True),
    )


def test_metadata_records_units_and_extra_facts(tmp_path) -> None:
    write_dataset(contract_frame(), tmp_path / "ds", metadata={"scenario_id": "s1"})
    meta = read_dataset_metadata(tmp_path / "ds")
    assert meta["units"] == {"technology.capex": "GBP/kW", "commodity.price": "GBP/MWh"}
    assert meta["extra"] == {"scenario_id": "s1"}
    assert meta["index"] == ["region", "technology", "year"]
    assert meta["columns"]["transform_type"]["categories"] == ["Absolute", "Delta", "Percentage"]


def test_units_and_partitions_come_out_the_same_from_plain_and_categorical_columns(
    tmp_path,
) -> None:
    frame = contract_frame()
    frame.loc[frame.index[:5], "unit"] = None  # a cell without a unit is left out
    plain = frame.astype({"domain": object, "variable": object, "unit": object})
    shuffled = plain.sample(frac=1.0, random_state=0)  # partitions interleaved
    for name, written in (("cat", frame), ("plain", shuffled)):
        summary = write_dataset(written, tmp_path / name)
        assert summary["rows"].tolist() == [50, 50, 50, 50]
        meta = read_dataset_metadata(tmp_path / name)
        assert meta["units"] == {"technology.capex": "GBP/kW", "commodity.price": "GBP/MWh"}
    back = read_parquet(tmp_path / "plain").reset_index()
    assert back.groupby(["domain", "region"], observed=True).size().tolist() == [50] * 4


def test_reading_a_subset_prunes_partitions(tmp_path) -> None:
    write_dataset(contract_frame(), tmp_path / "ds")
    only = read_parquet(tmp_path / "ds", domains=["technology"], regions=["gbr"])
    assert set(only["domain"].astype(str)) == {"technology"}
    assert set(only.index.get_level_values("region")) == {"gbr"}
    assert len(only) == 50


def test_pyarrow_duckdb_and_polars_read_the_dataset_directly(tmp_path) -> None:
    duckdb = pytest.importorskip("duckdb")
    polars = pytest.importorskip("polars")
    write_dataset(contract_frame(), tmp_path / "ds")
    table = pads.dataset(tmp_path / "ds", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 200
    glob = str(tmp_path / "ds" / "**" / "*.parquet")
    query = (
        "select count(*), count(distinct region) "
        f"from read_parquet('{glob}', hive_partitioning=true)"
    )
    [(count, regions)] = duckdb.sql(query).fetchall()
    assert (count, regions) == (200, 3)
    lazy = polars.scan_parquet(glob, hive_partitioning=True)
    by_domain = lazy.group_by("domain").len().collect().sort("domain")
    assert by_domain["len"].to_list() == [100, 100]
    meta = json.loads(
        pads.dataset(tmp_path / "ds", format="parquet").schema.metadata[b"origin_frames"]
    )
    assert meta["format_version"] == 1


def test_existing_dataset_is_kept_unless_overwrite(tmp_path) -> None:
    write_dataset(contract_frame(), tmp_path / "ds")
    with pytest.raises(ConfigurationError, match="overwrite=True"):
        write_dataset(contract_frame(), tmp_path / "ds", overwrite=False)
    write_dataset(contract_frame(5), tmp_path / "ds")
    assert len(read_parquet(tmp_path / "ds")) == 20


def test_frame_without_domain_is_refused_with_the_fix(tmp_path) -> None:
    frame = contract_frame().drop(columns=["domain"])
    with pytest.raises(ValidationError, match="domain"):
        write_dataset(frame, tmp_path / "ds")


def test_reading_a_directory_that_is_not_a_dataset_says_so(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="No Parquet file or dataset"):
        read_parquet(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigurationError, match="no Parquet files"):
        read_parquet(tmp_path / "empty")


def test_single_file_round_trips_exactly_and_filters_like_a_dataset(tmp_path) -> None:
    from origin_frames import to_parquet

    frame = contract_frame()
    to_parquet(frame, tmp_path / "cells.parquet", metadata={"note": "x"})
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "cells.parquet"), frame)
    only = read_parquet(tmp_path / "cells.parquet", domains=["commodity"], regions=["all"])
    assert len(only) == 50
    assert set(only["domain"].astype(str)) == {"commodity"}


def test_a_directory_holding_other_files_is_never_deleted(tmp_path) -> None:
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious")
    with pytest.raises(ConfigurationError, match="not an origin_frames dataset"):
        write_dataset(contract_frame(5), keep, overwrite=True)
    assert (keep / "notes.txt").read_text() == "precious"
    with pytest.raises(ConfigurationError, match="is a file"):
        write_dataset(contract_frame(5), keep / "notes.txt")


def test_fleet_files_written_apart_read_back_as_one_frame_with_united_categories(
    tmp_path,
) -> None:
    from origin_frames._frames import empty_inputs_frame
    from origin_frames._parquet import finish_fleet_dataset, fleet_schema, write_fleet_part

    frame = contract_frame(10)
    meta = empty_inputs_frame().assign(scenario_id=pd.Series(dtype="str"))
    schema = fleet_schema(meta)
    staging, target = tmp_path / "staging", tmp_path / "fleet"
    written = []
    for sid, domain in (("s1", "technology"), ("s2", "commodity")):
        part = frame[(frame["domain"] == domain).to_numpy(dtype=bool)].copy()
        for column in ("variable", "unit"):  # each worker's frame knows only its categories
            part[column] = part[column].cat.remove_unused_categories()
        part.insert(0, "scenario_id", pd.Series(sid, index=part.index, dtype="str"))
        written += write_fleet_part(part, staging, schema, {"run": 1})
    finish_fleet_dataset(staging, target, schema, [w["contract"] for w in written], {"run": 1})
    assert not staging.exists() and (target / "_common_metadata").is_file()
    back = read_parquet(target)
    assert list(back["variable"].cat.categories) == ["capex", "price"]
    assert back["variable"].notna().all() and back["unit"].notna().all()
    assert sorted(back["scenario_id"].unique()) == ["s1", "s2"]
    assert len(back) == len(frame)
    assert read_dataset_metadata(target)["units"] == {
        "technology.capex": "GBP/kW", "commodity.price": "GBP/MWh"
    }
    only = read_parquet(target, scenario_ids=["s2"], regions=["gbr"])
    assert set(only["domain"].astype(str)) == {"commodity"} and len(only) == 10
    write_dataset(frame, tmp_path / "single")
    with pytest.raises(ConfigurationError, match="scenario_id"):
        read_parquet(tmp_path / "single", scenario_ids=["s1"])
