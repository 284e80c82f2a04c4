"""The frame-form matrix: every frame a user can hold plans and applies correctly.

For every getter that returns input cells (seed-named and bulk readers, every domain,
gbr/deu/aus with sub-regions, sub-technologies, subsidies, monthly parameters, both
interconnector directions, commodities in both unit modes, updater answers) and every form
a user holds a frame in (as read, ``reset_index``, keys + value, a row subset, shuffled,
``astype(object)``, categories removed or reordered, concatenated with another domain, CSV,
``write_dataset``/``read_parquet``, ``to_parquet``/``pd.read_parquet``, ``to_wide``/
``from_wide``), hypothesis draws an edit (cells, new values, and how they are asked for:
a new value or an Absolute/Delta/Percentage transform) and the forms' parameters. Then:

1. every form of the unedited frame plans to nothing;
2. every form of the edited frame plans exactly the edited cells, with the edited values;
3. the edit applies and re-reads equal (every other cell unchanged);
4. every form of the edited frame re-plans to nothing (planned against the server);
5. planning the edited cells' rows as first read (no transform) clears the transforms and
   restores the original values, and the frame as read plans to nothing again.

One edit serves all forms of a getter, so a getter costs one apply and one restore; the
plans of steps 1 and 2 are made against the state read once (``current=``), the re-plans
of step 4 through the full read path.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import TOKEN
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from origin_frames import OriginFrames, from_wide, read_parquet, to_wide, write_dataset
from origin_frames._diff import KEY, flatten, key_frame
from origin_frames._plan import ConfigFacts, read_current
from origin_frames.emulator import Emulator

Reader = Callable[[OriginFrames, str], pd.DataFrame]


# -- getters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Getter:
    """A way to read input cells; ``prepare`` runs once on the scenario copy first."""

    group: str
    read: Reader
    reread: Reader | None = None  # when ``read`` is an updater: the same rows, read again
    prepare: Callable[[OriginFrames, str], Any] | None = None

    def again(self, client: OriginFrames, sid: str) -> pd.DataFrame:
        return (self.reread or self.read)(client, sid)


def _ocgt_capacity(client: OriginFrames, sid: str) -> pd.DataFrame:
    frame = client.get_technology(sid, "OCGT", region="gbr")
    return frame[frame["variable"].astype(str) == "capacity"]


def _percentage_demand(client: OriginFrames, sid: str) -> Any:
    return client.update_system_demand(
        sid, "gbr", "totalDemand", [{"year": 2030, "transform": {"type": "Percentage",
                                                                 "value": 10}}])  # fmt: skip


GETTERS: dict[str, Getter] = {
    "get_technology": Getter("gbr", lambda c, s: c.get_technology(s, "CCGT", region="gbr")),
    "get_technology_sub_technologies": Getter("gbr", lambda c, s: c.get_technology(
        s, "CCGT", "gbr", exogenous_sub_technology="CCGT H-class",
        endogenous_sub_technology="CCGT new build")),
    "get_technology_aus_sub_region_subsidy": Getter("aus", lambda c, s: c.get_technology(
        s, "Onshore Wind", "aus", subregion="nsw", subsidy="LRET")),
    "technologies": Getter("gbr", lambda c, s: c.technologies(s, ["gbr"], ["OCGT", "Nuclear"])),
    "technologies_aus_sub_regions": Getter("aus", lambda c, s: c.technologies(
        s, ["aus"], ["Biomass"])),
    "technologies_deu_without_sub_keys": Getter("deu", lambda c, s: c.technologies(
        s, ["deu"], ["CCGT", "OCGT"], sub_keys=False)),
    "technology_updater_answer": Getter("gbr", lambda c, s: c.update_technology_exogenous(
        s, "OCGT", "capacity", [{"year": 2030, "transform": {"type": "Delta", "value": 5}}],
        region="gbr"), reread=_ocgt_capacity),
    "get_demand": Getter("gbr", lambda c, s: c.get_demand(s, {"region": "gbr"})),
    "demand_with_transformed_components": Getter(
        "gbr", lambda c, s: c.demand(s, ["gbr"]), prepare=_percentage_demand),
    "demand_deu": Getter("deu", lambda c, s: c.demand(s, ["deu"])),
    "get_demand_technologies": Getter("gbr", lambda c, s: c.get_demand_technologies(
        s, {"region": "gbr"})),
    "get_commodities_native_units": Getter("gbr", lambda c, s: c.get_commodities(
        s, native_units_flag=True, regions=["gbr"])),
    "commodities_deu": Getter("deu", lambda c, s: c.commodities(s, ["deu"])),
    "commodities_average_native_units": Getter("gbr", lambda c, s: c.commodities(
        s, native_units=True)),
    "get_interconnectors": Getter("gbr", lambda c, s: c.get_interconnectors(s, "gbr", "fra")),
    "get_interconnectors_reversed": Getter("gbr", lambda c, s: c.get_interconnectors(
        s, "fra", "gbr")),
    "interconnectors_both_directions": Getter("gbr", lambda c, s: c.interconnectors(
        s, ["fra"])),
    "inputs_non_technology_domains": Getter("gbr", lambda c, s: c.inputs(
        s, domains=["demand", "commodity", "interconnector"], regions=["nor"])),
}  # fmt: skip
#: Larger reads, run with more examples under the slow marker.
SLOW_GETTERS: dict[str, Getter] = {
    "inputs_all_domains": Getter("gbr", lambda c, s: c.inputs(s, regions=["irl"])),
    "technologies_aus_subsidies": Getter("aus", lambda c, s: c.technologies(
        s, ["aus"], ["Onshore Wind"])),
}  # fmt: skip


# -- forms ----------------------------------------------------------------------------------------
@dataclass
class Context:
    """What a form needs besides the frame: drawn parameters, files, another domain."""

    tmp: Path
    other: pd.DataFrame
    keep: np.ndarray  # row subset mask (includes every edited row)
    order: np.ndarray  # a permutation of the rows
    category_seed: int
    files: int = 0

    def path(self, suffix: str) -> Path:
        self.files += 1
        return self.tmp / f"f{self.files}{suffix}"


def _keys_and_value(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    flat = frame.reset_index()
    return flat[[c for c in KEY if c in flat.columns] + ["value"]]


def _categories_removed(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(object)
    return out


def _categories_reordered(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    out = frame.copy()
    rng = np.random.default_rng(ctx.category_seed)
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = list(col.cat.remove_unused_categories().cat.categories)
            rng.shuffle(cats)  # a subset of the categories, reordered, plus one never used
            out[name] = col.cat.set_categories([*cats, "zz-never-used"])
    return out


def _csv(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    path = ctx.path(".csv")
    frame.to_csv(path)
    return pd.read_csv(path)  # as docs/guide.md tells users to reload


def _dataset(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    path = ctx.path("-dataset")
    write_dataset(frame, path)
    return read_parquet(path)


def _parquet(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    path = ctx.path(".parquet")
    frame.to_parquet(path)
    return pd.read_parquet(path)


FORMS: dict[str, Callable[[pd.DataFrame, Context], pd.DataFrame]] = {
    "as_read": lambda f, ctx: f,
    "reset_index": lambda f, ctx: f.reset_index(),
    "keys_and_value": _keys_and_value,
    "row_subset": lambda f, ctx: f[ctx.keep],
    "shuffled": lambda f, ctx: f.iloc[ctx.order],
    "astype_object": lambda f, ctx: f.astype(object),
    "categories_removed": _categories_removed,
    "categories_reordered": _categories_reordered,
    "concat_with_another_domain": lambda f, ctx: pd.concat([f, ctx.other]),
    "csv": _csv,
    "write_dataset_read_parquet": _dataset,
    "to_parquet_pd_read_parquet": _parquet,
    "to_wide_from_wide": lambda f, ctx: from_wide(to_wide(f)),
}


# -- keys ---------------------------------------------------------------------------------
def key_tuples(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The full cell key of every row, in one normal form whatever the frame's form."""
    flat = flatten(frame)
    columns = []
    for name in KEY:
        if name not in flat.columns:
            columns.append([None] * len(flat))
        elif name in ("year", "month"):
            values = pd.to_numeric(flat[name].astype(object), errors="coerce")
            columns.append([None if pd.isna(v) else int(v) for v in values])
        else:
            values = flat[name].astype(object)
            columns.append([None if pd.isna(v) else str(v) for v in values])
    return list(zip(*columns, strict=True))


