"""The emulator's request log: what reached the wire, mutations in particular.

Tests prove "nothing was sent" by counting here, on the server side, instead of trusting
the client's own counters. Every request is counted; each GraphQL mutation is kept as a
small record (never the token: the tenant is kept as a short hash). The record list is
bounded, the counters are not.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from . import _gql
from ._protocol import Service

_MAX_RECORDS = 100_000
# A document that does not parse may still be a mutation on the wire.
_MUTATION_WORD = re.compile(r"(^|[\s}])mutation\b")


def tenant_hash(token: str | None) -> str:
    """A short, stable stand-in for a token (the log never holds the token itself)."""
    return hashlib.sha256((token or "").strip().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MutationRecord:
    """One GraphQL mutation request as it arrived (before auth and injected faults)."""

    seq: int
    service: str
    tenant: str
    document_bytes: int


class RequestLog:
    """Thread-safe counters of requests and a bounded list of mutation records."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self._mutations: deque[MutationRecord] = deque(maxlen=_MAX_RECORDS)
        self.mutation_count = 0

    def clear(self) -> None:
        """Forgets everything (the emulator was reset)."""
        with self._lock:
            self.requests = 0
            self.mutation_count = 0
            self._mutations.clear()

    def record(
        self, method: str, path: str, body: bytes, token: str | None, services: list[Service]
    ) -> None:
        """Counts one request; a GraphQL POST carrying a mutation is also kept."""
        service = next(
            (s for s in services if path.startswith(s.prefix + "/") and path.endswith("graphql")),
            None,
        )
        is_mutation = method == "POST" and service is not None and _is_mutation(service, body)
        with self._lock:
            self.requests += 1
            if is_mutation:
                assert service is not None
                self.mutation_count += 1
                self._mutations.append(
                    MutationRecord(self.requests, service.prefix.strip("/"),
                                   tenant_hash(token), len(body))
                )  # fmt: skip

    def mutations(self, token: str | None = None) -> list[MutationRecord]:
        """Kept mutation records, all or those sent with ``token``."""
        with self._lock:
            records = list(self._mutations)
        if token is None:
            return records
        wanted = tenant_hash(token)
        return [r for r in records if r.tenant == wanted]

    def summary(self) -> dict[str, Any]:
        """What ``GET /_emulator/requests`` answers."""
        with self._lock:
            return {
                "requests": self.requests,
                "mutations": self.mutation_count,
                "recent_mutations": [asdict(r) for r in list(self._mutations)[-50:]],
            }


def _is_mutation(service: Service, body: bytes) -> bool:
    """Whether a GraphQL POST body holds a mutation (also when it is not valid GraphQL)."""
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return bool(_MUTATION_WORD.search(body.decode("utf-8", "replace")))
    document = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(document, str):
        return False
    if _gql.is_mutation(service.schema, document):
        return True
    # is_mutation is definitive for documents that parse (the parse is cached); judge the
    # others by the word (a regex scan of the whole text costs more than the cache look-up).
    return not _gql.parses(service.schema, document) and bool(_MUTATION_WORD.search(document))
