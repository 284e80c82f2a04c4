"""Bad input is refused with a typed error naming the row or argument and the fix, and
nothing reaches the server.

Every case counts the mutations that arrive at the emulator (its request log, on the wire,
not the client's counters) before and after, and asserts the count did not move. Cases
span change frames (every domain), getter, updater and constructor arguments, saved plan
files and the command line; a hypothesis test throws junk into random cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import TOKEN
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from origin_frames import (
    ArgumentError,
    ConfigurationError,
    OriginError,
    OriginFrames,
    Plan,
    PlanError,
    ValidationError,
)
from origin_frames._cli import main
from origin_frames.emulator import Emulator

DOMAINS = ("technology", "demand", "demand_technology", "commodity", "interconnector")
# An imperative in every message: what to do instead.
FIX_WORDS = ("pass", "give", "use", "wrap", "keep", "drop", "make", "put", "copy", "read",
             "remove", "check", "convert", "plan with", "fix")  # fmt: skip


@dataclass
class World:
    """One client, one editable scenario and small frames of every domain, for the module."""

    emulator: Emulator
    client: OriginFrames
    sid: str
    published: str
    frames: dict[str, pd.DataFrame]

    def mutations(self) -> int:
        return len(self.emulator.mutations())


def _slices(client: OriginFrames, sid: str) -> dict[str, pd.DataFrame]:
    """Three edited yearly rows per domain (flat), plus monthly and definition rows."""
    tech = client.get_technology(sid, "CCGT", region="gbr").reset_index()
    demand = client.demand(sid, ["gbr"]).reset_index()
    frames = {
        "technology": tech[tech["variable"] == "capacity"],
        "demand": demand[(demand["domain"] == "demand") & (demand["variable"] == "baseDemand")],
        "demand_technology": demand[demand["domain"] == "demand_technology"],
        "commodity": client.get_commodities(sid, regions=["gbr"], commodities=["gas"])
        .reset_index(),
        "interconnector": client.get_interconnectors(sid, "gbr", "fra").reset_index(),
        "monthly": tech[tech["variable"] == "availability"],
        "capex": tech[(tech["variable"] == "capex") & (tech["kind"] == "endogenous")],
        "locked": tech[tech["variable"] == "marginalLossFactor"],
    }
    out = {}
    for name, frame in frames.items():
        part = frame.head(3).reset_index(drop=True)
        part["value"] = part["value"] * 1.01 + 0.01  # real edits: every row is a candidate
        out[name] = part
    coal = client.get_technology(sid, "Coal", region="gbr").reset_index()
    capex = coal[(coal["variable"] == "capex") & (coal["kind"] == "endogenous")]
    out["read_only"] = capex.head(3).reset_index(drop=True)
    out["read_only"]["value"] = out["read_only"]["value"] * 1.01
    return out


@pytest.fixture(scope="module")
def world(running_emulator: Emulator) -> Iterator[World]:
    running_emulator.reset()
    with OriginFrames(TOKEN, running_emulator.scenario_base_url,
                      running_emulator.inputs_base_url, progress=False) as client:  # fmt: skip
        published = str(client.get_aurora_scenarios("gbr").index[0])
        project = str(client.create_project({"name": "bad-inputs"}).index[0])
        sid = str(client.create_scenario({"projectGlobalId": project, "name": "bad",
                                          "baseScenarioGlobalId": published}).index[0])  # fmt: skip
        yield World(running_emulator, client, sid, published, _slices(client, sid))


def refused(world: World, call: Callable[[], Any], error: type[BaseException],
            *words: str) -> BaseException:  # fmt: skip
    """Runs ``call``: it must raise ``error`` whose text holds ``words`` and a fix, and no
    mutation may reach the server."""
    before = world.mutations()
    with pytest.raises(error) as info:
        call()
    text = str(info.value)
    assert all(w in text for w in words), (words, text)
    assert any(w in text.lower() for w in FIX_WORDS), text
    assert world.mutations() == before, "a mutation reached the server"
    return info.value


# -- change frames: every domain --------------------------------------------------------------
def _set(column: str, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Sets ``column`` of row 0 (the column becomes object where the value needs it)."""

    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        if column not in out.columns:
            out[column] = None
        col = out[column].astype(object)
        col.iloc[0] = value
        out[column] = col
        return out

    return edit


