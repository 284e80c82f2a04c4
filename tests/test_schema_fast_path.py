"""schemas.validate's fast path: it passes a frame only when pandera itself passes it.

``schemas._passes`` runs the model's pandera schema field by field, without pandera's
per-component machinery; on any doubt it answers False and pandera decides. These tests
hold it to that: over many broken variants of real frames, a frame the fast path passes
is one pandera's own ``validate`` passes, and the valid frames do take the fast path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from helpers import READS, SELECTION, technology_answer, technology_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from origin_frames import ValidationError, schemas
from origin_frames._frames import concat_inputs, empty_inputs_frame, interconnector_frame


def _pandera_passes(frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> bool:
    try:
        model.validate(frame, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError):
        return False
    return True


def _set_level(frame: pd.DataFrame, level: str, values: object) -> pd.DataFrame:
    flat = frame.reset_index()
    flat[level] = values
    return flat.set_index(["region", "technology", "year"])


def _bad_category(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    out = frame.copy()
    out[column] = out[column].cat.add_categories([value])
    out.iloc[0, out.columns.get_loc(column)] = value
    return out


def _with(column: str, values: Callable[[pd.DataFrame], object]) -> Callable[..., pd.DataFrame]:
    return lambda f: f.assign(**{column: values(f)})


VARIANTS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "as read": lambda f: f,
    "column dropped": lambda f: f.drop(columns="unit"),
    "extra column": lambda f: f.assign(extra=1.0),
    "columns reordered": lambda f: f[list(reversed(f.columns))],
    "original as text": _with("original", lambda f: f["original"].astype(str)),
    "domain as text": _with("domain", lambda f: f["domain"].astype(str)),
    "month as float": _with("month", lambda f: f["month"].astype(float)),
    "variable null": _with("variable", lambda f: f["variable"].where(
        np.arange(len(f)) > 0, None)),  # fmt: skip
    "month 13": _with("month", lambda f: f["month"].fillna(13)),
    "month 0": _with("month", lambda f: f["month"].fillna(0)),
    "bad domain used": lambda f: _bad_category(f, "domain", "bogus"),
    "bad kind used": lambda f: _bad_category(f, "kind", "other"),
    "bad transform used": lambda f: _bad_category(f, "transform_type", "Double"),
    "bad category unused": _with("kind", lambda f: f["kind"].cat.add_categories(["other"])),
    "messages as object": _with("validation_errors", lambda f: f["validation_errors"].astype(
        object)),  # fmt: skip
    "duplicated row": lambda f: pd.concat([f, f.iloc[:1]]),
    "year 1800": lambda f: _set_level(f, "year", pd.array([1800] * len(f), dtype="Int64")),
    "year as float": lambda f: _set_level(f, "year", f.index.get_level_values("year").astype(
        float)),  # fmt: skip
    "region null": lambda f: _set_level(f, "region", pd.array([None] * len(f), dtype="str")),
    "index renamed": lambda f: f.rename_axis(["region", "tech", "year"]),
    "levels swapped": lambda f: f.swaplevel(0, 1),
    "one level": lambda f: f.reset_index(["technology", "year"]),
    "flat": lambda f: f.reset_index(),
    "empty": lambda f: f.iloc[:0],
}

MODELS = [schemas.InputCells, schemas.TechnologyCells, schemas.CommodityCells]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_fast_path_passes_only_what_pandera_passes(variant: str, model: type) -> None:
    frame = VARIANTS[variant](technology_frame(technology_answer(), READS, SELECTION))
    fast = schemas._passes(frame, model)
    slow = _pandera_passes(frame, model)
    assert not fast or slow, f"{variant}: the fast path passed what pandera rejects"
    if slow:
        # The point of the fast path: a frame that is valid never pays for pandera.
        assert fast, f"{variant}: a valid frame missed the fast path"
        assert schemas.validate(frame, model) is frame
    else:
        with pytest.raises(ValidationError):
            schemas.validate(frame, model)


def test_fast_path_takes_every_domain_and_their_concatenation() -> None:
    tech = technology_frame(technology_answer(), READS, SELECTION)
    loss = [{"year": 2030, "lossFactor": {"original": 2.0}}]
    ties = interconnector_frame([{"from": "gbr", "to": "fra", "variables": loss}],
                                ["lossFactor"], {"lossFactor": "%"})  # fmt: skip
    assert schemas._passes(ties, schemas.InterconnectorCells)
    assert not schemas._passes(ties, schemas.TechnologyCells)
    both = concat_inputs([tech, ties])
    assert schemas._passes(both, schemas.InputCells) and _pandera_passes(both, schemas.InputCells)
    assert schemas._passes(empty_inputs_frame(), schemas.DemandCells)


@pytest.mark.parametrize("duplicated", [False, True])
def test_catalogue_models_keep_their_unique_index(duplicated: bool) -> None:
    regions = ["gbr", "gbr"] if duplicated else ["gbr", "irl"]
    frame = pd.DataFrame(
        {"peak_load_demand": [1.0, 2.0]},
        index=pd.Index(pd.array(regions, dtype="str"), name="region"),
    )
    assert schemas._passes(frame, schemas.DemandRegions) is not duplicated
    assert _pandera_passes(frame, schemas.DemandRegions) is not duplicated


def test_duplicated_keys_agree_with_a_plain_duplicated() -> None:
    frame = technology_frame(technology_answer(), READS, SELECTION)
    doubled = pd.concat([frame, frame.iloc[[0, 3]]])
    flat = doubled.reset_index()[["region", "technology", "year", "domain", "variable", "kind",
                                  "sub_region", "sub_technology", "subsidy", "month"]]  # fmt: skip
    expected = flat.astype(object).duplicated(keep=False).to_numpy()
    assert schemas.duplicated_keys(doubled).to_numpy().tolist() == expected.tolist()
    assert schemas._has_duplicated_keys(doubled) and not schemas._has_duplicated_keys(frame)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fast_path_agrees_with_pandera_on_any_months_years_and_categories(data) -> None:
    # The value checks run on cheap stand-ins first (a categorical's categories, an index
    # level's values, a column's least and greatest value): any months, years, used and
    # unused categories must still get pandera's own verdict.
    frame = technology_frame(technology_answer(), READS, SELECTION)
    n = len(frame)
    # Each in its valid range or a little beyond it, so both verdicts come up often.
    low, high = data.draw(st.sampled_from([(1, 12), (-1, 12), (1, 14)]))
    months = data.draw(st.lists(st.one_of(st.none(), st.integers(low, high)), min_size=n,
                                max_size=n))  # fmt: skip
    low, high = data.draw(st.sampled_from([(1900, 2200), (1890, 2200), (1900, 2210)]))
    years = data.draw(st.lists(st.one_of(st.none(), st.integers(low, high)), min_size=n,
                               max_size=n))  # fmt: skip
    extra = data.draw(st.lists(st.sampled_from(["other", "exogenous"]), max_size=2, unique=True))
    used = data.draw(st.booleans())
    frame = _set_level(frame.assign(month=pd.array(months, dtype="Int64")), "year",
                       pd.array(years, dtype="Int64"))  # fmt: skip
    known = set(frame["kind"].cat.categories)
    kind = frame["kind"].cat.add_categories([c for c in extra if c not in known])
    if used and extra:
        kind.iloc[0] = extra[0]
    frame["kind"] = kind
    assert schemas._passes(frame, schemas.TechnologyCells) == _pandera_passes(
        frame, schemas.TechnologyCells)
