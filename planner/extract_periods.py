"""Reading a solved build-out model back into one ``Plan``: each period's tables with a ``year`` column, and
the schedule tables ``builds``, ``purchases`` and ``retirements``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import pyomo.core as pyo

from planner.extract import TRAINING, extract
from planner.mip.inputs import USD_SCALE
from planner.mip.periods import PeriodInputs, period_block
from planner.periods import PeriodSchedule
from planner.results import PERIOD_TABLE_COLUMNS, PERIODIC_TABLES, Plan
from planner.solve import SolveOutcome

BUILD_MIN_MW = 1e-6  # hall capacity below this is solver noise, not a build


def _value(var) -> float:
    value = pyo.value(var, exception=False)
    return 0.0 if value is None else float(value)


def _with_year(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table.assign(year=int(year))


def _builds(m: pyo.ConcreteModel, years: tuple[int, ...]) -> pd.DataFrame:
    """One row per (site, cooling, year) with halls standing: IT MW built that year and standing in total."""
    rows, previous = [], {}
    for t in years:
        for s, c, year in m.HALLS:
            if year != t:
                continue
            total = _value(m.hall_mw[s, c, t])
            total = total if total > BUILD_MIN_MW else 0.0
            added = max(total - previous.get((s, c), 0.0), 0.0)
            previous[s, c] = max(total, previous.get((s, c), 0.0))
            if total > 0:
                rows.append((s, int(t), c, added, total))
    return pd.DataFrame(rows, columns=PERIOD_TABLE_COLUMNS["builds"])


def _purchases(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [(s, k, int(p), int(round(_value(m.buy[s, k, p])))) for s, k, p in m.PURCHASES]
    table = pd.DataFrame(rows, columns=PERIOD_TABLE_COLUMNS["purchases"])
    return table[table["count"] > 0].reset_index(drop=True).astype({"count": "int64", "year": "int64"})


def retirements_of(purchases: pd.DataFrame, lifetime_years: Callable[[str, int], float],
                   schedule: PeriodSchedule) -> pd.DataFrame:
    """Chips that reach the end of their lifetime within the horizon, in the first planning year they no
    longer serve."""
    rows = []
    for row in purchases.itertuples(index=False):
        retired = schedule.retirement_year(int(row.year), lifetime_years(row.chip, int(row.year)))
        if retired is not None:
            rows.append((row.site, row.chip, int(row.year), retired, int(row.count)))
    return pd.DataFrame(rows, columns=PERIOD_TABLE_COLUMNS["retirements"]).astype(
        {"bought_year": "int64", "year": "int64", "count": "int64"})


def extract_periods(m: pyo.ConcreteModel, periods: PeriodInputs, finish_year: Callable[[int, Plan], Plan],
                    outcome: SolveOutcome, scenario_hash: str, metadata: dict | None = None) -> Plan:
    """The plan of every period in ``m``: ``finish_year(year, plan)`` turns a block's plan of the model's
    (reduced) inputs into a plan of the original ones; per-year costs, the present value and the schedule
    in the metadata."""
    schedule = periods.schedule
    years = periods.years
    per_year: dict[int, Plan] = {}
    for t in years:
        yearly = replace(outcome, objective=_value(m.period_cost_musd[t]) if outcome.has_solution else math.nan,
                         bound=math.nan)
        per_year[t] = finish_year(t, extract(period_block(m, t), periods.inputs[t], yearly, scenario_hash))
    first = per_year[years[0]]
    tables = {name: pd.concat([_with_year(getattr(per_year[t], name), t) for t in years])
              for name in PERIODIC_TABLES}
    for name in PERIODIC_TABLES:
        if name != "sites":
            tables[name] = tables[name].reset_index(drop=True)
    if outcome.has_solution:
        purchases = _purchases(m)
        tables |= {"builds": _builds(m, years), "purchases": purchases,
                   "retirements": retirements_of(purchases, periods.lifetime_years, schedule)}
    metadata = dict(metadata or {})
    metadata |= schedule_metadata(schedule, per_year)
    metadata |= compute_balance(per_year, {t: periods.inputs[t].training for t in years})
    return Plan(scenario_name=first.scenario_name, scenario_hash=scenario_hash, status=outcome.termination,
                objective_usd=outcome.objective * USD_SCALE if outcome.has_solution else math.nan,
                bound_usd=outcome.bound * USD_SCALE if math.isfinite(outcome.bound) else math.nan,
                gap=outcome.gap, regions=first.regions, metadata=metadata, **tables)


def schedule_metadata(schedule: PeriodSchedule, per_year: dict[int, Plan]) -> dict:
    """planning_years, per-year money and penalties (undiscounted, USD/year), present-value weights, the
    present value of money and penalties, and each year's training summary."""
    years = list(schedule.years)
    cost = {t: per_year[t].cost_usd_per_year for t in years}
    penalty = {t: per_year[t].penalty_usd_per_year for t in years}
    weights = {t: schedule.weight(t) for t in years}
    present = sum(weights[t] * (cost[t] + penalty[t]) for t in years)
    return {"planning_years": years,
            "cost_usd_by_year": {str(t): _finite(cost[t]) for t in years},
            "penalty_usd_by_year": {str(t): _finite(penalty[t]) for t in years},
            "discount_weight_by_year": {str(t): weights[t] for t in years},
            "discount_rate": schedule.discount_rate,
            "present_value_usd": _finite(present),
            "present_value_cost_usd": _finite(sum(weights[t] * cost[t] for t in years)),
            "training_by_year": {str(t): per_year[t].metadata.get("training", {}) for t in years},
            **({"n_minus_1_by_year": {str(t): per_year[t].metadata.get("n_minus_1", {}) for t in years}}
               if any("n_minus_1" in per_year[t].metadata for t in years) else {})}


def compute_balance(per_year: dict[int, Plan], training: dict) -> dict:
    """Per planning year, the compute of the chips serving inference and of those assigned to training, both
    at the chips' sustained training FLOP/s (one yardstick for both roles), and the first planning year in
    which inference compute is at least training compute (None: never within the horizon)."""
    by_year = {}
    for year, plan in per_year.items():
        flops = training[year].flops_per_chip if training.get(year) is not None else None
        if flops is None or plan.allocation.empty:
            continue
        alloc = plan.allocation
        rate = alloc["chip"].map(flops).astype(float).fillna(0.0) * alloc["chips_serving"].astype(float)
        is_training = alloc["service_class"] == TRAINING
        by_year[str(year)] = {"inference_flops": float(rate[~is_training].sum()),
                              "training_flops": float(rate[is_training].sum())}
    if not by_year:
        return {}
    overtakes = next((int(y) for y, v in by_year.items() if v["inference_flops"] >= v["training_flops"]
                      and v["inference_flops"] > 0), None)
    return {"compute_by_year": by_year, "inference_overtakes_training_year": overtakes}


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
