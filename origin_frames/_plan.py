"""Plans: what an edited frame would change on the server, validated, before anything is sent.

``build_plan`` reads the current state of the cells a change frame touches (through the
client's readers), diffs it with the engine in ``_diff``, validates everything at once and
returns a :class:`Plan`: the changed cells, the API calls with their exact variables, the
warnings, and a fingerprint of the server state it was computed from.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _diff, _planfile, _queries, _units, schemas
from ._changes import change_frame
from ._contract import (
    ALL_REGIONS,
    DEMAND_DOMAINS,
    DOMAINS,
    INDEX_LEVELS,
    KEY,
    STRING_KEYS,
    SUB_KEYS,
    TRANSFORM_TYPES,
)
from ._exceptions import NotFoundError, PlanError, ValidationError
from ._reader import CurrentReader, PlanClient


# --------------------------------------------------------------------------------------------
# inputs config facts
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConfigFacts:
    """What validation needs from the inputs ``getConfig``."""

    parameters: dict[str, dict[str, Any]]
    definitions: frozenset[str]
    read_only: frozenset[tuple[str, str]]
    demand_variables: frozenset[str]
    demand_technology_variables: frozenset[str]
    commodities: frozenset[str]
    interconnector_variables: frozenset[str]

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> ConfigFacts:
        """Reads the facts from a ``getConfig`` answer (with or without the root key)."""
        config = dict(config or {})
        config = dict(config.get("getConfig", config) or {})
        tech = config.get("technology") or {}
        params: dict[str, dict[str, Any]] = {}
        for entry in tech.get("parameters") or []:
            params[entry["name"]] = {**entry, "definition": False}
        definition_names = set()
        for entry in tech.get("definitionParameters") or []:
            params[entry["name"]] = {**entry, "definition": True}
            definition_names.add(entry["name"])
        read_only = {
            (str(d.get("name")), str(p))
            for d in tech.get("definitions") or []
            for p in d.get("readOnlyParameters") or []
        }
        demand = config.get("demand") or {}
        commodities = config.get("commodities") or {}
        inter = config.get("interconnectors") or {}
        return cls(
            parameters=params,
            definitions=frozenset(definition_names),
            read_only=frozenset(read_only),
            demand_variables=frozenset(v["name"] for v in demand.get("demandVariables") or []),
            demand_technology_variables=frozenset(
                v["name"] for v in demand.get("demandTechnologyVariables") or []
            ),
            commodities=frozenset(
                c["name"] for c in commodities.get("commoditiesAvailable") or []
            ),
            interconnector_variables=frozenset(
                v["name"] for v in inter.get("variables") or []
            ),
        )

    def variables_of(self, domain: str) -> frozenset[str] | None:
        """Known variable names of a domain (None when the config does not say)."""
        known: dict[str, frozenset[str]] = {
            "technology": frozenset(self.parameters),
            "demand": self.demand_variables,
            "demand_technology": self.demand_technology_variables,
            "interconnector": self.interconnector_variables,
        }
        names = known.get(domain)
        return names if names else None


# --------------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What applying a change frame would do: changed cells, API calls, warnings.

    Attributes:
        scenario_id: The scenario (inputs session) the plan is for.
        cells: One row per changed cell: key, ``original``, ``before`` (effective),
            ``before_type``/``before_value`` (prior transform), ``after``,
            ``transform_type``/``transform_value`` (the transform to send), ``change``
            (``changed``/``cleared``), ``call_id`` and ``warning``.
        call_frame: One row per API call: ``call_id``, ``mutation``, entity columns and
            ``n_cells`` (see :attr:`calls` for the payloads).
        fingerprint: sha256 of the server state of the touched cells at planning time.
        created_at: ISO-8601 UTC time of planning.
        log_mark: sha256 of the session's transforms log, read before the cells; when the
            log is unchanged at apply time nothing can have changed the cells either, so the
            stale check needs no re-read. None when unknown.
    """

    scenario_id: str
    cells: pd.DataFrame
    call_frame: pd.DataFrame
    fingerprint: str
    created_at: str
    client: PlanClient | None = field(default=None, repr=False, compare=False)
    log_mark: str | None = None
    _variables: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def calls(self) -> pd.DataFrame:
        """One row per API call with ``variables``, the exact mutation variables.

        The payloads are compiled on first access (planning itself only groups cells).
        """
        if self._variables is None:
            self._variables = _diff.payloads(
                self.cells, self.call_frame, self.cells["call_id"].to_numpy(), self.scenario_id
            )
        calls = self.call_frame.copy()
        calls["variables"] = self._variables if len(calls) else pd.Series(dtype=object)
        return calls[list(_diff.CALL_COLUMNS)]

    def __len__(self) -> int:
        return len(self.cells)

    def __bool__(self) -> bool:
        return len(self.cells) > 0

    @property
    def warnings(self) -> pd.DataFrame:
        """Cells whose new value lies outside the parameter's ``initialRange``."""
        mask = self.cells["warning"].notna()
        return self.cells.loc[mask, [*KEY, "after", "warning"]].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per changed cell, indexed like the getters' frames.

        Returns:
            The key levels ``region, technology, year`` as index; key columns,
            ``before``, ``after``, the transform to send, ``change``, ``call_id``, ``warning``.
        """
        frame = self.cells.drop(columns=["row"], errors="ignore").copy()
        frame["year"] = frame["year"].astype("Int64")
        frame["month"] = frame["month"].astype("Int64")
        return frame.set_index(list(INDEX_LEVELS))

    def summary(self) -> pd.DataFrame:
        """Counts per domain and variable: cells changed/cleared, calls, warnings.

        Returns:
            A frame indexed by ``(domain, variable)``.
        """
        if not self:
            return pd.DataFrame(
                columns=["cells", "cleared", "calls", "warnings"],
                index=pd.MultiIndex.from_arrays([[], []], names=["domain", "variable"]),
            )
        cells = self.cells.assign(
            _cleared=self.cells["change"].eq("cleared"), _warn=self.cells["warning"].notna()
        )
        out = cells.groupby(["domain", "variable"], observed=True, sort=True).agg(
            cells=("call_id", "size"),
            cleared=("_cleared", "sum"),
            calls=("call_id", "nunique"),
            warnings=("_warn", "sum"),
        )
        return out.astype("int64")

    def plot(self, max_variables: int = 9, max_lines: int = 6) -> Any:
        """The plan as a chart: before (dashed) and after (solid) per variable and entity.

        Needs the ``plot`` extra (matplotlib). Jupyter shows the figure; save it with
        ``plan.plot().savefig("plan.png")``.

        Args:
            max_variables: Panels at most (variables with the most changed cells first).
            max_lines: Entities per panel at most (largest changes first).

        Returns:
            A ``matplotlib.figure.Figure``.

        Raises:
            ImportError: matplotlib is not installed.
            PlanError: The plan changes nothing, so there is nothing to draw.

        Example:
            >>> links = client.get_interconnectors(sid, "gbr", "fra")
            >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
            >>> figure = plan.plot()
            >>> figure.savefig("plan.png")
            >>> len(figure.axes) >= 1
            True
        """
        if not self:
            raise PlanError("This plan changes nothing: there is nothing to draw.")
        from ._plot import plot_plan

        return plot_plan(self.cells, repr(self).split(", fingerprint")[0] + ")",
                         max_variables, max_lines)  # fmt: skip

    def __repr__(self) -> str:
        if not self:
            return f"Plan(scenario={self.scenario_id!r}, no changes)"
        domains = ", ".join(
            f"{d}: {n}" for d, n in self.cells["domain"].value_counts(sort=False).items()
        )
        warn = int(self.cells["warning"].notna().sum())
        return (
            f"Plan(scenario={self.scenario_id!r}, {len(self.cells)} cells in "
            f"{len(self.call_frame)} calls [{domains}], {warn} warnings, "
            f"fingerprint={self.fingerprint[:12]})"
        )

    def _repr_html_(self) -> str:
        head = self.to_frame().head(20)
        return (
            f"<p><b>{_escape(repr(self))}</b></p>"
            + self.summary()._repr_html_()  # type: ignore[operator]
            + head._repr_html_()  # type: ignore[operator]
        )

    def apply(self, **kwargs: Any) -> Any:
        """Applies the plan with the client it was built with (see ``OriginFrames.apply``).

        Raises:
            PlanError: when the plan holds no client (e.g. loaded from JSON without one).
        """
        if self.client is None:
            raise PlanError(
                "This plan has no client: use client.apply(plan), or load it with "
                "Plan.from_json(path, client=client)."
            )
        # Through the client, not ``_apply`` directly: ``_apply`` builds on this module, and
        # the client's ``apply`` is the one entry point (argument checks, progress default).
        return self.client.apply(self, **kwargs)

    # -- persistence ---------------------------------------------------------------------
    def to_json(self, path: str | Path) -> Path:
        """Writes the plan (cells, calls, fingerprint) as JSON with a sha256 digest.

        The format is described by ``_planfile.PlanFileModel``; the calls are written for
        people reading the file and are recompiled from the cells when it is loaded.

        Args:
            path: Target file.

        Returns:
            The path written.

        Example:
            >>> links = client.get_interconnectors(sid, "gbr", "fra")
            >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
            >>> plan.to_json("plan.json")
            PosixPath('plan.json')
        """
        doc = {
            "scenario_id": self.scenario_id,
            "fingerprint": self.fingerprint,
            "created_at": self.created_at,
            "log_mark": self.log_mark,
            "cells": _planfile.records(self.cells[_CELL_ALL]),
            "calls": _planfile.records(self.calls.assign(regions=self.calls["regions"].map(list))),
        }
        return _planfile.dump(doc, path)

    @classmethod
    def from_json(cls, path: str | Path, client: PlanClient | None = None) -> Plan:
        """Reads a plan written by :meth:`to_json`, trusting none of its calls.

        The file is validated field by field and against its digest; the calls are
        recompiled from the cells and the scenario id, and a file whose stored calls
        disagree is refused. The loaded plan carries no transforms-log mark, so
        :meth:`apply` always re-reads the touched cells, and it re-runs every validation
        rule with the server's configuration of the day before sending anything.

        Args:
            path: The JSON file.
            client: Optional client, so that ``plan.apply()`` works.

        Returns:
            The plan.

        Raises:
            PlanFileError: the file is unreadable, malformed (the message names each bad
                field), edited after saving, or its calls disagree with its cells.

        Example:
            >>> links = client.get_interconnectors(sid, "gbr", "fra")
            >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
            >>> saved = plan.to_json("plan.json")
            >>> loaded = Plan.from_json("plan.json", client=client)
            >>> loaded.fingerprint == plan.fingerprint, len(loaded) == len(plan)
            (True, True)
        """
        model, stored_cells = _planfile.load(path)
        cells = _cells_frame(pd.DataFrame.from_records(stored_cells, columns=_CELL_ALL))
        _planfile.check_after(path, cells)
        call_frame, call_ids = _diff.assign_calls(cells)
        variables = (
            _diff.payloads(cells, call_frame, call_ids, model.scenario_id) if len(cells) else []
        )
        _planfile.check_calls(path, model.scenario_id, list(model.calls),
                              cells["call_id"].to_numpy(), call_ids, call_frame, variables)
        return cls(
            scenario_id=model.scenario_id,
            cells=cells,
            call_frame=call_frame,
            fingerprint=model.fingerprint,
            created_at=model.created_at,
            client=client,
            log_mark=None,
            _variables=variables,
        )


_CELL_ALL: list[str] = [*_diff.CELL_COLUMNS, "call_id", "warning"]


def _escape(text: str) -> str:
    """Minimal HTML escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cells_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Canonical columns and dtypes of a plan's cell frame."""
    cells = cells[_CELL_ALL].copy()
    for name in ("year", "month"):
        cells[name] = cells[name].astype("Int64")
    for name in ("original", "before", "before_value", "after", "transform_value"):
        cells[name] = cells[name].astype("float64")
    for name in (*STRING_KEYS, "before_type", "transform_type", "change", "warning"):
        values = cells[name].astype(object)
        cells[name] = values.where(values.notna(), None)
    cells["call_id"] = cells["call_id"].astype("int64")
    cells["row"] = cells["row"].astype("int64")
    return cells


