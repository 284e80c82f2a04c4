"""Options of the embedded Origin emulator (one frozen dataclass, shared by every layer)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EmulatorOptions:
    """How an emulator instance behaves.

    Every failure mode is off by default and deterministic from ``seed``.

    Attributes:
        seed: Seed of the generated data and of the injected failures.
        scale: ``0`` serves the standard catalogue; ``N >= 1`` also publishes a
            pan-European scenario (region group ``eur``) of at least one million
            input cells, generated lazily.
        latency_ms: Added to every request, to model a wide-area network.
        fail_rate: Share of requests answered 502/503 or with the connection dropped,
            before they execute.
        fail_after_rate: Share of requests that execute (a mutation changes the state) and
            whose answer is then lost: the connection closes without a response.
        not_ready_s: A session loads its data for this long after its scenario is
            created or first opened: ``getSession`` answers at once with its data groups
            ``loading``, its data fields answer ``DataNotReady``.
        download_delay_s: Output downloads answer 425 for this long after first asked for.
        launch_step_s: Seconds a launched scenario spends in each of Queued and Running.
        tokens: When non-empty, the only accepted tokens (others get 401).
        readonly_tokens: Tokens that are accepted but get 403 on every mutation.
        cache_mb: Memory budget (MB) of generated inputs: cells and rendered answers.
            Past it the least recently used scenarios' generated data is dropped and
            generated again on their next read (scenario copies keep their transforms).
        state_path: An SQLite file that keeps projects, scenario copies and their
            transforms across restarts (``serve --state PATH``); None keeps them in memory.
            Owners are kept as SHA-256 digests of their tokens, never the tokens.
        echo_token: Test-only: every error message (GraphQL ``errors``, REST 4xx/5xx
            bodies, injected 502/503 pages) echoes the caller's token, plainly, JSON-escaped
            and URL-quoted, so tests can prove the client never lets it through.
    """

    seed: int = 0
    scale: int = 0
    latency_ms: float = 0.0
    fail_rate: float = 0.0
    fail_after_rate: float = 0.0
    not_ready_s: float = 0.0
    download_delay_s: float = 0.0
    launch_step_s: float = 1.0
    tokens: frozenset[str] = field(default_factory=frozenset)
    readonly_tokens: frozenset[str] = field(default_factory=frozenset)
    cache_mb: float = 512.0
    state_path: str | None = None
    echo_token: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate < 1.0:
            raise ValueError("fail_rate must be in [0, 1): give the share of failed requests.")
        if not 0.0 <= self.fail_after_rate < 1.0:
            raise ValueError(
                "fail_after_rate must be in [0, 1): give the share of lost answers."
            )
        for name in ("latency_ms", "not_ready_s", "download_delay_s", "launch_step_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative.")
        if self.cache_mb <= 0:
            raise ValueError("cache_mb must be positive: give the budget in MB (default 512).")
        if self.scale < 0:
            raise ValueError("scale must be 0 (standard catalogue) or a positive integer.")
        # Accept any iterable for the token sets while keeping the dataclass hashable.
        object.__setattr__(self, "tokens", frozenset(self.tokens))
        object.__setattr__(self, "readonly_tokens", frozenset(self.readonly_tokens))
