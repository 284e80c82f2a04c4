"""Model files of a scenario run (``/v1/modelFiles``): the listing JSON and the file bodies.

The official client (``OriginSession.get_model_files``) asks
``GET /v1/modelFiles/<scenarioId>?runGlobalId=<run>`` (plus ``&year=<y>`` for runs whose
``runDetails`` entry lists years) and keeps the JSON of each 200 answer as it is.
``get_model_file_download_url(file_url)`` then GETs ``<scenario service>/<file_url>``,
follows the redirect and returns the final URL: so each listed ``fileUrl`` is a path
below the scenario service that answers 302 to a short-lived signed URL, like the
output downloads. The listing's field names are our assumption (the official client
does not read inside it); the URL shapes and the redirect flow are its code.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

#: Files every completed run keeps: (name, kind, description).
MODEL_FILES: tuple[tuple[str, str, str], ...] = (
    ("control_file.json", "control", "Run control settings"),
    ("model_inputs.csv", "inputs", "Inputs the model ran with"),
    ("model_outputs.csv", "outputs", "Raw model outputs"),
    ("run_log.txt", "log", "Solver log"),
)
_NAMES = {name for name, _, _ in MODEL_FILES}


@dataclass(frozen=True)
class RunRef:
    """The run a model-files request names."""

    scenario_id: str
    run_id: str
    run_type: str
    year: int | None


def is_model_file(name: str) -> bool:
    """Whether ``name`` is one of a run's model files."""
    return name in _NAMES


def listing(run: RunRef) -> dict[str, object]:
    """The JSON answer of ``GET /v1/modelFiles/<scenario>?runGlobalId=<run>[&year=<y>]``.

    Args:
        run: The scenario, run and (optional) year asked for.

    Returns:
        ``{scenarioGlobalId, runGlobalId, runType, year, files: [{fileName, fileType,
        description, sizeBytes, fileUrl}]}``; ``fileUrl`` is relative to the scenario service.

    Example:
        >>> listing(RunRef("s", "r", "MYR", None))["files"][0]["fileName"]
        'control_file.json'
    """
    year_part = f"&year={run.year}" if run.year is not None else ""
    files = [
        {
            "fileName": name,
            "fileType": kind,
            "description": description,
            "sizeBytes": len(body(run, name)),
            "fileUrl": f"v1/modelFiles/{run.scenario_id}/files/{name}"
            f"?runGlobalId={run.run_id}{year_part}",
        }
        for name, kind, description in MODEL_FILES
    ]
    return {
        "scenarioGlobalId": run.scenario_id,
        "runGlobalId": run.run_id,
        "runType": run.run_type,
        "year": run.year,
        "files": files,
    }


def body(run: RunRef, name: str) -> bytes:
    """The deterministic content of one model file (small: the flow matters, not the bytes)."""
    seed = zlib.crc32(f"{run.scenario_id}|{run.run_id}|{run.year}|{name}".encode())
    header = f"# {name} of run {run.run_id} ({run.run_type}), scenario {run.scenario_id}"
    if run.year is not None:
        header += f", year {run.year}"
    lines = [header, "key,value"] + [f"item{i},{(seed >> i) % 1000}" for i in range(8)]
    return ("\n".join(lines) + "\n").encode()