def fingerprint(cells: pd.DataFrame) -> str:
    """sha256 of the touched cells' server state (key, original, prior transform, value).

    Stable across processes and independent of row order: per-row hashes from pandas'
    fixed-key hasher (never Python's ``hash()``) are sorted, then digested with sha256.
    """
    if len(cells) == 0:
        return hashlib.sha256(b"empty").hexdigest()
    parts: dict[str, Any] = {}
    for name in (*STRING_KEYS, "before_type"):
        values = cells[name].astype(object)
        parts[name] = values.where(values.notna(), "\x00").astype(object)
    for name in ("year", "month"):
        parts[name] = cells[name].astype("Int64").to_numpy(dtype=np.int64, na_value=-1)
    for name in ("original", "before_value", "before"):
        parts[name] = np.round(cells[name].to_numpy(dtype=np.float64), 9)
    frame = pd.DataFrame(parts)
    hashed = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    return hashlib.sha256(hashed.tobytes()).hexdigest()


# --------------------------------------------------------------------------------------------
# reading the current state
# --------------------------------------------------------------------------------------------
def log_mark(client: CurrentReader, scenario_id: str) -> str | None:
    """sha256 of a session's transforms log, the cheap proof that nothing changed since.

    Args:
        client: The client (``.transport.graphql``).
        scenario_id: The scenario (inputs session) id.

    Returns:
        The hex digest, or None when the client has no GraphQL transport.

    Raises:
        OriginError: when the read fails (via the transport).

    Example:
        >>> links = client.get_interconnectors(sid, "gbr", "fra")
        >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
        >>> log_mark(client, sid) == plan.log_mark
        True
    """
    transport = getattr(client, "transport", None)
    if transport is None or not hasattr(transport, "graphql"):
        return None
    data = transport.graphql("inputs", _queries.TRANSFORMS_LOG, {"sessionId": scenario_id})
    log = ((data or {}).get("getSession") or {}).get("transforms") or []
    text = json.dumps(log, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{len(log)}:{text}".encode()).hexdigest()


def refuse_published(client: CurrentReader, scenario_id: str) -> None:
    """Refuses a published (read-only) Aurora scenario before anything is planned or sent.

    The service refuses every update of a published scenario; saying so at plan time, with
    the way out, beats a plan whose every call fails.

    Args:
        client: The client (``.transport.graphql``); skipped when it has none.
        scenario_id: The scenario to change.

    Raises:
        PlanError: The scenario is published (``scenarioType`` ``AURORA_SCENARIO``).

    Example:
        >>> refuse_published(client, published_id)
        Traceback (most recent call last):
        ...
        origin_frames._exceptions.PlanError: Scenario '...' (Central Oct 2026) is a published
        Aurora scenario, which is read-only: nothing was planned or sent. ...
    """
    transport = getattr(client, "transport", None)
    if transport is None or not hasattr(transport, "graphql"):
        return
    data = transport.graphql(
        "scenario", _queries.SCENARIO_OWNER, {"filter": {"scenarioGlobalId": scenario_id}}
    )
    found = [s for s in (data or {}).get("getScenarios") or []
             if s.get("scenarioGlobalId") == scenario_id]  # fmt: skip
    if found and found[0].get("scenarioType") == "AURORA_SCENARIO":
        raise PlanError(
            f"Scenario {scenario_id!r} ({found[0].get('name')}) is a published Aurora scenario, "
            "which is read-only: nothing was planned or sent. Copy it into a project and plan "
            "against the copy: client.create_scenario({'projectGlobalId': project_id, "
            f"'name': 'my copy', 'baseScenarioGlobalId': {scenario_id!r}}}) "
            "(command line: add --new-scenario NAME)."
        )


def _unique(values: Iterable[Any]) -> list[str]:
    """Sorted distinct non-null strings."""
    distinct = pd.unique(pd.Series(values, dtype=object) if not isinstance(values, pd.Series)
                         else values.astype(object))
    return sorted({str(v) for v in distinct if v is not None and not pd.isna(v)})


def _call_reader(reader: Any, scenario_id: str, **kwargs: Any) -> pd.DataFrame | None:
    """Calls a reader; on an unknown region/entity, reads the listed ones one by one.

    Unknown names are skipped (their rows are then reported as unknown by validation), so a
    typo never turns into a read of the whole scenario. The fallback makes at most one call
    per listed region and entity.
    """
    try:
        return reader(scenario_id, **kwargs)
    except NotFoundError:
        pass
    frames: list[pd.DataFrame] = []
    for region in kwargs.get("regions") or [None]:
        one = {**kwargs, "regions": None if region is None else [region]}
        try:
            frames.append(reader(scenario_id, **one))
            continue
        except NotFoundError:
            pass
        entity_arg = next((k for k in ("technologies", "commodities") if kwargs.get(k)), None)
        if entity_arg is None:
            continue
        for entity in kwargs[entity_arg]:
            try:
                frames.append(reader(scenario_id, **{**one, entity_arg: [entity]}))
            except NotFoundError:
                continue
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames) if frames else None


