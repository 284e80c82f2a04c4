"""Client settings: token and base-URL resolution like the official client, plus tuning knobs.

Resolution order (first hit wins), the same as ``auroraer-origin-sdk``:

- token: argument; env ``AURORA_API_KEY``; first line of ``~/.aurora-api-key``;
- scenario / inputs base URL: argument; the ``endpoint`` argument, then env
  ``ORIGIN_FRAMES_ENDPOINT`` (one root URL, both services under it: a running
  ``origin-frames serve``); env ``AURORA_ORIGIN_SCENARIO_API_BASE_URL`` /
  ``AURORA_ORIGIN_INPUTS_API_BASE_URL``; the production endpoints.

The token is held in a :class:`Secret` whose repr, str and pickle never show it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._exceptions import ConfigurationError

__all__ = [
    "ENDPOINT_ENV",
    "INPUTS_URL_ENV",
    "PRODUCTION_INPUTS_URL",
    "PRODUCTION_SCENARIO_URL",
    "SCENARIO_URL_ENV",
    "Secret",
    "Settings",
    "TOKEN_ENV",
    "TOKEN_FILE_NAME",
]

TOKEN_ENV = "AURORA_API_KEY"
TOKEN_FILE_NAME = ".aurora-api-key"
SCENARIO_URL_ENV = "AURORA_ORIGIN_SCENARIO_API_BASE_URL"
INPUTS_URL_ENV = "AURORA_ORIGIN_INPUTS_API_BASE_URL"
ENDPOINT_ENV = "ORIGIN_FRAMES_ENDPOINT"
#: Where each service lives below an endpoint (the production layout, and the emulator's).
SCENARIO_PATH = "/scenarioExplr"
INPUTS_PATH = "/modelInputs"
PRODUCTION_SCENARIO_URL = "https://api.auroraer.com/scenarioExplr"
PRODUCTION_INPUTS_URL = "https://api.auroraer.com/modelInputs"


class Secret:
    """A string that never shows itself: repr/str are masked and it refuses to be pickled.

    Example:
        >>> s = Secret("abc")
        >>> str(s), s.reveal()
        ('Secret(****)', 'abc')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Returns the secret value (only the transport's headers should need it).

        Returns:
            The wrapped string.

        Example:
            >>> Secret("abc").reveal()
            'abc'
        """
        return self._value

    def __repr__(self) -> str:
        return "Secret(****)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled settings object must not carry the token: it unpickles as an
        # empty secret, and the client re-resolves the token where it is loaded.
        return (Secret, ("",))


def _resolve_token(token: str | None) -> Secret:
    """Token from the argument, then the environment, then ``~/.aurora-api-key``."""
    if token is not None:
        if not token.strip():
            raise ConfigurationError("The token argument is empty: pass your Origin API token.")
        return Secret(token.strip())
    env = os.environ.get(TOKEN_ENV)
    # A blank variable (``export AURORA_API_KEY=" "``) counts as unset, not as a key.
    if env and env.strip():
        return Secret(env.strip())
    path = Path.home() / TOKEN_FILE_NAME
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            first = handle.readline().strip()
        if not first:
            raise ConfigurationError(
                f"The token file {path} is empty: put your Origin API token on its first line."
            )
        return Secret(first)
    blank = f" ({TOKEN_ENV} is set but blank.)" if env is not None else ""
    raise ConfigurationError(
        f"No Origin API token found.{blank} Pass token=..., set the environment variable "
        f"{TOKEN_ENV}, or write the token on the first line of {path}."
    )


def _endpoint_urls(
    endpoint: str | None, scenario_base_url: str | None, inputs_base_url: str | None
) -> tuple[str | None, str | None]:
    """Both base URLs derived from an endpoint (argument, else env), unless given."""
    if endpoint is not None and (scenario_base_url is not None or inputs_base_url is not None):
        raise ConfigurationError(
            "Give endpoint or the two base URLs, not both: endpoint derives "
            f"<endpoint>{SCENARIO_PATH} and <endpoint>{INPUTS_PATH}."
        )
    if endpoint is None:
        endpoint = os.environ.get(ENDPOINT_ENV) or None
    if endpoint is None:
        return scenario_base_url, inputs_base_url
    root = _resolve_url(endpoint, ENDPOINT_ENV, "http://127.0.0.1:8765", "endpoint")
    return (
        scenario_base_url if scenario_base_url is not None else root + SCENARIO_PATH,
        inputs_base_url if inputs_base_url is not None else root + INPUTS_PATH,
    )


def _resolve_url(value: str | None, env_name: str, default: str, what: str) -> str:
    """Base URL from the argument, then the environment, then the production default."""
    url = value if value is not None else os.environ.get(env_name) or default
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"The {what} base URL {url!r} is not an http(s) URL: pass something like "
            f"{default!r} (argument or env {env_name})."
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Settings:
    """Everything the transport needs: where, who, and how patiently.

    Attributes:
        token: The API token, wrapped so it never prints.
        scenario_base_url: Scenario service base URL (no trailing slash).
        inputs_base_url: Inputs service base URL (no trailing slash).
        connect_timeout: Seconds to wait for a TCP connection.
        read_timeout: Seconds to wait for the whole answer once connected: a wall-clock
            bound on headers and body together, not only on the gap between bytes.
        max_retries: Retries after the first attempt on transient failures.
        backoff_base: First backoff in seconds; doubles per retry, with jitter.
        not_ready_deadline_s: How long to keep polling a DataNotReady session (or a 425).
        batch_size: Most views aliased into one GraphQL document; a bulk read is spread
            over ``concurrency`` requests up to this size, so it goes out in one wave.
        concurrency: Requests in flight at once (also the connection pool size).
    """

    token: Secret = field(repr=False)
    scenario_base_url: str = PRODUCTION_SCENARIO_URL
    inputs_base_url: str = PRODUCTION_INPUTS_URL
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_retries: int = 4
    backoff_base: float = 0.25
    not_ready_deadline_s: float = 300.0
    batch_size: int = 50
    concurrency: int = 4

    def __post_init__(self) -> None:
        problems = []
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            problems.append("timeouts must be positive numbers of seconds")
        if self.max_retries < 0:
            problems.append("max_retries must be 0 or more")
        if self.backoff_base < 0:
            problems.append("backoff_base must not be negative")
        if self.not_ready_deadline_s < 0:
            problems.append("not_ready_deadline_s must not be negative")
        if self.batch_size < 1:
            problems.append("batch_size must be at least 1")
        if self.concurrency < 1:
            problems.append("concurrency must be at least 1")
        if problems:
            raise ConfigurationError(
                "Invalid client settings: " + "; ".join(problems) + ". Pass values in these "
                "ranges (e.g. timeout=30, max_retries=4, batch_size=50, concurrency=4)."
            )

    @classmethod
    def resolve(
        cls,
        token: str | None = None,
        scenario_base_url: str | None = None,
        inputs_base_url: str | None = None,
        *,
        endpoint: str | None = None,
        **options: Any,
    ) -> Settings:
        """Builds settings the way the official client resolves them.

        Args:
            token: API token; else env ``AURORA_API_KEY``; else ``~/.aurora-api-key``.
            scenario_base_url: Else derived from the endpoint; else env
                ``AURORA_ORIGIN_SCENARIO_API_BASE_URL``; else production.
            inputs_base_url: Else derived from the endpoint; else env
                ``AURORA_ORIGIN_INPUTS_API_BASE_URL``; else production.
            endpoint: One root URL for both services (``http://127.0.0.1:8765`` for
                ``origin-frames serve``): ``<endpoint>/scenarioExplr`` and
                ``<endpoint>/modelInputs``; else env ``ORIGIN_FRAMES_ENDPOINT``.
            **options: Any other :class:`Settings` field (``read_timeout=5`` ...).

        Returns:
            The resolved, validated settings.

        Raises:
            ConfigurationError: No token anywhere, a malformed URL, endpoint together with
                base URLs, or a bad option value.

        Example:
            >>> Settings.resolve(token="t", scenario_base_url="http://localhost:1/s").max_retries
            4
            >>> Settings.resolve(token="t", endpoint="http://127.0.0.1:8765").inputs_base_url
            'http://127.0.0.1:8765/modelInputs'
        """
        unknown = sorted(set(options) - _OPTION_NAMES)
        if unknown:
            raise ConfigurationError(
                f"Unknown settings {unknown}: use any of {sorted(_OPTION_NAMES)}."
            )
        scenario_base_url, inputs_base_url = _endpoint_urls(
            endpoint, scenario_base_url, inputs_base_url
        )
        return cls(
            token=_resolve_token(token),
            scenario_base_url=_resolve_url(
                scenario_base_url, SCENARIO_URL_ENV, PRODUCTION_SCENARIO_URL, "scenario"
            ),
            inputs_base_url=_resolve_url(
                inputs_base_url, INPUTS_URL_ENV, PRODUCTION_INPUTS_URL, "inputs"
            ),
            **options,
        )

    def graphql_url(self, service: str) -> str:
        """The GraphQL endpoint of ``service`` (``"scenario"`` or ``"inputs"``).

        Args:
            service: ``"scenario"`` or ``"inputs"``.

        Returns:
            ``{base}/v1/graphql``.

        Raises:
            ConfigurationError: For any other service name.

        Example:
            >>> settings = Settings.resolve(token="t", endpoint="http://127.0.0.1:8765")
            >>> settings.graphql_url("inputs")
            'http://127.0.0.1:8765/modelInputs/v1/graphql'
        """
        if service == "scenario":
            return f"{self.scenario_base_url}/v1/graphql"
        if service == "inputs":
            return f"{self.inputs_base_url}/v1/graphql"
        raise ConfigurationError(f"Unknown service {service!r}: use 'scenario' or 'inputs'.")


_OPTION_NAMES = frozenset(
    {
        "connect_timeout",
        "read_timeout",
        "max_retries",
        "backoff_base",
        "not_ready_deadline_s",
        "batch_size",
        "concurrency",
    }
)
