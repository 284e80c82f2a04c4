"""Rendered cell lists are reused only while their block is unchanged: writes show at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from origin_sdk.OriginSession import OriginSession

from origin_frames.emulator.inputs import config as cfg
from origin_frames.emulator.inputs.models import ParsedTx, RenderCache, apply_tx
from origin_frames.emulator.inputs.resolvers import cells
from origin_frames.emulator.inputs.seed import DELTA, Block


def _new_scenario(sdk: OriginSession) -> str:
    """A tenanted gbr scenario the test may edit."""
    central = [s for s in sdk.get_aurora_scenarios("gbr") if s["name"].startswith("Central")]
    base = max(central, key=lambda s: s["publicationDate"])["scenarioGlobalId"]
    project = sdk.create_project({"name": "Render cache tests"})
    created = sdk.create_scenario(
        {
            "projectGlobalId": project["projectGlobalId"],
            "name": "Render cache run",
            "baseScenarioGlobalId": base,
        }
    )
    return str(created["scenarioGlobalId"])


def _capacity(sdk: OriginSession, sid: str) -> dict[int, dict]:
    cells_ = sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]["capacity"]
    return {c["year"]: c for c in cells_}


def _tx(year: int, kind: str, value: float | None, month: int | None = None) -> dict:
    item: dict = {"year": year, "transform": {"type": kind, "value": value}}
    if month is not None:
        item["month"] = month
    return item


def test_a_read_after_an_update_shows_the_new_transform_over_http(sdk: OriginSession) -> None:
    sid = _new_scenario(sdk)
    first = _capacity(sdk, sid)
    assert _capacity(sdk, sid) == first  # second read comes from the cache
    assert first[2030]["transform"] is None
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", [_tx(2030, "Delta", 7.0)], "gbr")
    assert _capacity(sdk, sid)[2030]["transform"] == {"type": "Delta", "value": 7.0}
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", [_tx(2030, "Absolute", None)], "gbr")
    cleared = _capacity(sdk, sid)
    assert cleared[2030]["transform"] is None
    assert cleared == first


def test_validation_messages_follow_an_update_of_a_cached_block(sdk: OriginSession) -> None:
    sid = _new_scenario(sdk)
    assert _capacity(sdk, sid)[2031]["validationErrors"] == []
    too_big = [_tx(2031, "Absolute", 900_000.0)]
    sdk.update_technology_exogenous(sid, "CCGT", "capacity", too_big, "gbr")
    after = _capacity(sdk, sid)
    assert after[2031]["validationErrors"] == [
        "capacity 2031: 900000 is above the hardLimit upper bound 500000"
    ]
    assert after[2031]["validationWarnings"] == [
        "capacity 2031: 900000 is above the initialRange upper bound 100000"
    ]


def test_a_monthly_update_shows_in_the_next_read(sdk: OriginSession) -> None:
    sid = _new_scenario(sdk)
    params = sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]
    assert all(c["transform"] is None for c in params["availability"])
    tx = [_tx(2032, "Percentage", -5.0, month=3)]
    sdk.update_technology_exogenous(sid, "CCGT", "availability", tx, "gbr")
    params = sdk.get_technology(sid, "CCGT", "gbr")["getExogenous"]["parameters"]
    changed = [c for c in params["availability"] if c["transform"] is not None]
    assert [(c["year"], c["month"], c["transform"]) for c in changed] == [
        (2032, 3, {"type": "Percentage", "value": -5.0})
    ]


def test_other_tenants_scenarios_do_not_share_rendered_cells(sdk: OriginSession) -> None:
    edited, untouched = _new_scenario(sdk), _new_scenario(sdk)
    _capacity(sdk, edited), _capacity(sdk, untouched)
    sdk.update_technology_exogenous(edited, "CCGT", "capacity", [_tx(2040, "Delta", 1.0)], "gbr")
    assert _capacity(sdk, edited)[2040]["transform"] == {"type": "Delta", "value": 1.0}
    assert _capacity(sdk, untouched)[2040]["transform"] is None


_delta_at_3 = ParsedTx(np.array([3]), np.array([DELTA], dtype=np.int8), np.array([5.0]))


def _gbr_coal(sdk: OriginSession, sid: str, native: bool = False) -> list[dict]:
    docs = sdk.get_commodities(sid, regions=["gbr"], commodities=["coal"], native_units_flag=native)
    return list(docs[0]["prices"])


def test_commodity_updates_and_rebasing_show_in_the_next_read(sdk: OriginSession) -> None:
    sid = _new_scenario(sdk)
    high = [s for s in sdk.get_aurora_scenarios("gbr") if s["name"].startswith("High")][0]
    stored, native = _gbr_coal(sdk, sid), _gbr_coal(sdk, sid, native=True)
    assert _gbr_coal(sdk, sid) == stored and _gbr_coal(sdk, sid, native=True) == native
    sdk.update_commodity_price(sid, "coal", ["gbr"], [_tx(2030, "Percentage", 20.0)])
    updated = _gbr_coal(sdk, sid)
    assert updated[5]["transform"] == {"type": "Percentage", "value": 20.0}
    assert _gbr_coal(sdk, sid, native=True)[5]["transform"] == {"type": "Percentage", "value": 20.0}
    sdk.change_base_commodities_assumptions(sid, high["scenarioGlobalId"])
    theirs = _gbr_coal(sdk, high["scenarioGlobalId"])
    rebased = _gbr_coal(sdk, sid)
    assert [c["original"] for c in rebased] == [c["original"] for c in theirs]
    assert [c["original"] for c in rebased] != [c["original"] for c in updated]


def _block() -> Block:
    return Block.of(np.linspace(1.0, 36.0, 36), "yearly")


_LIMITS = (cfg.Range(0, 100), cfg.Range(0, 1000), "x")


def _cached(cache: RenderCache, block: Block, warn: object, hard: object, label: str) -> list:
    """What the resolvers do: render through the session's cache."""
    return cache.get(block, (warn, hard, label), lambda: cells(block, warn, hard, label))


