"""Scenario fleets on Dask: read, export and change many scenarios across a cluster.

A fleet is described by :class:`FleetSettings` (where the API is and how to talk to it,
never the token). Each task of a fleet runs on a Dask worker with its own client, built
from the settings: the worker resolves the token the way the client does (environment,
``~/.aurora-api-key``) or by calling the settings' ``credential``.

- :func:`read_fleet`: a lazy ``dask.dataframe`` with one partition per
  (scenario, region, domain);
- :func:`export_fleet`: one hive-partitioned Parquet dataset
  (``scenario_id=/domain=/region=``), written partition by partition;
- :func:`change_fleet`: one edit planned and applied per scenario, one result row each.

``max_requests`` bounds the requests in flight across every worker of the fleet (a
``distributed.Semaphore``; a process-wide semaphore on the local schedulers).

Dask is an optional dependency: ``pip install "origin-frames[dask]"``.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa

from ._client import OriginFrames
from ._config import Secret
from ._contract import DOMAINS, FREE_CATEGORIES, INDEX_LEVELS
from ._exceptions import ConfigurationError, OriginTimeoutError
from ._frames import empty_inputs_frame
from ._selectors import expand_selectors
from ._transport import Transport

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["FleetSettings", "change_fleet", "export_fleet", "read_fleet"]

Part = tuple[str, str, str]  # (scenario_id, region, domain)
Credential = Callable[[], str]
#: Longest wait for a fleet-wide request slot before a request gives up.
_SLOT_WAIT_S = 600.0
_CLIENT_OPTIONS = ("timeout", "max_retries", "batch_size", "concurrency",
                   "not_ready_deadline_s", "backoff_base")  # fmt: skip


def _require_dask() -> None:
    """Explains how to install Dask when it is missing."""
    try:
        import dask.dataframe  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            'Scenario fleets need Dask: pip install "origin-frames[dask]".'
        ) from exc


@dataclass(frozen=True)
class FleetSettings:
    """How every worker of a fleet reaches Origin; safe to pickle (no token inside).

    Attributes:
        scenario_base_url: Scenario service base URL.
        inputs_base_url: Inputs service base URL.
        options: Client keyword arguments (``timeout``, ``max_retries``, ``batch_size``,
            ``concurrency``, ``not_ready_deadline_s``, ``backoff_base``).
        credential: Called on a worker to get the token; a picklable callable such as a
            module-level function (None: the worker resolves ``AURORA_API_KEY`` or
            ``~/.aurora-api-key``, like the client).
        max_requests: Requests in flight at once across all workers (None: no limit
            beyond each worker's ``concurrency``).
        name: Names the fleet's worker clients and request semaphore.
        token: The driver's token, for tasks run in the driver's own process (the
            local threaded scheduler); it pickles as empty, so it never reaches a worker.

    Example:
        >>> fleet = FleetSettings.from_client(client, max_requests=8)
    """

    scenario_base_url: str
    inputs_base_url: str
    options: tuple[tuple[str, Any], ...] = ()
    credential: Credential | None = None
    max_requests: int | None = None
    name: str = field(default_factory=lambda: f"origin-fleet-{secrets.token_hex(6)}")
    token: Secret = field(default_factory=lambda: Secret(""), repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = sorted({k for k, _ in self.options} - set(_CLIENT_OPTIONS))
        if unknown:
            raise ConfigurationError(
                f"Unknown client options {unknown}: use any of {list(_CLIENT_OPTIONS)}."
            )
        if self.max_requests is not None and self.max_requests < 1:
            raise ConfigurationError("max_requests must be 1 or more (or None for no limit).")
        if self.credential is not None and not callable(self.credential):
            raise ConfigurationError("credential must be a callable returning the token.")

    @classmethod
    def from_client(
        cls,
        client: OriginFrames,
        *,
        credential: Credential | None = None,
        max_requests: int | None = None,
    ) -> FleetSettings:
        """The settings of a fleet that works like ``client`` (its URLs and options).

        Args:
            client: A configured client (its token stays in this process).
            credential: Called on each worker to get the token (see the class).
            max_requests: Requests in flight at once across all workers.

        Returns:
            The fleet settings.

        Example:
            >>> FleetSettings.from_client(client, max_requests=8).max_requests
            8
        """
        init = getattr(client, "_init_args", {})
        options = tuple((k, init[k]) for k in _CLIENT_OPTIONS if init.get(k) is not None)
        return cls(
            scenario_base_url=client.settings.scenario_base_url,
            inputs_base_url=client.settings.inputs_base_url,
            options=options,
            credential=credential,
            max_requests=max_requests,
            token=client.settings.token,
        )

    def client(self) -> OriginFrames:
        """This process's client of the fleet (made once, then shared by its tasks).

        Returns:
            A client whose requests pass the fleet's request limit.

        Raises:
            ConfigurationError: No token on this worker.
        """
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(self.name)
            if client is None:
                client = _CLIENTS[self.name] = self._new_client()
            return client

    def _new_client(self) -> OriginFrames:
        """A fresh client for this process, its transport behind the fleet's gate."""
        token = (self.credential() if self.credential is not None else None) or self.token.reveal()
        try:
            client = OriginFrames(
                token or None, self.scenario_base_url, self.inputs_base_url,
                progress=False, **dict(self.options),
            )  # fmt: skip
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"A fleet process (worker or driver) has no Origin token: {exc} Set it in each "
                "worker's "
                "environment, or pass credential= to FleetSettings."
            ) from exc
        if self.max_requests is not None:
            client.transport.close()
            client.transport = Transport(client.settings, gate=_gate(self))
        return client