def _duplicate(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)


def _conflict(frame: pd.DataFrame) -> pd.DataFrame:
    # Without ``original`` the frame is an explicit change frame: transform and value must agree.
    out = frame.drop(columns=["original"]).copy()
    out["transform_type"] = out["transform_type"].astype(object)
    out.loc[0, "transform_type"] = "Delta"
    out.loc[0, "transform_value"] = 5.0
    out.loc[0, "value"] = -12345.0
    return out


def _type_without_value(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["original", "value"]).copy()
    out["transform_type"] = out["transform_type"].astype(object)
    out.loc[:, "transform_type"] = "Delta"
    out.loc[:, "transform_value"] = 1.0
    out.loc[0, "transform_value"] = np.nan
    return out


FRAME_EDITS: list[tuple[str, Callable[[pd.DataFrame], pd.DataFrame], str, list[int]]] = [
    ("value-bool", _set("value", True), "value is not numeric (got bool True)", [0]),
    ("value-complex", _set("value", 1 + 2j), "value is not numeric (got complex", [0]),
    ("value-text-number", _set("value", "1.5"), "value is not numeric (got str '1.5')", [0]),
    ("value-text", _set("value", "abc"), "value is not numeric (got str 'abc')", [0]),
    ("value-object", _set("value", object()), "value is not numeric (got object", [0]),
    ("value-list", _set("value", [1.0]), "value is not numeric (got list", [0]),
    ("value-decimal", _set("value", Decimal("1.5")), "value is not numeric (got Decimal", [0]),
    ("value-inf", _set("value", math.inf), "value is infinite", [0]),
    ("value-minus-inf", _set("value", -math.inf), "value is infinite", [0]),
    ("value-null", _set("value", None), "value is null and no transform is asked for", [0]),
    ("transform-value-text", _set("transform_value", "x"), "transform_value is not numeric",
     [0]),
    ("transform-type-unknown", _set("transform_type", "Multiply"),
     "transform_type is not one of Absolute, Delta, Percentage", [0]),
    ("transform-without-value", _type_without_value, "transform_value is null", [0]),
    ("value-against-transform", _conflict, "value disagrees with the transform", [0]),
    ("year-text", _set("year", "twenty"), "year is not a whole number", [0]),
    ("year-fraction", _set("year", 2030.5), "year is not a whole number", [0]),
    ("year-bool", _set("year", True), "year is not a whole number", [0]),
    ("year-future", _set("year", 3000), "year outside the model's range", [0]),
    ("year-negative", _set("year", -5), "year outside the model's range", [0]),
    ("region-unknown", _set("region", "zzz"), "unknown region", [0]),
    ("entity-unknown", _set("technology", "NoSuchThing"), "unknown technology/entity", [0]),
    ("variable-unknown", _set("variable", "noSuchVariable"), "unknown variable", [0]),
    ("domain-unknown", _set("domain", "weather"), "unknown domain", [0]),
    ("duplicate-row", _duplicate, "duplicate key", [0, 3]),
]  # fmt: skip
DOMAIN_CASES = [
    pytest.param(domain, edit, reason, rows, id=f"{domain}-{name}")
    for domain in DOMAINS
    for name, edit, reason, rows in FRAME_EDITS
]
SPECIFIC_CASES = [
    pytest.param("technology", _set("kind", "sideways"), "no such cell", [0], id="kind"),
    pytest.param("technology", _set("sub_region", "zz"), "no such cell", [0], id="sub-region"),
    pytest.param("technology", _set("sub_technology", "CCGT Z-class"), "no such cell", [0],
                 id="sub-technology"),
    pytest.param("technology", _set("subsidy", "CfD"), "no such cell", [0], id="subsidy"),
    pytest.param("technology", _set("month", 3), "no such cell", [0], id="month-on-yearly"),
    pytest.param("monthly", _set("month", 13), "month outside 1-12", [0], id="month-13"),
    pytest.param("monthly", _set("month", 0), "month outside 1-12", [0], id="month-0"),
    pytest.param("monthly", _set("month", 1.5), "month is not a whole number", [0],
                 id="month-fraction"),
    pytest.param("monthly", _set("month", "May"), "month is not a whole number", [0],
                 id="month-text"),
    pytest.param("locked", lambda f: f, "parameter is locked", [0, 1, 2], id="locked"),
    pytest.param("read_only", lambda f: f, "read-only for this technology definition",
                 [0, 1, 2], id="read-only"),
    pytest.param("capex", _set("value", 1e12), "beyond the parameter's hardLimit", [0],
                 id="hard-limit"),
    pytest.param("capex", _set("value", -1.0), "beyond the parameter's hardLimit", [0],
                 id="below-hard-limit"),
    pytest.param("commodity", _set("unit", "EUR/kg"), "neither the default nor the native",
                 [0], id="unit"),
]  # fmt: skip


