"""The official client's readers and updaters, by name and signature: the compatibility layer.

``OriginSession``'s ``get_*`` readers of inputs return frames of the input contract; each
is a thin front on the bulk readers' private reads (:class:`~._input_readers.InputReaders`),
with the official filter arguments. The ``update_*`` methods accept the seed's
``List[Transform]`` unchanged, or a DataFrame of changes for that one entity and variable
(``year`` [``month``] with ``transform_type`` and ``transform_value``, or ``value``
compiled to Absolute). Both are compiled by the plan engine's ``compile_transforms`` (so
bad items are reported all at once and nothing is sent), sent as one mutation, and
answered with the entity's cells for that variable as re-read from the server: a frame of
the input contract.

Catalogue methods (scenarios, projects, ``update_scenario``, ``update_project``) live in
``_catalogue``. Mixed into ``OriginFrames``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd

from . import _queries as q
from ._contract import ALL_REGIONS, KINDS
from ._frames import demand_technology_frame, demand_technology_names_frame, records_frame
from ._input_readers import InputReaders
from ._lazy import LazyModule
from ._queries import ExoRead, TechRead
from ._reads import tech_reads

if TYPE_CHECKING:
    from . import schemas
else:  # pandera loads at the first validation, not at import
    schemas = LazyModule("origin_frames.schemas")

__all__ = ["REBASE_COMMODITIES", "SeedMethods", "Transforms"]

Transforms: TypeAlias = Sequence[Mapping[str, Any]] | pd.DataFrame

# Values stay in variables, like every document of the queries layer.
REBASE_COMMODITIES = """mutation ($sessionId: String!, $rebaseReferenceId: String!) {
  rebaseCommodities(sessionId: $sessionId, rebaseReferenceId: $rebaseReferenceId) { result }
}"""


def _variable_rows(frame: pd.DataFrame, variable: str, **equal: str | None) -> pd.DataFrame:
    """Rows of one variable (and optional column equalities) of a contract frame."""
    mask = frame["variable"].astype("string") == variable
    for column, wanted in equal.items():
        if wanted is None:
            continue
        values = (
            frame.index.get_level_values(column)
            if column in frame.index.names
            else frame[column]
        )
        mask &= pd.Series(values, index=frame.index).astype("string") == wanted
    return frame[mask.fillna(False).to_numpy(dtype=bool)]


class SeedMethods(InputReaders):
    """``get_*`` readers and ``update_*`` methods of the official ``OriginSession``."""

    # -- inputs session -------------------------------------------------------------------
    def _session_info(self, scenario_id: str) -> dict[str, Any]:
        """The raw session information."""
        return self._session(scenario_id, q.SESSION_INFO, {"sessionId": scenario_id})

    def get_inputs_session(self, scenario_id: str) -> pd.DataFrame:
        """The regions enabled in a scenario's inputs session.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per enabled region (schema ``EnabledRegions``); ``frame.attrs`` holds
            ``default_currency``, ``model_min_year``, ``model_max_year`` and ``product_region``.

        Raises:
            NotFoundError: Unknown scenario.

        Example:
            >>> client.get_inputs_session(published_id).query("is_main_region").index.tolist()
            ['gbr']
        """
        info = self._session_info(scenario_id)
        pri = info.get("productRegionInformation") or {}
        records = pri.get("enabledRegions") or []
        frame = records_frame(
            records,
            [("code", "region", "str"), ("isFocusRegion", "is_focus_region", "bool"),
             ("isEndogenous", "is_endogenous", "bool"), ("isMainRegion", "is_main_region", "bool"),
             ("hasCapacityMarket", "has_capacity_market", "bool")],
            "region",
        )  # fmt: skip
        frame = schemas.validate(frame, schemas.EnabledRegions)
        frame.attrs.update(
            {
                "default_currency": info.get("defaultCurrency"),
                "model_min_year": info.get("modelMinYear"),
                "model_max_year": info.get("modelMaxYear"),
                "product_region": pri.get("code"),
            }
        )
        return frame

    def get_inputs_data_groups(self, scenario_id: str) -> pd.DataFrame:
        """The data groups of a scenario's inputs session.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per data group, indexed by ``data_group`` (schema ``DataGroups``).

        Example:
            >>> client.get_inputs_data_groups(published_id)["loading"].tolist()
            [False, False, False, ...]
        """
        groups = self._session_info(scenario_id).get("dataGroups") or {}
        records = [{"name": k, **(v or {})} for k, v in groups.items()]
        frame = records_frame(
            records,
            [("name", "data_group", "str"), ("reference", "reference", "str"),
             ("referenceType", "reference_type", "str"),
             ("productRegion", "product_region", "str"), ("loading", "loading", "bool")],
            "data_group",
        )  # fmt: skip
        return schemas.validate(frame, schemas.DataGroups)

    def get_inputs_transforms(self, scenario_id: str) -> pd.DataFrame:
        """The transforms log of a scenario's inputs session, oldest first.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per logged update, indexed by ``step`` (schema ``TransformsLog``).

        Example:
            >>> _ = client.update_interconnectors(sid, "gbr", "fra", "importCapacity",
            ...     [{"year": 2030, "transform": {"type": "Absolute", "value": 4000}}])
            >>> client.get_inputs_transforms(sid)["reason"].tolist()
            ['updateInterconnectorVariable via API']
        """
        log = self._session_info(scenario_id).get("transforms") or []
        records = [{"step": i, **t} for i, t in enumerate(log)]
        frame = records_frame(
            records,
            [("step", "step", "int"), ("reason", "reason", "str"),
             ("updateParameters", "update_parameters", "object"), ("steps", "steps", "object")],
            "step",
        )  # fmt: skip
        return schemas.validate(frame, schemas.TransformsLog)

    # -- technologies ---------------------------------------------------------------------
    def get_technology_names(self, scenario_id: str) -> pd.DataFrame:
        """Every readable technology view: region, technology, kind and sub-keys.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per (region, technology, kind, sub_region, sub_technology, subsidy)
            view (schema ``TechnologyNames``).

        Example:
            >>> client.get_technology_names(published_id).loc["gbr"].index.unique()[:3].tolist()
            ['CCGT', 'OCGT', 'Gas CHP']
        """
        reads = tech_reads(self._groupings(scenario_id), None, None)
        rows = []
        for r in reads:
            for exo in r.exogenous:
                rows.append((r.region, r.technology, "exogenous", r.sub_region,
                             exo.sub_technology, exo.subsidy))  # fmt: skip
            for sub in r.endogenous:
                rows.append((r.region, r.technology, "endogenous", r.sub_region, sub, None))
        cols = ["region", "technology", "kind", "sub_region", "sub_technology", "subsidy"]
        records = [dict(zip(cols, row, strict=True)) for row in rows]
        frame = records_frame(
            records, [(c, c, "category" if c == "kind" else "str") for c in cols],
            ["region", "technology"],
        )  # fmt: skip
        frame["kind"] = frame["kind"].cat.set_categories(pd.Index(KINDS, dtype="str"))
        return schemas.validate(frame, schemas.TechnologyNames)

    def get_technology(
        self,
        scenario_id: str,
        technology_name: str,
        region: str,
        subregion: str | None = None,
        exogenous_sub_technology: str | None = None,
        subsidy: str | None = None,
        endogenous_sub_technology: str | None = None,
    ) -> pd.DataFrame:
        """One technology's exogenous and endogenous cells.

        Args:
            scenario_id: The scenario id.
            technology_name: Technology name as the API spells it (``"CCGT"``).
            region: Region code.
            subregion: Sub-region, if any.
            exogenous_sub_technology: Exogenous sub-technology, if any.
            subsidy: Subsidy (exogenous, with a sub-region), if any.
            endogenous_sub_technology: Endogenous sub-technology, if any.

        Returns:
            One row per cell (schema ``TechnologyCells``).

        Raises:
            NotFoundError / OriginGraphQLError: Unknown scenario, technology or sub-key.

        Example:
            >>> ccgt = client.get_technology(published_id, "CCGT", "gbr")
            >>> ccgt[ccgt["variable"] == "capex"]["kind"].unique().tolist()
            ['endogenous']
        """
        read = TechRead(
            technology_name,
            region,
            subregion,
            (ExoRead(exogenous_sub_technology, subsidy),),
            (endogenous_sub_technology,),
        )
        return self._read_technologies(scenario_id, [read])

    # -- demand ---------------------------------------------------------------------------
    def get_demand_regions(self, scenario_id: str) -> pd.DataFrame:
        """Regions that have demand data.

        Args:
            scenario_id: The scenario id.

        Returns:
            One row per region with its ``peak_load_demand`` (schema ``DemandRegions``).

        Example:
            >>> client.get_demand_regions(published_id)["peak_load_demand"].index[:3].tolist()
            ['gbr', 'irl', 'fra']
        """
        session = self._session(scenario_id, q.DEMAND_REGIONS, {"sessionId": scenario_id})
        docs = session.get("getDemand")
        frame = records_frame(
            docs, [("region", "region", "str"), ("peakLoadDemand", "peak_load_demand", "float")],
            "region",
        )  # fmt: skip
        return schemas.validate(frame, schemas.DemandRegions)

    def get_demand(
        self, scenario_id: str, demand_filter: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """System demand variables and demand technologies.

        Args:
            scenario_id: The scenario id.
            demand_filter: ``{"region": ...}`` or ``{"regions": [...]}``; None reads all.

        Returns:
            One row per cell (schema ``DemandCells``): system variables under technology
            ``"system"`` (domain ``demand``), demand technologies under their name.

        Example:
            >>> client.get_demand(published_id, {"region": "gbr"})["domain"].unique().tolist()
            ['demand', 'demand_technology']
        """
        return self._read_demand(scenario_id, demand_filter)

    def get_demand_technology_names(
        self, scenario_id: str, demand_technology_filter: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """Demand technologies per region.

        Args:
            scenario_id: The scenario id.
            demand_technology_filter: A ``GetDemandTechFilterDemandTechnologyInput`` value.

        Returns:
            One row per (region, technology) (schema ``DemandTechnologyNames``).

        Example:
            >>> client.get_demand_technology_names(published_id).loc["gbr"].head(2)
                              origin_technology
            technology
            Electric Vehicles  electricVehicles
            Heat Pumps                heatPumps
        """
        # Derived from the full demand-technology documents: the names-only selection the
        # official client sends is documented there as unsupported by the service.
        docs = self._read_demand_technologies(scenario_id, demand_technology_filter)
        frame = demand_technology_names_frame(docs)
        return schemas.validate(frame, schemas.DemandTechnologyNames)

    def get_demand_technologies(
        self, scenario_id: str, demand_technology_filter: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """Demand technology cells, without system demand.

        Args:
            scenario_id: The scenario id.
            demand_technology_filter: A ``GetDemandTechFilterDemandTechnologyInput`` value.

        Returns:
            One row per cell (schema ``DemandCells``, domain ``demand_technology``).

        Example:
            >>> demand_tech = client.get_demand_technologies(published_id, {"region": "gbr"})
            >>> demand_tech.index.unique("technology").tolist()
            ['electricVehicles', 'heatPumps', 'electrolysers', 'dataCentres', 'airConditioning']
        """
        docs = self._read_demand_technologies(scenario_id, demand_technology_filter)
        frame = demand_technology_frame(docs, self._demand_selection())
        return schemas.validate(frame, schemas.DemandCells)

    # -- commodities ----------------------------------------------------------------------
    def get_commodities(
        self,
        scenario_id: str,
        native_units_flag: bool | None = None,
        regions: Sequence[str] | None = None,
        commodities: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Commodity prices (the official signature; see :meth:`commodities`).

        Args:
            scenario_id: The scenario id.
            native_units_flag: Prices in the commodities' native units instead of per MWh.
            regions: Region codes (one row set per region); None = cross-region average
                (region ``"all"``).
            commodities: Commodity names; None reads all.

        Returns:
            One row per price cell (schema ``CommodityCells``).

        Example:
            >>> client.get_commodities(published_id, regions=["gbr"], commodities=["gas"]).head(2)[
            ...     ["variable", "unit"]]
                                   variable          unit
            region technology year
            gbr    gas        2025    price  currency/MWh
                              2026    price  currency/MWh
        """
        return self.commodities(scenario_id, regions, commodities, bool(native_units_flag))

    # -- interconnectors ------------------------------------------------------------------
    def get_interconnectors_connections(self, scenario_id: str) -> pd.DataFrame:
        """Which regions are connected, listed from both ends.

        Args:
            scenario_id: The scenario id.

        Returns:
            An index-only frame of ``(region, connected_region)`` pairs, sorted.

        Example:
            >>> client.get_interconnectors_connections(published_id).loc["gbr"].index.tolist()
            ['bel', 'deu', 'dnk', 'fra', 'irl', 'nld', 'nor']
        """
        docs = self._session(
            scenario_id, q.INTERCONNECTOR_ENDS, {"sessionId": scenario_id,
                                                 "interconnectorFilter": None}
        ).get("getInterconnectors") or []  # fmt: skip
        pairs = sorted(
            {(a, b) for d in docs for a, b in [tuple(d["ends"][:2]), tuple(d["ends"][1::-1])]}
        )
        frame = records_frame(
            [{"region": a, "connected_region": b} for a, b in pairs],
            [("region", "region", "str"), ("connected_region", "connected_region", "str")],
            ["region", "connected_region"],
        )
        return schemas.validate(frame, schemas.InterconnectorConnections)

    def get_interconnectors(
        self, scenario_id: str, region: str, connection_region: str
    ) -> pd.DataFrame:
        """Interconnector cells between two regions (both directions).

        Args:
            scenario_id: The scenario id.
            region: One end.
            connection_region: The other end.

        Returns:
            One row per cell (schema ``InterconnectorCells``).

        Example:
            >>> client.get_interconnectors(published_id, "gbr", "fra")["variable"].unique().tolist()
            ['importCapacity', 'exportCapacity', 'lossFactor', 'availability']
        """
        flt = {"OR": [{"from": region, "to": connection_region},
                      {"from": connection_region, "to": region}]}  # fmt: skip
        return self._read_interconnectors(scenario_id, flt)

    # -- updaters -------------------------------------------------------------------------
    def _send(self, mutation: str, variables: dict[str, Any]) -> None:
        """Sends one compiled update through the plan engine's single-call path."""
        from ._apply import send_update

        send_update(self, variables, mutation)

    def _update_technology(
        self,
        kind: str,
        scenario_id: str,
        technology_name: str,
        parameter: str,
        transform: Transforms,
        region: str,
        sub_region: str | None,
        subsidy: str | None,
        sub_technology: str | None,
    ) -> pd.DataFrame:
        """Shared body of the exogenous and endogenous technology updaters."""
        from ._plan import compile_transforms

        variables = compile_transforms(
            "technology",
            scenario_id,
            region=region,
            variable=parameter,
            technology=technology_name,
            kind=kind,
            sub_region=sub_region,
            sub_technology=sub_technology,
            subsidy=subsidy,
            transform=transform,
        )
        self._send(f"technology_{kind}", variables)
        cells = self.get_technology(
            scenario_id,
            technology_name,
            region,
            subregion=sub_region,
            exogenous_sub_technology=sub_technology if kind == "exogenous" else None,
            subsidy=subsidy,
            endogenous_sub_technology=sub_technology if kind == "endogenous" else None,
        )
        return _variable_rows(cells, parameter, kind=kind)

    def update_technology_exogenous(
        self,
        scenario_id: str,
        technology_name: str,
        parameter: str,
        transform: Transforms,
        region: str,
        sub_region: str | None = None,
        subsidy: str | None = None,
        sub_technology: str | None = None,
    ) -> pd.DataFrame:
        """Updates an exogenous technology parameter, like ``OriginSession``'s method.

        Args:
            scenario_id: The scenario (not a published one: those are read-only).
            technology_name: e.g. ``"CCGT"``.
            parameter: An exogenous parameter, e.g. ``"capacity"``.
            transform: ``[{"year": 2030, "transform": {"type": "Absolute", "value": 1.0}}]``
                (``month`` for monthly parameters; a null value clears the cell's
                transform), or a frame with ``year`` [``month``] and ``transform_type`` +
                ``transform_value`` or ``value``.
            region: Region code.
            sub_region, subsidy, sub_technology: Sub-keys, when the technology has them.

        Returns:
            The parameter's cells after the update, re-read from the server.

        Raises:
            ValidationError: Bad transform items (every one listed); nothing was sent.
            OriginGraphQLError: The service refused the update (unknown name, locked, ...).

        Example:
            >>> after = client.update_technology_exogenous(sid, "CCGT", "capacity",
            ...     [{"year": 2030, "transform": {"type": "Delta", "value": 50}}], region="gbr")
            >>> after.xs(2030, level="year")[["variable", "transform_type", "transform_value"]]
                               variable transform_type  transform_value
            region technology
            gbr    CCGT        capacity          Delta             50.0
        """
        return self._update_technology(
            "exogenous", scenario_id, technology_name, parameter, transform, region,
            sub_region, subsidy, sub_technology,
        )  # fmt: skip

    def update_technology_endogenous(
        self,
        scenario_id: str,
        technology_name: str,
        parameter: str,
        transform: Transforms,
        region: str,
        sub_region: str | None = None,
        sub_technology: str | None = None,
    ) -> pd.DataFrame:
        """Updates an endogenous technology parameter or definition (``year`` null).

        Args:
            scenario_id: The scenario.
            technology_name: e.g. ``"Solar PV"``.
            parameter: An endogenous parameter (``capex``) or definition (``discountRate``).
            transform: As for :meth:`update_technology_exogenous`.
            region: Region code.
            sub_region, sub_technology: Sub-keys, when the technology has them.

        Returns:
            The parameter's cells after the update, re-read from the server.

        Raises:
            ValidationError: Bad transform items; nothing was sent.
            OriginGraphQLError: The service refused the update.

        Example:
            >>> after = client.update_technology_endogenous(sid, "Solar PV", "capex",
            ...     [{"year": 2030, "transform": {"type": "Percentage", "value": -10}}],
            ...     region="gbr")
            >>> after.xs(2030, level="year")[["variable", "transform_type", "transform_value"]]
                              variable transform_type  transform_value
            region technology
            gbr    Solar PV      capex     Percentage            -10.0
        """
        return self._update_technology(
            "endogenous", scenario_id, technology_name, parameter, transform, region,
            sub_region, None, sub_technology,
        )  # fmt: skip

    def update_system_demand(
        self,
        scenario_id: str,
        region: str | Sequence[str],
        variable: str,
        transform: Transforms,
        auto_capacity_market_target: bool | None = None,
    ) -> pd.DataFrame:
        """Updates a system demand variable (``totalDemand``, ``baseDemand``) of regions.

        Args:
            scenario_id: The scenario.
            region: A region or a list of regions (each gets the same transform).
            variable: The system variable.
            transform: As for :meth:`update_technology_exogenous` (no null values).
            auto_capacity_market_target: Passed through to the service.

        Returns:
            The variable's cells in those regions after the update.

        Raises:
            ValidationError: Bad transform items; nothing was sent.
            OriginGraphQLError: The service refused the update.

        Example:
            >>> after = client.update_system_demand(sid, "gbr", "totalDemand",
            ...     [{"year": 2030, "transform": {"type": "Percentage", "value": 5}}])
            >>> after.xs(2030, level="year")[["variable", "transform_type", "transform_value"]]
                                  variable transform_type  transform_value
            region technology
            gbr    system      totalDemand     Percentage              5.0
        """
        from ._plan import compile_transforms

        regions = [region] if isinstance(region, str) else list(region)
        variables = compile_transforms(
            "demand", scenario_id, region=regions, variable=variable, transform=transform
        )
        variables["autoCapacityMarketTarget"] = auto_capacity_market_target
        self._send("demand", variables)
        cells = self.demand(scenario_id, regions)
        return _variable_rows(cells, variable, domain="demand")

    def update_demand_technology_variable(
        self,
        scenario_id: str,
        region: str | Sequence[str],
        technology: str,
        variable: str,
        transform: Transforms,
        auto_capacity_market_target: bool | None = None,
    ) -> pd.DataFrame:
        """Updates a demand technology's variable in one or more regions.

        Args:
            scenario_id: The scenario.
            region: A region or a list of regions.
            technology: The demand technology, e.g. ``"heatPumps"``.
            variable: Its variable, e.g. ``"totalDemand"``.
            transform: As for :meth:`update_system_demand`.
            auto_capacity_market_target: Passed through to the service.

        Returns:
            The technology's variable cells in those regions after the update.

        Raises:
            ValidationError: Bad transform items; nothing was sent.
            OriginGraphQLError: The service refused the update.

        Example:
            >>> after = client.update_demand_technology_variable(sid, "gbr", "heatPumps",
            ...     "totalDemand", [{"year": 2035, "transform": {"type": "Delta", "value": 2}}])
            >>> after.xs(2035, level="year")[["variable", "transform_type", "transform_value"]]
                                  variable transform_type  transform_value
            region technology
            gbr    heatPumps   totalDemand          Delta              2.0
        """
        from ._plan import compile_transforms

        regions = [region] if isinstance(region, str) else list(region)
        variables = compile_transforms(
            "demand_technology",
            scenario_id,
            region=regions,
            variable=variable,
            technology=technology,
            transform=transform,
        )
        variables["autoCapacityMarketTarget"] = auto_capacity_market_target
        self._send("demand_technology", variables)
        cells = self.demand(scenario_id, regions)
        return _variable_rows(
            cells, variable, domain="demand_technology", technology=technology
        )

    def update_commodity_price(
        self,
        scenario_id: str,
        commodity: str,
        regions: Sequence[str],
        transform: Transforms,
        native_units_flag: bool | None = None,
    ) -> pd.DataFrame:
        """Updates a commodity's price in some regions (all regions when empty/None).

        Args:
            scenario_id: The scenario.
            commodity: e.g. ``"gas"``.
            regions: The regions to update.
            transform: As for :meth:`update_system_demand`; values are in native units
                when ``native_units_flag`` is true, else in currency/MWh.
            native_units_flag: Units of the transform values (and of the answer).

        Returns:
            The commodity's price cells in those regions after the update.

        Raises:
            ValidationError: Bad transform items; nothing was sent.
            OriginGraphQLError: The service refused the update.

        Example:
            >>> after = client.update_commodity_price(sid, "gas", ["gbr"],
            ...     [{"year": 2030, "transform": {"type": "Percentage", "value": 15}}])
            >>> after.xs(2030, level="year")[["variable", "transform_type", "transform_value"]]
                              variable transform_type  transform_value
            region technology
            gbr    gas           price     Percentage             15.0
        """
        from ._plan import compile_transforms

        chosen = list(regions or [])
        variables = compile_transforms(
            "commodity",
            scenario_id,
            region=chosen or [ALL_REGIONS],
            variable="price",
            technology=commodity,
            transform=transform,
        )
        if native_units_flag is not None:
            variables["nativeUnitsFlag"] = native_units_flag
        self._send("commodity", variables)
        cells = self.commodities(
            scenario_id,
            regions=chosen or None,
            commodities=[commodity],
            native_units=bool(native_units_flag),
        )
        return _variable_rows(cells, "price", technology=commodity)

    def change_base_commodities_assumptions(
        self, scenario_id: str, rebase_reference_id: str
    ) -> pd.DataFrame:
        """Swaps the original commodity series for another scenario's; transforms stay on top.

        Args:
            scenario_id: The scenario to change.
            rebase_reference_id: The scenario whose commodity assumptions to use.

        Returns:
            The commodity cells (regional average) after the rebase.

        Raises:
            OriginGraphQLError: The service refused (unknown reference, published scenario).

        Example:
            >>> other_sid = client.get_aurora_scenarios("gbr").index[1]
            >>> rebased = client.change_base_commodities_assumptions(sid, other_sid)
            >>> rebased["original"].equals(client.commodities(other_sid)["original"])
            True
        """
        self.transport.graphql(
            "inputs",
            REBASE_COMMODITIES,
            {"sessionId": scenario_id, "rebaseReferenceId": rebase_reference_id},
        )
        return self.commodities(scenario_id)

    def update_interconnectors(
        self,
        scenario_id: str,
        from_region: str,
        to_region: str,
        variable: str,
        transform: Transforms,
    ) -> pd.DataFrame:
        """Updates an interconnector variable between two regions.

        Args:
            scenario_id: The scenario.
            from_region: The region the interconnector is from.
            to_region: The region it is to.
            variable: e.g. ``"importCapacity"``.
            transform: As for :meth:`update_system_demand`.

        Returns:
            The variable's cells of that interconnector after the update.

        Raises:
            ValidationError: Bad transform items; nothing was sent.
            OriginGraphQLError: The service refused the update (e.g. reversed direction).

        Example:
            >>> after = client.update_interconnectors(sid, "gbr", "fra", "importCapacity",
            ...     [{"year": 2030, "transform": {"type": "Absolute", "value": 4000}}])
            >>> after.xs(2030, level="year")[["variable", "transform_type", "transform_value"]]
                                     variable transform_type  transform_value
            region technology
            gbr    fra         importCapacity       Absolute           4000.0
        """
        from ._plan import compile_transforms

        variables = compile_transforms(
            "interconnector",
            scenario_id,
            region=from_region,
            variable=variable,
            technology=to_region,
            transform=transform,
        )
        self._send("interconnector", variables)
        cells = self.interconnectors(scenario_id, [from_region])
        return _variable_rows(cells, variable, region=from_region, technology=to_region)