_CLIENTS: dict[str, OriginFrames] = {}
_CLIENTS_LOCK = threading.Lock()
_LOCAL_SLOTS: dict[str, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()  # apart from _CLIENTS_LOCK, which is held while a client is made


def _gate(settings: FleetSettings) -> Callable[[], AbstractContextManager[None]]:
    """The fleet-wide request slot: a ``distributed.Semaphore`` on a worker, else local."""
    assert settings.max_requests is not None
    slots: Any
    try:
        from distributed import Semaphore, get_worker

        get_worker()
        slots = Semaphore(max_leases=settings.max_requests, name=settings.name)
    except (ImportError, ValueError):  # not on a distributed worker
        with _SLOTS_LOCK:
            slots = _LOCAL_SLOTS.setdefault(
                settings.name, threading.BoundedSemaphore(settings.max_requests)
            )

    @contextmanager
    def slot() -> Iterator[None]:
        if not slots.acquire(timeout=_SLOT_WAIT_S):
            raise OriginTimeoutError(
                f"No request slot of the fleet came free in {_SLOT_WAIT_S:g} s: raise "
                "max_requests, or check that the workers are not stuck."
            )
        try:
            yield
        finally:
            slots.release()

    return slot


# -- reading one partition ----------------------------------------------------------------------
def _read_domain(client: OriginFrames, part: Part) -> pd.DataFrame:
    """The cells of one (scenario, region, domain), only rows of that region and domain."""
    sid, region, domain = part
    if domain == "technology":
        frame = client.technologies(sid, [region])
    elif domain == "demand":
        frame = client.demand(sid, [region], domains=["demand"])
    elif domain == "demand_technology":
        frame = client.get_demand_technologies(sid, {"region": region})
    elif domain == "commodity":
        frame = client.commodities(sid, [region])
    else:  # an interconnector's row belongs to its `from` region
        frame = client._read_interconnectors(sid, {"from": region})
    regions = np.asarray(frame.index.get_level_values("region") == region, dtype=bool)
    keep = (frame["domain"] == domain).to_numpy(dtype=bool) & regions
    return frame if keep.all() else frame[keep]


def _part_frame(settings: FleetSettings, part: Part) -> pd.DataFrame:
    """One partition in the contract's shape, with a leading ``scenario_id`` column."""
    frame = _read_domain(settings.client(), part)
    frame.insert(0, "scenario_id", pd.array(_repeated(part[0], len(frame)), dtype="str"))
    return frame


def _read_part(part: Part, settings: FleetSettings, strings: str = "str") -> pd.DataFrame:
    """A ``from_map`` task: one partition, flat (Dask frames have one index level)."""
    return _flat(_read_domain(settings.client(), part), part[0], strings)


def _repeated(text: str, n: int) -> pa.LargeStringArray:
    """``text`` ``n`` times as one Arrow string array, built from its buffers (no per-row work)."""
    data = text.encode()
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))