def test_the_cache_returns_the_same_list_while_the_block_is_unchanged() -> None:
    cache, block = RenderCache(max_cells=1000), _block()
    assert _cached(cache, block, *_LIMITS) is _cached(cache, block, *_LIMITS)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda b: apply_tx(b, _delta_at_3), id="transform"),
        pytest.param(lambda b: b.original.__setitem__(3, 99.0), id="original-in-place"),
        pytest.param(lambda b: setattr(b, "original", b.original * 2), id="original-replaced"),
    ],
)
def test_any_write_to_a_block_renders_it_afresh(write) -> None:
    cache, block = RenderCache(max_cells=1000), _block()
    before = _cached(cache, block, *_LIMITS)
    write(block)
    after = _cached(cache, block, *_LIMITS)
    assert after is not before
    assert after == cells(block, *_LIMITS)
    assert after != before


def test_limits_and_labels_are_part_of_the_key() -> None:
    cache, block = RenderCache(max_cells=1000), _block()
    loose = _cached(cache, block, cfg.Range(0, 100), None, "x")
    tight = _cached(cache, block, cfg.Range(0, 10), None, "x")
    assert loose[20]["validationWarnings"] == ()
    message = "x 2045: 21 is above the initialRange upper bound 10"
    assert tight[20]["validationWarnings"] == (message,)


def test_the_cache_holds_at_most_its_cell_bound() -> None:
    cache = RenderCache(max_cells=100)
    blocks = [_block() for _ in range(10)]
    for block in blocks:
        _cached(cache, block, *_LIMITS)
    assert cache.cells <= 100
    assert len(cache) == 100 // 36


def test_cells_with_non_finite_numbers_take_the_checked_path() -> None:
    block = _block()
    block.original[0] = np.inf
    rendered = cells(block, *_LIMITS)
    assert type(rendered) is list  # not RenderedRecords: graphql-core reports the bad Float



def test_concurrent_reads_during_updates_see_whole_transforms_and_end_on_the_last(
    sdk: OriginSession,
) -> None:
    sid = _new_scenario(sdk)
    sent = [float(k) for k in range(1, 16)]
    seen: list[object] = []

    def reader() -> None:
        for _ in range(10):
            seen.append(_capacity(sdk, sid)[2030]["transform"])

    with ThreadPoolExecutor(max_workers=3) as pool:
        readers = [pool.submit(reader) for _ in range(2)]
        for value in sent:
            sdk.update_technology_exogenous(
                sid, "CCGT", "capacity", [_tx(2030, "Delta", value)], "gbr"
            )
        for future in readers:
            future.result(timeout=60)
    allowed = [None] + [{"type": "Delta", "value": v} for v in sent]
    assert len(seen) == 20
    assert all(t in allowed for t in seen)
    assert _capacity(sdk, sid)[2030]["transform"] == {"type": "Delta", "value": sent[-1]}
