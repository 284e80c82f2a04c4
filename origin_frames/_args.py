"""Arguments of the public methods, checked before anything is sent.

The checks are read off each method's own signature: an annotation such as
``Sequence[str] | None`` names its checker in :data:`CHECKS`, so a method cannot drift
from what it validates. :func:`check_arguments` wraps every public method of a class (and
its constructor) this way; a wrong argument raises :class:`ArgumentError` naming the
method, the argument and the fix, and no request is made.

What ``plan`` is given (a frame, or a list of frames) is checked by
:func:`origin_frames._changes.change_frame`, in the plan layer.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._exceptions import ArgumentError
from ._exceptions import describe as _show

T = TypeVar("T")
Check = Callable[[str, Any], Any]

def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ArgumentError(f"{name} must be text, not {_show(name, value)}: pass a str.")
    if not value.strip():
        raise ArgumentError(f"{name} is empty: pass a non-empty str.")
    return value


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, str | bytes):
        raise ArgumentError(
            f"{name} must be a list of names, not the single {_show(name, value)}: "
            f"wrap it in a list, e.g. {name}=[{value!r}]."
        )
    if isinstance(value, Mapping | pd.DataFrame) or not isinstance(value, Iterable):
        raise ArgumentError(
            f"{name} must be a list of names (str), not {_show(name, value)}: "
            f"pass e.g. {name}=['gbr'], or None for all."
        )
    items = list(value)
    if isinstance(value, set | frozenset) and all(isinstance(i, str) for i in items):
        items.sort()  # a set has no order: read in a reproducible one
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise ArgumentError(
                f"{name}[{i}] is {_show(name, item)}: give every entry of {name} as a "
                "non-empty str."
            )
    return items


def _text_or_names(name: str, value: Any) -> str | list[str]:
    return _text(name, value) if isinstance(value, str) else _names(name, value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ArgumentError(
            f"{name} must be True or False, not {_show(name, value)}: pass a bool (no other "
            "value is taken as a flag)."
        )
    return bool(value)


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ArgumentError(f"{name} must be an int, not {_show(name, value)}: pass e.g. 4.")
    return int(value)


def _integers(name: str, value: Any) -> int | list[int]:
    """An int, or a list (tuple, range, array) of ints, e.g. years."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return _integer(name, value)
    items = [_integer(f"{name}[{i}]", v) for i, v in enumerate(value)]
    if not items:
        raise ArgumentError(f"{name} is an empty list: pass at least one, e.g. [2030].")
    return items


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise ArgumentError(
            f"{name} must be a number of seconds, not {_show(name, value)}: pass e.g. 30."
        )
    if not np.isfinite(float(value)) or np.iscomplexobj(value):
        raise ArgumentError(
            f"{name} must be a finite number, not {_show(name, value)}: pass e.g. 30."
        )
    return float(value)


def _timeout(name: str, value: Any) -> float | tuple[float, float]:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ArgumentError(
                f"{name} must be seconds or a (connect, read) pair, not {_show(name, value)}: "
                "pass e.g. 30 or (5, 60)."
            )
        return (_number(name, value[0]), _number(name, value[1]))
    return _number(name, value)


def _path(name: str, value: Any) -> Any:
    if not isinstance(value, str | os.PathLike):
        raise ArgumentError(
            f"{name} must be a path, not {_show(name, value)}: pass a str or pathlib.Path."
        )
    return value


