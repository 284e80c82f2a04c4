"""Messages a Python user meets: each names the right option and says what to do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from origin_frames import ApplyError, OriginFrames, Plan, PlanError, ValidationError
from origin_frames._diff import flatten
from origin_frames._plan import build_plan


def _change(**overrides: object) -> pd.DataFrame:
    row = {"domain": "technology", "region": "gbr", "technology": "CCGT", "variable": "capex",
           "kind": "endogenous", "year": 2030, "value": 123.0}  # fmt: skip
    return pd.DataFrame([{**row, **overrides}])


@pytest.fixture
def client(origin_client: OriginFrames) -> OriginFrames:
    """The plugin's client: the session emulator, a tenant of this test's own."""
    return origin_client


@pytest.fixture
def mine(client: OriginFrames, central: str) -> str:
    """An editable copy of the published central scenario."""
    project = client.create_project({"name": "messages"}).index[0]
    made = client.create_scenario(
        {"projectGlobalId": project, "name": "copy", "baseScenarioGlobalId": central}
    )
    return str(made.index[0])


def test_client_option_given_to_emulated_points_to_client_options():
    with pytest.raises(TypeError) as info:
        OriginFrames.emulated(progress=False)
    text = str(info.value)
    assert "progress is a client option, not an EmulatorOptions field" in text
    assert "client_options={'progress': ...}" in text


def test_saved_plan_without_client_recommends_an_exported_way(
    client: OriginFrames, mine: str, tmp_path: Path
):
    path = client.plan(mine, _change()).to_json(tmp_path / "plan.json")
    with pytest.raises(PlanError) as info:
        Plan.from_json(path).apply()
    text = str(info.value)
    assert "client.apply(plan)" in text and "Plan.from_json(path, client=client)" in text
    assert "apply_plan" not in text


def test_server_refusal_ends_in_one_full_stop(client: OriginFrames, central: str):
    # Planned offline (planning refuses published scenarios), so the server refuses it.
    current = flatten(client.technologies(central, regions=["gbr"], technologies=["CCGT"]))
    plan = build_plan(None, central, _change(), current=current, config=client.inputs_config())
    with pytest.raises(ApplyError) as info:
        client.apply(plan, progress=False)
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
    overrides: dict[str, object], expected: str, client: OriginFrames, mine: str
):
    with pytest.raises(ValidationError) as info:
        client.plan(mine, _change(**overrides))
    assert expected in str(info.value)
    assert "set kind to one of them" in str(info.value)
