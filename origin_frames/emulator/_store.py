"""Kept emulator state: projects, scenario copies and their transforms in one SQLite file.

``origin-frames serve --state PATH`` keeps what users made (projects, tenanted
scenarios, every transformed cell, transforms logs, commodity rebases) so that a
restart loses nothing; published data is a function of the options and is generated
again. Owners are stored as the SHA-256 digests the server already uses as tenants
(:func:`~._protocol.tenant_of`), never as tokens. The file remembers the seed and
scale it was made with and refuses others (their ids and cells would not match).

The store writes after every mutation (one transaction) and is safe to call from
the server's threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ._options import EmulatorOptions
from ._state import EmulatorState

_SCHEMA_VERSION = "1"
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS projects (project_id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS scenarios (scenario_id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions (scenario_id TEXT PRIMARY KEY, body TEXT NOT NULL)",
)


class StateStore:
    """The SQLite file behind ``serve --state``.

    Args:
        path: The database file (created with its directory when missing).
        options: The emulator's options; ``seed`` and ``scale`` must match the file's.

    Raises:
        ValueError: The file was made with another seed or scale, or is not a state file.

    Example:
        >>> state = EmulatorState(EmulatorOptions())
        >>> _ = state.scenarios.create_project("a-tenant", {"name": "kept"})
        >>> store = StateStore("state.db", EmulatorOptions())
        >>> store.save(state)
        >>> fresh = EmulatorState(EmulatorOptions())
        >>> store.load(fresh)
        >>> [p["name"] for p in fresh.scenarios.list_projects("a-tenant")]
        ['kept']
        >>> store.close()
    """

    def __init__(self, path: str | Path, options: EmulatorOptions) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            with self._db:
                for statement in _TABLES:
                    self._db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise ValueError(
                f"{self.path} is not an emulator state file ({exc}): give --state a new path."
            ) from exc
        self._check_meta(options)

    def _check_meta(self, options: EmulatorOptions) -> None:
        """Records seed and scale in a new file; refuses a file made with others."""
        wanted = {"schema": _SCHEMA_VERSION, "seed": str(options.seed), "scale": str(options.scale)}
        with self._lock, self._db:
            found = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if not found:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", wanted.items())
                return
        if found != wanted:
            made = f"--seed {found.get('seed')} --scale {found.get('scale')}"
            raise ValueError(
                f"{self.path} was made with {made} (schema {found.get('schema')}): serve it with "
                "those options, or give --state another path."
            )

    def load(self, state: EmulatorState) -> None:
        """Puts the kept projects, scenarios and their inputs into a fresh state."""
        with self._lock:
            projects = [json.loads(b) for (b,) in self._db.execute("SELECT body FROM projects")]
            scenarios = [json.loads(b) for (b,) in self._db.execute("SELECT body FROM scenarios")]
            sessions = self._db.execute("SELECT scenario_id, body FROM sessions").fetchall()
        state.scenarios.restore_records({"projects": projects, "scenarios": scenarios})
        owners = {s["scenario_id"]: s["tenant"] for s in scenarios}
        for scenario_id, body in sessions:
            if scenario_id in owners:
                state.inputs.restore_session(scenario_id, owners[scenario_id], json.loads(body))
        state.inputs.take_changed()  # what was just loaded is already kept

    def save(self, state: EmulatorState) -> None:
        """Writes projects, scenarios and every session changed since the last save."""
        with self._lock:
            # Snapshots are taken inside the store's lock: a later save never writes older state.
            records = state.scenarios.kept_records()
            sessions = state.inputs.take_changed()
            with self._db:
                self._db.execute("DELETE FROM projects")
                self._db.executemany(
                    "INSERT INTO projects VALUES (?, ?, ?)",
                    [(p["project_id"], p["tenant"], _dumps(p)) for p in records["projects"]],
                )
                self._db.execute("DELETE FROM scenarios")
                self._db.executemany(
                    "INSERT INTO scenarios VALUES (?, ?, ?)",
                    [(s["scenario_id"], s["tenant"], _dumps(s)) for s in records["scenarios"]],
                )
                for scenario_id, kept in sessions.items():
                    if kept is None:
                        self._db.execute(
                            "DELETE FROM sessions WHERE scenario_id = ?", (scenario_id,)
                        )
                    else:
                        self._db.execute(
                            "INSERT OR REPLACE INTO sessions VALUES (?, ?)",
                            (scenario_id, _dumps(kept)),
                        )

    def clear(self) -> None:
        """Forgets everything kept (``POST /_emulator/reset``)."""
        with self._lock, self._db:
            for table in ("projects", "scenarios", "sessions"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()


def _dumps(value: Any) -> str:
    """Compact JSON (NaN never occurs: transforms hold finite values)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False)
