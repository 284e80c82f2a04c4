"""origin_frames: tidy, validated pandas frames over Aurora's Origin API, and an emulator.

Example:
    >>> import origin_frames as of
    >>> with of.OriginFrames.emulated() as client:
    ...     sid = client.get_aurora_scenarios("gbr").index[0]
    ...     frame = client.technologies(sid, regions=["gbr"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._client import OriginFrames
from ._config import Settings
from ._exceptions import (
    ApplyError,
    ArgumentError,
    AuthenticationError,
    ConfigurationError,
    DataNotReadyTimeout,
    NotFoundError,
    OriginConnectionError,
    OriginError,
    OriginGraphQLError,
    OriginTimeoutError,
    PermissionDeniedError,
    PlanError,
    PlanFileError,
    ServerError,
    StalePlanError,
    TransportError,
    ValidationError,
)
from ._parquet import read_parquet, to_parquet, write_dataset

if TYPE_CHECKING:
    from . import schemas
    from ._apply import ApplyResult
    from ._fleet import FleetSettings, change_fleet, export_fleet, read_fleet
    from ._plan import Plan, from_wide, to_wide
    from .emulator import Emulator, EmulatorOptions

# Names whose modules load on first use (PEP 562): the emulator brings graphql-core and an
# HTTP server, schemas brings pandera, plans bring pydantic; a user who only reads from the
# real API needs none of them at import.
_LAZY = {
    "ApplyResult": "._apply",
    "Emulator": ".emulator",
    "EmulatorOptions": ".emulator",
    "FleetSettings": "._fleet",
    "Plan": "._plan",
    "change_fleet": "._fleet",
    "export_fleet": "._fleet",
    "from_wide": "._plan",
    "read_fleet": "._fleet",
    "schemas": ".schemas",
    "to_wide": "._plan",
}

__all__ = [
    "ApplyError",
    "ApplyResult",
    "ArgumentError",
    "AuthenticationError",
    "ConfigurationError",
    "DataNotReadyTimeout",
    "Emulator",
    "EmulatorOptions",
    "FleetSettings",
    "NotFoundError",
    "OriginConnectionError",
    "OriginError",
    "OriginFrames",
    "OriginGraphQLError",
    "OriginTimeoutError",
    "PermissionDeniedError",
    "Plan",
    "PlanError",
    "PlanFileError",
    "ServerError",
    "Settings",
    "StalePlanError",
    "TransportError",
    "ValidationError",
    "change_fleet",
    "export_fleet",
    "from_wide",
    "read_fleet",
    "read_parquet",
    "schemas",
    "to_parquet",
    "to_wide",
    "write_dataset",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Imports a lazily loaded public name on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    loaded = importlib.import_module(module, __name__)
    value = loaded if module == f".{name}" else getattr(loaded, name)
    globals()[name] = value  # later lookups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
