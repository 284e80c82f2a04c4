"""origin_frames: tidy, validated pandas frames over Aurora's Origin API, and an emulator.

Example:
    >>> import origin_frames as of
    >>> with of.OriginFrames.emulated() as client:  # doctest: +SKIP
    ...     sid = client.get_aurora_scenarios("gbr").index[0]
    ...     frame = client.technologies(sid, regions=["gbr"])
"""

from __future__ import annotations

from . import schemas
from ._apply import ApplyResult
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
from ._fleet import FleetSettings, change_fleet, export_fleet, read_fleet
from ._parquet import read_parquet, to_parquet, write_dataset
from ._plan import Plan, from_wide, to_wide
from .emulator import Emulator, EmulatorOptions

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
