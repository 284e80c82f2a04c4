"""What the plan layer needs from a client, as typed interfaces (no import of the client).

``build_plan``, ``apply_plan`` and the unit conversion read the scenario's current cells and
the inputs config, and send GraphQL through the client's transport. They depend on these
Protocols, not on :class:`~origin_frames.OriginFrames`, so the layers point one way
(client -> plan) and a stand-in reader (as in ``tests/test_apply_stub.py``) is a client as
far as the plan layer is concerned. ``OriginFrames`` satisfies both structurally; mypy
checks that where the client hands itself to the plan layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from ._transport import Transport


class Sender(Protocol):
    """Anything holding the transport that updates are sent through."""

    @property
    def transport(self) -> Transport:
        """The transport the plan's calls (and the stale check's log read) go through."""
        ...


class CurrentReader(Sender, Protocol):
    """The readers and config a plan is built and checked with."""

    def inputs_config(self) -> Mapping[str, Any]:
        """The ``getConfig`` object the validation rules are read from."""
        ...

    def technologies(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        technologies: Sequence[str] | None = None,
        *,
        sub_keys: bool = True,
    ) -> pd.DataFrame:
        """Supply technologies' cells (see ``OriginFrames.technologies``)."""
        ...

    def demand(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        domains: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Demand cells (see ``OriginFrames.demand``)."""
        ...

    def commodities(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        commodities: Sequence[str] | None = None,
        native_units: bool = False,
    ) -> pd.DataFrame:
        """Commodity price cells (see ``OriginFrames.commodities``)."""
        ...

    def interconnectors(
        self, scenario_id: str, regions: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Interconnector cells (see ``OriginFrames.interconnectors``)."""
        ...


class PlanClient(CurrentReader, Protocol):
    """A reader that can also apply a plan: what ``Plan.apply`` hands itself to."""

    def apply(self, plan: Any, **options: Any) -> Any:
        """Sends the plan's calls (see ``OriginFrames.apply``)."""
        ...