def _flat(frame: pd.DataFrame, scenario_id: str, strings: str = "str") -> pd.DataFrame:
    """``scenario_id``, the index levels as columns, then the frame's own columns.

    Built on a view of the frame's columns (copy-on-write), not by ``reset_index``,
    which copies every column into a new frame first. String columns take the dtype
    ``strings`` (``"string[pyarrow]"`` where Dask converts strings to it: converting a
    whole partition afterwards cost more than the rest of the flattening).
    """
    n = len(frame)
    dtype = pd.api.types.pandas_dtype(strings)
    flat = frame.set_axis(pd.RangeIndex(n), axis=0)
    if dtype != "str":
        for loc, column_dtype in enumerate(frame.dtypes):
            if column_dtype == "str":
                flat.isetitem(loc, flat.iloc[:, loc].array.astype(dtype))
    for i, name in enumerate(INDEX_LEVELS):
        level = frame.index.get_level_values(name).array
        flat.insert(i, name, level.astype(dtype) if level.dtype == "str" else level)
    flat.insert(0, "scenario_id", pd.array(_repeated(scenario_id, n), dtype=dtype))
    return flat


def fleet_meta(strings: str = "str") -> pd.DataFrame:
    """The empty frame a fleet's partitions look like (categories of free columns unknown).

    Args:
        strings: The dtype of the string columns (``"str"``, or ``"string[pyarrow]"``
            as Dask's string conversion makes them).

    Returns:
        Zero rows: ``scenario_id, region, technology, year`` then the contract's columns.

    Example:
        >>> list(fleet_meta().columns[:4])
        ['scenario_id', 'region', 'technology', 'year']
    """
    from dask.dataframe.utils import clear_known_categories

    meta = _flat(empty_inputs_frame(), "", strings)
    return clear_known_categories(meta, cols=list(FREE_CATEGORIES))


# -- planning the partitions --------------------------------------------------------------------
def _check_domains(domains: Sequence[str] | None) -> list[str]:
    """The domains asked for, checked against the contract's."""
    chosen = list(DOMAINS) if domains is None else list(dict.fromkeys(domains))
    unknown = sorted(set(chosen) - set(DOMAINS))
    if unknown or not chosen:
        raise ConfigurationError(f"Unknown or no domains {unknown}: choose from {DOMAINS}.")
    return chosen


def fleet_parts(
    client: OriginFrames,
    scenarios: str | Sequence[str],
    regions: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
) -> list[Part]:
    """The (scenario, region, domain) partitions of a fleet, selectors expanded.

    Args:
        client: The driver's client (lists scenarios and their regions).
        scenarios: Scenario ids and selectors (``all:gbr``, ``latest:deu:central`` ...).
        regions: Regions of every scenario; None = each scenario's own regions.
        domains: Domains (default all five, ``demand_technology`` apart from ``demand``).

    Returns:
        The partitions, scenario by scenario.

    Raises:
        ConfigurationError: A selector matching nothing, or an unknown domain.

    Example:
        >>> fleet_parts(client, ["all:gbr:central"], regions=["gbr"])[:2]
        [('...', 'gbr', 'technology'), ('...', 'gbr', 'demand')]
    """
    chosen = _check_domains(domains)
    ids = expand_selectors(client, scenarios)
    if regions is not None:
        per_scenario = [list(regions)] * len(ids)
    else:
        per_scenario = client._run(
            lambda sid: list(client.get_technology_names(sid).index.unique(level="region")),
            ids, "regions",
        )  # fmt: skip
    return [(sid, r, d) for sid, rs in zip(ids, per_scenario, strict=True) for r in rs
            for d in chosen]  # fmt: skip