def read_current(
    client: CurrentReader, scenario_id: str, desired: pd.DataFrame
) -> pd.DataFrame:
    """Flat frame of the server's cells for the domains/regions/entities in ``desired``.

    Args:
        client: The client (duck-typed readers).
        scenario_id: Scenario id.
        desired: Normalised desired cells.

    Returns:
        The current cells, key levels as columns (empty frame with the key when none).
    """
    frames: list[pd.DataFrame | None] = []
    done: set[str] = set()
    for domain in _unique(desired["domain"]):
        part = desired[desired["domain"] == domain]
        regions = _unique(part["region"]) or None
        entities = _unique(part["technology"]) or None
        if domain == "technology":
            # Without any sub-key, each technology's own two views hold every cell asked for.
            sub_keys = bool(part[["sub_region", "sub_technology", "subsidy"]].notna().any(
                axis=None))  # fmt: skip
            frames.append(
                _call_reader(client.technologies, scenario_id, regions=regions,
                             technologies=entities, sub_keys=sub_keys)
            )
        elif domain in DEMAND_DOMAINS:
            if "demand" in done:
                continue
            done.add("demand")
            both = desired["domain"].isin(DEMAND_DOMAINS).to_numpy()
            regions = _unique(desired.loc[both, "region"]) or None
            frames.append(_call_reader(client.demand, scenario_id, regions=regions))
        elif domain == "commodity":
            named = [r for r in regions or [] if r != ALL_REGIONS]
            if named:
                frames.append(
                    _call_reader(client.commodities, scenario_id, regions=named,
                                 commodities=entities)
                )
            if regions is None or ALL_REGIONS in regions:
                frames.append(
                    _call_reader(client.commodities, scenario_id, regions=None,
                                 commodities=entities)
                )
        elif domain == "interconnector":
            frames.append(_call_reader(client.interconnectors, scenario_id, regions=regions))
    found = [f for f in frames if f is not None and len(f)]
    if not found:
        return _empty_current()
    flat = [_diff.flatten(f) for f in found]
    current = pd.concat(flat, ignore_index=True) if len(flat) > 1 else flat[0]
    domains = set(_unique(desired["domain"]))
    current = current[current["domain"].astype(object).isin(domains)]
    key_cols = list(KEY)
    if current.duplicated(key_cols).any():
        current = current.drop_duplicates(key_cols)
    return current.reset_index(drop=True)


def _empty_current() -> pd.DataFrame:
    """An empty current frame with the key and value columns."""
    data: dict[str, Any] = {k: pd.Series(dtype=object) for k in STRING_KEYS}
    data["year"] = pd.Series(dtype="Int64")
    data["month"] = pd.Series(dtype="Int64")
    for name in ("original", "transform_value", "value"):
        data[name] = pd.Series(dtype="float64")
    data["transform_type"] = pd.Series(dtype=object)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
