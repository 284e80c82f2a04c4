"""Size limits of docs/architecture.md, read from the source with ``ast``.

Functions stay under the house limit (80 lines, decorators and docstring included), the
emulator's too; ``OriginFrames``'s module stays a thin facade over its concept modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "origin_frames"
MAX_FUNCTION_LINES = 80
MAX_CLIENT_LINES = 500


def _function_lengths(path: Path) -> list[tuple[str, int]]:
    """(``file:line name``, lines) of every function and method of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            assert node.end_lineno is not None
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
            found.append((where, node.end_lineno - start + 1))
    return found


def test_the_walk_sees_every_module_and_nested_functions() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert any(p.parent.name == "emulator" for p in modules)
    names = {w.rsplit(" ", 1)[1] for p in modules for w, _ in _function_lengths(p)}
    # A method, a nested function (the wait bar's callback) and an emulator function.
    assert {"technologies", "update", "tenant_of"} <= names


def test_no_function_is_longer_than_the_house_limit() -> None:
    too_long = [
        f"{where} ({lines} lines)"
        for path in sorted(PACKAGE.rglob("*.py"))
        for where, lines in _function_lengths(path)
        if lines > MAX_FUNCTION_LINES
    ]
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: split them: {too_long}"


def test_the_client_module_is_a_thin_facade() -> None:
    lines = len((PACKAGE / "_client.py").read_text(encoding="utf-8").splitlines())
    assert lines < MAX_CLIENT_LINES, (
        f"_client.py has {lines} lines: move a concept into its own module "
        "(see docs/architecture.md, the client row)."
    )


def _contract_literals() -> dict[tuple[str, ...], str]:
    """The contract's tuples (two names or more) -> their names in ``_contract``."""
    from origin_frames import _contract

    return {
        tuple(value): name
        for name in _contract.__all__
        if name.isupper()
        and isinstance(value := getattr(_contract, name), tuple)
        and len(value) >= 2
    }


def test_the_frame_contract_is_declared_only_in_contract() -> None:
    contract = _contract_literals()
    assert {"INDEX_LEVELS", "KEY_COLUMNS", "DOMAINS", "TRANSFORM_TYPES"} <= set(contract.values())
    repeated = []
    for path in sorted(PACKAGE.glob("*.py")):  # the emulator, the server, keeps its own
        if path.name == "_contract.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
            ):
                values = tuple(e.value for e in node.elts if isinstance(e, ast.Constant))
                if values in contract:
                    repeated.append(f"{path.name}:{node.lineno} {contract[values]}")
    assert not repeated, f"import these from origin_frames._contract instead: {repeated}"