def read_fleet(
    settings: FleetSettings | OriginFrames,
    scenarios: str | Sequence[str],
    *,
    regions: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
) -> dd.DataFrame:
    """A lazy frame of many scenarios' inputs: one partition per (scenario, region, domain).

    Nothing is read until the frame is computed; each partition is then read by a worker
    with its own client (see :class:`FleetSettings`). Rows are the frame contract's, flat
    (``scenario_id, region, technology, year`` are columns); an interconnector row
    belongs to its ``from`` region.

    Args:
        settings: Fleet settings, or a client (``FleetSettings.from_client(client)``).
        scenarios: Scenario ids and selectors (``all:gbr``, ``project:<id>`` ...).
        regions: Regions of every scenario; None = each scenario's own regions.
        domains: Any of ``technology, demand, demand_technology, commodity,
            interconnector``; None = all.

    Returns:
        A ``dask.dataframe.DataFrame`` whose ``meta`` is the contract plus ``scenario_id``.

    Raises:
        ConfigurationError: Dask missing, an unknown domain, or a selector matching nothing.

    Example:
        >>> fleet = read_fleet(client, ["latest:gbr:central", "latest:gbr:high"],
        ...                    regions=["gbr"], domains=["commodity"])
        >>> fleet.npartitions
        2
        >>> fleet.groupby("scenario_id")["value"].mean().compute()
        scenario_id
        ...
        Name: value, dtype: float64
    """
    _require_dask()
    from dask.dataframe.utils import pyarrow_strings_enabled

    fleet, parts = _plan(settings, scenarios, regions, domains)
    # Dask converts every partition's "str" columns to "string[pyarrow]" (when its
    # `dataframe.convert-string` is on): make them so, rather than converted after.
    strings = "string[pyarrow]" if pyarrow_strings_enabled() else "str"
    return _from_map(_read_part, parts, label="origin-fleet-read", settings=fleet,
                     strings=strings, meta=fleet_meta(strings))  # fmt: skip


def _from_map(func: Callable[..., Any], parts: list[Part], label: str, **kwargs: Any
              ) -> dd.DataFrame:  # fmt: skip
    """``dd.from_map`` without Dask's string conversion step, for partitions already built
    in the dtype it converts to.

    With ``dataframe.convert-string`` on, ``from_map`` appends a conversion to every
    partition, and it ran as a task of its own per partition (160 extra tasks in a read of
    160 partitions, each a scheduler round and an ``astype`` that finds nothing to do).
    The setting is scoped to building the graph; it is read back nowhere later.
    """
    import dask
    import dask.dataframe as dd

    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_map(func, parts, label=label, enforce_metadata=False, **kwargs)


@contextmanager
def _driver(settings: FleetSettings | OriginFrames) -> Iterator[tuple[FleetSettings, OriginFrames]]:
    """The fleet's settings and a client for the driver's own listing requests."""
    fleet = settings if isinstance(settings, FleetSettings) else FleetSettings.from_client(settings)
    driver = settings if isinstance(settings, OriginFrames) else fleet._new_client()
    try:
        yield fleet, driver
    finally:
        if driver is not settings:
            driver.close()


