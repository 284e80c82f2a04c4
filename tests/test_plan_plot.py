"""A plan as a picture: before and after per variable, drawn from the plan's own cells."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from origin_frames import OriginFrames, PlanError

pytest.importorskip("matplotlib")


@pytest.fixture
def scenario(origin_client: OriginFrames) -> str:
    scenarios = origin_client.get_aurora_scenarios("gbr")
    central = scenarios.index[scenarios["name"] == "Central Oct 2026"][0]
    project = origin_client.create_project({"name": "plot"}).index[0]
    made = origin_client.create_scenario(
        {"projectGlobalId": project, "name": "plot", "baseScenarioGlobalId": central}
    )
    return str(made.index[0])


def _edit(client: OriginFrames, sid: str):
    tech = client.technologies(sid, regions=["gbr"], technologies=["CCGT", "Solar PV"])
    edit = tech[tech["variable"].isin(["capex", "opex"]).to_numpy()].copy()
    years = edit.index.get_level_values("year").to_numpy(dtype=float, na_value=np.nan)
    edit["value"] = edit["value"] * np.where(years >= 2040, 0.5, 1.0)
    return client.plan(sid, edit)


def test_plot_draws_before_and_after_of_every_changed_entity(
    origin_client: OriginFrames, scenario: str
):
    plan = _edit(origin_client, scenario)
    figure = plan.plot(max_lines=50)
    panels = [ax for ax in figure.axes if ax.get_visible() and ax.get_title()]
    titles = sorted(ax.get_title() for ax in panels)
    assert titles == ["technology capex", "technology opex"]
    cells = plan.cells
    for ax in panels:
        variable = ax.get_title().split()[-1]
        part = cells[cells["variable"].astype(str) == variable]
        lines = ax.get_lines()
        keys = ["region", "technology", "kind", "sub_region", "sub_technology", "subsidy"]
        entities = len(part[keys].astype(object).drop_duplicates())
        assert len(lines) == 2 * entities  # a dashed before and a solid after each
        drawn_after = np.sort(np.concatenate([ln.get_ydata() for ln in lines[1::2]]))
        assert drawn_after == pytest.approx(np.sort(part["after"].to_numpy(dtype=float)))
        assert {ln.get_linestyle() for ln in lines[::2]} == {"--"}
    assert f"{len(plan)} cells in" in figure.get_suptitle()


def test_plot_of_an_empty_plan_says_there_is_nothing_to_draw(
    origin_client: OriginFrames, scenario: str
):
    tech = origin_client.technologies(scenario, regions=["gbr"], technologies=["CCGT"])
    plan = origin_client.plan(scenario, tech)
    with pytest.raises(PlanError, match="nothing to draw"):
        plan.plot()


def test_plot_without_matplotlib_names_the_extra(
    origin_client: OriginFrames, scenario: str, monkeypatch: pytest.MonkeyPatch
):
    plan = _edit(origin_client, scenario)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "origin-frames\[plot\]"'):
        plan.plot()
