"""Scenario outputs: download CSVs as tidy long frames, cached on disk as Parquet.

The flow is the official client's: the scenario's ``regions`` give a region's
``metaUrl`` and ``dataUrlBase``; the meta JSON lists the downloads (filename
templates with ``{currency}``, ``{year}``, ``{nodename}``); asking for
``dataUrlBase + filename`` with ``noredirect=true&checkstatus=true`` answers 425
while the file is generated (polled by the transport until its deadline), then a
``location`` with a short-lived URL, which serves CSV text with two header rows
(names, then units).

The cache file is ``<cache dir>/<scenario id>/<key>--<run id>.parquet``: the key is
a SHA-256 of the request (base URL, scenario, region, type, granularity, currency,
year, node, sub-type), never Python's ``hash()``, so it is stable across processes;
the scenario's latest run id makes a re-run scenario miss the old run's files. The
cache directory is ``cache_dir=`` of the client, else ``$ORIGIN_FRAMES_CACHE_DIR``,
else ``~/.cache/origin_frames/outputs``; :func:`clear_cache` empties it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ._exceptions import (
    ConfigurationError,
    NotFoundError,
    OriginConnectionError,
    OriginTimeoutError,
    ServerError,
)
from ._lazy import LazyModule
from ._parquet import read_parquet, to_parquet

if TYPE_CHECKING:
    from . import schemas
    from ._config import Settings
    from ._transport import Transport
else:  # pandera loads at the first validation, not at import
    schemas = LazyModule("origin_frames.schemas")

__all__ = [
    "CACHE_ENV",
    "cache_key",
    "clear_cache",
    "default_cache_dir",
    "get_scenario_outputs",
    "joined",
    "parse_csv",
    "to_zone",
]

log = logging.getLogger(__name__)

CACHE_ENV = "ORIGIN_FRAMES_CACHE_DIR"
_TIME_UNITS = {"year": "year", "month": "month", "utc": "datetime"}
_ID_UNITS = {"-", ""}


def default_cache_dir() -> Path:
    """``$ORIGIN_FRAMES_CACHE_DIR``, else ``~/.cache/origin_frames/outputs``.

    Returns:
        The directory (not created here).

    Example:
        >>> default_cache_dir() == Path(os.environ["ORIGIN_FRAMES_CACHE_DIR"])
        True
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return Path.home() / ".cache" / "origin_frames" / "outputs"


