"""The package's public surface: ``__all__`` is sorted, exact and importable."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pandera.pandas as pa
import pytest

import origin_frames

EXPECTED = {
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
}


def test_all_is_sorted_and_exact() -> None:
    assert origin_frames.__all__ == sorted(origin_frames.__all__)
    assert set(origin_frames.__all__) == EXPECTED


def test_every_public_name_resolves() -> None:
    for name in origin_frames.__all__:
        assert getattr(origin_frames, name) is not None, name


def test_every_error_derives_from_origin_error() -> None:
    errors = [getattr(origin_frames, n) for n in EXPECTED if n.endswith("Error") or
              n == "DataNotReadyTimeout"]  # fmt: skip
    assert errors and all(issubclass(e, origin_frames.OriginError) for e in errors)
    assert issubclass(origin_frames.StalePlanError, origin_frames.PlanError)
    assert issubclass(origin_frames.OriginTimeoutError, origin_frames.TransportError)
    assert issubclass(origin_frames.NotFoundError, origin_frames.OriginGraphQLError)


def test_schemas_exports_only_pandera_models_and_helpers() -> None:
    schemas = importlib.import_module("origin_frames.schemas")
    assert schemas.__all__ == sorted(schemas.__all__)
    models = [getattr(schemas, n) for n in schemas.__all__ if n[0].isupper()]
    assert models and all(issubclass(m, pa.DataFrameModel) for m in models)


def test_client_module_does_not_import_the_emulator() -> None:
    source = importlib.import_module("origin_frames._client").__file__
    assert source is not None
    with open(source, encoding="utf-8") as handle:
        top_level = [line for line in handle if line.startswith(("import ", "from "))]
    assert not any("emulator" in line for line in top_level)


def test_importing_the_package_loads_no_emulator_graphql_pandera_or_dask() -> None:
    # A fresh interpreter: this test process has long since imported everything.
    probe = (
        "import origin_frames, sys; print(sorted(m for m in sys.modules if m.startswith("
        "('graphql', 'origin_frames.emulator', 'dask', 'pandera', 'pydantic', "
        "'pyarrow.dataset'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_lazy_public_names_resolve_to_their_modules_objects() -> None:
    from origin_frames._plan import Plan
    from origin_frames.emulator import Emulator

    assert origin_frames.Emulator is Emulator
    assert origin_frames.Plan is Plan
    assert origin_frames.schemas is importlib.import_module("origin_frames.schemas")
    assert set(origin_frames.__all__) <= set(dir(origin_frames))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        origin_frames.Nope  # noqa: B018


def test_emulated_client_reads_after_a_bare_import() -> None:
    probe = (
        "import origin_frames as of\n"
        "with of.OriginFrames.emulated() as client:\n"
        "    print(len(client.get_aurora_scenarios('gbr')) > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "True"
