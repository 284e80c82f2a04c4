"""Inputs service state. PLACEHOLDER being replaced by the inputs-service work."""

from __future__ import annotations

from typing import Any

from .._options import EmulatorOptions


class InputsBackend:
    def __init__(self, options: EmulatorOptions, scenarios: Any) -> None:
        self.options = options
        self.scenarios = scenarios

    def fork_session(self, new_id: str, base_id: str, tenant: str, keep_transforms: bool) -> None:
        pass

    def drop_session(self, scenario_id: str) -> None:
        pass
