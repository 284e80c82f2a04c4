"""Progress bars: whether to draw them, and the bar of one polling wait of the transport.

tqdm loads only when a bar is drawn; the bulk readers' request bars are in
:func:`._reads.iter_run`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = ["show_progress", "wait_bar"]


def show_progress(progress: bool | None) -> bool:
    """Whether to draw progress bars: as asked, else only when stderr is a terminal.

    Args:
        progress: The client's ``progress`` option (None = only on a TTY).

    Returns:
        True to draw bars.

    Example:
        >>> show_progress(False)
        False
    """
    if progress is not None:
        return progress
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def wait_bar(what: str, total_s: float, show: bool) -> Callable[[float | None], None]:
    """A tqdm bar (seconds waited of the deadline) for one polling wait of the transport.

    Args:
        what: What is being waited for (the bar's label).
        total_s: The wait's deadline in seconds.
        show: Draw the bar; False returns a callback that draws nothing.

    Returns:
        A callback taking the seconds waited so far, or None when the wait ends (which
        closes the bar).

    Example:
        >>> wait_bar("session", 60.0, show=False)(None)
    """
    if not show:
        return lambda _elapsed: None
    from tqdm.auto import tqdm

    # One bar per wait, updated only by the waiting thread; tqdm places concurrent bars.
    bar = tqdm(total=total_s, desc=f"waiting: {what}", leave=False,
               bar_format="{desc} {bar} {n:.0f}/{total:.0f} s")  # fmt: skip

    def update(elapsed: float | None) -> None:
        if elapsed is None:
            bar.close()
        else:
            bar.update(min(elapsed, total_s) - bar.n)

    return update