@pytest.mark.parametrize(("domain", "edit", "reason", "rows"), DOMAIN_CASES + SPECIFIC_CASES)
def test_bad_row_is_refused_naming_the_row_and_the_fix(world, domain, edit, reason, rows):
    frame = edit(world.frames[domain])
    error = refused(world, lambda: world.client.plan(world.sid, frame), ValidationError,
                    reason, "Fix:", "nothing was sent")  # fmt: skip
    report = error.report  # type: ignore[attr-defined]
    flagged = report[report["reason"].str.contains(reason, regex=False)]
    assert sorted(set(flagged.index)) == rows
    assert all(f"row {r} (" in str(error) for r in rows)


# -- change frames: what plan() is given -----------------------------------------------------
def _tech(world: World) -> pd.DataFrame:
    return world.frames["technology"]


STRUCTURE_CASES = [
    pytest.param(lambda w: None, ArgumentError, "changes is None", id="none"),
    pytest.param(lambda w: [], ArgumentError, "changes is an empty list", id="empty-list"),
    pytest.param(lambda w: (), ArgumentError, "changes is an empty list", id="empty-tuple"),
    pytest.param(lambda w: {}, ArgumentError, "changes is dict", id="dict"),
    pytest.param(lambda w: _tech(w).to_dict("records"), ArgumentError, "changes[0] is dict",
                 id="records"),
    pytest.param(lambda w: "changes.csv", ArgumentError, "changes is str", id="path"),
    pytest.param(lambda w: 5, ArgumentError, "changes is int 5", id="int"),
    pytest.param(lambda w: _tech(w).to_numpy(), ArgumentError, "changes[0] is ndarray",
                 id="ndarray"),
    pytest.param(lambda w: _tech(w)["value"], ArgumentError, "changes is a Series", id="series"),
    pytest.param(lambda w: [_tech(w), "x"], ArgumentError, "changes[1] is str 'x'",
                 id="list-with-text"),
    pytest.param(lambda w: [_tech(w), None], ArgumentError, "changes[1] is None",
                 id="list-with-none"),
    pytest.param(lambda w: pd.concat([_tech(w), _tech(w)[["value"]]], axis=1), ArgumentError,
                 "more than one column named ['value']", id="two-value-columns"),
    pytest.param(lambda w: pd.concat([_tech(w), _tech(w)[["year"]]], axis=1), ArgumentError,
                 "more than one column named ['year']", id="two-year-columns"),
    pytest.param(lambda w: _tech(w).set_index("region", drop=False), ArgumentError,
                 "['region'] both as index levels and as columns", id="index-and-column"),
    pytest.param(lambda w: pd.concat({"a": _tech(w)}, axis=1), ArgumentError,
                 "multi-level columns", id="multi-level-columns"),
    pytest.param(lambda w: _tech(w).drop(columns=["variable"]), ValidationError,
                 "lacks key columns ['variable']", id="no-variable"),
    pytest.param(lambda w: _tech(w).drop(columns=["region", "domain"]), ValidationError,
                 "lacks key columns ['region', 'domain']", id="no-region-domain"),
    pytest.param(lambda w: _tech(w).drop(columns=["value", "transform_type", "transform_value"]),
                 ValidationError, "no value, transform_type or transform_value column",
                 id="no-value-columns"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "error", "said"), STRUCTURE_CASES)
