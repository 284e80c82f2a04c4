"""An Origin-compatible emulator: both services of the Origin API in one local process.

It imports nothing from the client side of ``origin_frames``: it is an
independent stand-in that the official ``auroraer-origin-sdk`` drives unchanged.

Example:
    >>> from origin_frames.emulator import Emulator
    >>> with Emulator() as emu:
    ...     print(emu.scenario_base_url, emu.inputs_base_url)
    http://127.0.0.1:.../scenarioExplr http://127.0.0.1:.../modelInputs
"""

from __future__ import annotations

from ._options import EmulatorOptions
from .server import Emulator

__all__ = ["Emulator", "EmulatorOptions"]