def by_key(frame: pd.DataFrame, column: str) -> dict[tuple[Any, ...], Any]:
    return dict(zip(key_tuples(frame), flatten(frame)[column].tolist(), strict=True))


# -- edits --------------------------------------------------------------------------------
@dataclass
class Edit:
    """Cells of the frame as read (positions), their new effective values, and the ask."""

    positions: list[int]
    targets: list[float]
    how: str  # "value", or a transform type
    keys: list[tuple[Any, ...]] = field(default_factory=list)

    def on(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame as read with this edit made the way a user would make it."""
        out = frame.copy()
        value = out.columns.get_loc("value")
        out.iloc[self.positions, value] = self.targets
        if self.how != "value":
            original = out["original"].to_numpy()[self.positions]
            with np.errstate(divide="ignore", invalid="ignore"):
                tv = {"Absolute": np.asarray(self.targets),
                      "Delta": np.asarray(self.targets) - original,
                      "Percentage": (np.asarray(self.targets) / original - 1.0) * 100.0,
                      }[self.how]  # fmt: skip
            kinds = out["transform_type"].astype(object).to_numpy(copy=True)
            kinds[self.positions] = self.how
            out["transform_type"] = kinds
            out.iloc[self.positions, out.columns.get_loc("transform_value")] = tv
        return out


def editable(frame: pd.DataFrame, facts: ConfigFacts) -> np.ndarray:
    """Positions a user may edit: not locked, not read-only, non-zero finite values."""
    flat = flatten(frame)
    variable = flat["variable"].astype(str)
    tech = flat["domain"].astype(str) == "technology"
    locked = {n for n, p in facts.parameters.items() if p.get("lock")}
    read_only = pd.Series(list(zip(flat["technology"].astype(str), variable, strict=True))).isin(
        list(facts.read_only))  # fmt: skip
    value = flat["value"].to_numpy(dtype=float)
    original = flat["original"].to_numpy(dtype=float)
    ok = ~(tech & variable.isin(locked)).to_numpy() & ~(tech.to_numpy() & read_only.to_numpy())
    ok &= np.isfinite(value) & (np.abs(value) > 1e-3) & (np.abs(original) > 1e-3)
    return np.flatnonzero(ok)


def draw_edit(data: st.DataObject, frame: pd.DataFrame, facts: ConfigFacts) -> Edit:
    """Hypothesis draws cells, factors (kept inside hard limits) and the way to ask."""
    candidates = editable(frame, facts)
    size = min(len(candidates), data.draw(st.integers(1, 3), label="cells"))
    chosen = data.draw(st.lists(st.sampled_from(candidates.tolist()), min_size=size,
                                max_size=size, unique=True), label="positions")  # fmt: skip
    flat = flatten(frame)
    targets = []
    for pos in chosen:
        factor = data.draw(st.floats(0.5, 0.95), label="factor")
        old = float(flat["value"].iloc[pos])
        limit = facts.parameters.get(str(flat["variable"].iloc[pos]), {}).get("hardLimit") or {}
        target = old * factor
        if limit.get("lower") is not None and target < limit["lower"]:
            target = old + (old - limit["lower"]) * (factor - 1.0)  # move towards the limit
        targets.append(float(target))
    how = data.draw(st.sampled_from(["value", "Absolute", "Delta", "Percentage"]), label="how")
    return Edit(chosen, targets, how, [key_tuples(frame.iloc[[p]])[0] for p in chosen])


# -- state per getter ---------------------------------------------------------------------------
@dataclass
class Held:
    """One getter's scenario copy, its frame as read, and a frame of another domain."""

    getter: Getter
    client: OriginFrames
    sid: str
    frame: pd.DataFrame
    other: pd.DataFrame

    def current(self) -> pd.DataFrame:
        """The server's cells under both frames, read the way planning reads them
        (default units), for the plans made with ``current=``."""
        keys, _ = key_frame(pd.concat([flatten(self.frame), flatten(self.other)]))
        return read_current(self.client, self.sid, keys)


@pytest.fixture(scope="module")
def module_client(running_emulator: Emulator) -> Iterator[OriginFrames]:
    """One client for the module: the held scenarios it edits are reused across tests."""
    with OriginFrames(TOKEN, running_emulator.scenario_base_url,
                      running_emulator.inputs_base_url, progress=False) as c:  # fmt: skip
        yield c


@pytest.fixture(scope="module")
def facts(module_client: OriginFrames) -> ConfigFacts:
    return ConfigFacts.from_config(module_client.inputs_config())


_HELD: dict[str, Held] = {}
_BASES: dict[str, str] = {}


def held(client: OriginFrames, name: str, getter: Getter) -> Held:
    """The getter's state, built once per test session (one scenario copy per getter)."""
    if name in _HELD and _HELD[name].client is client:
        return _HELD[name]
    if getter.group not in _BASES:  # the catalogue read is slow: once per region group
        _BASES[getter.group] = str(client.get_aurora_scenarios(getter.group).index[0])
    base = _BASES[getter.group]
    project = str(client.create_project({"name": f"forms-{name}"[:60]}).index[0])
    sid = str(client.create_scenario({"projectGlobalId": project, "name": name,
                                      "baseScenarioGlobalId": base}).index[0])  # fmt: skip
    if getter.prepare is not None:
        getter.prepare(client, sid)
    frame = getter.read(client, sid)
    domain = set(frame["domain"].astype(str))
    other = (client.get_demand(sid, {"region": getter.group}) if "commodity" in domain
             else client.get_commodities(sid, regions=[getter.group]))  # fmt: skip
    _HELD[name] = Held(getter, client, sid, frame, other)
    return _HELD[name]


# -- the matrix -----------------------------------------------------------------------------------
def check_plan(plan: Any, edit: Edit, expected: dict[tuple[Any, ...], float]) -> None:
    """The plan changes exactly the edited cells, to ``expected``; anything else is a pin."""
    cells = plan.cells
    changed = cells[cells["change"] != "pinned"]
    keys = key_tuples(changed)
    assert sorted(keys, key=repr) == sorted(edit.keys, key=repr), (keys, edit.keys)
    after = dict(zip(keys, changed["after"].tolist(), strict=True))
    for key in edit.keys:
        assert math.isclose(after[key], expected[key], rel_tol=1e-7, abs_tol=1e-9), key
    pins = cells[cells["change"] == "pinned"]
    np.testing.assert_allclose(pins["after"], pins["before"], rtol=1e-9)


def untransformed(frame: pd.DataFrame) -> dict[tuple[Any, ...], bool]:
    """Whether each cell is free of transforms: none, or the neutral ``Delta 0`` that
    clears where the API takes no null transform (every domain but technology)."""
    kinds = flatten(frame)["transform_type"].astype(object)
    values = flatten(frame)["transform_value"].to_numpy(dtype=float)
    neutral = kinds.isin(["Delta", "Percentage"]).to_numpy() & (np.abs(values) < 1e-9)
    return dict(zip(key_tuples(frame), (kinds.isna().to_numpy() | neutral).tolist(),
                    strict=True))  # fmt: skip


def in_default_units(frame: pd.DataFrame, current: pd.DataFrame,
                     keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], float]:  # fmt: skip
    """Per key, default-unit value / the frame's value: 1, or the commodity's unit factor."""
    if frame.attrs.get("commodity_units") != "native":
        return dict.fromkeys(keys, 1.0)
    default, native = by_key(current, "original"), by_key(frame, "original")
    return {k: default[k] / native[k] for k in keys}


