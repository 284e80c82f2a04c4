"""``_diff.align`` (packed integer keys) agrees with a plain ``pd.merge`` on any key columns.

Hypothesis builds a current frame with unique keys and a desired frame of known, repeated
and unknown keys; every string key column arrives as object or as a categorical whose
categories are empty, exactly the values used, a superset, or reordered, independently in
the two frames (the pairing of issue 8, point 1). Years and months come as Int64, float
or object.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from origin_frames._diff import KEY, STRING_KEYS, _align_by_merge, align, key_frame

VALUES = ("a", "b", "c")
SHAPES = ("object", "exact", "superset", "reordered", "empty-or-exact")
_NA = "\x00NA"


def keys_strategy() -> st.SearchStrategy[tuple[Any, ...]]:
    """One full key: string parts from a tiny alphabet (often null), small years/months."""
    part = st.one_of(st.none(), st.sampled_from(VALUES))
    number = st.one_of(st.none(), st.integers(0, 3))
    return st.tuples(*[number if k in ("year", "month") else part for k in KEY])


def as_frame(rows: list[tuple[Any, ...]], shapes: dict[str, str], number_kind: str,
             seed: int) -> pd.DataFrame:  # fmt: skip
    """A key frame whose string columns take the given shapes."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for i, name in enumerate(KEY):
        values = [r[i] for r in rows]
        if name in ("year", "month"):
            series = pd.Series(values, dtype="Int64")
            data[name] = {"Int64": series, "float": series.astype("Float64").astype(float),
                          "object": series.astype(object)}[number_kind]  # fmt: skip
            continue
        used = sorted({v for v in values if v is not None})
        shape = shapes[name]
        if shape == "object":
            data[name] = pd.Series(values, dtype=object)
            continue
        categories = list(used)
        if shape == "superset":
            categories = [*used, *(v for v in ("zz", "a", "b") if v not in used)]
        elif shape == "reordered":
            rng.shuffle(categories)
        # "empty-or-exact": a column null on every row gets no categories at all.
        data[name] = pd.Series(pd.Categorical(values, categories=categories))
    return pd.DataFrame(data)


def merge_positions(desired: pd.DataFrame, current: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The oracle: normalise every key to text/int with an explicit null, then merge."""

    def normal(frame: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for name in KEY:
            values = frame[name].astype(object)
            if name in STRING_KEYS:
                out[name] = [_NA if pd.isna(v) else str(v) for v in values]
            else:
                out[name] = [-1 if pd.isna(v) else int(v) for v in values]
        return pd.DataFrame(out)

    left = normal(desired).assign(_d=np.arange(len(desired)))
    right = normal(current).assign(_c=np.arange(len(current)))
    merged = left.merge(right, on=list(KEY), how="left").sort_values("_d", kind="stable")
    pos = merged["_c"].fillna(-1).to_numpy(dtype=np.int64)
    dup = left.duplicated(list(KEY), keep=False).to_numpy()
    return pos, dup


@settings(max_examples=100, deadline=None)
@given(
    current_rows=st.lists(keys_strategy(), max_size=12, unique=True),
    picks=st.lists(st.integers(0, 11), max_size=12),
    novel=st.lists(keys_strategy(), max_size=4),
    shapes=st.tuples(st.fixed_dictionaries({k: st.sampled_from(SHAPES) for k in STRING_KEYS}),
                     st.fixed_dictionaries({k: st.sampled_from(SHAPES) for k in STRING_KEYS})),
    numbers=st.tuples(st.sampled_from(["Int64", "float", "object"]),
                      st.sampled_from(["Int64", "float", "object"])),
    seed=st.integers(0, 2**16),
)  # fmt: skip
def test_align_matches_a_plain_merge_whatever_the_categories(
    current_rows, picks, novel, shapes, numbers, seed
):
    known = [current_rows[p % len(current_rows)] for p in picks] if current_rows else []
    desired_rows = known + novel
    current = as_frame(current_rows, shapes[0], numbers[0], seed)
    desired = as_frame(desired_rows, shapes[1], numbers[1], seed + 1)
    cur_keys, cur_bad = key_frame(current)
    des_keys, des_bad = key_frame(desired)
    assert not cur_bad.any() and not des_bad.any()
    pos, dup = align(des_keys, cur_keys)
    want_pos, want_dup = merge_positions(desired, current)
    np.testing.assert_array_equal(pos, want_pos)
    np.testing.assert_array_equal(dup, want_dup)
    fallback_pos, fallback_dup = _align_by_merge(des_keys, cur_keys)  # the overflow path
    np.testing.assert_array_equal(fallback_pos, want_pos)
    np.testing.assert_array_equal(fallback_dup, want_dup)


def test_a_column_without_categories_aligns_against_one_with_categories():
    current = as_frame([("gbr", "CCGT", 2030, "technology", "capex", "exogenous", "x", None,
                         None, None)], dict.fromkeys(STRING_KEYS, "exact"), "Int64", 0)  # fmt: skip
    desired = as_frame([("gbr", "CCGT", 2030, "technology", "capex", "exogenous", None, None,
                         None, None)], dict.fromkeys(STRING_KEYS, "exact"), "Int64", 0)  # fmt: skip
    assert len(desired["sub_region"].cat.categories) == 0  # the IndexError of issue 8
    pos, dup = align(key_frame(desired)[0], key_frame(current)[0])
    assert pos.tolist() == [-1] and dup.tolist() == [False]
    pos, _ = align(key_frame(current)[0], key_frame(current)[0])
    assert pos.tolist() == [0]
