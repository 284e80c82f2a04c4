"""Messages a Python user meets: each names the right option and says what to do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from origin_frames import ApplyError, OriginFrames, Plan, PlanError, ValidationError

TOKEN = "test-token-abcdef123456"  # the conftest ``sdk`` fixture's token


def _change(**overrides: object) -> pd.DataFrame:
    row = {"domain": "technology", "region": "gbr", "technology": "CCGT", "variable": "capex",
           "kind": "endogenous", "year": 2030, "value": 123.0}  # fmt: skip
    return pd.DataFrame([{**row, **overrides}])


@pytest.fixture
def client(emulator):
    with OriginFrames(TOKEN, emulator.scenario_base_url, emulator.inputs_base_url) as made:
        yield made


@pytest.fixture
def central(client: OriginFrames) -> str:
    scenarios = client.get_aurora_scenarios("gbr")
    return str(scenarios.index[scenarios["name"] == "Central Oct 2026"][0])


def test_client_option_given_to_emulated_points_to_client_options():
    with pytest.raises(TypeError) as info:
        OriginFrames.emulated(progress=False)
    text = str(info.value)
    assert "progress is a client option, not an EmulatorOptions field" in text
    assert "client_options={'progress': ...}" in text


def test_saved_plan_without_client_recommends_an_exported_way(
    client: OriginFrames, central: str, tmp_path: Path
):
    path = client.plan(central, _change()).to_json(tmp_path / "plan.json")
    with pytest.raises(PlanError) as info:
        Plan.from_json(path).apply()
    text = str(info.value)
    assert "client.apply(plan)" in text and "Plan.from_json(path, client=client)" in text
    assert "apply_plan" not in text


def test_server_refusal_ends_in_one_full_stop(client: OriginFrames, central: str):
    with pytest.raises(ApplyError) as info:
        client.apply(client.plan(central, _change()), progress=False)
    text = str(info.value)
    assert "Published Aurora scenarios cannot be edited" in text
    assert ".." not in text.replace("...", "")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"kind": None}, "kind is blank; this variable has kind endogenous",
                     id="blank-kind"),
        pytest.param({"kind": "Endogenous"}, "kind is 'Endogenous'; this variable has kind "
                     "endogenous", id="wrong-kind"),
    ],
)  # fmt: skip
def test_row_with_a_missing_sub_key_names_the_values_that_exist(
    overrides: dict[str, object], expected: str, client: OriginFrames, central: str
):
    with pytest.raises(ValidationError) as info:
        client.plan(central, _change(**overrides))
    assert expected in str(info.value)
    assert "set kind to one of them" in str(info.value)
