"""Every Python example in the README and docs/ runs, so the docs cannot rot.

The ```python blocks of one page run in order in one namespace (a page is one
story). A block preceded by the line ``<!-- not-run -->`` is skipped; use it
only for snippets that need the real Origin API.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"(?P<marker><!-- not-run -->\s*\n)?```python\n(?P<code>.*?)```", re.S)


def python_blocks(page: Path) -> list[str]:
    """The runnable python blocks of a page, in order."""
    return [
        m.group("code") for m in _BLOCK.finditer(page.read_text()) if not m.group("marker")
    ]


PAGES_WITH_CODE = [page for page in PAGES if python_blocks(page)]


def test_the_docs_have_runnable_examples() -> None:
    assert any(page.name == "README.md" for page in PAGES_WITH_CODE)
    assert len(PAGES_WITH_CODE) >= 2


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: p.name)
def test_every_example_of_the_page_runs(page: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    try:
        for number, code in enumerate(python_blocks(page), start=1):
            try:
                exec(compile(code, f"{page.name}[block {number}]", "exec"), namespace)
            except Exception as exc:  # report which block of which page broke
                raise AssertionError(f"{page.name} block {number} failed: {exc!r}") from exc
    finally:
        client = namespace.get("client")
        close = getattr(client, "close", None)
        if callable(close):
            close()


def test_api_reference_is_generated_from_the_current_docstrings() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    assert spec is not None and spec.loader is not None
    gen_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_api)
    expected = gen_api.render()
    assert (ROOT / "docs" / "api.md").read_text() == expected, (
        "docs/api.md is stale: run `python docs/gen_api.py`."
    )
    for method in ("plan", "apply", "technologies", "update_technology_exogenous"):
        assert f"### `OriginFrames.{method}`" in expected