def test_plan_of_a_malformed_change_set_is_refused(world, make, error, said):
    changes = make(world)
    refused(world, lambda: world.client.plan(world.sid, changes), error, said)


def test_plan_against_a_published_scenario_is_refused_with_the_copy_hint(world):
    frame = _tech(world)
    refused(world, lambda: world.client.plan(world.published, frame), PlanError,
            world.published, "published Aurora scenario", "baseScenarioGlobalId",
            "--new-scenario NAME")  # fmt: skip


# -- getter arguments -------------------------------------------------------------------------
SCENARIO_READERS = (
    "get_scenario_by_id", "get_weather_year_list", "get_inputs_session",
    "get_inputs_data_groups", "get_inputs_transforms", "get_technology_names",
    "get_demand_regions", "get_demand", "demand", "get_demand_technology_names",
    "get_demand_technologies", "get_commodities", "commodities",
    "get_interconnectors_connections", "interconnectors", "technologies", "inputs",
)  # fmt: skip
GETTER_CASES = [
    pytest.param(name, {"scenario_id": bad}, f"{name}(): scenario_id", id=f"{name}-{label}")
    for name in SCENARIO_READERS
    for label, bad in (("int", 5), ("empty", ""))
] + [
    pytest.param(name, {"regions": bad}, f"{name}(): regions", id=f"{name}-regions-{label}")
    for name in ("technologies", "demand", "commodities", "get_commodities", "interconnectors",
                 "inputs")
    for label, bad in (("int", 5), ("text", "gbr"), ("int-item", [1]), ("empty-item", [""]),
                       ("dict", {"gbr": 1}))
] + [
    pytest.param("technologies", {"technologies": "CCGT"}, "technologies must be a list",
                 id="technologies-text"),
    pytest.param("technologies", {"technologies": ["CCGT", 3]}, "technologies[1] is int 3",
                 id="technologies-int-item"),
    pytest.param("technologies", {"sub_keys": "no"}, "sub_keys must be True or False",
                 id="sub-keys-text"),
    pytest.param("commodities", {"commodities": "gas"}, "commodities must be a list",
                 id="commodities-text"),
    pytest.param("commodities", {"native_units": 1}, "native_units must be True or False",
                 id="native-units-int"),
    pytest.param("get_commodities", {"native_units_flag": "yes"},
                 "native_units_flag must be True or False", id="flag-text"),
    pytest.param("inputs", {"domains": "technology"}, "domains must be a list",
                 id="domains-text"),
    pytest.param("get_demand", {"demand_filter": "gbr"}, "demand_filter must be a dict",
                 id="demand-filter-text"),
    pytest.param("get_demand_technologies", {"demand_technology_filter": ["gbr"]},
                 "demand_technology_filter must be a dict", id="tech-filter-list"),
    pytest.param("get_technology", {"technology_name": "CCGT", "region": None},
                 "region must be text", id="technology-region-none"),
    pytest.param("get_technology", {"technology_name": 5, "region": "gbr"},
                 "technology_name must be text", id="technology-name-int"),
    pytest.param("get_technology", {"technology_name": "CCGT", "region": "gbr",
                                    "subregion": 3}, "subregion must be text",
                 id="technology-subregion-int"),
    pytest.param("get_technology", {"technology_name": "CCGT"},
                 "missing a required argument: 'region'", id="technology-no-region"),
    pytest.param("get_technology", {"technology_name": "CCGT", "region": "gbr", "colour": 1},
                 "unexpected keyword argument 'colour'", id="technology-unknown-keyword"),
    pytest.param("get_interconnectors", {"region": "gbr", "connection_region": None},
                 "connection_region must be text", id="interconnectors-none"),
    pytest.param("get_interconnectors", {"region": ["gbr"], "connection_region": "fra"},
                 "region must be text", id="interconnectors-list"),
    pytest.param("get_scenario_outputs", {"region": "gbr", "download_type": "x",
                                          "granularity": "y", "year": "2030"},
                 "year must be an int", id="outputs-year-text"),
    pytest.param("get_scenario_outputs", {"region": "gbr", "download_type": "x",
                                          "granularity": "y", "year": True},
                 "year must be an int", id="outputs-year-bool"),
    pytest.param("get_scenario_outputs", {"region": "gbr", "download_type": "x",
                                          "granularity": "y", "use_cache": "yes"},
                 "use_cache must be True or False", id="outputs-cache-text"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "kwargs", "said"), GETTER_CASES)
