"""Every declared runtime dependency is used: nothing installed for nothing (pydantic was)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Distribution name -> the module it is imported as, where the two differ.
IMPORT_NAMES = {"graphql-core": "graphql"}


def test_every_runtime_dependency_is_imported_by_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!~\[ ]", dep, maxsplit=1)[0] for dep in project["dependencies"]]
    source = "\n".join(p.read_text() for p in (ROOT / "origin_frames").rglob("*.py"))
    unused = [
        name for name in names
        if not re.search(rf"^\s*(import|from)\s+{IMPORT_NAMES.get(name, name)}\b", source, re.M)
    ]  # fmt: skip
    assert unused == []