def _plan(
    settings: FleetSettings | OriginFrames,
    scenarios: str | Sequence[str],
    regions: Sequence[str] | None,
    domains: Sequence[str] | None,
) -> tuple[FleetSettings, list[Part]]:
    """Fleet settings and partitions, listed by a driver client."""
    with _driver(settings) as (fleet, driver):
        parts = fleet_parts(driver, scenarios, regions, domains)
    if not parts:
        raise ConfigurationError("The fleet has no partitions: check the scenarios and regions.")
    return fleet, parts


# -- export -------------------------------------------------------------------------------------
def _export_part(part: Part, settings: FleetSettings, root: str, schema: Any,
                 metadata: Mapping[str, Any]) -> pd.DataFrame:  # fmt: skip
    """A task: read one partition, write its file, return only a summary (bounded memory)."""
    import json

    from ._parquet import write_fleet_part

    written = write_fleet_part(_part_frame(settings, part), root, schema, metadata)
    return pd.DataFrame(
        {
            "scenario_id": pd.Series([w["scenario_id"] for w in written], dtype="str"),
            "domain": pd.Series([w["domain"] for w in written], dtype="str"),
            "region": pd.Series([w["region"] for w in written], dtype="str"),
            "rows": pd.Series([w["rows"] for w in written], dtype="int64"),
            "contract": pd.Series([json.dumps(w["contract"]) for w in written], dtype="str"),
        }
    )


def export_fleet(
    settings: FleetSettings | OriginFrames,
    scenarios: str | Sequence[str],
    path: str | Path,
    *,
    regions: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    overwrite: bool = True,
) -> pd.DataFrame:
    """Writes many scenarios' inputs as one hive-partitioned Parquet dataset.

    The layout is ``scenario_id=<id>/domain=<d>/region=<r>/part-0.parquet`` plus a
    ``_common_metadata`` file holding the contract (dtypes, categories, units) merged
    over every file. Each task reads one partition and writes it at once, so a worker
    holds one partition at a time. Partitions are written to a staging directory next
    to ``path`` that replaces ``path`` only when every partition is written; the workers
    must see ``path``'s file system. Read it back with ``origin_frames.read_parquet``,
    DuckDB (``hive_partitioning=true``) or polars.

    Args:
        settings: Fleet settings, or a client.
        scenarios: Scenario ids and selectors.
        path: Directory of the dataset.
        regions: Regions of every scenario; None = each scenario's own regions.
        domains: Domains to write; None = all.
        metadata: Extra JSON-serialisable facts stored with the contract.
        overwrite: Replace a dataset previously written at ``path``.

    Returns:
        One row per file written: ``scenario_id, domain, region, rows``.

    Raises:
        ConfigurationError: ``path`` holds something else (or a dataset and not
            ``overwrite``), Dask is missing, or a selector matches nothing.
        OriginError: A partition could not be read (nothing replaces ``path`` then).

    Example:
        >>> export_fleet(client, "latest:gbr:central", "fleet", regions=["gbr"],
        ...              domains=["commodity", "demand"])
        scenario_id     domain region  rows
        0  ...  commodity    gbr   ...
        1  ...     demand    gbr   ...
    """
    _require_dask()
    import json

    import dask
    import dask.dataframe as dd

    from ._parquet import check_dataset_target, finish_fleet_dataset, fleet_schema

    target = Path(path).absolute()
    check_dataset_target(target, overwrite=overwrite)
    fleet, parts = _plan(settings, scenarios, regions, domains)
    schema = fleet_schema(empty_inputs_frame().assign(scenario_id=pd.Series(dtype="str")))
    staging = target.with_name(f".{target.name}.staging-{secrets.token_hex(4)}")
    staging.mkdir(parents=True)
    columns = ("scenario_id", "domain", "region", "rows", "contract")
    meta = pd.DataFrame({c: pd.Series(dtype="int64" if c == "rows" else "str") for c in columns})
    extra = dict(metadata or {})
    try:
        written = dd.from_map(
            _export_part, parts, settings=fleet, root=str(staging), schema=schema,
            metadata=extra, meta=meta, label="origin-fleet-export", enforce_metadata=False,
        )  # fmt: skip
        (summary,) = dask.compute(written)
        contracts = [json.loads(c) for c in summary["contract"]]
        extra["scenario_ids"] = list(dict.fromkeys(p[0] for p in parts))
        finish_fleet_dataset(staging, target, schema, contracts, extra)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return (
        summary.drop(columns="contract")
        .sort_values(["scenario_id", "domain", "region"], ignore_index=True)
    )


