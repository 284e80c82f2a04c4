"""Every docstring example in ``origin_frames`` runs against the emulator (issue 10).

Each example (one ``doctest.DocTest``: a module, class or function docstring) is one
pytest item named after its object, so a failure says which docstring is wrong. The
examples share the session emulator; each gets a client with a tenant of its own, so
nothing one example writes is seen by another.

Names an example may use without defining them (see ``_globs``):

- ``client``: an ``OriginFrames`` on the emulator, its own tenant, no progress bars;
- ``emu``: the running ``Emulator``;
- ``published_id``: the published "Central Oct 2026" gbr scenario (read-only);
- ``sid``: a writable copy of it in a project of the example's own (made only when the
  example uses ``sid``), so examples that change state change their own copy;
- ``pd``, ``np``, ``origin_frames``.

Every example runs in a temporary directory, with the output cache
(``ORIGIN_FRAMES_CACHE_DIR``) inside it, so files it writes vanish with it.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import origin_frames
from origin_frames import OriginFrames
from origin_frames.emulator import Emulator

PACKAGE = Path(origin_frames.__file__).resolve().parent
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> Iterator[Any]:
    """Every module of the package, the package and its subpackages included."""
    yield origin_frames
    for info in pkgutil.walk_packages(origin_frames.__path__, "origin_frames."):
        yield importlib.import_module(info.name)


def _examples() -> list[doctest.DocTest]:
    """Every docstring with examples, in file order."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for module in _modules():
        found.extend(t for t in finder.find(module) if t.examples)
    return sorted(found, key=lambda t: (t.filename or "", t.lineno or 0, t.name))


EXAMPLES = _examples()


def _uses(test: doctest.DocTest, name: str) -> bool:
    """Whether any example of ``test`` mentions ``name`` as a word."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    return any(word.search(example.source) for example in test.examples)


def _published_id(client: OriginFrames) -> str:
    """The published "Central Oct 2026" gbr scenario's id."""
    scenarios = client.get_aurora_scenarios("gbr")
    return str(scenarios.index[scenarios["name"] == "Central Oct 2026"][0])


def _scenario_copy(client: OriginFrames, published: str) -> str:
    """A writable copy of ``published`` in a new project of the client's tenant."""
    project = client.create_project({"name": "examples"}).index[0]
    made = client.create_scenario(
        {"projectGlobalId": project, "name": "example", "baseScenarioGlobalId": published}
    )
    return str(made.index[0])


def _globs(test: doctest.DocTest, client: OriginFrames, emu: Emulator) -> dict[str, Any]:
    """The module's namespace plus the names examples assume (see the module docstring)."""
    globs = dict(test.globs)
    globs.update(client=client, emu=emu, pd=pd, np=np, origin_frames=origin_frames)
    if _uses(test, "published_id") or _uses(test, "sid"):
        globs["published_id"] = _published_id(client)
    if _uses(test, "sid"):
        globs["sid"] = _scenario_copy(client, globs["published_id"])
    return globs


@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in EXAMPLES])
def test_docstring_example(
    test: doctest.DocTest, running_emulator: Emulator, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORIGIN_FRAMES_CACHE_DIR", str(tmp_path / "cache"))
    token = f"examples-{uuid.uuid4().hex}"
    with OriginFrames(token, running_emulator.scenario_base_url,
                      running_emulator.inputs_base_url, progress=False) as client:  # fmt: skip
        globs = _globs(test, client, running_emulator)
        runner = doctest.DocTestRunner(optionflags=OPTIONS)
        copy = doctest.DocTest(
            test.examples, globs, test.name, test.filename, test.lineno, test.docstring
        )
        out: list[str] = []
        result = runner.run(copy, out=out.append, clear_globs=True)
    assert result.failed == 0, "".join(out)


@pytest.mark.slow  # a pytest run in a new process, with emulators of its own
def test_the_pytest_plugin_example_runs(pytester: pytest.Pytester) -> None:
    """The plugin's ``Example::`` block is a user's test file: it passes as written."""
    from origin_frames import _pytest_plugin

    block = textwrap.dedent((_pytest_plugin.__doc__ or "").split("::\n", 1)[1])
    assert "def test_" in block
    pytester.makepyfile(test_user=block)
    result = pytester.runpytest_subprocess("-q", "--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_examples_are_found() -> None:
    names = {t.name for t in EXAMPLES}
    assert "origin_frames.emulator._protocol.tenant_of" in names
    assert len(EXAMPLES) > 50


def test_no_example_is_skipped() -> None:
    """No ``+SKIP`` directive left: an example nothing runs can be wrong unseen (issue 10)."""
    directive = re.compile(r"doctest:\s*[+]SKIP")
    left = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if directive.search(path.read_text())
    )
    assert not left, f"+SKIP in {left}: make the example run (tests/test_examples.py) instead"
