"""origin_frames: tidy, validated pandas frames over Aurora's Origin API, and an emulator."""

from __future__ import annotations

from .emulator import Emulator, EmulatorOptions

__all__ = ["Emulator", "EmulatorOptions"]
__version__ = "0.1.0"