def test_getter_argument_of_the_wrong_type_is_refused_naming_it(world, method, kwargs, said):
    arguments = {"scenario_id": world.sid, **kwargs}
    call = getattr(world.client, method)
    error = refused(world, lambda: call(**arguments), ArgumentError, said)
    assert isinstance(error, TypeError) and isinstance(error, OriginError)


CATALOGUE_CASES = [
    pytest.param(lambda c: c.get_aurora_scenarios(5), "region must be text", id="scenarios"),
    pytest.param(lambda c: c.get_project(None), "project_id must be text", id="project"),
    pytest.param(lambda c: c.create_project("x"), "project must be a dict", id="create-project"),
    pytest.param(lambda c: c.create_scenario(["x"]), "scenario must be a dict",
                 id="create-scenario"),
    pytest.param(lambda c: c.update_scenario(5), "scenario_update must be a dict",
                 id="update-scenario"),
    pytest.param(lambda c: c.delete_scenario(7), "scenario_id must be text",
                 id="delete-scenario"),
    pytest.param(lambda c: c.get_meta_json(None), "meta_url must be text", id="meta-json"),
    pytest.param(lambda c: c.apply("plan.json"), "plan must be a Plan", id="apply-text"),
    pytest.param(lambda c: c.plan(5, pd.DataFrame()), "scenario_id must be text",
                 id="plan-scenario-int"),
    pytest.param(lambda c: c.plan("s", pd.DataFrame(), current=[1]),
                 "current must be a pandas DataFrame", id="plan-current-list"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "said"), CATALOGUE_CASES)
def test_catalogue_argument_of_the_wrong_type_is_refused(world, call, said):
    refused(world, lambda: call(world.client), ArgumentError, said)


def test_unknown_domain_name_is_refused(world):
    refused(world, lambda: world.client.inputs(world.sid, domains=["weather"]),
            ConfigurationError, "Unknown domains ['weather']", "use any of")  # fmt: skip


# -- updaters: each would send a mutation -----------------------------------------------------
def _tx(year: Any = 2030, kind: Any = "Absolute", value: Any = 1.0) -> list[dict[str, Any]]:
    return [{"year": year, "transform": {"type": kind, "value": value}}]