def check_reread(frame: pd.DataFrame, want: dict[tuple[Any, ...], float]) -> None:
    got = by_key(frame, "value")
    assert set(got) == set(want)
    wrong = [k for k in want if not math.isclose(got[k], want[k], rel_tol=1e-7, abs_tol=1e-9)]
    assert not wrong, [(k, got[k], want[k]) for k in wrong[:5]]


def run_matrix(h: Held, facts: ConfigFacts, data: st.DataObject, tmp: Path) -> int:
    """Every form of one getter through steps 1-5; returns the number of forms checked."""
    client, sid, frame = h.client, h.sid, h.frame
    edit = draw_edit(data, frame, facts)
    edited = edit.on(frame)
    n = len(frame)
    share = data.draw(st.floats(0.2, 0.9), label="subset share")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31), label="row seed"))
    keep = rng.random(n) < share
    keep[edit.positions] = True
    ctx = Context(tmp, h.other, keep, rng.permutation(n),
                  data.draw(st.integers(0, 2**31), label="category seed"))  # fmt: skip
    read_values = by_key(frame, "value")
    targets = dict(zip(edit.keys, edit.targets, strict=True))
    failures: list[str] = []
    current = h.current()
    # Plans hold default units; a native-unit frame's values convert by the server's ratio.
    planned = in_default_units(frame, current, edit.keys)
    held_as: dict[str, pd.DataFrame] = {}  # each form made once: files are written once
    edited_as: dict[str, pd.DataFrame] = {}

    def each_form(step: Callable[[str], None]) -> None:
        for name in FORMS:
            try:
                step(name)
            except Exception as exc:  # noqa: BLE001 - collected: every form is reported
                failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:400]}")

    def before_apply(name: str) -> None:
        held_as[name] = FORMS[name](frame, ctx)
        edited_as[name] = FORMS[name](edited, ctx)
        assert len(client.plan(sid, held_as[name], current=current)) == 0, "unedited"
        check_plan(client.plan(sid, edited_as[name], current=current), edit,
                   {k: v * planned[k] for k, v in targets.items()})  # fmt: skip

    each_form(before_apply)
    result = client.apply(client.plan(sid, edited))
    assert result.ok, result
    now = h.getter.again(client, sid)
    check_reread(now, {**read_values, **targets})

    def after_apply(name: str) -> None:
        replan = client.plan(sid, edited_as[name])
        assert len(replan) == 0, f"re-plan of the edit: {replan.to_frame()}"

    each_form(after_apply)
    # The frame as read, whole: the dependents of a system totalDemand stay as listed.
    restore = client.plan(sid, frame)
    assert client.apply(restore).ok
    back = h.getter.again(client, sid)
    check_reread(back, read_values)
    untransformed_now, untransformed_first = untransformed(back), untransformed(frame)
    assert all(untransformed_now[k] == untransformed_first[k] for k in edit.keys), "not cleared"
    assert len(client.plan(sid, frame)) == 0
    assert not failures, "\n".join(failures)
    return len(FORMS)