def _mapping(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ArgumentError(
            f"{name} must be a dict, not {_show(name, value)}: pass e.g. {{'name': ...}}."
        )
    return value


def _mapping_or_frame(name: str, value: Any) -> Any:
    return value if isinstance(value, pd.DataFrame) else _mapping(name, value)


def _frame(name: str, value: Any) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise ArgumentError(
            f"{name} must be a pandas DataFrame, not {_show(name, value)}: pass a frame a "
            "getter returned (or None)."
        )
    return value


def _transforms(name: str, value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value
    example = "[{'year': 2030, 'transform': {'type': 'Absolute', 'value': 1.0}}]"
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ArgumentError(
            f"{name} must be a list of transforms or a frame, not {_show(name, value)}: "
            f"pass e.g. {example}."
        )
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ArgumentError(
                f"{name}[{i}] is {_show(name, item)}: give every transform as a dict like "
                f"{example[1:-1]}."
            )
    return items


def _plan(name: str, value: Any) -> Any:
    from ._plan import Plan  # the plan layer loads only when used

    if not isinstance(value, Plan):
        raise ArgumentError(
            f"{name} must be a Plan, not {_show(name, value)}: make one with "
            "client.plan(scenario_id, edited_frame)."
        )
    return value


def _optional(check: Check) -> Check:
    """The same check, with None allowed."""

    def optional(name: str, value: Any) -> Any:
        return None if value is None else check(name, value)

    return optional


#: Annotation text -> checker. Parameters with other annotations are left to the method.
CHECKS: dict[str, Check] = {
    "str": _text,
    "str | None": _optional(_text),
    "Sequence[str]": _names,
    "Sequence[str] | None": _optional(_names),
    "Iterable[str] | None": _optional(_names),
    "str | Sequence[str]": _text_or_names,
    "bool": _flag,
    "bool | None": _optional(_flag),
    "int | None": _optional(_integer),
    "int | Sequence[int] | None": _optional(_integers),
    "float | None": _optional(_number),
    "float | tuple[float, float] | None": _optional(_timeout),
    "str | Path | None": _optional(_path),
    "Mapping[str, Any]": _mapping,
    "Mapping[str, Any] | None": _optional(_mapping),
    "Mapping[str, Any] | pd.DataFrame": _mapping_or_frame,
    "pd.DataFrame | None": _optional(_frame),
    "Transforms": _transforms,
    "Plan": _plan,
}
#: Annotations deliberately checked elsewhere (``plan``'s changes: :func:`change_frame`).
UNCHECKED: frozenset[str] = frozenset(
    {"pd.DataFrame | Sequence[pd.DataFrame]", "Any", "str | int"}
)


def checked(fn: Callable[..., T], owner: str = "") -> Callable[..., T]:
    """Wraps ``fn`` so its arguments are checked by their annotations (see :data:`CHECKS`).

    Args:
        fn: A function or method whose annotations are strings (``from __future__ import
            annotations``).
        owner: Prefix of the name in messages (``"OriginFrames."``).

    Returns:
        The wrapper (``fn`` itself when no parameter has a checked annotation).

    Example:
        >>> checked(lambda regions: regions)(("gbr",))
        ('gbr',)
    """
    signature = inspect.signature(fn)
    plan = [(name, CHECKS[str(p.annotation)]) for name, p in signature.parameters.items()
            if str(p.annotation) in CHECKS]  # fmt: skip
    if not plan:
        return fn
    label = f"{owner}{fn.__name__}"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ArgumentError(
                f"{label}(): {exc}; pass the arguments help({label}) lists."
            ) from None
        for name, check in plan:
            if name in bound.arguments:
                try:
                    bound.arguments[name] = check(name, bound.arguments[name])
                except ArgumentError as exc:
                    raise ArgumentError(f"{label}(): {exc}") from None
        return fn(*bound.args, **bound.kwargs)

    return wrapper


def check_arguments(cls: type[T]) -> type[T]:
    """Class decorator: every public method (and ``__init__``) checks its arguments.

    Methods inherited from mixins are wrapped on ``cls`` itself. Class methods are wrapped
    inside; properties and private methods are left alone.

    Args:
        cls: The class.

    Returns:
        The same class.

    Example:
        >>> @check_arguments
        ... class C:
        ...     def f(self, regions: Sequence[str] | None = None) -> None: ...
    """
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, classmethod):
            setattr(cls, name, classmethod(checked(attr.__func__, f"{cls.__name__}.")))
        elif inspect.isfunction(attr) and attr.__module__.startswith("origin_frames"):
            setattr(cls, name, checked(attr, f"{cls.__name__}."))
    return cls
