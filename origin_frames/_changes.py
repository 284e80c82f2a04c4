"""What ``plan`` is given as changes: a frame, or a non-empty list of frames, nothing else.

The check lives in the plan layer (not with the client's argument checks in ``_args``)
because ``build_plan`` runs it for every caller: the client, the CLI and fleets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ._diff import flatten
from ._exceptions import ArgumentError
from ._exceptions import describe as _show


def change_frame(changes: Any) -> pd.DataFrame:
    """What ``plan`` was given, as one frame: a DataFrame, or a non-empty list of them.

    Args:
        changes: The ``changes`` argument of ``plan``.

    Returns:
        The frame (a list is concatenated, each frame's key levels as columns).

    Raises:
        ArgumentError: Anything else, an empty list, a list holding a non-frame, or a frame
            with two columns of one name or a name both in the index and the columns.

    Example:
        >>> to_fra = client.get_interconnectors(published_id, "gbr", "fra")
        >>> to_nor = client.get_interconnectors(published_id, "gbr", "nor")
        >>> len(change_frame([to_fra, to_nor])) == len(to_fra) + len(to_nor)
        True
    """
    hint = "pass the edited frame a getter returned, or a list of such frames"
    if isinstance(changes, pd.DataFrame):
        return _one_frame("changes", changes)
    if isinstance(changes, pd.Series):
        raise ArgumentError(
            "changes is a Series: the cells' keys are missing. Put the values into the "
            "frame they came from, e.g. frame.assign(value=series)."
        )
    if isinstance(changes, str | bytes | Mapping) or not isinstance(changes, Iterable):
        raise ArgumentError(f"changes is {_show('changes', changes)}: {hint}.")
    frames = list(changes)
    if not frames:
        raise ArgumentError(f"changes is an empty list: {hint} (at least one).")
    for i, frame in enumerate(frames):
        if not isinstance(frame, pd.DataFrame):
            raise ArgumentError(
                f"changes[{i}] is {_show('changes', frame)}, not a DataFrame: {hint}."
            )
        _one_frame(f"changes[{i}]", frame)
    return pd.concat([flatten(f) for f in frames], ignore_index=True)


def _one_frame(label: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Refuses column layouts the diff cannot read unambiguously."""
    if isinstance(frame.columns, pd.MultiIndex):
        raise ArgumentError(
            f"{label} has multi-level columns: give one column per key part and value "
            "(use from_wide(...) for a to_wide(...) frame)."
        )
    repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if repeated:
        raise ArgumentError(
            f"{label} has more than one column named {repeated}: keep one of each, e.g. "
            "frame.loc[:, ~frame.columns.duplicated()]."
        )
    both = sorted({str(n) for n in frame.index.names if n is not None} & set(map(str,
                                                                                frame.columns)))
    if both:
        raise ArgumentError(
            f"{label} has {both} both as index levels and as columns: drop one, e.g. "
            "frame.reset_index(drop=True)."
        )
    return frame
