"""Modules that load on first use, so ``import origin_frames`` stays cheap.

pandera (behind :mod:`origin_frames.schemas`) costs about as much import time as pandas
itself; a process that only plans, serves the emulator or prints ``--help`` never needs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for a module and imports it at the first attribute access.

    The import goes through :func:`importlib.import_module`, whose per-module lock makes a
    first access from several threads at once safe (``importlib.util.LazyLoader`` is not on
    Python 3.11).

    Args:
        name: The module's absolute name.

    Example:
        >>> schemas = LazyModule("origin_frames.schemas")
        >>> schemas.TechnologyCells.__name__
        'TechnologyCells'
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        module: ModuleType = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
