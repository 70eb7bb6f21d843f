"""A ``Plan`` as one labelled ``xarray.Dataset`` (and netCDF file): each table's value columns become
variables over the table's key dimensions, named ``<table>_<column>`` (``fleet_chips[site, chip]``,
``serving_tokens_per_s[region, service_class, site]``); missing combinations are NaN."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.extras import require_extra

if TYPE_CHECKING:
    import xarray as xr

    from planner.results import Plan

TABLE_KEYS = {
    "sites": ["site"],
    "fleet": ["site", "chip"],
    "allocation": ["site", "chip", "service_class"],
    "serving": ["region", "service_class", "site"],
    "unmet": ["region", "service_class"],
    "costs": ["component"],
    "grid_zones": ["zone"],
    "grid_lines": ["line"],
}


def _keyed(name: str, table: pd.DataFrame) -> pd.DataFrame:
    table = table.reset_index() if name == "sites" else table
    keys = [k for k in TABLE_KEYS.get(name, []) if k in table.columns]
    if not keys:
        return table.rename_axis(f"{name}_row")
    return table.groupby(keys, sort=True).first() if table.duplicated(keys).any() else table.set_index(keys)


def plan_to_dataset(plan: "Plan") -> "xr.Dataset":
    require_extra("netcdf", "Plan.to_xarray()")
    import xarray as xr

    from planner.results import TABLES

    variables = {}
    for name in TABLES:
        table = _keyed(name, getattr(plan, name))
        for column in table.columns:
            series = table[column]
            if series.dtype == bool:
                series = series.astype("int8")  # netCDF has no boolean type
            variables[f"{name}_{column}"] = xr.DataArray.from_series(series)
    attrs = {"scenario": plan.scenario_name, "scenario_hash": plan.scenario_hash, "status": str(plan.status)}
    attrs |= {k: v for k, v in (("objective_usd", plan.objective_usd), ("bound_usd", plan.bound_usd),
                                ("gap", plan.gap)) if math.isfinite(v)}
    return xr.Dataset(variables, attrs=attrs)


def plan_to_netcdf(plan: "Plan", path: str | Path) -> Path:
    """Write the dataset to ``path`` atomically (a temporary file beside it, then renamed)."""
    dataset = plan_to_dataset(plan)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        dataset.to_netcdf(temporary, engine="netcdf4")
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
