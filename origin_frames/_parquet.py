"""Parquet for frames: single files (:func:`to_parquet`) and hive-partitioned datasets
(:func:`write_dataset`, ``domain=.../region=.../part-0.parquet``; a scenario fleet's
export adds a leading ``scenario_id=...`` level and a ``_common_metadata`` file).

Every file carries the frame contract in its schema metadata (key ``origin_frames``):
the dtypes and categories of every column, the index levels, the units per variable
and whatever the caller adds (scenario id, export time). :func:`read_parquet` reads a
file or a dataset back into exactly the frame that was written; pyarrow.dataset,
DuckDB and polars read the files directly.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    import pyarrow.dataset as ds

from ._exceptions import ConfigurationError, ValidationError

METADATA_KEY = b"origin_frames"
PARTITIONS: tuple[str, ...] = ("domain", "region")
FLEET_PARTITIONS: tuple[str, ...] = ("scenario_id", "domain", "region")
COMMON_METADATA = "_common_metadata"
FORMAT_VERSION = 1


def _column_spec(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Dtype (and category order) of every column, so reading restores them exactly."""
    spec: dict[str, dict[str, Any]] = {}
    for name, dtype in frame.dtypes.items():
        entry: dict[str, Any] = {"dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            entry["categories"] = [str(c) for c in dtype.categories]
        spec[str(name)] = entry
    return spec


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for null) and their values: a categorical's own, else factorized."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(dtype=np.int64), column.cat.categories
    code, unique = pd.factorize(column, use_na_sentinel=True)
    return code.astype(np.int64), pd.Index(unique)


def _units(frame: pd.DataFrame) -> dict[str, str]:
    """Unit of each (domain, variable), as recorded in the frame."""
    if not {"domain", "variable", "unit"} <= set(frame.columns) or frame.empty:
        return {}
    # The (domain, variable, unit) combinations, counted on integer codes: one pass, no sort.
    codes, uniques = zip(*(_codes(frame[name]) for name in ("domain", "variable", "unit")),
                         strict=True)  # fmt: skip
    sizes = [len(u) + 1 for u in uniques]  # + 1: null (-1) is code 0 after the shift
    key = ((codes[0] + 1) * sizes[1] + codes[1] + 1) * sizes[2] + codes[2] + 1
    present = np.flatnonzero(np.bincount(key, minlength=sizes[0] * sizes[1] * sizes[2]))
    d, rest = np.divmod(present, sizes[1] * sizes[2])
    v, u = np.divmod(rest, sizes[2])
    units = {}
    for di, vi, ui in zip((d - 1).tolist(), (v - 1).tolist(), (u - 1).tolist(), strict=True):
        if di >= 0 and vi >= 0 and ui >= 0:
            units[f"{uniques[0][di]}.{uniques[1][vi]}"] = str(uniques[2][ui])
    return units


