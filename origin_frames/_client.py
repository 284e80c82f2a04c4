"""``OriginFrames``: the official client's methods by name, returning validated DataFrames.

The facade: lifecycle (``emulated``, ``close``, pickling), settings, transport and the
caches (inputs config, technology groupings, product list), over the concept modules it
is made of: the bulk readers (``_input_readers``), the official client's readers and
updaters (``_seed``), the scenario and project catalogues (``_catalogue``), read planning
and the concurrent runner (``_reads``), plan/apply (the plan layer, loaded on first use)
and scenario outputs (``_outputs``). Input domains follow the frame contract
(``_contract``, ``docs/architecture.md``); catalogues are indexed by their natural ids.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from . import _queries as q
from ._args import check_arguments
from ._catalogue import Catalogue
from ._config import Settings
from ._exceptions import NotFoundError
from ._progress import show_progress, wait_bar
from ._queries import CONFIG, DemandSelection, TechSelection
from ._reads import iter_run, run
from ._seed import SeedMethods
from ._transport import Service, Transport

if TYPE_CHECKING:
    from ._apply import ApplyResult
    from ._plan import Plan
    from .emulator import Emulator

__all__ = ["OriginFrames"]

T = TypeVar("T")
_GROUPINGS_CACHE_SIZE = 64


@check_arguments
class OriginFrames(SeedMethods, Catalogue):
    """A pandas-centric client of the Origin API.

    Args:
        token: API token; else env ``AURORA_API_KEY``; else ``~/.aurora-api-key``.
        scenario_base_url: Scenario service base URL (env / production default).
        inputs_base_url: Inputs service base URL (env / production default).
        timeout: Read timeout in seconds, or ``(connect, read)``.
        max_retries: Retries of transient failures per request.
        batch_size: Reads aliased into one GraphQL document by the bulk readers.
        concurrency: Requests in flight at once.
        progress: Show tqdm bars on multi-request work and while waiting for a loading
            session or a file being generated; None = only on a TTY.
        not_ready_deadline_s: How long to wait for a loading session or file.
        backoff_base: First retry backoff in seconds.
        cache_dir: Directory of the scenario-output Parquet cache (None = user cache dir).
        endpoint: One root URL for both services, e.g. a running ``origin-frames serve``
            (``http://127.0.0.1:8765``); else env ``ORIGIN_FRAMES_ENDPOINT``.

    Raises:
        ConfigurationError: No token found, a malformed URL or a bad option.
        ArgumentError: An argument of the wrong type (``timeout="abc"``); every public
            method checks its arguments the same way before sending anything.

    Example:
        >>> with OriginFrames.emulated(client_options={"progress": False}) as client:
        ...     scenarios = client.get_aurora_scenarios("gbr")
        ...     tech = client.get_technology(scenarios.index[0], "CCGT", region="gbr")
        >>> tech["domain"].unique().tolist()
        ['technology']
    """

    def __init__(
        self,
        token: str | None = None,
        scenario_base_url: str | None = None,
        inputs_base_url: str | None = None,
        *,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int | None = None,
        batch_size: int | None = None,
        concurrency: int | None = None,
        progress: bool | None = None,
        not_ready_deadline_s: float | None = None,
        backoff_base: float | None = None,
        cache_dir: str | Path | None = None,
        endpoint: str | None = None,
    ) -> None:
        options: dict[str, Any] = {}
        if timeout is not None:
            if isinstance(timeout, tuple):
                options["connect_timeout"], options["read_timeout"] = timeout
            else:
                options["connect_timeout"] = options["read_timeout"] = float(timeout)
        for name, value in (
            ("max_retries", max_retries),
            ("batch_size", batch_size),
            ("concurrency", concurrency),
            ("not_ready_deadline_s", not_ready_deadline_s),
            ("backoff_base", backoff_base),
        ):
            if value is not None:
                options[name] = value
        self._init_args: dict[str, Any] = {
            "scenario_base_url": scenario_base_url,
            "inputs_base_url": inputs_base_url,
            "timeout": timeout,
            "max_retries": max_retries,
            "batch_size": batch_size,
            "concurrency": concurrency,
            "progress": progress,
            "not_ready_deadline_s": not_ready_deadline_s,
            "backoff_base": backoff_base,
            "cache_dir": cache_dir,
            "endpoint": endpoint,
        }
        self.settings = Settings.resolve(
            token, scenario_base_url, inputs_base_url, endpoint=endpoint, **options
        )
        self.progress = progress
        self.transport = Transport(self.settings, on_wait=self._wait_bar)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()
        self._inputs_config: dict[str, Any] | None = None
        self._dash_config: dict[str, Any] | None = None
        self._groupings_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._emulator: Emulator | None = None

    # -- lifecycle ----------------------------------------------------------------------
    @classmethod
    def emulated(cls, *, client_options: Mapping[str, Any] | None = None, **emulator_options: Any
                 ) -> OriginFrames:  # fmt: skip
        """Starts an embedded Origin emulator and returns a client bound to it.

        Closing the client (or leaving its ``with`` block) stops the emulator.

        Args:
            client_options: Keyword arguments for the client (``timeout``, ``batch_size`` ...).
            **emulator_options: :class:`~origin_frames.EmulatorOptions` fields
                (``seed``, ``scale``, ``latency_ms``, ``fail_rate`` ...).

        Returns:
            A client with a generated token.

        Example:
            >>> with OriginFrames.emulated(latency_ms=5) as client:
            ...     client.get_projects().empty
            True
        """
        import dataclasses
        import inspect

        from .emulator import Emulator, EmulatorOptions  # lazily: only needed here

        known = {f.name for f in dataclasses.fields(EmulatorOptions)} | {"options", "host", "port"}
        client_names = set(inspect.signature(cls).parameters) - {"self"}
        misplaced = sorted(set(emulator_options) & (client_names - known))
        if misplaced:
            shown = ", ".join(f"{name!r}: ..." for name in misplaced)
            what = "is a client option" if len(misplaced) == 1 else "are client options"
            raise TypeError(
                f"{', '.join(misplaced)} {what}, not an EmulatorOptions field: pass "
                f"client_options={{{shown}}}."
            )
        emulator = Emulator(**emulator_options).start()
        try:
            client = cls(
                secrets.token_urlsafe(24),
                emulator.scenario_base_url,
                emulator.inputs_base_url,
                **dict(client_options or {}),
            )
        except BaseException:
            emulator.stop()
            raise
        client._emulator = emulator
        return client

    @property
    def emulator(self) -> Emulator | None:
        """The embedded emulator of a client made by :meth:`emulated`, else None."""
        return self._emulator

    def close(self) -> None:
        """Closes pooled connections and stops an embedded emulator."""
        self.transport.close()
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None

    def __enter__(self) -> OriginFrames:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        s = self.settings
        return f"OriginFrames(scenario={s.scenario_base_url!r}, inputs={s.inputs_base_url!r})"

    def __getstate__(self) -> dict[str, Any]:
        if self._emulator is not None:
            raise TypeError("A client bound to an embedded emulator cannot be pickled.")
        # Like the official client: the token is not pickled but re-resolved on load.
        return dict(self._init_args)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(None, **state)  # type: ignore[misc]

    # -- plumbing -----------------------------------------------------------------------
    def _gql(self, service: Service, document: str, variables: Mapping[str, Any] | None = None
             ) -> dict[str, Any]:  # fmt: skip
        """``data`` of one GraphQL request."""
        return self.transport.graphql(service, document, variables)

    def _session(self, scenario_id: str, document: str, variables: Mapping[str, Any],
                 decode: Callable[[bytes], dict[str, Any]] | None = None,
                 slot: AbstractContextManager[Any] | None = None) -> dict[str, Any]:  # fmt: skip
        """The ``getSession`` object of an inputs answer (NotFoundError when null); ``slot``
        is held around its HTTP exchange (see ``Transport.graphql``)."""
        data = self.transport.graphql("inputs", document, variables, decode=decode, slot=slot)
        session = data.get("getSession")
        if session is None:
            raise NotFoundError(
                f"No inputs session for scenario {scenario_id!r}: check the id with "
                "get_aurora_scenarios() or get_projects()."
            )
        return session

    def _show_progress(self) -> bool:
        """Whether to draw progress bars."""
        return show_progress(self.progress)

    def _wait_bar(self, what: str, total_s: float) -> Callable[[float | None], None]:
        """The progress bar of one polling wait of the transport (see ``_progress``)."""
        return wait_bar(what, total_s, self._show_progress())

    def _run(self, fn: Callable[[T], Any], items: Sequence[T], desc: str) -> list[Any]:
        """Runs ``fn`` over ``items`` with at most ``concurrency`` in flight, in order."""
        return run(fn, items, desc, concurrency=self.settings.concurrency,
                   progress=self._show_progress())  # fmt: skip

    def _iter_run(self, fn: Callable[[T], Any], items: Sequence[T], desc: str,
                  threads: int | None = None) -> Iterator[Any]:  # fmt: skip
        """Like ``_run``, but yields each result (in order) as soon as it is there; on
        ``threads`` threads (default ``concurrency``; more only where ``fn`` bounds its own
        requests in flight)."""
        return iter_run(fn, items, desc, concurrency=threads or self.settings.concurrency,
                        progress=self._show_progress())  # fmt: skip

    # -- caches ---------------------------------------------------------------------------
    def inputs_config(self) -> dict[str, Any]:
        """The inputs service's ``getConfig`` (fetched once, then cached).

        Returns:
            The ``getConfig`` object (technology parameters, demand variables, ...).

        Raises:
            OriginError: When the request fails.

        Example:
            >>> client.inputs_config()["technology"]["parameters"][0]["name"]
            'capacity'
        """
        # The lock guards the cache only: the request (with its retries) runs outside it, so
        # a slow service never blocks other threads' cache hits; racing first reads each
        # fetch, and the first answer stored is the one every caller gets.
        with self._lock:
            if self._inputs_config is not None:
                return self._inputs_config
        fetched = self._gql("inputs", CONFIG)["getConfig"]
        with self._lock:
            if self._inputs_config is None:
                self._inputs_config = fetched
            return self._inputs_config

    def _tech_selection(self) -> TechSelection:
        """Technology selection from the cached config."""
        return TechSelection.from_config(self.inputs_config())

    def _demand_selection(self) -> DemandSelection:
        """Demand selection from the cached config."""
        return DemandSelection.from_config(self.inputs_config())

    def _groupings(self, scenario_id: str) -> dict[str, Any]:
        """``getTechnologyGroupings`` JSON, cached per scenario (a scenario's keys never change)."""
        with self._lock:
            hit = self._groupings_cache.get(scenario_id)
            if hit is not None:
                self._groupings_cache.move_to_end(scenario_id)
                return hit
        session = self._session(scenario_id, q.TECHNOLOGY_NAMES, {"sessionId": scenario_id})
        groupings = session.get("getTechnologyGroupings") or {}
        with self._lock:
            self._groupings_cache[scenario_id] = groupings
            while len(self._groupings_cache) > _GROUPINGS_CACHE_SIZE:
                self._groupings_cache.popitem(last=False)
        return groupings

    # -- plan / apply ---------------------------------------------------------------------
    def plan(
        self,
        scenario_id: str,
        changes: pd.DataFrame | Sequence[pd.DataFrame],
        *,
        current: pd.DataFrame | None = None,
    ) -> Plan:
        """Diffs desired cells against the server; sends nothing (see ``_plan.build_plan``).

        Args:
            scenario_id: The scenario to change.
            changes: An edited getter frame, an explicit change frame, or a list of them.
            current: The current cells, when already read.

        Returns:
            The plan (empty when the server already holds these values).

        Raises:
            ValidationError: Every bad row at once.
            PlanError: The current state cannot be diffed.

        Example:
            >>> ccgt = client.get_technology(sid, "CCGT", region="gbr")
            >>> capex = ccgt[ccgt["variable"] == "capex"]
            >>> plan = client.plan(sid, capex.assign(value=capex["value"] * 0.9))
            >>> len(plan) == len(capex)
            True
        """
        from ._plan import build_plan  # the plan layer loads only when used

        return build_plan(self, scenario_id, changes, current=current)

    def apply(self, plan: Plan, **options: Any) -> ApplyResult:
        """Sends a plan's calls (see ``_apply.apply_plan`` for ``options``).

        Args:
            plan: From :meth:`plan`.
            **options: ``batch_size``, ``concurrency`` (requests in flight; default: this
                client's ``concurrency``), ``on_error``, ``force``, ``verify``, ``audit``, ...

        Returns:
            The apply result, call by call; ``result.outcome`` is ``"applied"`` or
            ``"applied-unverified"`` (the verification re-read failed).

        Raises:
            ApplyError: Some calls failed or a value did not verify (after
                rollback/stop/continue as asked); ``.result.outcome`` says what holds.
            StalePlanError: The server changed since the plan was made.
            ValidationError: A planned cell breaks today's rules; nothing was sent.

        Example:
            >>> links = client.get_interconnectors(sid, "gbr", "fra")
            >>> edited = links.assign(value=links["value"] * 1.1)
            >>> result = client.apply(client.plan(sid, edited))
            >>> result.outcome, len(client.plan(sid, edited))
            ('applied', 0)
        """
        from ._apply import apply_plan

        options.setdefault("progress", self.progress)
        return apply_plan(self, plan, **options)

    # -- outputs --------------------------------------------------------------------------
    def get_scenario_outputs(
        self,
        scenario_id: str,
        region: str,
        download_type: str,
        granularity: str,
        currency: str | None = None,
        year: int | Sequence[int] | None = None,
        *,
        node: str | None = None,
        sub_type: str | None = None,
        use_cache: bool = True,
        tz: str | None = None,
    ) -> pd.DataFrame:
        """A scenario output download as a tidy long frame (cached on disk as Parquet).

        Args:
            scenario_id: The scenario id.
            region: Region code (see the scenario's ``regions``).
            download_type: ``system``, ``technology``, ``interconnector`` ...
            granularity: ``1y``, ``1m``, ``1h`` ...
            currency: Currency such as ``gbp2024``; None = the scenario's default.
            year: Year, for downloads split per year; a list of years reads each (with a
                progress bar) into one frame.
            node: Node name, for nodal downloads.
            sub_type: Disambiguates downloads sharing type and granularity.
            use_cache: Read/write the on-disk cache (see :meth:`clear_output_cache`).
            tz: Time zone of the ``datetime`` column (an IANA name such as
                ``"Europe/London"``); None keeps UTC.

        Returns:
            One row per (time, series) with ``series``, ``unit`` and ``value``.

        Raises:
            NotFoundError: Unknown scenario, region or download.
            DataNotReadyTimeout: The file was still being generated at the deadline.
            ValueError: ``tz`` is not a time zone name.

        Example:
            >>> flows = client.get_scenario_outputs(published_id, "gbr", "interconnector", "1h",
            ...     year=[2030, 2031], tz="Europe/London")
            >>> flows.head(2)
                               datetime   series unit  value
            0 2030-01-01 00:00:00+00:00  gbr-irl   MW    ...
            1 2030-01-01 01:00:00+00:00  gbr-irl   MW    ...
        """
        from ._outputs import get_scenario_outputs, joined, to_zone

        zone = to_zone(tz)
        # The argument check has made ``year`` None, an int or a list of ints.
        wanted: list[int | None] = list(year) if isinstance(year, list) else [year]  # type: ignore[list-item]
        one = functools.partial(get_scenario_outputs, self, scenario_id, region, download_type,
                                granularity, currency, node=node, sub_type=sub_type,
                                use_cache=use_cache)  # fmt: skip
        # Years download side by side (``concurrency``), with a bar over them.
        return joined(self._run(one, wanted, f"{download_type} {granularity}"), zone)

    def clear_output_cache(self, scenario_id: str | None = None) -> int:
        """Deletes cached output downloads, of one scenario or all.

        Args:
            scenario_id: Only this scenario's files; None clears the whole cache.

        Returns:
            How many files were deleted.

        Example:
            >>> _ = client.get_scenario_outputs(published_id, "gbr", "system", "1y")
            >>> _ = client.get_scenario_outputs(published_id, "gbr", "system", "1m")
            >>> client.clear_output_cache(published_id)
            2
        """
        from ._outputs import clear_cache, default_cache_dir

        return clear_cache(self.cache_dir or default_cache_dir(), scenario_id)
