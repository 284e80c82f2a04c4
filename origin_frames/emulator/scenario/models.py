"""Scenario service state. PLACEHOLDER being replaced by the scenario-service work."""

from __future__ import annotations

from typing import Any

from .._options import EmulatorOptions
from ..catalogue import SessionSpec


class ScenarioBackend:
    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.inputs: Any = None

    def attach_inputs(self, inputs: Any) -> None:
        self.inputs = inputs

    def session_spec(self, scenario_id: str, tenant: str) -> SessionSpec | None:
        return None
