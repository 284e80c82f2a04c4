"""The client's plan/apply entry points: an edited getter frame round-trips to the server."""

from __future__ import annotations

import numpy as np


def test_edited_frame_is_planned_applied_and_read_back(client, sdk) -> None:
    sid = str(client.get_aurora_scenarios("gbr").index[0])
    project = client.create_project({"name": "plan"}).index[0]
    mine = client.create_scenario(
        {"projectGlobalId": project, "name": "edit", "baseScenarioGlobalId": sid}
    ).index[0]
    before = client.get_interconnectors(mine, "gbr", "fra")
    edited = before.assign(value=before["value"] * 1.1)
    plan = client.plan(mine, edited)
    assert len(plan) > 0
    result = client.apply(plan)
    assert result.ok
    after = client.get_interconnectors(mine, "gbr", "fra")
    np.testing.assert_allclose(after["value"].to_numpy(), edited["value"].to_numpy())
    assert len(client.plan(mine, edited)) == 0  # the server now holds the edit
    # The official client sees the same numbers.
    docs = sdk.get_interconnectors(mine, "gbr", "fra")
    assert docs and any(
        row.get(var) and row[var].get("transform")
        for d in docs for row in d["variables"] for var in row if var != "year"
    )  # fmt: skip