UPDATER_CASES = [
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity", 5, "gbr"),
                 ArgumentError, "transform must be a list", id="tech-transform-int"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity", "x", "gbr"),
                 ArgumentError, "transform must be a list", id="tech-transform-text"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity", [5], "gbr"),
                 ArgumentError, "transform[0] is int 5", id="tech-transform-item"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity",
                                                            _tx(year="x"), "gbr"),
                 ValidationError, "year is not a whole number", id="tech-year-text"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity",
                                                            _tx(kind="Multiply"), "gbr"),
                 ValidationError, "transform_type is not one of", id="tech-type"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity",
                                                            _tx(value="abc"), "gbr"),
                 ValidationError, "transform_value is not numeric", id="tech-value-text"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity",
                                                            _tx() + _tx(), "gbr"),
                 ValidationError, "the same year/month appears twice", id="tech-duplicate"),
    pytest.param(lambda c, s: c.update_technology_exogenous(s, "CCGT", "capacity", _tx(), 5),
                 ArgumentError, "region must be text", id="tech-region-int"),
    pytest.param(lambda c, s: c.update_technology_endogenous(s, "CCGT", None, _tx(), "gbr"),
                 ArgumentError, "parameter must be text", id="endo-parameter-none"),
    pytest.param(lambda c, s: c.update_system_demand(s, "gbr", "totalDemand", _tx(value=None)),
                 ValidationError, "null transform", id="demand-null"),
    pytest.param(lambda c, s: c.update_system_demand(s, 5, "totalDemand", _tx()),
                 ArgumentError, "region must be a list", id="demand-region-int"),
    pytest.param(lambda c, s: c.update_demand_technology_variable(s, "gbr", "heatPumps",
                                                                  "totalDemand", _tx(value=True)),
                 ValidationError, "transform_value is not numeric", id="demand-tech-bool"),
    pytest.param(lambda c, s: c.update_commodity_price(s, "gas", "gbr", _tx()),
                 ArgumentError, "regions=['gbr']", id="commodity-regions-text"),
    pytest.param(lambda c, s: c.update_commodity_price(s, "gas", ["gbr"], _tx(), "yes"),
                 ArgumentError, "native_units_flag must be True or False", id="commodity-flag"),
    pytest.param(lambda c, s: c.update_interconnectors(s, None, "fra", "capacity", _tx()),
                 ArgumentError, "from_region must be text", id="interconnector-none"),
    pytest.param(lambda c, s: c.update_interconnectors(s, "gbr", "fra", "capacity",
                                                       _tx(year=2030.5)),
                 ValidationError, "year is not a whole number", id="interconnector-year"),
    pytest.param(lambda c, s: c.change_base_commodities_assumptions(s, 5),
                 ArgumentError, "rebase_reference_id must be text", id="rebase-int"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "said"), UPDATER_CASES)
def test_bad_updater_call_sends_nothing(world, call, error, said):
    refused(world, lambda: call(world.client, world.sid), error, said)


# -- constructor ------------------------------------------------------------------------------
CONSTRUCTOR_CASES = [
    pytest.param({"token": 12345}, ArgumentError, "token must be text, not int:", id="token-int"),
    pytest.param({"token": b"secret-bytes"}, ArgumentError, "token must be text, not bytes:",
                 id="token-bytes"),
    pytest.param({"token": "  "}, ArgumentError, "token is empty", id="token-blank"),
    pytest.param({"scenario_base_url": 123}, ArgumentError, "scenario_base_url must be text",
                 id="scenario-url-int"),
    pytest.param({"inputs_base_url": ["http://x"]}, ArgumentError,
                 "inputs_base_url must be text", id="inputs-url-list"),
    pytest.param({"scenario_base_url": "ftp://host/x"}, ConfigurationError,
                 "is not an http(s) URL", id="scenario-url-scheme"),
    pytest.param({"inputs_base_url": "localhost:8080"}, ConfigurationError,
                 "is not an http(s) URL", id="inputs-url-no-scheme"),
    pytest.param({"timeout": "abc"}, ArgumentError, "timeout must be a number of seconds",
                 id="timeout-text"),
    pytest.param({"timeout": True}, ArgumentError, "timeout must be a number", id="timeout-bool"),
    pytest.param({"timeout": math.nan}, ArgumentError, "timeout must be a finite number",
                 id="timeout-nan"),
    pytest.param({"timeout": (5,)}, ArgumentError, "(connect, read) pair", id="timeout-1-tuple"),
    pytest.param({"timeout": (5, "x")}, ArgumentError, "timeout must be a number",
                 id="timeout-pair-text"),
    pytest.param({"timeout": -1}, ConfigurationError, "timeouts must be positive",
                 id="timeout-negative"),
    pytest.param({"concurrency": "4"}, ArgumentError, "concurrency must be an int",
                 id="concurrency-text"),
    pytest.param({"concurrency": 2.5}, ArgumentError, "concurrency must be an int",
                 id="concurrency-float"),
    pytest.param({"concurrency": 0}, ConfigurationError, "concurrency must be at least 1",
                 id="concurrency-zero"),
    pytest.param({"max_retries": "3"}, ArgumentError, "max_retries must be an int",
                 id="retries-text"),
    pytest.param({"max_retries": -1}, ConfigurationError, "max_retries must be 0 or more",
                 id="retries-negative"),
    pytest.param({"batch_size": True}, ArgumentError, "batch_size must be an int",
                 id="batch-bool"),
    pytest.param({"batch_size": 0}, ConfigurationError, "batch_size must be at least 1",
                 id="batch-zero"),
    pytest.param({"progress": "yes"}, ArgumentError, "progress must be True or False",
                 id="progress-text"),
    pytest.param({"not_ready_deadline_s": "300"}, ArgumentError,
                 "not_ready_deadline_s must be a number", id="deadline-text"),
    pytest.param({"not_ready_deadline_s": -1}, ConfigurationError,
                 "not_ready_deadline_s must not be negative", id="deadline-negative"),
    pytest.param({"backoff_base": -0.5}, ConfigurationError, "backoff_base must not be negative",
                 id="backoff-negative"),
    pytest.param({"cache_dir": 5}, ArgumentError, "cache_dir must be a path", id="cache-dir"),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "error", "said"), CONSTRUCTOR_CASES)
