"""The official client's update methods, by name and signature, mixed into ``OriginFrames``.

Each accepts the seed's ``List[Transform]`` unchanged, or a DataFrame of changes for
that one entity and variable (``year`` [``month``] with ``transform_type`` and
``transform_value``, or ``value`` compiled to Absolute). Both are compiled by the
plan engine's ``compile_transforms`` (so bad items are reported all at once and
nothing is sent), sent as one mutation, and answered with the entity's cells for
that variable as re-read from the server: a frame of the input contract.

Catalogue updaters (``update_scenario``, ``update_project``) live on the client; they
accept a frame of edited catalogue rows there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd

if TYPE_CHECKING:
    from ._transport import Transport

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


class SeedUpdaters:
    """``update_*`` methods of the official ``OriginSession``, returning frames."""

    if TYPE_CHECKING:  # provided by OriginFrames, which this class is mixed into
        transport: Transport

        def get_technology(self, *args: Any, **kwargs: Any) -> pd.DataFrame: ...
        def demand(self, *args: Any, **kwargs: Any) -> pd.DataFrame: ...
        def commodities(self, *args: Any, **kwargs: Any) -> pd.DataFrame: ...
        def interconnectors(self, *args: Any, **kwargs: Any) -> pd.DataFrame: ...

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
            >>> client.update_technology_exogenous(sid, "CCGT", "capacity",
            ...     [{"year": 2030, "transform": {"type": "Delta", "value": 50}}],
            ...     region="gbr")  # doctest: +SKIP
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
            >>> client.update_technology_endogenous(sid, "Solar PV", "capex",
            ...     [{"year": 2030, "transform": {"type": "Percentage", "value": -10}}],
            ...     region="gbr")  # doctest: +SKIP
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
            >>> client.update_system_demand(sid, "gbr", "totalDemand",
            ...     [{"year": 2030, "transform": {"type": "Percentage", "value": 5}}])
            ...     # doctest: +SKIP
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
            >>> client.update_demand_technology_variable(sid, "gbr", "heatPumps",
            ...     "totalDemand", [{"year": 2035, "transform": {"type": "Delta", "value": 2}}])
            ...     # doctest: +SKIP
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
            >>> client.update_commodity_price(sid, "gas", ["gbr"],
            ...     [{"year": 2030, "transform": {"type": "Percentage", "value": 15}}])
            ...     # doctest: +SKIP
        """
        from ._plan import compile_transforms

        chosen = list(regions or [])
        variables = compile_transforms(
            "commodity",
            scenario_id,
            region=chosen or ["all"],
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
            >>> client.change_base_commodities_assumptions(sid, other_sid)  # doctest: +SKIP
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
            >>> client.update_interconnectors(sid, "gbr", "fra", "importCapacity",
            ...     [{"year": 2030, "transform": {"type": "Absolute", "value": 4000}}])
            ...     # doctest: +SKIP
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


# Editable fields of catalogue rows: frame column -> API input field.
SCENARIO_EDITABLE: dict[str, str] = {
    "name": "name",
    "description": "description",
    "use_exogified_inputs": "useExogifiedInputs",
    "default_currency": "defaultCurrency",
    "weather_year": "weatherYear",
    "model_price_spikiness": "modelPriceSpikiness",
    "user_input_reference": "userInputReference",
    "user_input_repository": "userInputRepository",
}
PROJECT_EDITABLE: dict[str, str] = {
    "name": "name",
    "description": "description",
    "product_id": "productId",
}


def _differs(before: Any, after: Any) -> bool:
    """Whether a catalogue field changed (nulls equal nulls; lists compared by value)."""
    if isinstance(before, list | tuple) or isinstance(after, list | tuple):
        return list(before or []) != list(after or [])
    before_na, after_na = pd.isna(before), pd.isna(after)
    if before_na or after_na:
        return bool(before_na) != bool(after_na)
    return bool(before != after)


def catalogue_updates(
    edited: pd.DataFrame,
    current: pd.DataFrame,
    editable: Mapping[str, str],
    id_field: str,
) -> list[dict[str, Any]]:
    """The update inputs that turn ``current`` rows into ``edited`` ones: changed fields only.

    Args:
        edited: Catalogue rows as returned by a getter, edited; indexed by id.
        current: The same rows as the server holds them now.
        editable: Frame column -> API field of the columns that may change.
        id_field: The API's id field (``scenarioGlobalId`` / ``projectGlobalId``).

    Returns:
        One input per row that changed, e.g. ``{"scenarioGlobalId": id, "name": "x"}``.

    Raises:
        ValidationError: unknown ids, or changes to columns that cannot be edited
            (every bad cell listed); nothing is sent.
    """
    from ._exceptions import ValidationError

    problems: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row_id, row in edited.iterrows():  # catalogue frames have a handful of rows
        if row_id not in current.index:
            problems.append({
                "id": row_id, "column": None, "reason": "no such record on the server.",
                "fix": "edit rows read from the server; create new records with create_*.",
            })  # fmt: skip
            continue
        before = current.loc[row_id]
        change: dict[str, Any] = {}
        for column in row.index:
            if column not in before.index or not _differs(before[column], row[column]):
                continue
            if column not in editable:
                problems.append({
                    "id": row_id, "column": column, "reason": "this column cannot be edited.",
                    "fix": f"edit only {sorted(editable)}.",
                })  # fmt: skip
                continue
            value = row[column]
            change[editable[column]] = None if pd.isna(value) else _plain(value)
        if change:
            updates.append({id_field: str(row_id), **change})
    if problems:
        raise ValidationError(
            "Some catalogue edits cannot be sent; nothing was sent.", pd.DataFrame(problems)
        )
    return updates


def _plain(value: Any) -> Any:
    """A JSON-ready Python value from a pandas/numpy scalar."""
    return value.item() if hasattr(value, "item") else value
