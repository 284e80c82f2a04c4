"""The inputs backend without HTTP: seeding, scale, tx parsing and the propagation rule."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from origin_frames.emulator import Emulator, EmulatorOptions
from origin_frames.emulator._gql import ServiceError
from origin_frames.emulator.catalogue import SessionSpec, region_groups
from origin_frames.emulator.inputs import seed
from origin_frames.emulator.inputs.models import (
    InputsBackend,
    parse_tx,
    scale_effective,
    tenant_label,
)
from origin_frames.emulator.inputs.resolvers import _aggregate
from origin_frames.emulator.inputs.seed import ABSOLUTE, DELTA, NONE, PERCENTAGE, Block


class _Scenarios:
    """A stand-in scenario backend: a fixed table of specs, visible per tenant."""

    def __init__(self, *specs: SessionSpec) -> None:
        self.specs = {s.scenario_id: s for s in specs}

    def session_spec(self, scenario_id: str, tenant: str) -> SessionSpec | None:
        spec = self.specs.get(scenario_id)
        if spec is None or not (spec.published or spec.tenant == tenant):
            return None
        return spec


def _backend(scale: int = 0, **options: float) -> InputsBackend:
    specs = (
        SessionSpec("pub-gbr", "gbr", "gbr", 7, True, None),
        SessionSpec("mine", "gbr", "gbr", 7, False, "tok"),
        SessionSpec("pub-eur", "eur", "deu", 11, True, None),
    )
    return InputsBackend(EmulatorOptions(scale=scale, **options), _Scenarios(*specs))


def _tx(year: int | None, kind: str, value: float | None, month: int | None = None) -> dict:
    return {"year": year, "month": month, "transform": {"type": kind, "value": value}}


# -- seeding ------------------------------------------------------------------------------
_CHECKSUM = (
    "import zlib; from origin_frames.emulator.inputs import seed;"
    "from origin_frames.emulator.catalogue import region_groups;"
    "b = seed.generate_technologies(5, region_groups()['gbr'], 'fra', 0);"
    "print(zlib.crc32(b''.join(x.original.tobytes() for v in b.values() for x in v.values())))"
)


def test_seeded_originals_are_identical_across_processes_with_different_hash_seeds() -> None:
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _CHECKSUM],
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert len(outputs) == 1 and outputs.pop().isdigit()


def test_different_data_seeds_give_different_series() -> None:
    group = region_groups()["gbr"]
    a = seed.generate_technologies(1, group, "gbr", 0)
    b = seed.generate_technologies(2, group, "gbr", 0)
    key = ("CCGT", "exogenous", None, None, None)
    assert not np.array_equal(a[key]["capacity"].original, b[key]["capacity"].original)
    again = seed.generate_technologies(1, group, "gbr", 0)
    assert np.array_equal(a[key]["capacity"].original, again[key]["capacity"].original)


def test_seeded_originals_sit_inside_the_initial_range() -> None:
    from origin_frames.emulator.inputs import config as cfg

    blocks = seed.generate_technologies(3, region_groups()["aus"], "aus", 0)
    for per_param in blocks.values():
        for name, block in per_param.items():
            bounds = cfg.PARAMETER_BY_NAME[name].initial_range
            assert bounds.lower <= block.original.min() and block.original.max() <= bounds.upper


# -- scale --------------------------------------------------------------------------------
def test_scale_one_holds_over_a_million_cells_and_generates_only_what_is_read() -> None:
    backend = _backend(scale=1)
    session = backend.session("pub-eur", "anyone")
    assert len(session.regions) == 32
    assert session.count_cells() >= 1_000_000
    assert session._tech == {}
    started = time.perf_counter()
    blocks = session.tech_blocks("ita")
    assert time.perf_counter() - started < 2.0
    assert list(session._tech) == ["ita"]
    assert sum(b.size for v in blocks.values() for b in v.values()) == (
        seed.count_technology_cells(session.group, "ita", 1)
    )
    bigger = _backend(scale=2).session("pub-eur", "anyone")
    assert bigger.count_cells() > session.count_cells()


def test_emulator_with_scale_one_starts_instantly() -> None:
    started = time.perf_counter()
    with Emulator(scale=1) as emu:
        elapsed = time.perf_counter() - started
        assert emu.state.inputs._sessions == {}
    assert elapsed < 2.0


# -- sessions -----------------------------------------------------------------------------
def test_visibility_read_only_and_tenant_label() -> None:
    backend = _backend()
    with pytest.raises(ServiceError) as exc:
        backend.session("mine", "someone-else")
    assert exc.value.error_key == "NotFound"
    with pytest.raises(ServiceError) as exc:
        backend.session("pub-gbr", "tok", write=True)
    assert exc.value.error_key == "Forbidden"
    mine = backend.session("mine", "tok", write=True)
    assert mine.scenario_id == "mine"
    assert "'tok'" not in repr(mine) and "tenant" not in repr(mine)
    label = tenant_label("tok-secret-123")
    assert "tok-secret-123" not in label and label == tenant_label("tok-secret-123")


def test_loading_window_starts_on_first_read_and_ends_after_not_ready_s() -> None:
    backend = _backend(not_ready_s=0.3)
    session = backend.session("mine", "tok")
    assert 0.0 < backend.loading_left(session) <= 0.3
    assert backend.session("mine", "tok", write=True).scenario_id == "mine"
    time.sleep(0.35)
    assert backend.loading_left(session) == 0.0
    assert _backend().loading_left(_backend().session("mine", "tok")) == 0.0  # no window


def test_workbook_is_requested_then_completed() -> None:
    backend = _backend()
    session = backend.session("mine", "tok")
    first = backend.workbook_status(session, None)
    assert first["generationStatus"] == "Requested"
    assert backend.workbook_csv(first["requestId"]) is None
    time.sleep(0.25)
    done = backend.workbook_status(session, first["requestId"])
    assert done["generationStatus"] == "Completed"
    assert b"mine" in (backend.workbook_csv(first["requestId"]) or b"")
    with pytest.raises(ServiceError, match="Unknown workbook requestId"):
        backend.workbook_status(session, "wb-nope")


# -- tx parsing ---------------------------------------------------------------------------
def test_parse_tx_maps_years_and_months_to_cells_and_converts_units() -> None:
    parsed = parse_tx(
        [_tx(2026, "Absolute", 2.0, month=3), _tx(2025, "Percentage", 5.0, month=1)],
        "monthly",
        "availability",
        allow_clear=False,
        factor=10.0,
    )
    assert parsed.index.tolist() == [14, 0]
    assert parsed.codes.tolist() == [ABSOLUTE, PERCENTAGE]
    assert parsed.values.tolist() == [20.0, 5.0]  # percentages are unitless


def test_parse_tx_names_every_bad_item_at_once() -> None:
    with pytest.raises(ServiceError) as exc:
        parse_tx(
            [None, _tx(None, "Delta", 1.0), _tx(2030, "Delta", None), _tx(2031, "Bogus", 1.0)],
            "yearly",
            "totalDemand",
            allow_clear=False,
        )
    message = exc.value.message
    assert exc.value.error_key == "BadUserInput"
    for part in (
        "tx[0] is null",
        "tx[1].year is missing",
        "tx[2].transform needs a type",
        "tx[3].transform.type 'Bogus'",
    ):
        assert part in message


def test_parse_tx_null_value_clears_where_allowed() -> None:
    parsed = parse_tx([_tx(2030, "Absolute", None)], "yearly", "capex", allow_clear=True)
    assert parsed.codes.tolist() == [NONE] and np.isnan(parsed.values[0])


# -- demand propagation -------------------------------------------------------------------
def test_scaling_keeps_each_transform_type_and_multiplies_the_effective_value() -> None:
    block = Block.of(np.array([10.0, 10.0, 10.0, 10.0]), "yearly")
    block.ttype[:] = [NONE, PERCENTAGE, ABSOLUTE, DELTA]
    block.tval[:] = [np.nan, 50.0, 20.0, -4.0]
    before = block.effective()
    scale_effective(block, np.full(4, 1.5), np.ones(4, dtype=bool))
    assert block.ttype.tolist() == [PERCENTAGE, PERCENTAGE, ABSOLUTE, DELTA]
    np.testing.assert_allclose(block.effective(), before * 1.5)
    np.testing.assert_allclose(block.tval, [50.0, 125.0, 30.0, -1.0])


def test_total_demand_absolute_rescales_components_that_already_carry_transforms() -> None:
    session = _backend().session("mine", "tok", write=True)
    session.update_system_demand(["gbr"], "baseDemand", [_tx(2030, "Delta", 5.0)])
    demand = session.demand("gbr")
    i = 2030 - 2025
    base_before = demand.system["baseDemand"].effective()[i]
    total_before = demand.system["totalDemand"].effective()[i]
    heat_before = demand.technologies["heatPumps"]["totalDemand"].effective()[i]
    session.update_system_demand(["gbr"], "totalDemand", [_tx(2030, "Absolute", 400.0)])
    ratio = 400.0 / total_before
    assert demand.system["baseDemand"].ttype[i] == DELTA
    assert demand.system["baseDemand"].effective()[i] == pytest.approx(base_before * ratio)
    assert demand.technologies["heatPumps"]["totalDemand"].effective()[i] == pytest.approx(
        heat_before * ratio
    )
    assert demand.system["baseDemand"].ttype[i + 1] == NONE


def test_average_of_members_sharing_a_transform_keeps_it() -> None:
    a = Block.of(np.array([10.0, 10.0]), "yearly")
    b = Block.of(np.array([20.0, 20.0]), "yearly")
    for block in (a, b):
        block.ttype[0], block.tval[0] = PERCENTAGE, 10.0
    a.ttype[1], a.tval[1] = DELTA, 1.0
    mean = _aggregate([a, b], mean=True)
    assert mean.original.tolist() == [15.0, 15.0]
    assert (mean.ttype[0], mean.tval[0]) == (PERCENTAGE, 10.0)
    assert (mean.ttype[1], mean.tval[1]) == (ABSOLUTE, pytest.approx(15.5))