def test_bad_constructor_argument_is_refused_naming_it(world, kwargs, error, said):
    options = {"token": TOKEN, "scenario_base_url": world.emulator.scenario_base_url,
               "inputs_base_url": world.emulator.inputs_base_url, **kwargs}  # fmt: skip
    error_raised = refused(world, lambda: OriginFrames(**options), error, said)
    assert "secret-bytes" not in str(error_raised) and TOKEN not in str(error_raised)


# -- saved plan files --------------------------------------------------------------------------
PLAN_FILE_CASES = [
    pytest.param("missing.json", None, id="missing"),
    pytest.param("empty.json", "", id="empty"),
    pytest.param("garbage.json", "{not json", id="not-json"),
    pytest.param("list.json", "[1, 2]", id="json-list"),
    pytest.param("future.json", '{"format": 99, "calls": []}', id="other-format"),
]


@pytest.mark.parametrize(("name", "content"), PLAN_FILE_CASES)
def test_unreadable_plan_file_is_refused_naming_the_file(world, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    error = refused(world, lambda: Plan.from_json(path, client=world.client), OriginError,
                    str(path))  # fmt: skip
    assert not isinstance(error, KeyError)


def test_plan_without_a_client_is_refused_on_apply(world, tmp_path):
    frame = _tech(world)
    saved = world.client.plan(world.sid, frame).to_json(tmp_path / "plan.json")
    refused(world, Plan.from_json(saved).apply, PlanError, "This plan has no client",
            "Plan.from_json(path, client=client)")  # fmt: skip


# -- command line -----------------------------------------------------------------------------
@pytest.fixture
def cli_env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The CLI reaches the module's emulator through the environment."""
    monkeypatch.setenv("AURORA_ORIGIN_SCENARIO_API_BASE_URL", world.emulator.scenario_base_url)
    monkeypatch.setenv("AURORA_ORIGIN_INPUTS_API_BASE_URL", world.emulator.inputs_base_url)
    monkeypatch.setenv("AURORA_API_KEY", TOKEN)
    return world


HEADER = "domain,region,technology,variable,kind,year,value\n"
CLI_CASES = [
    pytest.param("garbage.csv", bytes(range(128, 256)), "plan", "Could not read", id="garbage"),
    pytest.param("header.csv", HEADER, "plan", "holds no rows", id="header-only"),
    pytest.param("cols.csv", "a,b\n1,2\n", "plan", "lacks key columns", id="no-key-columns"),
    pytest.param("year.csv", HEADER + "technology,gbr,CCGT,capex,endogenous,20x0,1\n", "plan",
                 "20x0", id="bad-year"),
    pytest.param("value.csv", HEADER + "technology,gbr,CCGT,capex,endogenous,2030,lots\n",
                 "plan", "value is not numeric (got str 'lots')", id="text-value"),
    pytest.param("var.csv", HEADER + "technology,gbr,CCGT,noSuchVar,endogenous,2030,1\n",
                 "plan", "unknown variable", id="unknown-variable"),
    pytest.param("limit.csv", HEADER + "technology,gbr,CCGT,capex,endogenous,2030,1e12\n",
                 "apply", "hardLimit", id="apply-beyond-limit"),
    pytest.param("dup.csv", HEADER + "technology,gbr,CCGT,capex,endogenous,2030,1\n"
                 "technology,gbr,CCGT,capex,endogenous,2030,2\n", "apply", "duplicate key",
                 id="apply-duplicate"),
    pytest.param("changes.txt", HEADER, "plan", ".csv, .parquet or an exported",
                 id="suffix"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "command", "said"), CLI_CASES)
def test_bad_change_file_on_the_command_line_is_refused(cli_env, tmp_path, capsys, name,
                                                        content, command, said):  # fmt: skip
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = cli_env.mutations()
    code = main([command, cli_env.sid, str(path)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert said in err and "Traceback" not in err
    assert any(w in err.lower() for w in FIX_WORDS), err
    assert cli_env.mutations() == before


CLI_ARGUMENT_CASES = [
    pytest.param(lambda w, p: ["plan", "latest:gbr:central", p], "--new-scenario NAME",
                 id="published"),
    pytest.param(lambda w, p: ["plan", "latest:gbr:nosuchcase", p], "No published scenario",
                 id="no-such-scenario"),
    pytest.param(lambda w, p: ["apply", str(Path(p).with_name("nope.json"))], "No plan file",
                 id="missing-plan-file"),
    pytest.param(lambda w, p: ["apply", w.sid], "Give a saved PLAN.json", id="apply-no-changes"),
    pytest.param(lambda w, p: ["plan", w.sid, str(Path(p).with_name("nope.csv"))],
                 "No changes file", id="missing-change-file"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "said"), CLI_ARGUMENT_CASES)
def test_bad_command_line_is_one_line_and_sends_nothing(cli_env, tmp_path, capsys, argv, said):
    changes = tmp_path / "changes.csv"
    changes.write_text(HEADER + "technology,gbr,CCGT,capex,endogenous,2030,1234.5\n")
    before = cli_env.mutations()
    code = main(argv(cli_env, str(changes)))
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert said in err and len(err.strip().splitlines()) == 1, err
    assert cli_env.mutations() == before


# -- junk anywhere ------------------------------------------------------------------------------
JUNK = st.one_of(
    st.booleans(), st.complex_numbers(allow_nan=False), st.text(max_size=5),
    st.sampled_from([math.inf, -math.inf, None, object(), [1], {"a": 1}, Decimal("2"), b"x"]),
    st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**20, 10**20),
)  # fmt: skip
COLUMNS = ("region", "technology", "year", "domain", "variable", "kind", "sub_region",
           "month", "value", "transform_type", "transform_value", "unit")  # fmt: skip


# Each example plans against the emulator: no shrinking (it would replay dozens of reads).
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(domain=st.sampled_from(DOMAINS), column=st.sampled_from(COLUMNS), junk=JUNK,
       row=st.integers(0, 2))  # fmt: skip
def test_junk_in_any_cell_is_planned_or_refused_but_never_sent_or_crashed(
    world, domain, column, junk, row
):
    frame = world.frames[domain].copy()
    values = frame[column].astype(object) if column in frame.columns else pd.Series(
        [None] * len(frame), dtype=object)  # fmt: skip
    values.iloc[row] = junk
    frame[column] = values
    before = world.mutations()
    try:
        plan = world.client.plan(world.sid, frame)
    except (OriginError, ArgumentError) as exc:  # typed, and says how to fix it
        assert any(w in str(exc).lower() for w in FIX_WORDS), str(exc)
    else:
        assert isinstance(plan, Plan)
    assert world.mutations() == before
