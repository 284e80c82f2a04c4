"""Wire JSON -> tidy frames: shape, dtypes, effective values, schemas, Parquet round trips."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from helpers import READS, SELECTION, cell, technology_answer, technology_frame
from hypothesis import given
from hypothesis import strategies as st

from origin_frames import ValidationError, read_parquet, schemas, to_parquet
from origin_frames._contract import COLUMNS, INDEX_LEVELS
from origin_frames._frames import (
    CellFrameBuilder,
    commodity_frame,
    concat_inputs,
    demand_frame,
    demand_technology_names_frame,
    empty_inputs_frame,
    interconnector_frame,
    records_frame,
)
from origin_frames._queries import DemandSelection


def test_technology_frame_has_the_contract_shape_and_dtypes() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION)
    assert list(frame.index.names) == list(INDEX_LEVELS)
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 5 + 2 + 1 + 1 + 1
    assert str(frame.index.dtypes["year"]) == "Int64"
    assert str(frame.index.dtypes["region"]) == "str"
    assert str(frame["month"].dtype) == "Int64"
    for name in ("domain", "variable", "kind", "sub_region", "sub_technology", "subsidy", "unit",
                 "transform_type"):  # fmt: skip
        assert isinstance(frame[name].dtype, pd.CategoricalDtype), name
    for name in ("original", "transform_value", "value"):
        assert frame[name].dtype == np.float64
    schemas.validate(frame, schemas.TechnologyCells)


def test_effective_value_applies_each_transform_type() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION)
    capex = frame[(frame["variable"] == "capex") & (frame["kind"] == "exogenous")
                  & frame["sub_technology"].isna()]  # fmt: skip
    by_year = capex.reset_index().set_index("year")
    assert by_year.loc[2030, "value"] == 100.0
    assert by_year.loc[2031, "value"] == 80.0
    assert by_year.loc[2032, "value"] == 95.0
    assert by_year.loc[2033, "value"] == pytest.approx(110.0)
    assert np.isnan(by_year.loc[2034, "original"]) and np.isnan(by_year.loc[2034, "value"])
    assert by_year.loc[2031, "transform_type"] == "Absolute"
    assert pd.isna(by_year.loc[2030, "transform_type"])


def test_sub_keys_months_definitions_and_messages_land_in_their_columns() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION).reset_index()
    sub = frame[frame["sub_technology"] == "CCGT H-class"]
    assert sub["validation_warnings"].tolist() == ["high; odd"]
    monthly = frame[frame["variable"] == "availability"]
    assert monthly["month"].tolist() == [1, 2]
    definition = frame[frame["variable"] == "discountRate"]
    assert definition["year"].isna().all() and definition["kind"].tolist() == ["endogenous"]
    assert set(frame["unit"].astype(str)) == {"GBP/kW", "%"}


def test_demand_frame_puts_system_variables_under_system() -> None:
    selection = DemandSelection(("totalDemand",), ("totalDemand",), {"totalDemand": "TWh"},
                                {"totalDemand": "TWh"})  # fmt: skip
    docs = [
        {
            "region": "gbr",
            "peakLoadDemand": 50.0,
            "variables": [{"year": 2030, "totalDemand": cell(None, 300.0)}],
            "technologies": [
                {
                    "region": {"original": "gbr"},
                    "technology": {"original": "Heat Pumps"},
                    "originTechnology": {"original": "heatPumps"},
                    "variables": [{"year": 2030, "totalDemand": cell(None, 10.0)}],
                }
            ],
        }
    ]
    frame = schemas.validate(demand_frame(docs, selection), schemas.DemandCells)
    # Demand technologies go by their API name, the one updates take.
    assert frame.index.tolist() == [("gbr", "system", 2030), ("gbr", "heatPumps", 2030)]
    assert frame["domain"].astype(str).tolist() == ["demand", "demand_technology"]


def test_commodity_average_is_region_all_and_units_come_from_the_answer() -> None:
    session = {"c0": [{"commodity": "gas", "regions": ["gbr", "fra"], "units": "p/therm",
                       "prices": [cell(2030, 70.0)]}]}  # fmt: skip
    frame = commodity_frame(session, [None], {"gas": "currency/MWh"})
    assert frame.index.tolist() == [("all", "gas", 2030)]
    assert frame["unit"].tolist() == ["p/therm"]
    schemas.validate(frame, schemas.CommodityCells)


_REGIONS = st.sampled_from(["gbr", "fra", "irl", "deu", "nld"])
_PRICES = st.lists(
    st.tuples(st.integers(2025, 2060), st.floats(0, 1e4, allow_nan=False)),
    min_size=1, max_size=5, unique_by=lambda p: p[0],
)  # fmt: skip


@given(region=_REGIONS, others=st.lists(_REGIONS, max_size=3), prices=_PRICES)
def test_commodity_frame_reads_one_document_or_one_per_region_alike(region, others, prices):
    def doc(regions: list[str]) -> dict:
        return {"commodity": "gas", "regions": regions, "units": "GBP/MWh",
                "prices": [cell(y, v) for y, v in prices]}  # fmt: skip

    expected = commodity_frame({"c0": [doc([region])]}, [region], {})
    lone = commodity_frame({"c0": doc([region])}, [region], {})
    per_region = [doc([r]) for r in dict.fromkeys([*others, region])]
    split = commodity_frame({"c0": per_region}, [region], {})
    pd.testing.assert_frame_equal(lone, expected)
    pd.testing.assert_frame_equal(split, expected)
    assert len(expected) == len(prices)


@given(
    flags=st.lists(
        st.tuples(st.booleans(), st.sampled_from(["bool", "lower", "upper", "padded"])),
        max_size=6,
    )
)
def test_boolean_fields_read_json_booleans_and_their_strings_alike(flags) -> None:
    shown = {"bool": lambda b: b, "lower": lambda b: str(b).lower(),
             "upper": lambda b: str(b).upper(), "padded": lambda b: f" {b} "}  # fmt: skip
    records = [{"i": i, "flag": shown[how](value)} for i, (value, how) in enumerate(flags)]
    frame = records_frame(records, [("i", "i", "int"), ("flag", "flag", "bool")], "i")
    assert frame["flag"].tolist() == [value for value, _ in flags]
    assert str(frame["flag"].dtype) == "boolean"


def test_unknown_boolean_strings_are_missing_not_guessed() -> None:
    records = [{"i": 0, "flag": "EXOGENOUS_ONLY"}, {"i": 1, "flag": None}]
    frame = records_frame(records, [("i", "i", "int"), ("flag", "flag", "bool")], "i")
    assert frame["flag"].isna().all()


@given(
    pairs=st.lists(st.tuples(_REGIONS, st.sampled_from(["heatPumps", "electrolysers", "evs"]))),
    wrapped=st.booleans(),
)
def test_demand_technology_names_come_from_documents_of_either_shape(pairs, wrapped) -> None:
    def value(x: str) -> object:
        return {"original": x} if wrapped else x

    docs = [{"region": value(r), "technology": value(t.upper()), "originTechnology": value(t),
             "variables": []} for r, t in pairs]  # fmt: skip
    frame = demand_technology_names_frame(docs)
    unique = list(dict.fromkeys(pairs))
    assert list(zip(frame.index.get_level_values("region"), frame["origin_technology"],
                    strict=True)) == unique  # fmt: skip
    if docs:
        lone = demand_technology_names_frame(docs[0])
        assert lone.index.tolist() == [(pairs[0][0], pairs[0][1].upper())]
    schemas.validate(frame, schemas.DemandTechnologyNames)


def test_interconnector_region_is_from_and_technology_is_to() -> None:
    docs = [{"from": "gbr", "to": "fra", "ends": ["gbr", "fra"],
             "variables": [{"year": 2030, "capacity": cell(None, 4000.0)}]}]  # fmt: skip
    frame = interconnector_frame(docs, ["capacity"], {"capacity": "MW"})
    assert frame.index.tolist() == [("gbr", "fra", 2030)]
    schemas.validate(frame, schemas.InterconnectorCells)


def test_empty_answer_is_an_empty_frame_with_the_full_schema() -> None:
    frame = technology_frame({}, READS, SELECTION)
    assert len(frame) == 0
    assert list(frame.columns) == list(COLUMNS) and list(frame.index.names) == list(INDEX_LEVELS)
    assert frame.dtypes.equals(empty_inputs_frame().dtypes)
    for model in (schemas.InputCells, schemas.TechnologyCells, schemas.DemandCells,
                  schemas.CommodityCells, schemas.InterconnectorCells):  # fmt: skip
        model.validate(frame)


def test_duplicated_full_keys_are_reported_row_by_row() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION)
    doubled = pd.concat([frame.iloc[:2], frame.iloc[:2]])
    with pytest.raises(ValidationError) as info:
        schemas.validate(doubled, schemas.TechnologyCells)
    report = info.value.report
    assert {"reason", "fix"} <= set(report.columns)
    assert (report["check"].str.contains("full key")).sum() == 4
    assert str(info.value).count("full key") >= 4


def test_every_bad_row_is_listed_in_one_error() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION).copy()
    yearly = frame["month"].isna().to_numpy()
    frame.loc[yearly, "month"] = 13
    with pytest.raises(ValidationError) as info:
        schemas.validate(frame, schemas.TechnologyCells)
    assert (info.value.report["column"] == "month").sum() == yearly.sum() == 8
    assert "Fix:" in str(info.value)


def test_wrong_domain_is_rejected_by_the_domain_model() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION)
    with pytest.raises(ValidationError, match="isin"):
        schemas.validate(frame, schemas.CommodityCells)


def test_frames_round_trip_through_parquet_unchanged() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION)
    buffer = io.BytesIO()
    to_parquet(frame, buffer)
    buffer.seek(0)
    pd.testing.assert_frame_equal(read_parquet(buffer), frame)


def test_empty_frame_round_trips_through_parquet_unchanged(tmp_path) -> None:
    path = tmp_path / "empty.parquet"
    to_parquet(empty_inputs_frame(), path)
    pd.testing.assert_frame_equal(read_parquet(path), empty_inputs_frame())


def test_concat_of_domains_keeps_contract_dtypes() -> None:
    tech = technology_frame(technology_answer(), READS, SELECTION)
    docs = [{"from": "gbr", "to": "fra",
             "variables": [{"year": 2030, "capacity": cell(None, 1.0)}]}]  # fmt: skip
    ic = interconnector_frame(docs, ["capacity"], {"capacity": "MW"})
    both = concat_inputs([tech, ic])
    assert len(both) == len(tech) + 1
    assert isinstance(both["variable"].dtype, pd.CategoricalDtype)
    schemas.validate(both, schemas.InputCells)


def test_builder_rejects_misaligned_years() -> None:
    builder = CellFrameBuilder()
    with pytest.raises(ValueError, match="align"):
        builder.add_block({"region": "gbr"}, [cell(None, 1.0)], year=[2030, 2031])


def test_typed_decoding_gives_the_same_frame_as_plain_json() -> None:
    import json

    from origin_frames._frames import TechnologyDecoder

    body = json.dumps({"data": {"getSession": technology_answer()}}).encode()
    typed = TechnologyDecoder()(body)
    assert typed["errors"] == []
    frame = technology_frame(typed["data"]["getSession"], READS, SELECTION)
    plain = technology_frame(technology_answer(), READS, SELECTION)
    pd.testing.assert_frame_equal(frame, plain)


def test_typed_decoding_rejects_a_malformed_body() -> None:
    from origin_frames._frames import TechnologyDecoder

    with pytest.raises(ValueError):
        TechnologyDecoder()(b'{"data": {"getSession": {"t0": {"x0": {"parameters": 3}}}}}')