def cache_key(request: Mapping[str, Any]) -> str:
    """Stable hex key of an output request (SHA-256 of its sorted JSON).

    Args:
        request: JSON-serialisable request fields.

    Returns:
        64 hex characters.

    Example:
        >>> len(cache_key({"scenario": "s", "region": "gbr"}))
        64
    """
    blob = json.dumps(dict(request), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _slug(name: str) -> str:
    """``Baseload price`` -> ``baseload_price`` (a CSV header label as a column name)."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def parse_csv(text: str) -> pd.DataFrame:
    """A two-header-row output CSV as a tidy long frame.

    Time columns (unit ``year``, ``month``, ``UTC``) become ``year``/``month``
    (``Int64``) and ``datetime`` (UTC); other label columns (unit ``-``) are kept as
    categoricals; every numeric column becomes rows of ``series``, ``unit``, ``value``.

    Args:
        text: The CSV text (names row, units row, data).

    Returns:
        The long frame (schema ``ScenarioOutputs``).

    Raises:
        ServerError: The CSV lacks its two header rows.

    Example:
        >>> parse_csv("Year,Price\\nyear,gbp/MWh\\n2030,70\\n")
           year series     unit  value
        0  2030  Price  gbp/MWh   70.0
    """
    raw = pd.read_csv(io.StringIO(text), header=[0, 1])
    if raw.columns.nlevels != 2:
        raise ServerError("The output file lacks its two header rows (names, units).")
    names = [str(c[0]) for c in raw.columns]
    units = ["" if str(c[1]).startswith("Unnamed") else str(c[1]) for c in raw.columns]
    raw.columns = names
    ids: dict[str, Any] = {}
    value_cols: list[str] = []
    value_units: list[str] = []
    for name, unit in zip(names, units, strict=True):
        kind = _TIME_UNITS.get(unit.lower())
        column = raw[name]
        if kind in ("year", "month"):
            ids[kind] = pd.array(column.to_numpy(), dtype="Int64")
        elif kind == "datetime":
            ids["datetime"] = pd.to_datetime(column, utc=True, format="ISO8601").dt.as_unit("ns")
        elif unit in _ID_UNITS or not pd.api.types.is_numeric_dtype(column):
            ids[_slug(name)] = pd.Categorical(column.astype(str))
        else:
            value_cols.append(name)
            value_units.append(unit)
    rows, width = len(raw), len(value_cols)
    values = raw[value_cols].to_numpy(dtype=float) if width else np.empty((rows, 0))
    take = np.tile(np.arange(rows), width)
    data: dict[str, Any] = {
        name: pd.Series(column).take(take).reset_index(drop=True) for name, column in ids.items()
    }
    codes = np.repeat(np.arange(width), rows)
    data["series"] = pd.Categorical.from_codes(codes, pd.Index(value_cols, dtype="str"))
    unit_index = pd.Index(sorted(set(value_units)), dtype="str")
    data["unit"] = pd.Categorical.from_codes(
        np.repeat(unit_index.get_indexer(value_units), rows), unit_index
    )
    data["value"] = values.ravel(order="F")
    frame = pd.DataFrame(data)
    return schemas.validate(frame, schemas.ScenarioOutputs)


class OutputsClient(Protocol):
    """What a download needs from the client: its transport, settings, cache and scenarios.

    ``OriginFrames`` satisfies it structurally; this module never imports the client.
    """

    @property
    def transport(self) -> Transport:
        """The transport the metadata, config and file requests go through."""
        ...

    @property
    def settings(self) -> Settings:
        """Where the scenario service lives (``scenario_base_url``)."""
        ...

    @property
    def cache_dir(self) -> Path | None:
        """The Parquet cache directory; None for :func:`default_cache_dir`."""
        ...

    def get_scenario_by_id(self, scenario_id: str) -> pd.DataFrame:
        """One scenario's row, its ``regions`` in ``attrs`` (see ``OriginFrames``)."""
        ...


def _region_urls(
    client: OutputsClient, scenario_id: str, regions: Mapping[str, Any], region: str
) -> Mapping[str, Any]:
    """The region's ``metaUrl``/``dataUrlBase``, derived like the official client when absent."""
    if region in regions:
        return regions[region]
    if not regions:
        raise NotFoundError(f"Scenario {scenario_id!r} has no downloadable regions.")
    base_code, base = next(iter(regions.items()))
    data = client.transport.graphql("scenario", "query { getConfig { regionGroups } }")
    config = data["getConfig"]
    for group in (config.get("regionGroups") or {}).values():
        members = group.get("regions") or {}
        if base_code in members or base_code == group.get("regionGroupCode"):
            if region in members:
                return {
                    "regionCode": region,
                    "metaUrl": base["metaUrl"].replace(f"/{base_code}/", f"/{region}/"),
                    "dataUrlBase": base["dataUrlBase"].replace(f"/{base_code}/", f"/{region}/"),
                }
    raise NotFoundError(
        f"Region {region!r} is not downloadable for scenario {scenario_id!r}: use one of "
        f"{sorted(regions)} or another region of its region group."
    )


def get_scenario_outputs(
    client: OutputsClient,
    scenario_id: str,
    region: str,
    download_type: str,
    granularity: str,
    currency: str | None = None,
    year: int | None = None,
    *,
    node: str | None = None,
    sub_type: str | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Downloads (or reads from cache) one scenario output as a tidy long frame.

    Args:
        client: The client whose transport and cache directory to use.
        scenario_id: The scenario id.
        region: Region code.
        download_type: ``system``, ``technology``, ``interconnector`` ...
        granularity: ``1y``, ``1m``, ``1h`` ...
        currency: Currency such as ``gbp2024``; None = the scenario's default.
        year: Year, for downloads whose filename has ``{year}``.
        node: Node, for downloads whose filename has ``{nodename}``.
        sub_type: Disambiguates downloads sharing type and granularity.
        use_cache: Read and write the Parquet cache.

    Returns:
        The long frame (schema ``ScenarioOutputs``).

    Raises:
        NotFoundError: Unknown scenario, region or download.
        ConfigurationError: A year/node given where the download has none, or missing
            where it needs one.
        DataNotReadyTimeout: The file was still being generated at the deadline.

    Example:
        >>> get_scenario_outputs(client, published_id, "gbr", "system", "1y").head(2)
           year          series         unit    value
        0  2025  Baseload price  gbp2024/MWh  ...
        1  2026  Baseload price  gbp2024/MWh  ...
    """
    request = {"base": client.settings.scenario_base_url, "scenario": scenario_id,
               "region": region, "type": download_type, "granularity": granularity,
               "currency": currency, "year": year, "node": node, "sub_type": sub_type}  # fmt: skip
    folder, stem = _cache_folder(client, scenario_id), cache_key(request)
    try:
        detail = client.get_scenario_by_id(scenario_id)
    except (OriginConnectionError, OriginTimeoutError):
        cached = _newest(folder, stem) if use_cache else None
        if cached is None:
            raise
        return _offline(cached)
    path = _run_path(folder, stem, detail)
    if use_cache and path.exists():
        return read_parquet(path)
    frame = parse_csv(_download(client, detail, request))
    if use_cache:
        _write_atomically(frame, path)
    return frame


def _cache_folder(client: OutputsClient, scenario_id: str) -> Path:
    """The cache folder of a scenario's downloads."""
    return (client.cache_dir or default_cache_dir()) / _safe_name(scenario_id)


def _offline(cached: Path) -> pd.DataFrame:
    """The newest cached file of a request, served while the server is unreachable."""
    log.warning("the server is unreachable: serving the cached %s", cached.name)
    return read_parquet(cached)


def _run_path(folder: Path, stem: str, detail: pd.DataFrame) -> Path:
    """The cache file of a request for the scenario's latest run."""
    # The run id is part of the key: a re-run scenario must not serve the old run's file.
    run_id = str(detail["latest_run_id"].iloc[0]) if "latest_run_id" in detail else ""
    return folder / f"{stem}--{_safe_name(run_id or 'norun')}.parquet"


def _download(client: OutputsClient, detail: pd.DataFrame, request: Mapping[str, Any]) -> str:
    """The CSV text of one download: its file named from the region's meta JSON, fetched."""
    scenario_id, region = request["scenario"], request["region"]
    regions = detail.attrs["regions"].get(scenario_id) or {}
    urls = _region_urls(client, scenario_id, regions, region)
    base = client.settings.scenario_base_url
    meta = client.transport.get(f"{base}/{urls['metaUrl'].lstrip('/')}").json()
    template = _template(meta, request)
    year, node = request["year"], request["node"]
    kind, granularity = request["type"], request["granularity"]
    _check_template(template, year, node, meta.get("years") or [], kind, granularity)
    currency = request["currency"] or detail["default_currency"].iloc[0]
    filename = (
        template.replace("{currency}", str(currency))
        .replace("{nodename}", node or "")
        .replace("{year}", str(year) if year is not None else "")
    )
    answer = client.transport.get(
        f"{base}/{urls['dataUrlBase'].lstrip('/')}{filename}",
        params={"noredirect": "true", "checkstatus": "true"},
        allow_redirects=False,
    )
    location = answer.headers.get("location")
    if not location:
        raise ServerError(
            f"The service gave no download location for {kind}/{granularity} of "
            f"{region!r}. Try again later.",
            status=answer.status_code,
        )
    return str(client.transport.get(location, authenticated=False).text)


def _template(meta: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    """The filename template of the one download of the meta JSON the request names."""
    download_type, granularity = request["type"], request["granularity"]
    sub_type = request["sub_type"]
    definitions = meta.get("dataDefinitions") or []
    matches = [
        d
        for d in definitions
        if d.get("type") == download_type
        and d.get("granularity") == granularity
        and (sub_type is None or d.get("subType") == sub_type)
    ]
    if len(matches) != 1:
        offered = [(d.get("type"), d.get("granularity"), d.get("subType")) for d in definitions]
        what = "No" if not matches else "More than one"
        raise NotFoundError(
            f"{what} download matches type={download_type!r}, granularity={granularity!r}, "
            f"sub_type={sub_type!r} for region {request['region']!r}: choose from {offered}."
        )
    return str(matches[0].get("filename") or "")


def _check_template(
    template: str,
    year: int | None,
    node: str | None,
    years: list[int],
    download_type: str,
    granularity: str,
) -> None:
    """Year and node arguments must match what the filename template needs."""
    what = f"Download {download_type}/{granularity}"
    if "{year}" in template and year is None:
        raise ConfigurationError(f"{what} is split per year: pass year= one of {years}.")
    if "{year}" not in template and year is not None:
        raise ConfigurationError(f"{what} is not split per year: drop year=.")
    if year is not None and years and year not in years:
        raise ConfigurationError(f"Year {year} is not offered: pass one of {years}.")
    if "{nodename}" in template and not node:
        raise ConfigurationError(f"{what} is nodal: pass node=.")
    if "{nodename}" not in template and node:
        raise ConfigurationError(f"{what} is not nodal: drop node=.")


def joined(frames: list[pd.DataFrame], zone: Any) -> pd.DataFrame:
    """The downloads of several years as one frame, ``datetime`` in ``zone`` (None: UTC).

    Args:
        frames: One download per year, in order (at least one).
        zone: A time zone from :func:`to_zone`, or None.

    Returns:
        The frames concatenated (the one frame itself when there is one).

    Example:
        >>> joined([parse_csv("Year,Price\\nyear,gbp/MWh\\n2030,70\\n")], None).shape
        (1, 4)
    """
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if zone is not None and "datetime" in frame.columns:
        frame["datetime"] = frame["datetime"].dt.tz_convert(zone)
    return frame


def to_zone(tz: str | None) -> Any:
    """The ``ZoneInfo`` of an IANA time zone name (None stays None).

    Args:
        tz: A name such as ``"Europe/London"``, ``"UTC"``, or None.

    Returns:
        The zone, or None.

    Raises:
        ValueError: Not a time zone name (nothing is downloaded then).

    Example:
        >>> str(to_zone("Europe/London"))
        'Europe/London'
    """
    if tz is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"tz={tz!r} is not a time zone name: use an IANA name such as 'Europe/London' "
            "or 'UTC' (None keeps UTC)."
        ) from exc


def _safe_name(text: str) -> str:
    """A file-name-safe form of an id (ids are UUIDs; anything else is escaped)."""
    return re.sub(r"[^0-9A-Za-z._-]", "_", text) or "_"


def _newest(folder: Path, stem: str) -> Path | None:
    """The most recent cached file of a request, whatever its run."""
    files = sorted(folder.glob(f"{stem}--*.parquet"), key=lambda f: f.stat().st_mtime)
    return files[-1] if files else None


def clear_cache(cache_dir: Path, scenario_id: str | None = None) -> int:
    """Deletes cached output files, of one scenario or all.

    Args:
        cache_dir: The cache directory (``client.cache_dir`` or :func:`default_cache_dir`).
        scenario_id: Only this scenario's files; None clears every file.

    Returns:
        How many files were deleted.

    Example:
        >>> _ = get_scenario_outputs(client, published_id, "gbr", "system", "1y")
        >>> clear_cache(default_cache_dir(), published_id)
        1
    """
    folders = [cache_dir / _safe_name(scenario_id)] if scenario_id else (
        [d for d in cache_dir.iterdir() if d.is_dir()] if cache_dir.is_dir() else []
    )
    removed = 0
    for folder in folders:
        for file in folder.glob("*.parquet"):
            file.unlink(missing_ok=True)
            removed += 1
        with contextlib.suppress(OSError):  # not empty (a writer's temp file): keep it
            folder.rmdir()
    return removed


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Writes the cache file via a temporary file, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        to_parquet(frame, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
