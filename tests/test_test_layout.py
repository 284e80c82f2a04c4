"""The layout of the test suite itself, read with ``ast``: shared helpers live in
``helpers.py`` and fixtures in ``conftest.py``, so no test module imports another one
(which would run the imported module's fixtures and tests as a side effect of the import),
and the fixtures' token is written down once."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import TOKEN

TESTS = Path(__file__).resolve().parent


def _test_module_imports(source: str) -> list[tuple[str, int]]:
    """(module, line) of every import of a ``test_*`` or ``conftest`` module, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names = [node.module]
        else:
            continue
        found += [(name, node.lineno) for name in names
                  if name.split(".")[0].startswith("test_") or name == "conftest"]  # fmt: skip
    return found


def test_no_test_module_imports_another_test_module() -> None:
    offenders = [f"{path.name}:{line} imports {name}"
                 for path in sorted(TESTS.glob("*.py"))
                 for name, line in _test_module_imports(path.read_text())]  # fmt: skip
    assert offenders == [], "move shared helpers to tests/helpers.py: " + ", ".join(offenders)


def test_the_import_check_finds_every_form_of_test_module_import() -> None:
    source = (
        "import test_apply\n"
        "from test_diff import SID\n"
        "def f():\n"
        "    from conftest import TOKEN\n"
        "import helpers, testing_tools\n"
    )
    assert _test_module_imports(source) == [("test_apply", 1), ("test_diff", 2),
                                            ("conftest", 4)]  # fmt: skip


def test_the_fixtures_token_is_written_down_once() -> None:
    holders = sorted(path.name for path in TESTS.glob("*.py") if TOKEN in path.read_text())
    assert holders == ["helpers.py"]
