"""The bulk readers: every input cell of a scenario as one frame of the contract.

:meth:`InputReaders.technologies`, :meth:`~InputReaders.demand`,
:meth:`~InputReaders.commodities`, :meth:`~InputReaders.interconnectors` and
:meth:`~InputReaders.inputs` (all domains) return frames of the input contract
(``docs/architecture.md``). Technology and commodity reads are aliased into GraphQL
documents, ``batch_size`` views per request (:mod:`._reads`), and run concurrently (at most
``concurrency`` in flight). The official client's readers (``_seed``) are built on the
private ``_read_*`` methods here. Mixed into ``OriginFrames``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import pandas as pd

from ._contract import DEMAND_DOMAINS, DOMAINS
from ._exceptions import ConfigurationError
from ._frames import (
    CellFrameBuilder,
    TechnologyDecoder,
    add_technology_blocks,
    commodity_frame,
    concat_inputs,
    demand_frame,
    interconnector_frame,
)
from ._lazy import LazyModule
from ._queries import (
    DemandSelection,
    TechRead,
    TechSelection,
    commodity_batch,
    demand_document,
    demand_technologies_document,
    interconnector_document,
    technology_batch,
)
from ._reads import batches, tech_reads
from ._units import mark_units

if TYPE_CHECKING:
    from . import schemas
    from ._config import Settings
    from ._transport import Transport
else:  # pandera loads at the first validation, not at import
    schemas = LazyModule("origin_frames.schemas")

__all__ = ["InputReaders"]

T = TypeVar("T")


def _plain_json(body: bytes) -> dict[str, Any]:
    """An answer as plain dicts and lists: ``msgspec`` decodes about twice as fast as ``json``.

    The transport refuses an answer that is not a JSON object, as for its own decoder.
    """
    answer: dict[str, Any] = msgspec.json.decode(body)
    return answer


class InputReaders:
    """The bulk readers of ``OriginFrames`` (frames of the input contract)."""

    if TYPE_CHECKING:  # provided by OriginFrames, which this class is mixed into
        settings: Settings
        transport: Transport

        def inputs_config(self) -> dict[str, Any]: ...
        def _session(self, scenario_id: str, document: str, variables: Mapping[str, Any],
                     decode: Callable[[bytes], dict[str, Any]] | None = None,
                     slot: AbstractContextManager[Any] | None = None
                     ) -> dict[str, Any]: ...  # fmt: skip
        def _groupings(self, scenario_id: str) -> dict[str, Any]: ...
        def _tech_selection(self) -> TechSelection: ...
        def _demand_selection(self) -> DemandSelection: ...
        def _run(self, fn: Callable[[T], Any], items: Sequence[T], desc: str) -> list[Any]: ...
        def _iter_run(self, fn: Callable[[T], Any], items: Sequence[T], desc: str,
                      threads: int | None = None) -> Iterator[Any]: ...  # fmt: skip

    def technologies(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        technologies: Sequence[str] | None = None,
        *,
        sub_keys: bool = True,
    ) -> pd.DataFrame:
        """Every technology cell of a scenario (all sub-regions, sub-technologies, subsidies).

        Reads are batched (``batch_size`` views per request) and run concurrently.

        Args:
            scenario_id: The scenario id.
            regions: Region codes to read; None reads every region of the session.
            technologies: Technology names to read; None reads all.
            sub_keys: Also read sub-regions, sub-technologies and subsidies; False reads
                only each technology's own exogenous and endogenous view (what one
                ``get_technology(sid, name, region)`` returns).

        Returns:
            One row per cell (schema ``TechnologyCells``); empty with the full schema
            when nothing matches.

        Raises:
            NotFoundError: Unknown scenario, or a region/technology it does not have.

        Example:
            >>> tech = client.technologies(published_id, regions=["gbr"],
            ...                            technologies=["CCGT", "OCGT"])
            >>> tech.index.unique("technology").tolist()
            ['CCGT', 'OCGT']
        """
        groupings = self._groupings(scenario_id)
        reads = tech_reads(groupings, regions, technologies)
        if not sub_keys:
            reads = [TechRead(r.technology, r.region) for r in reads if r.sub_region is None]
        return self._read_technologies(scenario_id, reads)

    def _read_technologies(self, scenario_id: str, reads: Sequence[TechRead]) -> pd.DataFrame:
        """Batches, fetches and parses technology reads into one validated frame."""
        selection = self._tech_selection()
        concurrency = self.settings.concurrency
        chunks = batches(reads, self.settings.batch_size, concurrency)
        # ``concurrency`` requests in flight, held only for their HTTP exchanges, and twice
        # as many threads: a thread decoding an answer no longer holds back the next request
        # (the pan-European read at 50 ms: 1.32-1.37x -> 1.18-1.24x of its limit).
        slots = threading.BoundedSemaphore(concurrency)
        decode = TechnologyDecoder()

        def fetch(batch: list[TechRead]) -> CellFrameBuilder:
            document, variables = technology_batch(scenario_id, batch, selection)
            session = self._session(scenario_id, document, variables, decode, slots)
            # Each answer becomes arrays on the thread that fetched it, as soon as it is
            # there: that work overlaps the answers still in flight, not the last byte.
            part = CellFrameBuilder()
            add_technology_blocks(part, session, batch, selection)
            part.seal()
            return part

        builder = CellFrameBuilder()
        for part in self._iter_run(fetch, chunks, "technologies", 2 * concurrency):
            builder.extend(part)
        frame = builder.frame()
        del builder  # its arrays are the frame's now; validation's temporaries come next
        return schemas.validate(frame, schemas.TechnologyCells)

    def demand(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        domains: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Demand cells: system demand and demand technologies, or one of the two.

        Both domains have a ``totalDemand`` variable (the system's and each demand
        technology's), so sum or plot within one ``domain``, or ask for one here.

        Args:
            scenario_id: The scenario id.
            regions: Region codes; None reads every region.
            domains: ``["demand"]`` (system variables), ``["demand_technology"]``, or
                None for both.

        Returns:
            One row per cell (schema ``DemandCells``).

        Raises:
            ConfigurationError: A domain other than the two demand domains.

        Example:
            >>> client.demand(published_id, regions=["gbr"], domains=["demand"]).groupby(
            ...     "variable", observed=True)["value"].sum()
            variable
            baseDemand     ...
            totalDemand    ...
            Name: value, dtype: float64
        """
        chosen = _chosen_domains(domains, DEMAND_DOMAINS)
        demand_filter = {"regions": list(regions)} if regions is not None else None
        return self._read_demand(scenario_id, demand_filter, chosen)

    def _read_demand(self, scenario_id: str, demand_filter: Mapping[str, Any] | None,
                     domains: Sequence[str] = DEMAND_DOMAINS) -> pd.DataFrame:  # fmt: skip
        """One ``getDemand`` read (a ``GetDemandFilterDemandInput``) -> validated frame."""
        selection = self._demand_selection()
        # Without demand technologies the answer is a fraction of the size: ask only then.
        technologies = "demand_technology" in domains
        document, variables = demand_document(scenario_id, selection, technologies=technologies)
        variables["demandFilter"] = dict(demand_filter) if demand_filter else None
        docs = self._session(scenario_id, document, variables, _plain_json).get("getDemand")
        frame = demand_frame(docs, selection, include_technologies=technologies)
        if len(domains) < len(DEMAND_DOMAINS):
            frame = frame[frame["domain"].isin(domains).to_numpy(dtype=bool)]
        return schemas.validate(frame, schemas.DemandCells)

    def _read_demand_technologies(self, scenario_id: str,
                                  demand_technology_filter: Mapping[str, Any] | None
                                  ) -> list[dict[str, Any]]:  # fmt: skip
        """The ``getDemandTechnologies`` documents of one filtered read."""
        document, variables = demand_technologies_document(
            scenario_id, self._demand_selection(), demand_technology_filter
        )
        session = self._session(scenario_id, document, variables, _plain_json)
        docs = session.get("getDemandTechnologies")
        return list(docs or [])

    def commodities(
        self,
        scenario_id: str,
        regions: Sequence[str] | None = None,
        commodities: Sequence[str] | None = None,
        native_units: bool = False,
    ) -> pd.DataFrame:
        """Commodity prices per region (one alias per region, batched).

        Args:
            scenario_id: The scenario id.
            regions: Region codes; None reads the equally weighted average (region ``"all"``).
            commodities: Commodity names; None reads all.
            native_units: Prices in native units instead of per MWh.

        Returns:
            One row per price cell (schema ``CommodityCells``).

        Example:
            >>> sorted(client.commodities(published_id, native_units=True)["unit"].unique())
            ['EUR/kg', 'USD/GJ', 'USD/bbl', 'USD/t', 'currency/tCO2', 'p/therm']
        """
        wanted: list[str | None] = list(regions) if regions is not None else [None]
        chunks = batches(wanted, self.settings.batch_size, self.settings.concurrency)
        units = self._commodity_units(native_units)

        def fetch(batch: list[str | None]) -> pd.DataFrame:
            document, variables = commodity_batch(scenario_id, batch, commodities, native_units)
            session = self._session(scenario_id, document, variables, _plain_json)
            return commodity_frame(session, batch, units)

        frames = self._run(fetch, chunks, "commodities")
        frame = schemas.validate(concat_inputs(frames), schemas.CommodityCells)
        # Planning reads this mark when the frame has lost its unit column (see _units).
        return mark_units(frame, native=native_units)

    def _commodity_units(self, native_units: bool) -> dict[str, str | None]:
        """Commodity name -> unit (native units, or per-MWh prices)."""
        available = (self.inputs_config().get("commodities") or {}).get("commoditiesAvailable")
        units: dict[str, str | None] = {}
        for c in available or []:
            unit = c.get("units")
            # Answers carry their own unit; this is only the fallback when they do not.
            units[c["name"]] = unit if native_units else c.get("storedUnits")
        return units

    def interconnectors(
        self, scenario_id: str, regions: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Interconnector cells touching any of ``regions`` (all when None).

        Args:
            scenario_id: The scenario id.
            regions: Region codes; an interconnector is read when either end is listed.

        Returns:
            One row per cell (schema ``InterconnectorCells``).

        Example:
            >>> links = client.interconnectors(published_id, regions=["gbr"])
            >>> sorted(links.index.unique("technology"))
            ['bel', 'deu', 'dnk', 'fra', 'irl', 'nld', 'nor']
        """
        flt = None
        if regions is not None:
            flt = {"OR": [{"from": r} for r in regions] + [{"to": r} for r in regions]}
        return self._read_interconnectors(scenario_id, flt)

    def _read_interconnectors(self, scenario_id: str, flt: Mapping[str, Any] | None
                              ) -> pd.DataFrame:  # fmt: skip
        """One getInterconnectors read -> validated frame."""
        names, units = self._interconnector_variables()
        document, variables = interconnector_document(scenario_id, names, flt)
        session = self._session(scenario_id, document, variables, _plain_json)
        docs = session.get("getInterconnectors")
        return schemas.validate(
            interconnector_frame(docs, names, units), schemas.InterconnectorCells
        )

    def _interconnector_variables(self) -> tuple[list[str], dict[str, str | None]]:
        """Configured interconnector variables and their units."""
        variables = (self.inputs_config().get("interconnectors") or {}).get("variables") or []
        return [v["name"] for v in variables], {v["name"]: v.get("units") for v in variables}

    def inputs(
        self,
        scenario_id: str,
        domains: Iterable[str] | None = None,
        regions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Every input cell of a scenario, all domains in one frame.

        Args:
            scenario_id: The scenario id.
            domains: Any of ``technology, demand, demand_technology, commodity,
                interconnector`` (the values of the frame's ``domain`` column); None = all.
            regions: Region codes; None = all (commodities then as the average, ``"all"``).

        Returns:
            One row per cell (schema ``InputCells``).

        Raises:
            ConfigurationError: An unknown domain name.

        Example:
            >>> client.inputs(published_id, regions=["irl"]).domain.value_counts()
            domain
            technology           ...
            demand_technology    ...
            interconnector       ...
            commodity            ...
            demand               ...
            Name: count, dtype: int64
        """
        chosen = _chosen_domains(domains, DOMAINS)
        demand = [d for d in DEMAND_DOMAINS if d in chosen]
        readers: dict[str, Callable[[], pd.DataFrame]] = {
            "technology": lambda: self.technologies(scenario_id, regions),
            "demand": lambda: self.demand(scenario_id, regions, demand),
            "commodity": lambda: self.commodities(scenario_id, regions),
            "interconnector": lambda: self.interconnectors(scenario_id, regions),
        }
        # One read serves both demand domains.
        wanted = ["demand" if d in DEMAND_DOMAINS else d for d in chosen]
        frames = [readers[d]() for d in readers if d in wanted]
        return schemas.validate(concat_inputs(frames), schemas.InputCells)



def _chosen_domains(domains: Iterable[str] | None, allowed: tuple[str, ...]) -> list[str]:
    """The asked-for domains, checked against ``allowed`` (None means all of them)."""
    if isinstance(domains, str):
        domains = [domains]
    chosen = list(dict.fromkeys(domains)) if domains is not None else list(allowed)
    unknown = sorted(set(chosen) - set(allowed))
    if unknown or not chosen:
        raise ConfigurationError(
            f"Unknown domains {unknown}: use any of {list(allowed)}."
            if unknown
            else f"No domains given: use any of {list(allowed)}, or pass None for all."
        )
    return chosen