EXAMPLE = settings(max_examples=1, deadline=None, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))  # fmt: skip


@pytest.mark.parametrize("name", list(GETTERS))
@EXAMPLE
@given(data=st.data())
def test_every_form_of_the_getters_frame_plans_applies_and_replans(module_client, facts, tmp_path,
                                                                   name, data):  # fmt: skip
    assert run_matrix(held(module_client, name, GETTERS[name]), facts, data, tmp_path) == len(FORMS)


# The slow marker: the larger bulk reads, one example each; ORIGIN_FRAMES_MATRIX_EXAMPLES=N
# runs N examples of every getter instead (e.g. 4: about five times the default run).
MORE_EXAMPLES = int(os.environ.get("ORIGIN_FRAMES_MATRIX_EXAMPLES", "0"))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SLOW_GETTERS) + (list(GETTERS) if MORE_EXAMPLES else []))
@settings(EXAMPLE, max_examples=max(1, MORE_EXAMPLES))
@given(data=st.data())
def test_every_form_plans_applies_and_replans_over_more_examples(module_client, facts, tmp_path,
                                                                 name, data):  # fmt: skip
    getter = {**GETTERS, **SLOW_GETTERS}[name]
    assert run_matrix(held(module_client, name, getter), facts, data, tmp_path) == len(FORMS)
