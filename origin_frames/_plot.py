"""A plan as a picture: before and after per variable, one line pair per entity.

Needs matplotlib (``pip install "origin-frames[plot]"``). The figure is built with
``matplotlib.figure.Figure``, never ``pyplot``, so no backend or global state changes;
Jupyter shows it, ``fig.savefig(path)`` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_plan"]

_ENTITY_KEYS = ["region", "technology", "kind", "sub_region", "sub_technology", "subsidy"]


def plot_plan(cells: pd.DataFrame, title: str, max_variables: int = 9,
              max_lines: int = 6) -> Figure:  # fmt: skip
    """Before (dashed) and after (solid) over time, one panel per (domain, variable).

    Args:
        cells: A plan's cells (``Plan.cells``).
        title: The figure title.
        max_variables: Panels at most (the variables with most changed cells first).
        max_lines: Entities per panel at most (the largest changes first).

    Returns:
        The matplotlib figure.

    Raises:
        ImportError: matplotlib is not installed (install the ``plot`` extra).

    Example:
        >>> links = client.get_interconnectors(sid, "gbr", "fra")
        >>> plan = client.plan(sid, links.assign(value=links["value"] * 1.1))
        >>> figure = plot_plan(plan.cells, "my plan")
        >>> figure.savefig("plan.png")
        >>> figure.get_suptitle()
        'my plan'
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            'Plan.plot needs matplotlib: pip install "origin-frames[plot]".'
        ) from exc
    timed = cells[cells["year"].notna()].copy()
    timed["t"] = timed["year"].astype(float) + (
        timed["month"].astype("Float64").fillna(1).astype(float) - 1
    ) / 12
    timed["variable"] = timed["variable"].astype(str)
    timed["domain"] = timed["domain"].astype(str)
    panels = timed.groupby(["domain", "variable"]).size().sort_values(ascending=False)
    chosen = list(panels.index[:max_variables])
    columns = min(3, max(1, len(chosen)))
    rows = max(1, -(-len(chosen) // columns))
    figure = Figure(figsize=(5 * columns, 3.2 * rows), layout="constrained")
    figure.suptitle(_title(title, cells, timed, len(panels) - len(chosen)))
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (domain, variable) in zip(axes, chosen, strict=False):
        part = timed[(timed["domain"] == domain) & (timed["variable"] == variable)]
        _panel(ax, part, f"{domain} {variable}", max_lines)
    for ax in axes[len(chosen):]:
        ax.set_visible(False)
    return figure


def _panel(ax: Any, part: pd.DataFrame, label: str, max_lines: int) -> None:
    """One variable: a dashed before and a solid after line per entity, same colour."""
    keys = [k for k in _ENTITY_KEYS if part[k].astype(object).nunique(dropna=False) > 1]
    labels = part[keys].astype(object)
    names = (labels.where(labels.notna(), "").map(str).agg(" ".join, axis=1).str.strip()
             if keys else pd.Series("", index=part.index))  # fmt: skip
    size = (part["after"] - part["before"]).abs().groupby(names).max().sort_values()
    shown = list(size.index[::-1][:max_lines])
    for i, name in enumerate(shown):
        line = part[(names == name).to_numpy()].sort_values("t")
        colour = f"C{i % 10}"
        ax.plot(line["t"], line["before"], linestyle="--", color=colour, alpha=0.7)
        ax.plot(line["t"], line["after"], color=colour, label=name or "after")
    extra = len(size) - len(shown)
    ax.set_title(label + (f" (+{extra} more)" if extra > 0 else ""), fontsize=10)
    ax.set_xlabel("year")
    ax.legend(fontsize=7, title="solid: after, dashed: before", title_fontsize=7)


def _title(title: str, cells: pd.DataFrame, timed: pd.DataFrame, hidden: int) -> str:
    """The headline, saying what the panels leave out."""
    notes = []
    if hidden > 0:
        notes.append(f"{hidden} more variables not drawn")
    undated = int(np.count_nonzero(cells["year"].isna()))
    if undated:
        notes.append(f"{undated} cells without a year not drawn")
    return title + (f" ({'; '.join(notes)})" if notes else "")
