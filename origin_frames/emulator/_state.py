"""All mutable state of one emulator instance, and the contract between its two services.

``ScenarioBackend`` (``scenario/models.py``) owns projects, scenarios, the launch
clock and output downloads. ``InputsBackend`` (``inputs/models.py``) owns inputs
sessions and their cells. They meet in three calls:

- ``ScenarioBackend.session_spec(scenario_id, tenant) -> SessionSpec | None``:
  the scenario behind a session id, or None when unknown or not visible to the tenant;
- ``InputsBackend.fork_session(new_id, base_id, tenant, keep_transforms)``:
  ``createScenario`` copies the base scenario's inputs (and transforms when asked);
- ``InputsBackend.drop_session(scenario_id)``: ``deleteScenario`` forgets the inputs.
"""

from __future__ import annotations

from ._options import EmulatorOptions
from .inputs.models import InputsBackend
from .scenario.models import ScenarioBackend


class EmulatorState:
    """The two backends of one emulator, wired to each other."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.scenarios = ScenarioBackend(options)
        self.inputs = InputsBackend(options, self.scenarios)
        self.scenarios.attach_inputs(self.inputs)