def _index_spec(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Dtypes of the named index levels, read off the levels (no per-row work)."""
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        dtypes = {name: level.dtype for name, level in zip(index.names, index.levels, strict=True)}
    else:
        dtypes = {index.name: index.dtype}
    spec: dict[str, dict[str, Any]] = {}
    for name, dtype in dtypes.items():
        if name is None:
            continue
        entry: dict[str, Any] = {"dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            entry["categories"] = [str(c) for c in dtype.categories]
        spec[str(name)] = entry
    return spec


def _table(frame: pd.DataFrame, extra: Mapping[str, Any] | None) -> pa.Table:
    """The frame (named index levels as columns) as an Arrow table carrying its contract."""
    named = [n for n in frame.index.names if n is not None]
    body = frame.copy(deep=False)
    body.attrs = {}
    # Index levels become columns inside the Arrow conversion: no reset_index copy.
    table = pa.Table.from_pandas(body, preserve_index=bool(named))
    if not named:
        table = table.drop_columns([c for c in table.column_names if c not in frame.columns])
    contract = {
        "format_version": FORMAT_VERSION,
        "index": named,
        "columns": {**_index_spec(frame), **_column_spec(frame)},
        "units": _units(frame),
        "extra": dict(extra or {}),
    }
    return table.replace_schema_metadata(
        {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(contract, default=str).encode()}
    )


def to_parquet(
    frame: pd.DataFrame,
    path: str | os.PathLike[str] | io.IOBase,
    *,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Writes any frame of ``origin_frames`` to one Parquet file, restorable exactly.

    Args:
        frame: An input frame, a catalogue frame or a plan frame.
        path: File path or binary buffer.
        metadata: Extra JSON-serialisable facts stored with the contract.

    Example:
        >>> ccgt = client.get_technology(published_id, "CCGT", region="gbr")
        >>> to_parquet(ccgt, "ccgt.parquet")
        >>> read_parquet("ccgt.parquet").equals(ccgt)
        True
    """
    import pyarrow.parquet as pq  # lazily: pyarrow's file layer costs import time

    pq.write_table(_table(frame, metadata), path)


def check_dataset_target(path: str | Path, *, overwrite: bool = True) -> None:
    """Refuses a dataset directory whose contents writing there would destroy.

    Args:
        path: Where a dataset is about to be written.
        overwrite: Whether a previous dataset there may be replaced.

    Raises:
        ConfigurationError: ``path`` is a file, holds anything but a previous dataset
            (``[scenario_id=*/]domain=*/region=*/*.parquet``), or holds a dataset and
            ``overwrite`` is False.
    """
    target = Path(path)
    if not target.exists():
        return
    if not target.is_dir():
        raise ConfigurationError(f"{target} is a file: give a directory for the dataset.")
    entries = list(target.iterdir())
    if not entries:
        return
    partition_dirs = all(
        (e.is_dir() and e.name.startswith(("domain=", "scenario_id=")))
        or (e.is_file() and e.name == COMMON_METADATA)
        for e in entries
    )
    foreign = [
        e for e in target.rglob("*")
        if not (e.is_dir() and e.name.partition("=")[0] in FLEET_PARTITIONS)
        and not (e.is_file() and (e.suffix == ".parquet" or e.name == COMMON_METADATA))
    ]  # fmt: skip
    if foreign or not partition_dirs:
        raise ConfigurationError(
            f"{target} holds files that are not an origin_frames dataset, and writing a "
            "dataset replaces the directory: give a new or empty directory."
        )
    if not overwrite:
        raise ConfigurationError(
            f"{target} already holds a dataset. Choose an empty directory or pass overwrite=True."
        )


def write_dataset(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    metadata: Mapping[str, Any] | None = None,
    overwrite: bool = True,
) -> pd.DataFrame:
    """Writes an input frame as a hive-partitioned Parquet dataset.

    Args:
        frame: A frame of the input contract (index ``region, technology, year``),
            for instance the concatenation of every domain from ``OriginFrames.inputs``.
        path: Directory of the dataset; created if missing.
        metadata: Extra JSON-serialisable facts stored in every file (scenario id, ...).
        overwrite: Replace a dataset previously written at ``path``. A directory
            holding anything else is never deleted: that is always an error.

    Returns:
        A summary frame, one row per partition: ``domain, region, rows``.

    Raises:
        ConfigurationError: ``path`` holds files that are not a dataset of this module,
            or a dataset while ``overwrite`` is False.
        ValidationError: the frame lacks a partition column.

    Example:
        >>> frame = client.inputs(published_id, domains=["demand", "commodity"], regions=["gbr"])
        >>> write_dataset(frame, "out/gbr")
              domain region  rows
        0  commodity    gbr   ...
        1     demand    gbr   ...
    """
    import pyarrow.parquet as pq  # lazily: pyarrow's file layer costs import time

    target = Path(path)
    check_dataset_target(target, overwrite=overwrite)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)

    table = _table(frame, metadata)
    flat_columns = set(table.column_names)
    missing = [p for p in PARTITIONS if p not in flat_columns]
    if missing:
        report = pd.DataFrame({"column": missing, "reason": "missing", "fix": "add the column"})
        raise ValidationError(
            f"Cannot partition the dataset: column(s) {missing} are missing. "
            "Pass a frame of the input contract (index region, technology, year; column domain).",
            report=report,
        )
    groups = _partition_groups(frame)
    if not groups.contiguous:
        table = table.take(pa.array(groups.order))
    # Partition values live in the directory names, like pyarrow's hive writer does.
    body = table.drop_columns(list(PARTITIONS))

    def write_one(number: int) -> None:
        start, stop = int(groups.starts[number]), int(groups.stops[number])
        labels = zip(PARTITIONS, groups.labels[number], strict=True)
        folder = target.joinpath(*(f"{name}={value}" for name, value in labels))
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(body.slice(start, stop - start), folder / "part-0.parquet")

    # Parquet encoding releases the GIL: partitions are written side by side.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        list(pool.map(write_one, range(len(groups.labels))))
    return pd.DataFrame(
        {
            "domain": [label[0] for label in groups.labels],
            "region": [label[1] for label in groups.labels],
            "rows": (groups.stops - groups.starts).astype("int64"),
        }
    ).sort_values(list(PARTITIONS), ignore_index=True)