class _Reasons:
    """Reason and fix per row; the first one given to a row sticks (most specific first)."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.fix = np.full(n, None, dtype=object)

    def mark(self, mask: np.ndarray, why: str, how: str) -> None:
        """Sets reason/fix where still unexplained."""
        mask = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        self.reason[mask] = why
        self.fix[mask] = how


def _unknown_reasons(
    missing: pd.DataFrame, current: pd.DataFrame, facts: ConfigFacts
) -> pd.DataFrame:
    """Explains each desired row that matched no current cell, most specific reason first."""
    why = _Reasons(len(missing))
    dom = missing["domain"].astype(object)
    why.mark(~dom.isin(DOMAINS).to_numpy(), "unknown domain.", f"use one of {', '.join(DOMAINS)}.")
    cur_dom = current["domain"].astype(object)
    for domain in DOMAINS:
        in_dom = (dom == domain).to_numpy()
        if in_dom.any():
            cur_part = current[(cur_dom == domain).to_numpy()]
            _domain_reasons(why, missing, cur_part, in_dom, domain, facts)
    month = missing["month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    why.mark(~np.isnan(month) & ((month < 1) | (month > 12)), "month outside 1-12.", "use 1-12.")
    _sub_key_reasons(missing, current, why.reason, why.fix)
    why.mark(
        np.ones(len(missing), dtype=bool),
        "no such cell: this year/month or sub-key (kind, sub_region, sub_technology, "
        "subsidy) does not exist for that entity and variable.",
        "read the entity with its getter and edit rows of that frame.",
    )
    return _diff._problem(missing, missing["row"].to_numpy(), "", "").assign(
        reason=why.reason, fix=why.fix
    )


def _domain_reasons(
    why: _Reasons,
    missing: pd.DataFrame,
    cur_part: pd.DataFrame,
    in_dom: np.ndarray,
    domain: str,
    facts: ConfigFacts,
) -> None:
    """Explains the unmatched rows of one domain: variable, region, entity or year unknown."""
    known = facts.variables_of(domain)
    allowed = (known or set()) | set(cur_part["variable"].astype(object))
    why.mark(
        in_dom & ~missing["variable"].astype(object).isin(allowed).to_numpy(),
        f"unknown variable for domain {domain}.",
        "use a variable listed by the inputs config (client.inputs_config()).",
    )
    if len(cur_part) == 0:  # the reads found nothing to compare the names with
        why.mark(
            in_dom,
            f"no {domain} cells on the server for this region and entity (unknown region "
            "or name).",
            "use a region and name that the getters list (e.g. get_technology_names).",
        )
        return
    regions = set(cur_part["region"].astype(object))
    why.mark(
        in_dom & ~missing["region"].astype(object).isin(regions).to_numpy(),
        "unknown region.",
        f"use a region of this scenario ({', '.join(sorted(map(str, regions))[:12])}).",
    )
    pairs = pd.MultiIndex.from_arrays(
        [cur_part["region"].astype(object), cur_part["technology"].astype(object)]
    )
    asked = pd.MultiIndex.from_arrays(
        [missing["region"].astype(object), missing["technology"].astype(object)]
    )
    why.mark(
        in_dom & ~asked.isin(pairs),
        "unknown technology/entity in that region.",
        "use an entity the reader lists for that region.",
    )
    years = cur_part["year"].dropna()
    if len(years):
        lo, hi = int(years.min()), int(years.max())
        year = missing["year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        why.mark(
            in_dom & ~np.isnan(year) & ((year < lo) | (year > hi)),
            f"year outside the model's range {lo}-{hi}.",
            f"use a year between {lo} and {hi}.",
        )


_MAX_EXPLAINED = 200  # rows explained one by one; a longer report is already unreadable


def _sub_key_reasons(
    missing: pd.DataFrame, current: pd.DataFrame, reason: np.ndarray, fix: np.ndarray
) -> None:
    """Names the sub-key values that exist where a row's sub-key (often a blank kind) has none."""
    keys = ["domain", "region", "technology", "variable"]
    open_rows = np.flatnonzero(pd.isna(reason))[:_MAX_EXPLAINED]
    subs = [c for c in SUB_KEYS if c in missing.columns and c in current.columns]
    if not len(open_rows) or not subs:
        return
    cur = current[keys + subs].astype(object)
    groups = dict(tuple(cur.groupby(keys, sort=False, dropna=False)))
    rows = missing[keys + subs].astype(object)
    for i in open_rows:
        row = rows.iloc[i]
        here = groups.get(tuple(row[keys]))
        if here is None:
            continue
        for col in subs:
            have = {v for v in here[col] if not pd.isna(v)}
            value = row[col]
            if have and (pd.isna(value) or value not in have):
                shown = "blank" if pd.isna(value) else repr(value)
                values = ", ".join(sorted(map(str, have)))
                reason[i] = f"no such cell: {col} is {shown}; this variable has {col} {values}."
                fix[i] = f"set {col} to one of them."
                break


def _rule_checks(
    cells: pd.DataFrame, facts: ConfigFacts
) -> tuple[list[pd.DataFrame], np.ndarray]:
    """Locks, read-only parameters and limits of technology cells; returns warnings too."""
    problems: list[pd.DataFrame] = []
    warning = np.full(len(cells), None, dtype=object)
    if len(cells) == 0 or not facts.parameters:
        return problems, warning
    tech = (cells["domain"].astype(object) == "technology").to_numpy()
    variables = cells["variable"].astype(object).to_numpy()
    problems.extend(_locked_cells(cells, facts, tech, variables))
    after = cells["after"].to_numpy(dtype=np.float64)
    names = pd.Series(variables, dtype=object)
    for bound_key, is_error in (("hardLimit", True), ("initialRange", False)):
        outside, text = _outside_bounds(facts, bound_key, tech, names, after)
        if not outside.any():
            continue
        if is_error:
            frame = _diff._problem(
                cells.loc[outside], cells["row"].to_numpy()[outside], "", ""
            )
            frame["reason"] = "value " + pd.Series(after[outside]).map("{:g}".format).to_numpy(
            ) + " is beyond the parameter's " + text + "."
            frame["fix"] = "give a value inside the hard limit."
            problems.append(frame)
        else:
            warning[outside] = "outside " + text
    return problems, warning


def _locked_cells(
    cells: pd.DataFrame, facts: ConfigFacts, tech: np.ndarray, variables: np.ndarray
) -> list[pd.DataFrame]:
    """Problems for technology cells of locked or read-only parameters."""
    problems: list[pd.DataFrame] = []
    locked_names = {n for n, p in facts.parameters.items() if p.get("lock")}
    locked = tech & pd.Series(variables).isin(locked_names).to_numpy()
    if locked.any():
        problems.append(
            _diff._problem(
                cells.loc[locked],
                cells["row"].to_numpy()[locked],
                "parameter is locked in this scenario.",
                "remove the row: locked parameters cannot be changed.",
            )
        )
    if facts.read_only:
        pairs = pd.MultiIndex.from_arrays(
            [cells["technology"].astype(object), cells["variable"].astype(object)]
        )
        ro = tech & pairs.isin(list(facts.read_only))
        if ro.any():
            problems.append(
                _diff._problem(
                    cells.loc[ro],
                    cells["row"].to_numpy()[ro],
                    "parameter is read-only for this technology definition.",
                    "remove the row: the definition lists it in readOnlyParameters.",
                )
            )
    return problems


