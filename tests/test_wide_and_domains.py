"""Reading demand and looking at it: domains by the frame's own names, a readable to_wide."""

from __future__ import annotations

import pandas as pd
import pytest

from origin_frames import ConfigurationError, OriginFrames, from_wide, to_wide
from origin_frames._diff import KEY, flatten


@pytest.fixture
def client(origin_client: OriginFrames) -> OriginFrames:
    """The plugin's client: the session emulator, a tenant of this test's own."""
    return origin_client


@pytest.mark.parametrize("domain", ["demand", "demand_technology"])
def test_demand_of_one_domain_holds_only_that_domain(
    domain: str, client: OriginFrames, central: str
):
    both = client.demand(central, regions=["gbr"])
    one = client.demand(central, regions=["gbr"], domains=[domain])
    assert set(one["domain"]) == {domain}
    assert len(one) == int((both["domain"] == domain).sum()) > 0
    # totalDemand exists in both domains: one domain has one series per entity.
    total = one[one["variable"] == "totalDemand"].reset_index()
    assert not total.duplicated(["region", "technology", "year"]).any()


def test_inputs_accept_the_domain_names_of_the_domain_column(client: OriginFrames, central: str):
    frame = client.inputs(central, domains=["demand_technology"], regions=["gbr"])
    assert set(frame["domain"]) == {"demand_technology"}
    pair = client.inputs(central, domains=["technology", "demand"], regions=["gbr"])
    assert set(pair["domain"]) == {"technology", "demand"}


@pytest.mark.parametrize("domains", [["weather"], ["technology"], []])
def test_demand_with_another_domain_is_refused_listing_the_choices(
    domains: list[str], client: OriginFrames, central: str
):
    with pytest.raises(ConfigurationError) as info:
        client.demand(central, regions=["gbr"], domains=domains)
    assert "['demand', 'demand_technology']" in str(info.value)


def test_to_wide_is_a_year_by_entity_table(client: OriginFrames, central: str):
    frame = client.demand(central, regions=["gbr"], domains=["demand_technology"])
    wide = to_wide(frame)
    assert wide.index.names == ["year"]
    assert wide.columns.names == ["variable", "technology"]
    years = frame.index.get_level_values("year").dropna().unique()
    technologies = frame.index.get_level_values("technology").unique()
    assert len(wide) == len(years)
    assert set(wide["totalDemand"].columns) == set(technologies)
    assert wide.attrs["origin_frames.wide"]["constant"]["region"] == "gbr"


def test_to_wide_of_one_entity_has_one_column_per_variable(client: OriginFrames, central: str):
    tech = client.get_technology(central, "CCGT", region="gbr")
    wide = to_wide(tech)
    assert wide.columns.names == ["variable", "kind"] or wide.columns.names == ["variable"]
    assert "capex" in wide.columns.get_level_values("variable")
    assert "region" not in wide.index.names and "technology" not in wide.columns.names


@pytest.mark.parametrize("domains", [["demand"], ["demand_technology"], None])
def test_from_wide_gives_back_every_cell(
    domains: list[str] | None, client: OriginFrames, central: str
):
    frame = client.demand(central, regions=["gbr"], domains=domains)
    back = from_wide(to_wide(frame))
    flat = flatten(frame)
    key = list(KEY)
    expected = flat[[*key, "value"]].astype({k: object for k in key})
    got = back.astype({k: object for k in key})
    merged = expected.merge(got, on=key, how="outer", suffixes=("", "_back"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert merged["value"].to_numpy() == pytest.approx(merged["value_back"].to_numpy())


def test_an_edited_wide_table_plans_only_the_edit(client: OriginFrames, central: str):
    project = client.create_project({"name": "wide"}).index[0]
    sid = str(client.create_scenario(
        {"projectGlobalId": project, "name": "w", "baseScenarioGlobalId": central}
    ).index[0])  # fmt: skip
    wide = to_wide(client.demand(sid, regions=["gbr"], domains=["demand"]))
    assert wide.columns.nlevels == 1 and "totalDemand" in wide.columns
    wide.loc[2030, "totalDemand"] += 1.0
    plan = client.plan(sid, from_wide(wide))
    cells = plan.to_frame().reset_index()
    assert set(cells["variable"].astype(str)) >= {"totalDemand"}
    edited = cells[cells["variable"].astype(str) == "totalDemand"]
    assert list(edited["year"]) == [2030]


def test_from_wide_without_its_record_names_the_missing_key_parts():
    wide = pd.DataFrame({"capex": [1.0]}, index=pd.Index([2030], name="year"))
    with pytest.raises(ValueError) as info:
        from_wide(wide)
    assert "lacks key parts" in str(info.value) and "'region'" in str(info.value)


def test_domain_counts_list_only_the_domains_present(client: OriginFrames, central: str):
    tech = client.technologies(central, regions=["gbr"], technologies=["CCGT"])
    assert tech["domain"].value_counts().to_dict() == {"technology": len(tech)}
    pair = client.inputs(central, domains=["technology", "commodity"], regions=["gbr"])
    assert list(pair["domain"].cat.categories) == ["technology", "commodity"]
    assert (pair["domain"].value_counts() > 0).all()