@dataclass(frozen=True)
class _Groups:
    """Row ranges of each partition (after ``order`` when the rows are not contiguous)."""

    labels: list[tuple[str, str]]
    starts: np.ndarray
    stops: np.ndarray
    order: np.ndarray | None
    contiguous: bool


def _partition_groups(frame: pd.DataFrame) -> _Groups:
    """Finds each (domain, region) run with integer codes, without a per-row Python loop."""
    codes, uniques = [], []
    for name in PARTITIONS:
        if name in frame.index.names and isinstance(frame.index, pd.MultiIndex):
            # An index level already holds codes and their values: nothing to hash.
            level = frame.index.names.index(name)
            code, unique = frame.index.codes[level], frame.index.levels[level]
        elif name in frame.columns and isinstance(frame[name].dtype, pd.CategoricalDtype):
            code, unique = frame[name].cat.codes, frame[name].cat.categories
            if (code < 0).any():  # a null partition value: factorize (nulls as a value)
                code, unique = pd.factorize(frame[name], use_na_sentinel=False)
        else:
            values = frame.index if name in frame.index.names else frame[name]
            code, unique = pd.factorize(values, use_na_sentinel=False)
        codes.append(np.asarray(code, dtype=np.int64))
        uniques.append(list(unique))
    key = codes[0] * len(uniques[1]) + codes[1]
    change = np.flatnonzero(np.diff(key)) + 1
    # Distinct keys counted on the small key space (no sort of every row).
    distinct = np.count_nonzero(np.bincount(key)) if len(key) else 0
    contiguous = len(change) + 1 == distinct if len(key) else True
    order = None
    if not contiguous:
        order = np.argsort(key, kind="stable")
        key = key[order]
        change = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], change]).astype(np.int64) if len(key) else np.array([], "i8")
    stops = np.concatenate([change, [len(key)]]).astype(np.int64) if len(key) else starts
    labels = [
        (str(uniques[0][k // len(uniques[1])]), str(uniques[1][k % len(uniques[1])]))
        for k in key[starts]
    ]
    return _Groups(labels, starts, stops, order, contiguous)


def read_dataset_metadata(path: str | Path) -> dict[str, Any]:
    """The ``origin_frames`` contract stored in a dataset's files (or its common metadata)."""
    dataset = _open(Path(path))
    raw = (dataset.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ConfigurationError(
            f"{path} is not an origin_frames dataset (no '{METADATA_KEY.decode()}' metadata). "
            "Write it with `origin-frames export` or origin_frames.write_dataset."
        )
    return dict(json.loads(raw))


def _open(target: Path) -> ds.Dataset:
    """Opens a dataset directory with hive partitioning, or explains what is wrong."""
    import pyarrow.dataset as ds  # lazily: pyarrow's dataset layer costs import time
    import pyarrow.parquet as pq

    if not target.is_dir():
        raise ConfigurationError(f"No dataset directory at {target}. Check the path.")
    files = sorted(target.rglob("*.parquet"))
    if not files:
        raise ConfigurationError(f"{target} holds no Parquet files. Check the path.")
    common = target / COMMON_METADATA
    # Take the schema (and its metadata) from the common metadata (a fleet's, merged over
    # every partition) or a data file, rather than letting pyarrow infer one without it.
    if common.is_file():
        schema = pq.read_schema(common)
    else:
        schema = ds.dataset(files[0], format="parquet").schema
    fleet = any(e.name.startswith("scenario_id=") for e in target.iterdir())
    names = FLEET_PARTITIONS if fleet else PARTITIONS
    fields = pa.schema([(name, pa.string()) for name in names])
    partitioning = ds.partitioning(fields, flavor="hive")
    full_schema = pa.unify_schemas([schema, fields]).with_metadata(schema.metadata)
    return ds.dataset(target, format="parquet", partitioning=partitioning, schema=full_schema)


def _restore(flat: pd.DataFrame, spec: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Gives every column back its recorded dtype and category order."""
    out = {}
    for name, entry in spec.items():
        if name not in flat.columns:
            continue
        column = flat[name]
        dtype = entry["dtype"]
        if dtype == "category":
            categories = pd.Index(entry.get("categories", []), dtype="str")
            column = column.astype("string").astype(pd.CategoricalDtype(categories))
        elif str(column.dtype) != dtype:
            column = column.astype(dtype)
        out[name] = column
    return pd.DataFrame(out, index=flat.index)[[c for c in spec if c in flat.columns]]


def read_parquet(
    path: str | os.PathLike[str] | io.IOBase,
    *,
    domains: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    scenario_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Reads a file of :func:`to_parquet` or a dataset of :func:`write_dataset` back.

    A fleet's dataset (``export_fleet``) reads back with a ``scenario_id`` column.

    Args:
        path: A Parquet file, a binary buffer, or a dataset directory.
        domains: Only these domains (in a dataset, other partitions are not read).
        regions: Only these regions.
        scenario_ids: Only these scenarios (a fleet's dataset).

    Returns:
        The frame with the index, dtypes and categories it was written with.

    Raises:
        ConfigurationError: ``path`` is not an origin_frames dataset.

    Example:
        >>> frame = client.inputs(published_id, domains=["demand", "commodity"], regions=["gbr"])
        >>> summary = write_dataset(frame, "out/gbr")
        >>> demand = read_parquet("out/gbr", domains=["demand"])
        >>> demand["domain"].unique().tolist(), len(demand) == sum(frame["domain"] == "demand")
        (['demand'], True)
    """
    import pyarrow.dataset as ds  # lazily: pyarrow's dataset layer costs import time
    import pyarrow.parquet as pq

    if isinstance(path, io.IOBase) or not Path(path).is_dir():
        if not isinstance(path, io.IOBase) and not Path(path).exists():
            raise ConfigurationError(f"No Parquet file or dataset at {path}. Check the path.")
        table = pq.read_table(path)
        frame = _from_table(table)
        return _select(frame, domains, regions, scenario_ids)
    target = Path(path)
    dataset = _open(target)
    contract = read_dataset_metadata(target)
    expression = None
    for name, wanted in (("domain", domains), ("region", regions), ("scenario_id", scenario_ids)):
        if wanted is not None and name not in dataset.schema.names:
            raise ConfigurationError(
                f"{target} has no {name} column to select on: drop the {name} filter."
            )
        if wanted is not None:
            values = [str(v) for v in wanted]
            condition = ds.field(name).isin(values)
            expression = condition if expression is None else expression & condition
    return _from_table(dataset.to_table(filter=expression), contract)


def _from_table(table: pa.Table, contract: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The frame an Arrow table holds, dtypes and index restored from its contract."""
    if contract is None:
        raw = (table.schema.metadata or {}).get(METADATA_KEY)
        contract = json.loads(raw) if raw is not None else None
    if contract is None:  # a foreign Parquet file: plain pandas conversion
        return table.to_pandas()
    frame = _restore(table.to_pandas(ignore_metadata=True), contract["columns"])
    index = contract.get("index") or []
    return frame.set_index(index) if index else frame


def _select(
    frame: pd.DataFrame, domains: Iterable[str] | None, regions: Iterable[str] | None,
    scenario_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows of the given domains and regions (a single file has no partitions to prune)."""
    mask = np.ones(len(frame), dtype=bool)
    for name, wanted in (("domain", domains), ("region", regions), ("scenario_id", scenario_ids)):
        if wanted is None:
            continue
        if name not in frame.columns and name not in frame.index.names:
            raise ConfigurationError(f"The file has no {name} column: drop the {name} filter.")
        values = frame.index.get_level_values(name) if name in frame.index.names else frame[name]
        mask &= pd.Index(values).astype("string").isin([str(v) for v in wanted])
    return frame if mask.all() else frame[mask]


# -- fleet datasets: one file per (scenario, domain, region), written as they come ------------
def fleet_schema(meta: pd.DataFrame) -> pa.Schema:
    """The Arrow schema every partition file of a fleet dataset is cast to.

    Categorical columns become ``dictionary<int32, string>`` whatever their number of
    categories, so that files written by different workers share one schema.

    Args:
        meta: An empty frame of the input contract plus a ``scenario_id`` column.

    Returns:
        The schema of the files (partition columns left out, as in the directory names).
    """
    table = _table(meta, None)
    fields = []
    for name in table.column_names:
        if name in FLEET_PARTITIONS:
            continue
        field = table.schema.field(name)
        if pa.types.is_dictionary(field.type):
            field = field.with_type(pa.dictionary(pa.int32(), pa.string()))
        fields.append(field)
    return pa.schema(fields)


def write_fleet_part(
    frame: pd.DataFrame, root: str | Path, schema: pa.Schema, metadata: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Writes the rows of one scenario's frame under ``root``, one file per domain and region.

    Args:
        frame: Input-contract frame with a ``scenario_id`` column (one scenario).
        root: The dataset's (staging) directory.
        schema: From :func:`fleet_schema`.
        metadata: Extra facts stored with the contract of each file.

    Returns:
        Per file written: ``scenario_id, domain, region, rows`` and its ``contract``.
    """
    import pyarrow.parquet as pq  # lazily: pyarrow's file layer costs import time

    if frame.empty:
        return []
    table = _table(frame, metadata)
    contract = json.loads(table.schema.metadata[METADATA_KEY])
    groups = _partition_groups(frame)
    if not groups.contiguous:
        table = table.take(pa.array(groups.order))
    sid = str(frame["scenario_id"].iloc[0])
    body = table.select(schema.names).cast(schema).replace_schema_metadata(
        {METADATA_KEY: json.dumps(contract).encode()}
    )
    written = []
    for (domain, region), start, stop in zip(groups.labels, groups.starts, groups.stops,
                                             strict=True):  # fmt: skip
        labels = (("scenario_id", sid), ("domain", domain), ("region", region))
        folder = Path(root).joinpath(*(f"{k}={quote(v, safe='')}" for k, v in labels))
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(body.slice(int(start), int(stop - start)), folder / "part-0.parquet")
        written.append({"scenario_id": sid, "domain": domain, "region": region,
                        "rows": int(stop - start), "contract": contract})  # fmt: skip
    return written


def _merge_contracts(
    contracts: list[Mapping[str, Any]], extra: Mapping[str, Any]
) -> dict[str, Any]:
    """One contract for a fleet dataset: categories and units united over every file."""
    columns: dict[str, dict[str, Any]] = {}
    for contract in contracts:
        for name, entry in contract["columns"].items():
            known = columns.setdefault(name, dict(entry))
            if "categories" in entry and known.get("categories") != entry["categories"]:
                known["categories"] = sorted(set(known["categories"]) | set(entry["categories"]))
    units: dict[str, str] = {}
    for contract in contracts:
        units.update(contract.get("units") or {})
    index = contracts[0]["index"] if contracts else []
    return {"format_version": FORMAT_VERSION, "index": index, "columns": columns,
            "units": units, "extra": dict(extra)}  # fmt: skip


def finish_fleet_dataset(
    staging: str | Path,
    target: str | Path,
    schema: pa.Schema,
    contracts: list[Mapping[str, Any]],
    metadata: Mapping[str, Any],
) -> None:
    """Writes the merged ``_common_metadata`` and moves the staged dataset into place.

    The previous dataset at ``target`` (checked by :func:`check_dataset_target`) is
    replaced only now, after every partition was written.

    Args:
        staging: The directory the partitions were written to (same file system).
        target: The dataset's final directory.
        schema: From :func:`fleet_schema`.
        contracts: The contract of every file written.
        metadata: Extra facts for the merged contract.
    """
    import pyarrow.parquet as pq  # lazily: pyarrow's file layer costs import time

    merged = _merge_contracts(contracts, metadata)
    pq.write_metadata(
        schema.with_metadata({METADATA_KEY: json.dumps(merged, default=str).encode()}),
        Path(staging) / COMMON_METADATA,
    )
    final = Path(target)
    old = final.with_name(final.name + ".old")
    if final.exists():
        if old.exists():
            shutil.rmtree(old)
        final.rename(old)
    Path(staging).rename(final)
    if old.exists():
        shutil.rmtree(old)
