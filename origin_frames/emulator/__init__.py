"""An Origin-compatible emulator: both services of the Origin API in one local process.

It imports nothing from the client side of ``origin_frames``: it is an
independent stand-in that the official ``auroraer-origin-sdk`` drives unchanged.

Example:
    >>> from origin_frames.emulator import Emulator
    >>> with Emulator() as emu:  # doctest: +SKIP
    ...     print(emu.scenario_base_url, emu.inputs_base_url)
"""

from __future__ import annotations

from ._options import EmulatorOptions
from .server import Emulator

__all__ = ["Emulator", "EmulatorOptions"]
