"""plan + apply end to end against the emulator: round trips, SDK-equal payloads, staleness,
rollback under injected faults, audit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import (
    TOKEN,
    SdkViaClient,
    demand_rows,
    editable,
    new_scenario,
    small_inputs,
    state,
    transforms_log,
)
from origin_sdk.OriginSession import OriginSession

from origin_frames import Emulator, OriginFrames
from origin_frames._apply import apply_plan, send_update
from origin_frames._diff import flatten
from origin_frames._exceptions import ApplyError, StalePlanError
from origin_frames._plan import Plan, build_plan, compile_transforms


@pytest.fixture
def tenanted_sid(sdk: OriginSession) -> str:
    """A new tenanted scenario (editable, unlike the published one of the conftest `sid`)."""
    return new_scenario(sdk)


def test_apply_then_reread_equals_the_edit_and_replanning_is_a_no_op(client, tenanted_sid):
    current = small_inputs(client, tenanted_sid)
    rng = np.random.default_rng(7)
    edit = current.copy()
    mask = rng.random(len(edit)) < 0.2
    edit.loc[mask, "value"] = edit.loc[mask, "value"] * 0.9
    plan = build_plan(client, tenanted_sid, edit)
    assert 0 < len(plan)
    result = apply_plan(client, plan, progress=False)
    assert result.ok and result.verified
    assert result.requests == -(-len(plan.calls) // 50)
    after = small_inputs(client, tenanted_sid)
    np.testing.assert_allclose(
        state(after)["value"].to_numpy(), state(edit)["value"].to_numpy(), rtol=1e-9
    )
    assert len(build_plan(client, tenanted_sid, edit)) == 0
    assert len(build_plan(client, tenanted_sid, after)) == 0


def test_explicit_transforms_and_clear_round_trip(client, tenanted_sid):
    tech = editable(client, flatten(client.technologies(tenanted_sid, regions=["gbr"],
                                                         technologies=["CCGT"])))
    capex = tech[(tech["variable"] == "capex") & tech["year"].isin([2030, 2031])].head(2)
    change = capex[["region", "technology", "year", "domain", "variable", "kind",
                    "sub_region", "sub_technology", "subsidy", "month"]].copy()
    change["transform_type"] = ["Delta", "Percentage"]
    change["transform_value"] = [10.0, -5.0]
    apply_plan(client, build_plan(client, tenanted_sid, change), progress=False)
    now = flatten(client.technologies(tenanted_sid, regions=["gbr"], technologies=["CCGT"]))
    got = now.merge(change[["year", "sub_technology", "kind"]], how="inner")
    got = got[got["variable"] == "capex"].sort_values("year")
    assert got["transform_type"].astype(object).tolist() == ["Delta", "Percentage"]
    orig = got["original"].to_numpy()
    np.testing.assert_allclose(got["value"], [orig[0] + 10.0, orig[1] * 0.95])

    clear = change.assign(transform_type="clear", transform_value=np.nan)
    plan = build_plan(client, tenanted_sid, clear)
    assert plan.cells["change"].tolist() == ["cleared", "cleared"]
    assert all(i["transform"]["value"] is None for i in plan.calls.iloc[0]["variables"]["tx"])
    apply_plan(client, plan, progress=False)
    now = flatten(client.technologies(tenanted_sid, regions=["gbr"], technologies=["CCGT"]))
    got = now.merge(change[["year", "sub_technology", "kind"]], how="inner")
    got = got[got["variable"] == "capex"]
    assert got["transform_type"].isna().all()


def _one_change_per_domain(client: OriginFrames, tenanted_sid: str) -> pd.DataFrame:
    """One small explicit change for each of the five domains."""
    current = small_inputs(client, tenanted_sid)
    picks = []
    for domain, variable in (("technology", "capex"), ("technology", "capacity"),
                             ("demand", "baseDemand"),
                             ("demand_technology", "totalDemand"), ("commodity", "price"),
                             ("interconnector", "importCapacity")):
        rows = current[(current["domain"] == domain) & (current["variable"] == variable)]
        entity = ["region", "technology", "kind", "sub_region", "sub_technology", "subsidy"]
        ids = rows[entity].astype(object).fillna("").astype(str).agg("|".join, axis=1)
        same_entity = rows[(ids == ids.iloc[0]).to_numpy()]
        picks.append(same_entity.head(3).assign(transform_type="Percentage",
                                                transform_value=5.0))
    return pd.concat(picks, ignore_index=True).drop(columns=["value"])


def test_payloads_equal_what_the_official_sdk_sends(client, sdk, tenanted_sid):
    plan = build_plan(client, tenanted_sid, _one_change_per_domain(client, tenanted_sid))
    assert set(plan.calls["mutation"]) == {"technology_exogenous", "technology_endogenous",
                                           "demand", "demand_technology", "commodity",
                                           "interconnector"}
    apply_plan(client, plan, batch_size=10, progress=False)
    ours = transforms_log(client, tenanted_sid)

    other = new_scenario(sdk, "sdk")
    for call in plan.calls.to_dict("records"):
        v = {**call["variables"], "sessionId": other}
        kind = call["mutation"]
        if kind == "technology_exogenous":
            sdk.update_technology_exogenous(other, v["name"], v["parameter"], v["tx"],
                                            v["region"], v["subRegion"], v["subsidy"],
                                            v["subTechnology"])
        elif kind == "technology_endogenous":
            sdk.update_technology_endogenous(other, v["name"], v["parameter"], v["tx"],
                                             v["region"], v["subRegion"], v["subTechnology"])
        elif kind == "demand":
            sdk.update_system_demand(other, v["regions"], v["variable"], v["tx"])
        elif kind == "demand_technology":
            sdk.update_demand_technology_variable(other, v["regions"], v["technology"],
                                                  v["variable"], v["tx"])
        elif kind == "commodity":
            sdk.update_commodity_price(other, v["commodity"], v["regions"], v["tx"])
        else:
            sdk.update_interconnectors(other, v["from"], v["to"], v["variable"], v["tx"])
    theirs = transforms_log(client, other)
    assert ours == theirs


@pytest.mark.parametrize(
    ("domain", "entity", "sdk_call"),
    [
        pytest.param("technology",
                     dict(region="gbr", technology="CCGT", variable="capex",
                          kind="endogenous"),
                     lambda s, sid, tx: s.update_technology_endogenous(
                         sid, "CCGT", "capex", tx, "gbr"), id="technology"),
        pytest.param("demand", dict(region=["gbr"], variable="baseDemand"),
                     lambda s, sid, tx: s.update_system_demand(sid, "gbr", "baseDemand", tx),
                     id="demand"),
        pytest.param("commodity", dict(region=["gbr", "fra"], technology="gas",
                                       variable="price"),
                     lambda s, sid, tx: s.update_commodity_price(sid, "gas", ["gbr", "fra"], tx),
                     id="commodity"),
    ],
)
def test_compile_transforms_matches_the_official_updaters(client, sdk, tenanted_sid, domain,
                                                         entity, sdk_call):
    seed_tx = [{"year": 2031, "transform": {"type": "Delta", "value": 1.5}},
               {"year": 2030, "transform": {"type": "Percentage", "value": -2.0}}]
    variables = compile_transforms(domain, tenanted_sid, transform=seed_tx, **entity)
    sdk_call(sdk, tenanted_sid, sorted(seed_tx, key=lambda t: t["year"]))
    kind = "technology_endogenous" if domain == "technology" else domain
    assert send_update(client, variables, kind)
    first, second = transforms_log(client, tenanted_sid)
    assert first == second


def test_stale_plan_is_refused_and_nothing_is_sent(client, sdk, tenanted_sid):
    edit = small_inputs(client, tenanted_sid)
    edit = edit[edit["domain"] == "commodity"].copy()
    edit["value"] = edit["value"] + 1.0
    plan = build_plan(client, tenanted_sid, edit)
    first = plan.cells.iloc[0]
    sdk.update_commodity_price(tenanted_sid, first["technology"], [first["region"]],
                               [{"year": int(first["year"]),
                                 "transform": {"type": "Delta", "value": 3.0}}])
    log = transforms_log(client, tenanted_sid)
    with pytest.raises(StalePlanError) as info:
        apply_plan(client, plan, progress=False)
    assert len(info.value.report) == 1
    assert transforms_log(client, tenanted_sid) == log
    result = apply_plan(client, plan, force=True, progress=False)
    assert result.ok


def test_saved_plan_applies_later_with_its_fingerprint(client, tenanted_sid, tmp_path):
    edit = small_inputs(client, tenanted_sid)
    edit = edit[edit["domain"] == "interconnector"].head(5).copy()
    edit["value"] = edit["value"] * 0.5
    plan = build_plan(client, tenanted_sid, edit)
    loaded = Plan.from_json(plan.to_json(tmp_path / "p.json"), client=client)
    assert loaded.fingerprint == plan.fingerprint
    audit = tmp_path / "audit.parquet"
    result = loaded.apply(progress=False, audit=audit)
    assert result.ok
    record = pd.read_parquet(audit)
    assert record["base_fingerprint"].tolist() == [plan.fingerprint]
    assert record["status"].tolist() == ["ok"]


class _SplitClient:
    """Reads through a retrying client, mutates through a transport that never retries."""

    def __init__(self, reader: OriginFrames, mutator: OriginFrames) -> None:
        self._reader = reader
        self.transport = mutator.transport

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def test_failed_apply_rolls_back_to_the_state_before_under_injected_faults():
    with Emulator(fail_rate=0.3, seed=11) as emu:
        urls = (emu.scenario_base_url, emu.inputs_base_url)
        with OriginFrames(TOKEN, *urls, progress=False, max_retries=10,
                          backoff_base=0.001) as reader, \
             OriginFrames(TOKEN, *urls, progress=False, max_retries=0) as mutator:
            sdk_like = SdkViaClient(reader)
            tenanted_sid = sdk_like.new_scenario()
            before = small_inputs(reader, tenanted_sid)
            edit = before.copy()
            edit["value"] = edit["value"] * 0.9
            edit = edit.groupby(["domain", "variable"], observed=True).head(8)
            plan = build_plan(reader, tenanted_sid, edit)
            assert len(plan.calls) >= 20
            with pytest.raises(ApplyError) as info:
                apply_plan(_SplitClient(reader, mutator), plan, batch_size=1, retries=0,
                           progress=False, sleep=lambda s: None)
            # The failed request's answer was lost: in doubt, so it was rolled back too.
            assert set(info.value.result.calls["status"]) <= {"rolled_back", "not_sent"}
            assert info.value.result.outcome == "rolled-back"
            after = small_inputs(reader, tenanted_sid)
    pd.testing.assert_frame_equal(state(after), state(before), rtol=1e-9)


def test_unchanged_transforms_log_skips_the_stale_re_read(client, tenanted_sid):
    edit = small_inputs(client, tenanted_sid)
    edit = edit[edit["domain"] == "commodity"].copy()
    edit["value"] = edit["value"] * 1.01
    plan = build_plan(client, tenanted_sid, edit)
    assert plan.log_mark is not None
    sent = client.transport.stats["requests"]
    apply_plan(client, plan, verify=False, progress=False)
    # One log read and one batch: the touched cells were not read again.
    assert client.transport.stats["requests"] - sent == 2


def test_identical_changes_in_two_regions_go_out_as_one_call(client, tenanted_sid):
    demand = demand_rows(client, tenanted_sid, ["gbr", "fra"])
    rows = demand[(demand["domain"] == "demand") & (demand["variable"] == "baseDemand")
                  & demand["year"].isin([2030, 2031])]
    change = rows.drop(columns=["value"]).assign(transform_type="Percentage",
                                                 transform_value=3.0)
    plan = build_plan(client, tenanted_sid, change)
    assert len(plan.calls) == 1
    assert plan.calls.iloc[0]["variables"]["regions"] == ["fra", "gbr"]
    apply_plan(client, plan, progress=False)
    after = demand_rows(client, tenanted_sid, ["gbr", "fra"]).merge(
        rows[["region", "technology", "year", "domain", "variable"]])
    np.testing.assert_allclose(after["value"], after["original"] * 1.03)


def test_total_demand_edit_keeps_listed_components_and_rescales_unlisted_ones(client, tenanted_sid):
    demand = demand_rows(client, tenanted_sid, ["gbr"])
    total = (demand["domain"] == "demand") & (demand["variable"] == "totalDemand") & (
        demand["year"] == 2030)
    base = (demand["domain"] == "demand") & (demand["variable"] == "baseDemand") & (
        demand["year"] == 2030)
    edited = demand.copy()
    edited.loc[total, "value"] = edited.loc[total, "value"] * 1.2
    plan = build_plan(client, tenanted_sid, edited)
    assert "pinned" in set(plan.cells["change"])
    apply_plan(client, plan, progress=False)
    now = demand_rows(client, tenanted_sid, ["gbr"])
    np.testing.assert_allclose(now.loc[base, "value"], demand.loc[base, "value"])
    np.testing.assert_allclose(now.loc[total, "value"], demand.loc[total, "value"] * 1.2)

    # The same change as an explicit frame leaves the service's rescaling in place.
    explicit = demand[total].drop(columns=["value"]).assign(transform_type="Percentage",
                                                            transform_value=50.0)
    apply_plan(client, build_plan(client, tenanted_sid, explicit), progress=False)
    later = demand_rows(client, tenanted_sid, ["gbr"])
    ratio = later.loc[total, "value"].to_numpy() / now.loc[total, "value"].to_numpy()
    np.testing.assert_allclose(later.loc[base, "value"].to_numpy(),
                               now.loc[base, "value"].to_numpy() * ratio)