# -- change -------------------------------------------------------------------------------------
Change: TypeAlias = pd.DataFrame | Callable[[pd.DataFrame], pd.DataFrame]
RESULT_COLUMNS = ("scenario_id", "target_id", "status", "cells", "verified", "error")
_READ_DOMAINS = ("technology", "demand", "commodity", "interconnector")


@dataclass(frozen=True)
class _ChangeSpec:
    """What every scenario of a fleet change does (shipped to the workers)."""

    change: Change
    domains: tuple[str, ...] | None
    regions: tuple[str, ...] | None
    copy_into: str | None
    copy_name: str
    apply_options: tuple[tuple[str, Any], ...]


def _row(sid: str, target: str | None, status: str, cells: int = 0,
         verified: bool | None = None, error: str | None = None) -> dict[str, Any]:  # fmt: skip
    """One result row of a fleet change."""
    return {"scenario_id": sid, "target_id": target, "status": status, "cells": cells,
            "verified": verified, "error": error}  # fmt: skip


def _why(exc: BaseException) -> str:
    """An exception as one short line for the result table."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:500]


def _copy(client: OriginFrames, sid: str, spec: _ChangeSpec) -> str:
    """A new scenario made from ``sid`` in the project ``spec.copy_into``."""
    detail = client.get_scenario_by_id(sid)
    name = str(detail["name"].iloc[0]) if len(detail) else sid
    created = client.create_scenario({
        "projectGlobalId": spec.copy_into,
        "name": spec.copy_name.format(name=name, scenario_id=sid),
        "baseScenarioGlobalId": sid,
    })  # fmt: skip
    return str(created.index[0])


def _change_one(sid: str, settings: FleetSettings, spec: _ChangeSpec) -> pd.DataFrame:
    """A task: copy (optionally), plan and apply one scenario; always one result row."""
    client = settings.client()
    target: str | None = None
    try:
        target = _copy(client, sid, spec) if spec.copy_into else sid
        if callable(spec.change):
            current = client.inputs(target, domains=spec.domains, regions=spec.regions)
            plan = client.plan(target, spec.change(current.copy()), current=current)
        else:
            plan = client.plan(target, spec.change)
    except Exception as exc:  # one scenario's failure is its row, never the fleet's
        return pd.DataFrame([_row(sid, target, "failed", error=_why(exc))])
    return pd.DataFrame([_apply_one(client, sid, plan, spec)])


#: ApplyResult.outcome -> the fleet row's status ("partial" is a failure, said so in `error`).
_OUTCOMES = {
    "applied": "applied",
    "applied-unverified": "applied",
    "rolled-back": "rolled_back",
    "not-applied": "failed",
    "partial": "failed",
}


def _apply_one(client: OriginFrames, sid: str, plan: Any, spec: _ChangeSpec) -> dict[str, Any]:
    """Applies one plan with rollback (and verification); the result row."""
    from ._exceptions import ApplyError

    cells = len(plan)
    if not cells:
        return _row(sid, plan.scenario_id, "unchanged")
    options = {**dict(spec.apply_options), "on_error": "rollback"}
    error: str | None = None
    try:
        result = client.apply(plan, **options)
    except ApplyError as exc:
        if exc.result is None:
            return _row(sid, plan.scenario_id, "failed", cells, error=_why(exc))
        result, error = exc.result, _why(exc)
    except Exception as exc:  # raised before anything was sent (rules, stale check, reads)
        return _row(sid, plan.scenario_id, "failed", cells, error=_why(exc))
    outcome = result.outcome
    if outcome == "applied-unverified":
        error = f"applied, not verified: {result.verify_error}"
    elif outcome == "partial":
        error = f"the scenario is PARTLY changed (see the apply's calls): {error}"
    return _row(sid, plan.scenario_id, _OUTCOMES.get(outcome, "failed"), cells,
                result.verified, error)  # fmt: skip


def change_fleet(
    settings: FleetSettings | OriginFrames,
    scenarios: str | Sequence[str],
    change: Change,
    *,
    domains: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    copy_into: str | None = None,
    copy_name: str = "{name} (fleet copy)",
    apply_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Plans and applies one edit on every scenario of a fleet, in parallel.

    Each scenario is its own task: read (when ``change`` is a function), plan, apply
    with ``on_error="rollback"``, then verify. A failure is that scenario's row; it
    never stops or touches another scenario, and a scenario whose apply failed is
    rolled back (the row says so, and says when it is partly changed because a
    rollback itself failed).

    Args:
        settings: Fleet settings, or a client.
        scenarios: Scenario ids and selectors.
        change: A change frame (the same for every scenario), or a function of a
            scenario's current cells (``OriginFrames.inputs``) returning the desired cells.
        domains: Domains a change function sees (``technology, demand, commodity,
            interconnector``); None = all.
        regions: Regions a change function sees; None = all.
        copy_into: A project id: change a new copy of each scenario made there, not the
            scenario itself.
        copy_name: Name of each copy (``{name}`` and ``{scenario_id}`` are filled in).
        apply_options: ``OriginFrames.apply`` options (``batch_size``, ``retries`` ...).

    Returns:
        One row per scenario: ``scenario_id, target_id`` (the copy, if any), ``status``
        (``applied``, ``unchanged``, ``rolled_back``, ``failed``), ``cells`` planned,
        ``verified`` and ``error`` (why, when not applied).

    Raises:
        ConfigurationError: Dask missing, a selector matching nothing, a bad domain.

    Example:
        >>> project_id = client.create_project({"name": "fleet copies"}).index[0]
        >>> def dearer_gas(frame):
        ...     return frame[frame["variable"] == "price"].assign(value=lambda f: f.value * 1.1)
        >>> done = change_fleet(client, "latest:gbr:central", dearer_gas, domains=["commodity"],
        ...                     regions=["gbr"], copy_into=project_id)
        >>> done[["status", "verified"]].to_dict("records")
        [{'status': 'applied', 'verified': True}]
    """
    _require_dask()
    import dask
    import dask.dataframe as dd

    if not (callable(change) or isinstance(change, pd.DataFrame)):
        raise TypeError("change must be a change frame or a function of the current frame.")
    if domains is not None and set(domains) - set(_READ_DOMAINS):
        raise ConfigurationError(
            f"change_fleet reads the domains {list(_READ_DOMAINS)}; got {list(domains)}."
        )
    with _driver(settings) as (fleet, driver):
        ids = expand_selectors(driver, scenarios)
    spec = _ChangeSpec(
        change, tuple(domains) if domains is not None else None,
        tuple(regions) if regions is not None else None, copy_into, copy_name,
        tuple((apply_options or {}).items()),
    )  # fmt: skip
    meta = pd.DataFrame(
        {"scenario_id": pd.Series(dtype="str"), "target_id": pd.Series(dtype="object"),
         "status": pd.Series(dtype="str"), "cells": pd.Series(dtype="int64"),
         "verified": pd.Series(dtype="object"), "error": pd.Series(dtype="object")}
    )  # fmt: skip
    rows = dd.from_map(_change_one, ids, settings=fleet, spec=spec, meta=meta,
                       label="origin-fleet-change", enforce_metadata=False)  # fmt: skip
    (result,) = dask.compute(rows)
    return result.reset_index(drop=True)[list(RESULT_COLUMNS)]
