"""``Plan``: a solved (or attempted) build plan as tidy tables, with a text summary, an HTML repr, and
atomic save/load of a result folder."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from planner.solve import Termination

TABLES = ("sites", "fleet", "allocation", "serving", "unmet", "costs", "cooling_halls", "grid_zones", "grid_lines",
          "regions")
OPTIONAL_TABLES = ("cooling_halls", "regions")  # plan folders written before they existed lack them
EXPLAIN_TABLES = ("marginal_values",)  # written by the explain stage; absent from older result folders
MARGINAL_VALUE_COLUMNS = ["constraint", "name", "value", "unit"]
PERIODIC_TABLES = ("sites", "fleet", "allocation", "serving", "unmet", "costs", "cooling_halls", "grid_zones",
                   "grid_lines")  # a plan over several planning years has one of each per year, with a year column
PERIOD_TABLE_COLUMNS = {  # the build-out schedule, only in plans over several planning years
    "builds": ["site", "year", "cooling", "mw", "total_mw"],
    "purchases": ["site", "chip", "year", "count"],
    "retirements": ["site", "chip", "bought_year", "year", "count"],
}
PERIOD_TABLES = tuple(PERIOD_TABLE_COLUMNS)
PERIOD_METADATA_KEYS = ("planning_years", "cost_usd_by_year", "penalty_usd_by_year", "discount_weight_by_year",
                        "discount_rate", "present_value_usd", "present_value_cost_usd", "training_by_year",
                        "n_minus_1_by_year", "policy_by_year", "compute_by_year", "inference_overtakes_training_year",
                        "verification")  # a build-out's; one year of it (``for_year``) has none of them


def _empty(name: str) -> Callable[[], pd.DataFrame]:
    return lambda: pd.DataFrame(columns=PERIOD_TABLE_COLUMNS[name])


@dataclass(frozen=True, repr=False)
class Plan:
    scenario_name: str
    scenario_hash: str
    status: Termination
    objective_usd: float
    """The objective: yearly money cost plus penalties [USD/year] (NaN when there is no solution)."""
    bound_usd: float
    """Best proven lower bound on the yearly cost [USD/year]."""
    gap: float
    sites: pd.DataFrame
    """index site: is_open, cooling (the technologies of its halls, largest first), chips, it_mw (peak IT),
    average_it_mw, grid_mw (connection, covers the peak draw), max_grid_mw, pue (average facility draw over
    average IT), energy_mwh_per_year, emissions_t_per_year, water_m3_per_year, served_tokens_per_s, lat, lon,
    cdd19_per_year and climate_source (the climate its PUE rests on)."""
    fleet: pd.DataFrame
    """columns site, chip, chips, it_mw (peak), average_it_mw."""
    allocation: pd.DataFrame
    """columns site, chip, service_class, chips_serving."""
    serving: pd.DataFrame
    """columns region, service_class, site, tokens_per_s, rtt_ms."""
    unmet: pd.DataFrame
    """columns region, service_class, demand_tokens_per_s, unmet_tokens_per_s."""
    costs: pd.DataFrame
    """columns component, kind ("cost": money; "penalty": unmet demand, latency quality, training shortfall),
    usd_per_year."""
    grid_zones: pd.DataFrame
    """columns zone, load_mw, supply_mw, headroom_mw (empty without a grid model)."""
    grid_lines: pd.DataFrame
    """columns line, flow_mw (new flow from the plan's load), limit_mw, loading_share, rating_is_estimate;
    most loaded first."""
    cooling_halls: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["site", "cooling", "it_mw", "average_it_mw", "pue", "facility_peak_mw", "energy_mwh_per_year",
                 "water_m3_per_year", "cooling_cost_usd_per_year"]))
    """One row per (site, cooling technology) hall: peak and average IT, PUE, peak facility draw, energy,
    water and yearly cooling plant cost."""
    regions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["region", "population", "lat", "lon"]))
    """columns region, population, lat, lon: the demand regions the plan serves."""
    timings_s: dict[str, float] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    marginal_values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MARGINAL_VALUE_COLUMNS))
    """columns constraint, name, value (fall in yearly cost per unit of relaxation), unit (explain stage)."""
    builds: pd.DataFrame = field(default_factory=_empty("builds"))
    """Plans over several planning years: site, year, cooling, mw (IT MW of halls built that year), total_mw
    (standing that year)."""
    purchases: pd.DataFrame = field(default_factory=_empty("purchases"))
    """Plans over several planning years: site, chip, year, count (chips bought that year)."""
    retirements: pd.DataFrame = field(default_factory=_empty("retirements"))
    """Plans over several planning years: site, chip, bought_year, year (first planning year they no longer
    serve: their lifetime ends within the period before), count."""

    @property
    def planning_years(self) -> list[int] | None:
        """The planning years of a build-out plan; None for a single-year plan."""
        years = self.metadata.get("planning_years")
        return [int(y) for y in years] if years else None

    def for_year(self, year: int) -> "Plan":
        """The single-year plan of one planning year: its tables without the year column, its yearly cost
        and penalties as the objective."""
        if self.planning_years is None or year not in self.planning_years:
            raise ValueError(f"{year} is not a planning year of this plan ({self.planning_years})")
        tables = {}
        for name in PERIODIC_TABLES:
            table = getattr(self, name)
            tables[name] = table[table["year"] == year].drop(columns="year") if "year" in table else table
            if name != "sites":
                tables[name] = tables[name].reset_index(drop=True)
        key = str(year)
        cost = self.metadata.get("cost_usd_by_year", {}).get(key)
        penalty = self.metadata.get("penalty_usd_by_year", {}).get(key)
        objective = math.nan if cost is None or penalty is None else cost + penalty
        metadata = {k: v for k, v in self.metadata.items() if k not in PERIOD_METADATA_KEYS}
        for name, by_year in (("training", "training_by_year"), ("n_minus_1", "n_minus_1_by_year"),
                              ("policy", "policy_by_year")):
            value = self.metadata.get(by_year, {}).get(key)
            if value:
                metadata[name] = value
            elif by_year in self.metadata:
                metadata.pop(name, None)
        return replace(self, objective_usd=objective, bound_usd=math.nan, metadata=metadata,
                       builds=_empty("builds")(), purchases=_empty("purchases")(),
                       retirements=_empty("retirements")(), **tables)

    @property
    def has_solution(self) -> bool:
        return math.isfinite(self.objective_usd)

    def _costs_of_kind(self, kind: str) -> float:
        if not self.has_solution or self.planning_years is not None:  # per year: cost_usd_by_year
            return math.nan
        costs = self.costs
        if "kind" not in costs:
            return math.nan
        return float(costs.loc[costs["kind"] == kind, "usd_per_year"].sum())

    @property
    def cost_usd_per_year(self) -> float:
        """Money: capex annuities, energy, carbon, transfer losses [USD/year]."""
        return self._costs_of_kind("cost")

    @property
    def penalty_usd_per_year(self) -> float:
        """Penalties: unmet demand, latency quality, training shortfall [USD/year]."""
        return self._costs_of_kind("penalty")

    @property
    def unmet_tokens_per_s(self) -> float:
        if self.planning_years is not None:
            return math.nan  # per year: for_year(year)
        return float(self.unmet["unmet_tokens_per_s"].sum()) if len(self.unmet) else math.nan

    @property
    def demand_tokens_per_s(self) -> float:
        if self.planning_years is not None:
            return math.nan
        return float(self.unmet["demand_tokens_per_s"].sum()) if len(self.unmet) else math.nan

    def chips_by_type(self) -> pd.Series:
        if self.fleet.empty:
            return pd.Series(dtype=float, name="chips")
        return self.fleet.groupby("chip")["chips"].sum().sort_values(ascending=False)

    def with_timings(self, timings_s: dict[str, float]) -> "Plan":
        return replace(self, timings_s=dict(timings_s))

    def __repr__(self) -> str:
        """One line: the tables are a notebook's ``_repr_html_`` or ``summary()``, not a repr."""
        if not self.has_solution:
            return f"Plan({self.scenario_name!r}, {self.status}, no solution)"
        if self.planning_years is not None:
            years = self.planning_years
            return (f"Plan({self.scenario_name!r}, {self.status}, {years[0]}-{years[-1]} in {len(years)} periods, "
                    f"present value {self.objective_usd / 1e9:.3f} bn USD, gap {self.gap:.2%}, "
                    f"{int(self.purchases['count'].sum()):,} chips bought)")
        opened = int(self.sites["is_open"].astype(bool).sum()) if "is_open" in self.sites else len(self.sites)
        unmet = self.unmet_tokens_per_s / self.demand_tokens_per_s if self.demand_tokens_per_s else 0.0
        return (f"Plan({self.scenario_name!r}, {self.status}, {self.objective_usd / 1e9:.3f} bn USD/year, "
                f"gap {self.gap:.2%}, {opened} sites open, {int(self.fleet['chips'].sum()):,} chips, "
                f"unmet {unmet:.1%})")

    def with_explanation(self, metadata: dict, marginal_values: pd.DataFrame) -> "Plan":
        return replace(self, metadata={**self.metadata, **metadata}, marginal_values=marginal_values)

    def summary(self) -> str:
        from planner.results_format import summary_text

        return summary_text(self)

    def _repr_html_(self) -> str:
        from planner.results_format import summary_html

        return summary_html(self)

    def to_json_dict(self) -> dict:
        return {
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "status": str(self.status),
            "objective_usd": _finite_or_none(self.objective_usd),
            "cost_usd_per_year": _finite_or_none(self.cost_usd_per_year),
            "penalty_usd_per_year": _finite_or_none(self.penalty_usd_per_year),
            "bound_usd": _finite_or_none(self.bound_usd),
            "gap": _finite_or_none(self.gap),
            "unmet_tokens_per_s": _finite_or_none(self.unmet_tokens_per_s),
            "demand_tokens_per_s": _finite_or_none(self.demand_tokens_per_s),
            "timings_s": self.timings_s,
            **self.metadata,
        }

    def to_xarray(self):
        """The tables as one labelled ``xarray.Dataset`` (needs the ``netcdf`` extra)."""
        from planner.results_xarray import plan_to_dataset

        return plan_to_dataset(self)

    def to_netcdf(self, path: str | Path) -> Path:
        """Write ``to_xarray()`` as a netCDF-4 file, atomically (needs the ``netcdf`` extra)."""
        from planner.results_xarray import plan_to_netcdf

        return plan_to_netcdf(self, path)

    def to_dir(self, directory: str | Path, table_format: str = "csv") -> Path:
        """Write plan.json and one file per table; atomic: the folder appears complete or not at all."""
        return write_plan_dir(self, Path(directory), table_format)

    @classmethod
    def from_dir(cls, directory: str | Path) -> "Plan":
        return read_plan_dir(Path(directory))


def _finite_or_none(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def write_plan_dir(plan: Plan, directory: Path, table_format: str = "csv") -> Path:
    if table_format not in {"csv", "parquet"}:
        raise ValueError("table_format must be 'csv' or 'parquet'")
    directory = directory.resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        names = TABLES + EXPLAIN_TABLES + (PERIOD_TABLES if plan.planning_years is not None else ())
        for name in names:
            table: pd.DataFrame = getattr(plan, name)
            table = table.reset_index() if name == "sites" else table
            if table_format == "csv":
                table.to_csv(staging / f"{name}.csv", index=False)
            else:
                table.to_parquet(staging / f"{name}.parquet", index=False)
        document = {**plan.to_json_dict(), "table_format": table_format, "tables": list(names)}
        (staging / "plan.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
        _replace_dir(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def _replace_dir(staging: Path, directory: Path) -> None:
    """Swap ``staging`` into place; an older result is removed only after the new one is complete."""
    if directory.exists():
        old = directory.with_name(f".{directory.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(directory, old)
        os.replace(staging, directory)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, directory)


def read_plan_dir(directory: Path) -> Plan:
    document = json.loads((directory / "plan.json").read_text())
    fmt = document.get("table_format", "csv")
    tables = {}
    for name in TABLES:
        path = directory / f"{name}.{fmt}"
        if name in OPTIONAL_TABLES and not path.exists():
            continue
        tables[name] = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    for name in EXPLAIN_TABLES + PERIOD_TABLES:
        path = directory / f"{name}.{fmt}"
        if path.exists():
            tables[name] = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    tables["sites"] = tables["sites"].set_index("site")
    known = {"scenario", "scenario_hash", "status", "objective_usd", "cost_usd_per_year", "penalty_usd_per_year",
             "bound_usd", "gap", "unmet_tokens_per_s",
             "demand_tokens_per_s", "timings_s", "table_format", "tables"}
    as_float = lambda v: math.nan if v is None else float(v)  # noqa: E731
    return Plan(scenario_name=document["scenario"], scenario_hash=document["scenario_hash"],
                status=Termination(document["status"]), objective_usd=as_float(document["objective_usd"]),
                bound_usd=as_float(document["bound_usd"]), gap=as_float(document["gap"]),
                timings_s=document.get("timings_s", {}),
                metadata={k: v for k, v in document.items() if k not in known}, **tables)
