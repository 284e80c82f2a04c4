"""The layer rule of docs/architecture.md, read from the source with ``ast``.

Every import of every module of ``origin_frames`` (top-level, inside functions, and under
``if TYPE_CHECKING:``) is resolved to the module it names and checked against ``LAYERS``:
an import may point down or sideways, never up; the imports form no cycle, not even
through a function-level (lazy) or a ``TYPE_CHECKING``-only import; and the emulator
imports nothing outside ``origin_frames.emulator``. Where a lower layer needs something of
a higher one it names it as a Protocol of its own (``_reader``, ``_outputs.OutputsClient``)
instead of importing it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "origin_frames"

# Rank of each client-side module: higher layers import lower ones, never the reverse.
# Keep in step with the table in docs/architecture.md.
LAYERS: dict[str, tuple[int, str]] = {}
for _rank, _layer, _modules in [
    (9, "cli", ["origin_frames", "_cli"]),
    (8, "pytest plugin / fleet", ["_pytest_plugin", "_fleet"]),
    (7, "client", ["_client", "_input_readers", "_seed", "_catalogue", "_reads", "_progress",
                   "_outputs", "_args", "_selectors"]),
    (6, "plan", ["_plan", "_changes", "_reader", "_apply", "_diff", "_units", "_planfile",
                 "_mutations", "_plot"]),
    (5, "frames / schemas / contract", ["_frames", "schemas", "_parquet", "_contract"]),
    (4, "queries", ["_queries"]),
    (3, "transport", ["_transport"]),
    (2, "config", ["_config"]),
    (1, "errors / import helpers", ["_exceptions", "_lazy"]),
]:
    for _module in _modules:
        _name = _module if _module == "origin_frames" else f"origin_frames.{_module}"
        LAYERS[_name] = (_rank, _layer)

# The emulator is a separate subsystem: only these layers may load it (lazily, on demand).
EMULATOR = "origin_frames.emulator"
EMULATOR_USERS_FROM_RANK = 7


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The modules an import statement loads, resolved against ``module``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        drop = node.level - 1 if is_package else node.level
        base = ".".join(parts[: len(parts) - drop] + ([node.module] if node.module else []))
    found = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        found.append(candidate if _exists(candidate) else base)
    return found


def _exists(module: str) -> bool:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, type-only) for every import in the file, own package only."""
    source = path.read_text(encoding="utf-8")
    return _imports_of(source, _module_name(path), path.name == "__init__.py")


def _imports_of(source: str, module: str, is_package: bool) -> list[tuple[str, int, bool]]:
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(node, module, is_package):
                if target == "origin_frames" or target.startswith("origin_frames."):
                    found.append((target, node.lineno, type_only))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(ast.parse(source), False)
    return found


def _owner(target: str) -> str:
    """The unit of ``LAYERS`` (or the emulator) that an imported module belongs to."""
    if target == EMULATOR or target.startswith(EMULATOR + "."):
        return EMULATOR
    return target


def _graph() -> dict[str, list[tuple[str, int, bool]]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_client_side_module_has_a_layer() -> None:
    modules = {m for m in _graph() if _owner(m) != EMULATOR}
    assert modules - set(LAYERS) == set(), "add the new module to LAYERS and the docs' table"
    assert set(LAYERS) - modules == set(), "LAYERS names a module that no longer exists"


def test_imports_point_down_or_sideways() -> None:
    upward = []
    for module, imports in _graph().items():
        if _owner(module) == EMULATOR:
            continue
        rank, layer = LAYERS[module]
        for target, line, type_only in imports:
            owner = _owner(target)
            if owner == EMULATOR:
                if rank < EMULATOR_USERS_FROM_RANK:
                    upward.append(f"{module}:{line} loads the emulator from layer {layer}")
                continue
            to_rank, to_layer = LAYERS[owner]
            if to_rank > rank:
                kind = "type-only " if type_only else ""
                upward.append(f"{module}:{line} {kind}imports {target} ({layer} -> {to_layer})")
    assert upward == []


def test_emulator_imports_nothing_from_the_client_side() -> None:
    leaks = [
        f"{module}:{line} imports {target}"
        for module, imports in _graph().items()
        if _owner(module) == EMULATOR
        for target, line, _ in imports
        if _owner(target) != EMULATOR
    ]
    assert leaks == []


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, as the path that closes it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := walk(node)):
            return found
    return None


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, imports in _graph().items():
        for target, _, _ in imports:
            # A submodule importing its own package's __init__ is Python's normal loading order.
            if target != module and not module.startswith(target + "."):
                edges.setdefault(module, set()).add(target)
    return edges


def test_imports_have_no_cycle() -> None:
    assert _cycle(_edges()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ._plan import Plan", [("origin_frames._plan", 1, False)]),
        ("from . import _diff, schemas", [("origin_frames._diff", 1, False),
                                          ("origin_frames.schemas", 1, False)]),
        ("from . import __version__", [("origin_frames", 1, False)]),
        ("if TYPE_CHECKING:\n    from ._client import X", [("origin_frames._client", 2, True)]),
        ("def f():\n    from .emulator import Emulator", [("origin_frames.emulator", 2, False)]),
        ("import pandas", []),
    ],
)
def test_the_import_reader_resolves_relative_imports(
    source: str, expected: list[tuple[str, int, bool]]
) -> None:
    assert _imports_of(source, "origin_frames._cli", is_package=False) == expected


def test_the_import_reader_resolves_imports_of_a_package() -> None:
    source = "from . import _gql\nfrom .. import _client"
    assert _imports_of(source, "origin_frames.emulator", is_package=True) == [
        ("origin_frames.emulator._gql", 1, False),
        ("origin_frames._client", 2, False),
    ]
