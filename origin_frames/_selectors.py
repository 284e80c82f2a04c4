"""Scenario selectors: ids, or short expressions that name one or many scenarios.

- an id: itself;
- ``latest:<region>[:<words>]``: the most recently published Aurora scenario of the
  region group whose name contains every word (case-insensitive);
- ``all:<region>[:<words>]``: every published scenario of the region group whose name
  contains every word, in the catalogue's order;
- ``project:<project id>``: every scenario of a project.

The command line and the fleet functions resolve selectors here, and only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._exceptions import ConfigurationError

if TYPE_CHECKING:
    import pandas as pd

    from ._client import OriginFrames

__all__ = ["expand_selectors", "resolve_scenario"]


def _published(client: OriginFrames, selector: str) -> pd.DataFrame:
    """Published scenarios of ``<kind>:<region>[:<words>]`` whose name has every word."""
    parts = [p for p in selector.split(":")[1:] if p]
    kind = selector.split(":", 1)[0]
    if not parts:
        raise ConfigurationError(
            f"Write the selector as {kind}:<region>[:<name words>], e.g. {kind}:gbr."
        )
    region, words = parts[0], [w.lower() for w in parts[1:]]
    scenarios = client.get_aurora_scenarios(region)
    if words:
        names = scenarios["name"].astype(str).str.lower()
        masks = [names.str.contains(w, regex=False).to_numpy(dtype=bool) for w in words]
        scenarios = scenarios[np.logical_and.reduce(masks)]
    if scenarios.empty:
        raise ConfigurationError(
            f"No published scenario matches {selector!r}. "
            f"List them with `origin-frames scenarios --region {region}`."
        )
    return scenarios


def resolve_scenario(client: OriginFrames, selector: str) -> str:
    """One scenario id from an id or a ``latest:<region>[:<words>]`` selector.

    Args:
        client: Client used to list published scenarios.
        selector: A scenario id or ``latest:...``.

    Returns:
        The scenario id.

    Raises:
        ConfigurationError: Nothing matches, several scenarios published the same day
            match (they are listed), or the selector names many (``all:``, ``project:``).

    Example:
        >>> resolve_scenario(client, "latest:gbr:central") == published_id  # Central Oct 2026
        True
    """
    if selector.startswith(("all:", "project:")):
        raise ConfigurationError(
            f"{selector!r} names many scenarios where one is needed: use latest:... or an id."
        )
    if not selector.startswith("latest:"):
        return selector
    scenarios = _published(client, selector)
    newest = scenarios[scenarios["publication_date"] == scenarios["publication_date"].max()]
    if len(newest) > 1:
        # Picking one of several same-day releases silently would be a guess.
        pairs = sorted(zip(newest["name"].astype(str), newest.index, strict=True))
        names = ", ".join(f"{name!r} ({sid})" for name, sid in pairs)
        raise ConfigurationError(
            f"{selector!r} matches {len(newest)} scenarios published the same day: {names}. "
            f"Add a name word (e.g. {selector}:{pairs[0][0].split()[0].lower()}) or give the id."
        )
    return str(newest.index[0])


def expand_selectors(client: OriginFrames, selectors: str | Sequence[str]) -> list[str]:
    """Scenario ids named by ids and selectors, in order, each once.

    Args:
        client: Client used to list published scenarios and projects.
        selectors: Ids, ``latest:``, ``all:`` or ``project:`` selectors (one string or many).

    Returns:
        The scenario ids (duplicates dropped, first occurrence kept).

    Raises:
        ConfigurationError: No selector given, or one that matches nothing.

    Example:
        >>> ids = expand_selectors(client, ["latest:gbr:central", "all:gbr:central"])
        >>> ids[0] == published_id, len(ids) == len(set(ids))
        (True, True)
    """
    items = [selectors] if isinstance(selectors, str) else list(selectors)
    if not items:
        raise ConfigurationError("No scenarios given: pass scenario ids or selectors.")
    ids: list[str] = []
    for selector in items:
        if selector.startswith("all:"):
            ids.extend(str(s) for s in _published(client, selector).index)
        elif selector.startswith("project:"):
            project = selector.split(":", 1)[1]
            found = client.get_project_scenarios(project)
            if found.empty:
                raise ConfigurationError(f"Project {project!r} holds no scenarios.")
            ids.extend(str(s) for s in found.index)
        else:
            ids.append(resolve_scenario(client, selector))
    return list(dict.fromkeys(ids))
