"""The memory budget of generated inputs: a least-recently-used order over sessions, in bytes.

Published data is a pure function of the seed, the region group, the case and the
vintage, and a scenario copy's data is its base's originals plus its own transforms:
so any session's generated cells and rendered answers can be dropped and generated
again. The budget counts what sessions hold (:meth:`Held.held_bytes`) and, past its
limit, drops the least recently used sessions' generated data (:meth:`Held.drop_generated`;
copies keep their transforms as sparse arrays). The session used last is never dropped,
so one scenario bigger than the whole budget still reads.

Not thread-safe on its own: the inputs backend calls it under its lock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

MB = 1024 * 1024


class Held(Protocol):
    """What the budget needs of a session."""

    scenario_id: str

    def held_bytes(self) -> int:
        """Bytes of generated cells and rendered answers the session holds."""
        ...

    def drop_generated(self) -> None:
        """Forgets generated cells and rendered answers (transforms are kept)."""
        ...


@dataclass(frozen=True)
class BudgetStats:
    """What the budget holds and has done (``GET /_emulator/health`` shows it)."""

    budget_mb: float
    held_mb: float
    sessions_held: int
    evictions: int

    def as_dict(self) -> dict[str, float | int]:
        """The stats as a JSON-ready dict."""
        return {
            "budget_mb": self.budget_mb,
            "held_mb": round(self.held_mb, 1),
            "sessions_held": self.sessions_held,
            "evictions": self.evictions,
        }


class Budget:
    """Sessions in least-recently-used order, trimmed to a byte budget.

    Args:
        budget_mb: The limit in MB (``EmulatorOptions.cache_mb``).

    Example:
        >>> budget = Budget(512)
        >>> budget.stats().sessions_held
        0
    """

    def __init__(self, budget_mb: float) -> None:
        self.budget_mb = budget_mb
        self._limit = int(budget_mb * MB)
        self._order: OrderedDict[str, Held] = OrderedDict()
        self._evictions = 0

    def touch(self, session: Held) -> None:
        """Marks a session as used now (it is the last to be dropped)."""
        self._order[session.scenario_id] = session
        self._order.move_to_end(session.scenario_id)

    def forget(self, scenario_id: str) -> None:
        """Stops tracking a deleted session."""
        self._order.pop(scenario_id, None)

    def held_bytes(self) -> int:
        """Bytes held by every tracked session."""
        return sum(s.held_bytes() for s in self._order.values())

    def enforce(self) -> int:
        """Drops least recently used sessions' data until under budget; returns how many.

        The most recently used session is kept whatever its size.
        """
        sizes = {sid: s.held_bytes() for sid, s in self._order.items()}
        total = sum(sizes.values())
        dropped = 0
        for sid in list(self._order)[:-1]:
            if total <= self._limit:
                break
            session = self._order.pop(sid)
            if sizes[sid]:
                session.drop_generated()
                total -= sizes[sid]
                dropped += 1
        self._evictions += dropped
        return dropped

    def stats(self) -> BudgetStats:
        """What is held now, and how many sessions were dropped so far."""
        return BudgetStats(
            budget_mb=self.budget_mb,
            held_mb=self.held_bytes() / MB,
            sessions_held=sum(1 for s in self._order.values() if s.held_bytes()),
            evictions=self._evictions,
        )