def _outside_bounds(
    facts: ConfigFacts, bound_key: str, tech: np.ndarray, names: pd.Series, after: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Technology cells whose new value is outside a parameter's ``bound_key``, and the bounds."""
    bounds = {n: (p.get(bound_key) or {}) for n, p in facts.parameters.items()}
    lo_map = {n: b.get("lower") for n, b in bounds.items() if b.get("lower") is not None}
    hi_map = {n: b.get("upper") for n, b in bounds.items() if b.get("upper") is not None}
    lower = names.map(lo_map).astype("float64").fillna(-np.inf).to_numpy(copy=True)
    upper = names.map(hi_map).astype("float64").fillna(np.inf).to_numpy(copy=True)
    lower[~tech] = -np.inf
    upper[~tech] = np.inf
    outside = tech & ~np.isnan(after) & ((after < lower) | (after > upper))
    text = np.array(
        [f"{bound_key} [{lo:g}, {hi:g}]" for lo, hi in zip(lower[outside], upper[outside],
                                                            strict=True)],
        dtype=object,
    )
    return outside, text


def check_rules(cells: pd.DataFrame, config: Mapping[str, Any] | None) -> None:
    """Re-runs the validation rules (locks, read-only parameters, hard limits) on plan cells.

    ``apply`` calls it with the configuration of the day before sending anything, so a plan
    saved, edited or kept for a while is held to the same rules as a fresh one.

    Args:
        cells: A plan's cells.
        config: The inputs ``getConfig``.

    Raises:
        ValidationError: every cell that breaks a rule; nothing was sent.

    Example:
        >>> links = client.get_interconnectors(sid, "gbr", "fra")
        >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
        >>> check_rules(plan.cells, client.inputs_config())  # every rule holds: no error
    """
    problems, _warning = _rule_checks(cells, ConfigFacts.from_config(config))
    problems = [p for p in problems if len(p)]
    if problems:
        report = pd.concat(problems, ignore_index=True).set_index("row")
        raise ValidationError(
            f"{len(report)} planned cell(s) break the service's rules; nothing was sent.",
            report,
        )


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
_DEPENDENTS: tuple[tuple[str, str], ...] = (
    ("demand", "baseDemand"),
    ("demand_technology", "totalDemand"),
)


def _demand_pins(
    changes: pd.DataFrame,
    current: pd.DataFrame,
    pos_all: np.ndarray,
    cells: pd.DataFrame,
) -> pd.DataFrame:
    """Absolute pins for unchanged dependents of a changed system ``totalDemand``.

    The service rescales baseDemand and the demand technologies' totalDemand of the same
    region and year when system totalDemand changes. Where the change frame lists such a
    dependent with its current value, the user asked for it to stay: pin it.
    """
    drivers = cells[
        (cells["domain"] == "demand")
        & (cells["variable"] == "totalDemand")
        & ~_diff._same(cells["after"].to_numpy(), cells["before"].to_numpy())
    ]
    if len(drivers) == 0:
        return cells.iloc[0:0]
    driven = pd.MultiIndex.from_arrays(
        [drivers["region"].astype(object), drivers["year"].astype("Int64")]
    )
    domain = _diff.column(changes, "domain")
    variable = _diff.column(changes, "variable")
    region = _diff.column(changes, "region")
    year = _diff.column(changes, "year")
    if domain is None or variable is None or region is None or year is None:
        return cells.iloc[0:0]
    if "value" not in changes.columns:
        return cells.iloc[0:0]
    dependent = np.zeros(len(changes), dtype=bool)
    for dom, var in _DEPENDENTS:
        dependent |= ((domain == dom) & (variable == var)).to_numpy()
    dependent &= pos_all >= 0
    # Rows that change their own cell are not pinned; a row that differed only in stale
    # transform columns (and changes nothing) is a listed dependent like any other.
    dependent[cells["row"].to_numpy(dtype=np.int64)] = False
    if not dependent.any():
        return cells.iloc[0:0]
    some = np.flatnonzero(dependent)
    where = pd.MultiIndex.from_arrays(
        [region.iloc[some].astype(object), year.iloc[some].astype("Int64")]
    )
    dependent[some[~where.isin(driven)]] = False
    idx = np.flatnonzero(dependent & changes["value"].notna().to_numpy())
    if len(idx) == 0:
        return cells.iloc[0:0]
    desired, _problems = _diff.normalise_changes(changes.iloc[idx], rows=idx)
    pos = pos_all[idx]
    value = desired["value"].to_numpy(dtype=np.float64)
    pins = desired[["row", *KEY]].copy()
    pins["original"] = current["original"].to_numpy(dtype=np.float64)[pos]
    pins["before"] = current["value"].to_numpy(dtype=np.float64)[pos]
    pins["before_type"] = _diff._as_object(current["transform_type"])[pos]
    pins["before_value"] = current["transform_value"].to_numpy(dtype=np.float64)[pos]
    pins["after"] = value
    pins["transform_type"] = "Absolute"
    pins["transform_value"] = value
    pins["change"] = "pinned"
    return pins


def _convert_units(
    client: PlanClient | None,
    scenario_id: str,
    changes: pd.DataFrame,
    desired: pd.DataFrame,
    current: pd.DataFrame,
    pos: np.ndarray,
    config: Mapping[str, Any],
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Commodity rows given in native units, converted to the default units (see _units)."""
    native, unknown = _units.native_mask(
        changes, desired, current, pos, _units.native_units_of(config)
    )
    rows = desired["row"].to_numpy()
    problems = []
    if unknown.any():
        problems.append(_diff._problem(
            desired.loc[unknown], rows[unknown],
            "unit is neither the default nor the native unit of this commodity.",
            "keep the unit column as the getter read it (or drop the column).",
        ))  # fmt: skip
    if not native.any():
        return desired, problems
    if client is None:
        problems.append(_diff._problem(
            desired.loc[native], rows[native],
            "price in native units, and no client to measure the conversion with.",
            "plan with client.plan(...), or read prices with native_units_flag=False.",
        ))  # fmt: skip
        return desired, problems
    with schemas.trusted_reads():
        factors = _units.measured_factors(client, scenario_id, desired.loc[native], current)
    desired, missing = _units.to_default_units(desired, native, factors)
    if missing.any():
        problems.append(_diff._problem(
            desired.loc[missing], rows[missing],
            "price in native units that cannot be converted: the server's native and "
            "default prices of this commodity are not in one fixed ratio.",
            "read this commodity with native_units_flag=False and edit that frame.",
        ))  # fmt: skip
    return desired, problems


def build_plan(
    client: PlanClient | None,
    scenario_id: str,
    changes: pd.DataFrame | Sequence[pd.DataFrame],
    *,
    current: pd.DataFrame | None = None,
    config: Mapping[str, Any] | None = None,
) -> Plan:
    """Diffs desired cells against the server and returns the validated plan; sends nothing.

    Args:
        client: The client: ``.inputs_config()`` and the readers ``technologies``, ``demand``,
            ``commodities``, ``interconnectors`` (``None`` is allowed when both ``current``
            and ``config`` are given).
        scenario_id: The scenario to change (its inputs session).
        changes: An edited copy of a getter's frame, an explicit change frame (key plus
            ``transform_type``/``transform_value`` or ``value``), frames of several domains
            concatenated, or a list of such frames. Keys may be index levels or columns.
        current: The current cells, when already read (skips the reads).
        config: The inputs ``getConfig``, when already known (skips ``inputs_config()``).

    Returns:
        The :class:`Plan` (empty when nothing changes).

    Raises:
        ValidationError: every bad row at once (``.report``: row, key, reason, fix).
        PlanError: when the current state cannot be diffed, or the scenario is a published
            (read-only) one: copy it with ``create_scenario`` and plan against the copy.
        ArgumentError: ``changes`` is not a frame or a non-empty list of frames.

    Example:
        >>> ccgt = client.get_technology(sid, "CCGT", region="gbr")
        >>> capex = ccgt[ccgt["variable"] == "capex"]
        >>> plan = build_plan(client, sid, capex.assign(value=capex["value"] * 0.9))
        >>> len(plan) == len(capex)
        True
    """
    changes = change_frame(changes)
    _check_change_columns(changes)
    # Index levels are read in place (no reset_index copy of a million-row frame).
    keys, bad_keys = _diff.key_frame(changes)
    current, config, mark = _current_state(client, scenario_id, keys, current, config)
    facts = ConfigFacts.from_config(config)
    pos_all, dup_all, chosen = _rows_to_classify(changes, keys, bad_keys, current)
    # The packed keys of a million rows are not needed past this point.
    del keys, bad_keys
    if len(chosen) == 0:  # every row equals the server (a re-plan after an apply)
        cells = _no_cells()
        return _plan_of(client, scenario_id, cells, _diff.assign_calls(cells)[0], mark)
    desired, problems = _diff.normalise_changes(changes.iloc[chosen], rows=chosen)
    pos, dup = pos_all[chosen], dup_all[chosen]
    desired, unit_problems = _convert_units(
        client, scenario_id, changes, desired, current, pos, config
    )
    problems.extend(unit_problems)
    keep = _screen_rows(desired, pos, dup, current, facts, problems)
    matched = desired.loc[keep].reset_index(drop=True)
    cells, warning = _judge_cells(changes, matched, current, pos[keep], pos_all, facts, problems)
    _raise_problems(problems)
    return _plan_with_calls(client, scenario_id, cells, warning, mark)


def check_changes(changes: pd.DataFrame | Sequence[pd.DataFrame]) -> None:
    """Runs the checks of ``changes`` that need no server: a frame (or a list of them), its
    key columns and a column saying what to change, every row readable as a change.

    ``plan`` runs them too; a caller about to create something for the changes (``plan
    --new-scenario``) runs them first, so that bad input creates nothing.

    Args:
        changes: As for :func:`build_plan`.

    Raises:
        ArgumentError: ``changes`` is not a frame or a non-empty list of frames.
        ValidationError: every unreadable row at once (``.report``: row, reason, fix).

    Example:
        >>> check_changes(pd.DataFrame({"region": ["gbr"], "technology": ["CCGT"],
        ...                             "domain": ["technology"], "variable": ["capex"],
        ...                             "year": [2030], "value": ["cheap"]}))
        Traceback (most recent call last):
        ...
        origin_frames._exceptions.ValidationError: ...
    """
    frame = change_frame(changes)
    _check_change_columns(frame)
    _raise_problems(_diff.normalise_changes(frame)[1])


def _plan_with_calls(
    client: PlanClient | None, scenario_id: str, cells: pd.DataFrame, warning: np.ndarray,
    mark: str | None,
) -> Plan:  # fmt: skip
    """The plan of validated changed cells: their warnings attached, grouped into calls."""
    cells["warning"] = warning
    call_frame, call_ids = _diff.assign_calls(cells)
    cells["call_id"] = call_ids
    return _plan_of(client, scenario_id, _cells_frame(cells), call_frame, mark)


def _check_change_columns(changes: pd.DataFrame) -> None:
    """Refuses a change frame without its key columns or without anything to change."""
    missing_cols = [c for c in ("region", "technology", "domain", "variable")
                    if c not in changes.columns and c not in (changes.index.names or [])]
    if missing_cols:
        raise ValidationError(
            f"The change frame lacks key columns {missing_cols}: give them as columns or "
            "index levels (region, technology, year, domain, variable, ...).",
        )
    if not any(c in changes.columns for c in ("value", "transform_type", "transform_value")):
        raise ValidationError(
            "The change frame has no value, transform_type or transform_value column: "
            "give a value column (or transform_type and transform_value) saying what the "
            "cells should become."
        )


def _current_state(
    client: PlanClient | None,
    scenario_id: str,
    keys: pd.DataFrame,
    current: pd.DataFrame | None,
    config: Mapping[str, Any] | None,
) -> tuple[pd.DataFrame, Mapping[str, Any], str | None]:
    """The current cells, the inputs config and the log mark (reads what was not given)."""
    mark = None
    if client is not None:
        refuse_published(client, scenario_id)
    if current is None:
        if client is None:
            raise PlanError("Give a client, or the current frame and the config.")
        # Read before the cells: any change after this point also changes the log.
        mark = log_mark(client, scenario_id)
        with schemas.trusted_reads():  # internal reads: align() checks the keys itself
            current = read_current(client, scenario_id, keys)
    if config is None:
        config = client.inputs_config() if client is not None else {}
    return current, config, mark


def _rows_to_classify(
    changes: pd.DataFrame, keys: pd.DataFrame, bad_keys: np.ndarray, current: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's current cell (-1: none) and duplicate flag, and the rows worth classifying.

    Raises:
        PlanError: the current frame lacks a column of the frame contract or cannot be aligned.
    """
    current_keys, _ = _diff.key_frame(current)
    for name in ("original", "value", "transform_type", "transform_value"):
        if name not in current.columns:
            raise PlanError(f"The current frame lacks the {name!r} column of the frame contract.")
    try:
        pos_all, dup_all = _diff.align(keys, current_keys)
    except ValueError as exc:
        raise PlanError(str(exc)) from exc
    # Only rows that can change something (or be wrong) are normalised and classified.
    chosen = np.flatnonzero(bad_keys | dup_all | _diff.candidates(changes, current, pos_all))
    return pos_all, dup_all, chosen


def _screen_rows(
    desired: pd.DataFrame,
    pos: np.ndarray,
    dup: np.ndarray,
    current: pd.DataFrame,
    facts: ConfigFacts,
    problems: list[pd.DataFrame],
) -> np.ndarray:
    """Mask of rows to classify; duplicate and unknown cells are added to ``problems``."""
    # Rows already rejected while normalising (a bad year, a bad value) would only repeat
    # their problem as a duplicate or unknown cell.
    rejected = set()
    for frame in problems:
        rejected.update(frame["row"].tolist())
    refused = desired["row"].isin(rejected).to_numpy()
    dup = dup & ~refused
    if dup.any():
        problems.append(
            _diff._problem(
                desired.loc[dup],
                desired["row"].to_numpy()[dup],
                "duplicate key: the same cell appears more than once.",
                "keep one row per cell (drop_duplicates on the key).",
            )
        )
    unknown = pos < 0
    if (unknown & ~refused).any():
        current_keys, _ = _diff.key_frame(current)
        problems.append(
            _unknown_reasons(desired.loc[unknown & ~refused], current_keys, facts)
        )
    return ~unknown & ~dup & ~refused


def _judge_cells(
    changes: pd.DataFrame,
    matched: pd.DataFrame,
    current: pd.DataFrame,
    pos: np.ndarray,
    pos_all: np.ndarray,
    facts: ConfigFacts,
    problems: list[pd.DataFrame],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The changed cells (with demand pins) and their warnings; their problems are added."""
    # A getter's frame (it carries ``original``) edited in place: see _diff.classify.
    value_wins = "original" in changes.columns
    cells, found = _diff.classify(matched, current, pos, value_wins=value_wins)
    problems.extend(found)
    pins = _demand_pins(changes, current, pos_all, cells)
    if len(pins):
        cells = pd.concat([cells, pins], ignore_index=True)
    rule_problems, warning = _rule_checks(cells, facts)
    problems.extend(rule_problems)
    return cells, warning


def _raise_problems(problems: list[pd.DataFrame]) -> None:
    """Raises one ValidationError reporting every problem row, if there are any."""
    problems = [p for p in problems if len(p)]
    if problems:
        report = pd.concat(problems, ignore_index=True).sort_values("row", kind="stable")
        for name in ("year", "month"):
            report[name] = _diff._as_int_or_object(report[name])
        # Index the report by the caller's row number: the message then reads "row 17 (...)".
        report = report.set_index("row")
        raise ValidationError(
            f"{len(report)} problem(s) in the change frame; nothing was sent.", report
        )


def _plan_of(client: PlanClient | None, scenario_id: str, cells: pd.DataFrame,
             call_frame: pd.DataFrame, mark: str | None) -> Plan:  # fmt: skip
    """The plan of canonical ``cells`` grouped into ``call_frame``."""
    return Plan(
        scenario_id=scenario_id,
        cells=cells,
        call_frame=call_frame,
        fingerprint=fingerprint(cells),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        client=client,
        log_mark=mark,
    )


@functools.cache
def _empty_cells() -> pd.DataFrame:
    """The canonical cell frame of no cells (built once; callers get a copy)."""
    empty = pd.DataFrame({name: pd.Series(dtype=object) for name in _CELL_ALL})
    return _cells_frame(empty)


def _no_cells() -> pd.DataFrame:
    return _empty_cells().copy()


# --------------------------------------------------------------------------------------------
# wide frames
# --------------------------------------------------------------------------------------------
_WIDE_INDEX: list[str] = [k for k in KEY if k != "variable"]


_WIDE_ROWS = ("year", "month")
_WIDE_COLUMNS = ("variable", "domain", "region", "technology", "kind", "sub_region",
                 "sub_technology", "subsidy")  # fmt: skip
_WIDE_ATTR = "origin_frames.wide"


def to_wide(frame: pd.DataFrame, values: str = "value") -> pd.DataFrame:
    """A readable table: one row per year (and month), one column per variable and entity.

    Key parts that are the same on every row (or empty on every row) are dropped from the
    table and kept in ``wide.attrs``, so :func:`from_wide` restores the full key. Columns
    are ``variable`` first, then whichever of domain, region, technology, kind and the
    sub-keys still vary: ``wide["capex"]`` is the capex of every entity, and
    ``wide.plot()`` draws one line per column.

    Args:
        frame: A getter's frame (or any tidy frame with the full key).
        values: The column to spread (default ``value``).

    Returns:
        The wide frame (index ``year``, plus ``month`` for monthly cells).

    Raises:
        ValueError: ``values`` is not a column of the frame.

    Example:
        >>> ccgt = client.get_technology(sid, "CCGT", region="gbr")
        >>> wide = to_wide(ccgt)
        >>> wide.columns.names
        FrozenList(['variable', 'kind'])
        >>> wide["capex"] *= 0.9
        >>> plan = build_plan(client, sid, from_wide(wide))
        >>> plan.summary()
                             cells  cleared  calls  warnings
        domain     variable
        technology capex        36        0      1         0
    """
    flat = _diff.flatten(frame)
    if values not in flat.columns:
        raise ValueError(f"to_wide: {values!r} is not a column; use one of {list(flat.columns)}.")
    for name in _WIDE_INDEX:
        if name not in flat.columns:
            flat[name] = None
    flat = flat[[*_WIDE_INDEX, "variable", values]].copy()
    constant: dict[str, Any] = {}
    rows = [r for r in _WIDE_ROWS if r == "year" or flat[r].notna().any()]
    columns = []
    for name in _WIDE_COLUMNS:
        col = flat[name].astype(object)
        distinct = col.dropna().unique()
        same = len(distinct) == 0 or (len(distinct) == 1 and bool(col.notna().all()))
        if name != "variable" and same:
            constant[name] = distinct[0] if len(distinct) else None
        else:
            flat[name] = col.where(col.notna(), "")
            columns.append(name)
    if "month" not in rows:
        constant["month"] = None
    wide = flat.pivot(index=rows, columns=columns, values=values)
    if len(columns) == 1:
        wide.columns = wide.columns.astype(str)
    # Other attrs ride along, e.g. the units of commodity prices (see _units).
    wide.attrs = {**frame.attrs, _WIDE_ATTR: {"constant": constant, "values": values}}
    return wide


def from_wide(wide: pd.DataFrame, values: str = "value") -> pd.DataFrame:
    """Turns a :func:`to_wide` frame back into tidy rows (cells left NaN are dropped).

    Args:
        wide: The wide frame (its ``attrs`` hold the key parts the table left out).
        values: Name of the value column to produce.

    Returns:
        A flat tidy frame with the full key and ``values``.

    Raises:
        ValueError: The frame lacks key parts and carries no ``to_wide`` record of them.

    Example:
        >>> ccgt = client.get_technology(published_id, "CCGT", region="gbr")
        >>> capex = ccgt[ccgt["variable"] == "capex"]
        >>> tidy = from_wide(to_wide(capex))
        >>> tidy["variable"].unique().tolist(), len(tidy) == len(capex)
        (['capex'], True)
    """
    record = wide.attrs.get(_WIDE_ATTR) or {}
    names = [n if n is not None else "variable" for n in wide.columns.names]
    framed = wide.copy()
    framed.columns = framed.columns.set_names(names)
    long = framed.stack(names, future_stack=True).rename(values).reset_index()
    long = long[long[values].notna()].reset_index(drop=True)
    for name, value in (record.get("constant") or {}).items():
        long[name] = value
    missing = [k for k in KEY if k not in long.columns]
    if missing:
        raise ValueError(
            f"from_wide: the frame lacks key parts {missing} and has no to_wide record of them "
            "(it was not made by to_wide, or its attrs were dropped): add them as index levels "
            "or columns."
        )
    for name in STRING_KEYS:
        col = long[name].astype(object)
        long[name] = col.where(col != "", None)
    out = long[[*KEY, values]]
    out.attrs = {k: v for k, v in wide.attrs.items() if k != _WIDE_ATTR}
    return out


# --------------------------------------------------------------------------------------------
# the seed's updaters
# --------------------------------------------------------------------------------------------
def compile_transforms(
    domain: str,
    scenario_id: str,
    *,
    region: str | Sequence[str],
    variable: str,
    technology: str | None = None,
    kind: str | None = None,
    sub_region: str | None = None,
    sub_technology: str | None = None,
    subsidy: str | None = None,
    transform: Sequence[Mapping[str, Any]] | pd.DataFrame,
) -> dict[str, Any]:
    """Variables of one updater call from the seed's ``List[Transform]`` or a change frame.

    Args:
        domain: ``technology``, ``demand``, ``demand_technology``, ``commodity`` or
            ``interconnector``.
        scenario_id: The scenario id.
        region: Region (or regions, for demand/commodity); the ``from`` end for
            interconnectors.
        variable: Parameter / variable name.
        technology: Technology, demand technology, commodity or the ``to`` region.
        kind: ``exogenous``/``endogenous`` for technology.
        sub_region, sub_technology, subsidy: Technology sub-keys.
        transform: ``[{"year", "month"?, "transform": {"type", "value"}}]`` or a frame with
            ``year`` (``month``) and ``transform_type``/``transform_value`` or ``value``.

    Returns:
        The mutation variables, as the official client names them.

    Raises:
        ValidationError: every bad item at once.

    Example:
        >>> compile_transforms("commodity", "s1", region=["gbr"], variable="price",
        ...     technology="gas", transform=[{"year": 2030,
        ...     "transform": {"type": "Delta", "value": 1.0}}])["tx"]
        [{'year': 2030, 'transform': {'type': 'Delta', 'value': 1.0}}]
    """
    if domain not in DOMAINS:
        raise ValidationError(f"Unknown domain {domain!r}: use one of {', '.join(DOMAINS)}.")
    tx = _tx_list(domain, _checked_transforms(domain, _transform_frame(transform)))
    regions = [region] if isinstance(region, str) else list(region)
    return _diff.payload(
        domain,
        scenario_id,
        regions=regions,
        technology=technology,
        variable=variable,
        kind=kind,
        sub_region=sub_region,
        sub_technology=sub_technology,
        subsidy=subsidy,
        tx=tx,
    )


def _transform_frame(transform: Sequence[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The items as a frame of ``year``, ``month``, ``transform_type``, ``transform_value``."""
    if isinstance(transform, pd.DataFrame):
        frame = _diff.flatten(transform)
    else:
        items = list(transform)
        frame = pd.DataFrame(
            {
                "year": [i.get("year") if isinstance(i, Mapping) else None for i in items],
                "month": [i.get("month") if isinstance(i, Mapping) else None for i in items],
                "transform_type": [_tx_field(i, "type") for i in items],
                "transform_value": [_tx_field(i, "value") for i in items],
            }
        )
    if "transform_type" not in frame.columns and "value" in frame.columns:
        frame = frame.assign(transform_type="Absolute", transform_value=frame["value"])
    for name in ("year", "month", "transform_value"):
        if name not in frame.columns:
            frame[name] = None
    return frame


def _checked_transforms(domain: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The normalised items; one ValidationError names every bad, null or repeated one."""
    normal, problems = _diff.normalise_changes(
        frame[["year", "month", "transform_type", "transform_value"]]
    )
    tt = normal["transform_type"].to_numpy(dtype=object)
    tv = normal["transform_value"].to_numpy(dtype=np.float64)
    clear = pd.isna(tt) | (tt == _diff.CLEAR) | np.isnan(tv)
    if domain != "technology" and clear.any():
        problems.append(
            _diff._problem(
                normal.loc[clear], normal["row"].to_numpy()[clear],
                "null transform: only technology inputs accept a null value.",
                f"give a type in {TRANSFORM_TYPES} and a numeric value.",
            )
        )
    dup = normal.duplicated(["year", "month"], keep=False).to_numpy()
    if dup.any():
        problems.append(
            _diff._problem(normal.loc[dup], normal["row"].to_numpy()[dup],
                           "the same year/month appears twice.", "keep one item per cell.")
        )
    problems = [p for p in problems if len(p)]
    if problems:
        raise ValidationError(
            "Bad transform items; nothing was sent.",
            pd.concat(problems, ignore_index=True)[["row", "year", "month", "reason", "fix"]],
        )
    return normal


def _tx_list(domain: str, normal: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``tx`` items of normalised transforms, in (year, month) order."""
    normal = normal.sort_values(["year", "month"], na_position="first", kind="stable")
    monthly = bool(normal["month"].notna().any())
    years = [None if pd.isna(y) else int(y) for y in normal["year"].astype(object)]
    months = [None if pd.isna(m) else int(m) for m in normal["month"].astype(object)]
    types = [None if (pd.isna(t) or t == _diff.CLEAR) else t for t in normal["transform_type"]]
    values = [None if np.isnan(v) else float(v) for v in normal["transform_value"]]
    return _diff._tx_items(domain, years, months, types, values, monthly)


def _tx_field(item: Any, name: str) -> Any:
    """``item["transform"][name]`` of one seed Transform, None when absent."""
    if not isinstance(item, Mapping):
        return None
    transform = item.get("transform")
    return transform.get(name) if isinstance(transform, Mapping) else None
