"""Writes docs/api.md, the API reference, from the package's docstrings and signatures.

Run ``python docs/gen_api.py`` after changing a public docstring; the test suite
fails while docs/api.md differs from what this script produces.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = HERE / "api.md"


def _summary(obj: Any) -> str:
    """The docstring up to its first ``Args:``/``Example:`` section."""
    doc = inspect.getdoc(obj) or ""
    kept = []
    for line in doc.splitlines():
        if line.rstrip(":") in {"Args", "Arguments", "Returns", "Raises", "Example", "Examples",
                                "Attributes"} and line.endswith(":"):  # fmt: skip
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _sections(obj: Any) -> str:
    """The docstring's Args/Returns/Raises/Example sections, as written."""
    doc = inspect.getdoc(obj) or ""
    lines = doc.splitlines()
    for number, line in enumerate(lines):
        if line.strip() in {"Args:", "Returns:", "Raises:", "Example:", "Attributes:"}:
            return "\n".join(lines[number:]).strip()
    return ""


class _Raw(str):
    """An annotation string shown without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _signature(name: str, obj: Any) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    params = [
        p.replace(annotation=_Raw(p.annotation)) if isinstance(p.annotation, str) else p
        for p in sig.parameters.values()
    ]
    ret = sig.return_annotation
    ret = _Raw(ret) if isinstance(ret, str) else ret
    sig = sig.replace(parameters=params, return_annotation=ret)
    return f"{name}{sig}"


def _entry(title: str, obj: Any, level: str = "###") -> list[str]:
    # "py" fences: signatures are shown, not run by the docs test (which runs "python").
    out = [f"{level} `{title}`", "", "```py", _signature(title, obj), "```", ""]
    summary = _summary(obj)
    if summary:
        out += [summary, ""]
    sections = _sections(obj)
    if sections:
        out += ["```text", sections, "```", ""]
    return out


def _public_methods(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, member)
        for name, member in sorted(vars(cls).items())
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member,
                                                                               classmethod))
    ]  # fmt: skip


def render() -> str:
    """The whole reference page."""
    sys.path.insert(0, str(HERE.parent))
    import origin_frames as of
    from origin_frames import schemas

    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/gen_api.py`; do not edit by hand.",
        "Everything here is importable from `origin_frames` (schemas from",
        "`origin_frames.schemas`, the emulator from `origin_frames.emulator`).",
        "",
        "## OriginFrames",
        "",
        _summary(of.OriginFrames),
        "",
    ]
    # check_arguments puts every public method, the mixed-in ones too, on the class itself.
    methods = dict(_public_methods(of.OriginFrames))
    for name in sorted(methods):
        member = methods[name]
        func = member.__func__ if isinstance(member, classmethod) else member
        lines += _entry(f"OriginFrames.{name}", func)
    lines += ["## Plans and results", ""]
    for cls in (of.Plan, of.ApplyResult):
        lines += _entry(cls.__name__, cls)
        for name, member in _public_methods(cls):
            func = member.__func__ if isinstance(member, classmethod) else member
            lines += _entry(f"{cls.__name__}.{name}", func, level="####")
    lines += ["## Functions", ""]
    for name in sorted(n for n in of.__all__ if inspect.isfunction(getattr(of, n))):
        lines += _entry(name, getattr(of, name))
    lines += ["## Schemas (`origin_frames.schemas`)", ""]
    for name in schemas.__all__:
        lines += _entry(f"schemas.{name}", getattr(schemas, name))
    lines += ["## Emulator", ""]
    lines += _entry("Emulator", of.Emulator)
    lines += _entry("EmulatorOptions", of.EmulatorOptions)
    lines += ["## Errors", "", "```text", inspect.getdoc(sys.modules["origin_frames._exceptions"])
              or "", "```", ""]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET}")
