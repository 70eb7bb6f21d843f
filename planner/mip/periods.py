"""Build-out over several planning years: one single-year model per period, linked by what persists.

Each period is a block built by the single-year builders on that period's ``ModelInputs``; the links are
- chips: ``buy[s,k,p]`` integer chips bought in period p; the fleet of period t is exactly the chips bought
  in periods p <= t that are still within their lifetime for the whole of t (``PeriodSchedule.serves``):
  ``chips[s,k,t] = sum_p serves(p,t) buy[s,k,p]``; a chip past its lifetime is not counted;
- cooling halls: ``hall_mw[s,c,t]`` IT MW of halls of technology c built by period t, at least the load in
  them and never less than the period before; buildings (per MW of IT) and cooling plant are paid on it;
- sites and grid connections: ``open_site`` and ``grid_mw`` never fall from one period to the next.

Costs: every period pays, each year it stands for, the annuities of what is in service then (a chip's
annuity at its purchase period's price, with maintenance; halls, buildings and connections) plus that
period's energy, carbon and penalties: so capex is annualised over each year an asset is in service within
the horizon and nothing is left to value at the end. The objective is the present value at the first
planning year: sum_t weight[t] x yearly cost[t], weight[t] = sum over t's years y of (1 + rate)^-(y - y0).
With one period of one year the weight is 1 and the model is the single-year model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pandas as pd
import pyomo.core as pyo

from planner.errors import InputError, Problem
from planner.mip.build import BUILDERS, Builder
from planner.mip.components.sets import serving_site_chips
from planner.mip.inputs import USD_SCALE, ModelInputs
from planner.periods import PeriodSchedule


@dataclass(frozen=True)
class PeriodInputs:
    """The single-year inputs of every period, by planning year, with the schedule linking them."""

    schedule: PeriodSchedule
    inputs: dict[int, ModelInputs]
    _purchasable: dict[int, frozenset[str]] = field(init=False, repr=False, compare=False)
    _lifetimes: dict[int, dict[str, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = []
        if sorted(self.inputs) != list(self.schedule.years):
            problems.append(Problem("PeriodInputs", "inputs", "one ModelInputs per planning year expected",
                                    sorted(self.inputs)))
        for year, inputs in self.inputs.items():
            if "lifetime_years" not in inputs.chips:
                problems.append(Problem("PeriodInputs", f"inputs[{year}].chips.lifetime_years", "column missing"))
        if len({tuple(i.sites.index) for i in self.inputs.values()}) > 1:
            problems.append(Problem("PeriodInputs", "inputs.sites", "every period needs the same candidate sites"))
        if problems:
            raise InputError(problems, "PeriodInputs are inconsistent (a bug upstream of the MIP)")
        object.__setattr__(self, "_purchasable", {year: _purchasable(inputs.chips) for year, inputs in self.inputs.items()})
        object.__setattr__(self, "_lifetimes", {year: inputs.chips["lifetime_years"].astype(float).to_dict()
                                                for year, inputs in self.inputs.items()})

    @property
    def years(self) -> tuple[int, ...]:
        return self.schedule.years

    def purchasable(self, year: int) -> frozenset[str]:
        """Chips that may be bought in ``year`` (column ``purchasable`` of its chips table where given: chips
        bought earlier stay in the table after the rules stop their sale)."""
        return self._purchasable[year]

    def lifetime_years(self, chip: str, bought: int) -> float:
        return self._lifetimes[bought][chip]


def _purchasable(chips: pd.DataFrame) -> frozenset[str]:
    if "purchasable" not in chips:
        return frozenset(chips.index)
    return frozenset(chips.index[chips["purchasable"].astype(bool)])


def block_name(year: int) -> str:
    return f"period_{year}"


def period_block(m: pyo.ConcreteModel, year: int) -> pyo.Block:
    return getattr(m, block_name(year))


def build_periods_model(periods: PeriodInputs, extra: Iterable[Builder] = ()) -> pyo.ConcreteModel:
    """The build-out MIP over ``periods``: one block per planning year built by the single-year builders
    (and ``extra``), linked by purchases, persistent halls, sites and connections; objective the present
    value [MUSD]."""
    keys, vintages = purchase_vintages(periods)
    periods = _with_standing_chips(periods, vintages)
    first = periods.inputs[periods.years[0]]
    m = pyo.ConcreteModel(name=first.name)
    m.YEARS = pyo.Set(initialize=list(periods.years), ordered=True, doc="planning years")
    extra = tuple(extra)
    for year in periods.years:
        block = pyo.Block(concrete=True, doc=f"the single-year model of planning year {year}")
        m.add_component(block_name(year), block)
        block.cost_terms, block.penalty_terms = [], []
        for builder in (*BUILDERS, *extra):
            builder(block, periods.inputs[year])
    add_purchases(m, periods, keys, vintages)
    add_persistent_builds(m, periods)
    m.period_cost_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(period_block(m, y).cost_terms) + sum(period_block(m, y).penalty_terms),
        doc="yearly cost and penalties of each planning year [MUSD/year]")
    weights = {y: periods.schedule.weight(y) for y in periods.years}
    m.total_cost_musd = pyo.Objective(expr=sum(weights[y] * m.period_cost_musd[y] for y in m.YEARS),
                                      sense=pyo.minimize,
                                      doc="present value: sum_t weight[t] * period_cost_musd[t] [MUSD]")
    return m


def purchase_vintages(periods: PeriodInputs) -> tuple[list[tuple[str, str, int]], dict[tuple[str, str, int], list[int]]]:
    """The (site, chip, year) purchases allowed (a chip is bought only where it serves some class that year)
    and, per (site, chip, year t), the purchase years whose chips are still in service in t."""
    keys = [(s, k, p) for p in periods.years for s, k in sorted(serving_site_chips(periods.inputs[p]))
            if k in periods.purchasable(p)]
    vintages: dict[tuple[str, str, int], list[int]] = {}
    for s, k, p in keys:
        life = periods.lifetime_years(k, p)
        for t in periods.years:
            if periods.schedule.serves(p, t, life):
                vintages.setdefault((s, k, t), []).append(p)
    return keys, vintages


def _with_standing_chips(periods: PeriodInputs, vintages: dict[tuple[str, str, int], list[int]]) -> PeriodInputs:
    """Each year's inputs with the (site, chip) pairs bought earlier and still in service that serve no class
    that year (the year's grown models outgrew them), so its block still counts their power, space and
    training use."""
    inputs = dict(periods.inputs)
    for t in periods.years:
        standing = {(s, k) for s, k, year in vintages if year == t and k in inputs[t].chips.index}
        extra = tuple(sorted(standing - serving_site_chips(inputs[t])))
        if extra:
            inputs[t] = replace(inputs[t], standing_site_chips=extra)
    return replace(periods, inputs=inputs)


def add_purchases(m: pyo.ConcreteModel, periods: PeriodInputs, keys: list[tuple[str, str, int]],
                  vintages: dict[tuple[str, str, int], list[int]]) -> None:
    """buy[s,k,p] integer over ``keys``; chips[s,k,t] = sum of the purchases serving t (``vintages``, see
    ``purchase_vintages``); each block's fleet cost becomes the annuities of the chips in service, each at its
    purchase period's capex."""
    m.PURCHASES = pyo.Set(dimen=3, initialize=keys, ordered=True, doc="(site, chip, year) that may be bought")
    m.buy = pyo.Var(m.PURCHASES, domain=pyo.NonNegativeIntegers, doc="chips of type k bought at site s in year p")
    m.vintages = vintages
    for t in periods.years:
        block = period_block(m, t)
        for s, k in block.SITE_CHIPS:
            block.chips[s, k].domain = pyo.NonNegativeReals  # integral through the purchases
        block.chips_from_purchases = pyo.Constraint(
            block.SITE_CHIPS, rule=lambda b, s, k, t=t: b.chips[s, k] == sum(m.buy[s, k, p] for p in vintages.get((s, k, t), [])),
            doc="chips[s,k] = sum of buy[s,k,p] over the periods p whose chips serve this one [chips]")
        in_service = [(s, k, p) for (s, k, year), bought in vintages.items() if year == t for p in bought]
        capex = {(k, p): float(periods.inputs[p].chips.at[k, "capex_usd_per_year"]) / USD_SCALE
                 for k, p in {(k, p) for _, k, p in in_service}}
        block.fleet_cost_musd.set_value(sum(capex[k, p] * m.buy[s, k, p] for s, k, p in in_service))


def add_persistent_builds(m: pyo.ConcreteModel, periods: PeriodInputs) -> None:
    """hall_mw[s,c,t] >= it_cooled_mw[s,c,t] and >= hall_mw[s,c,t-1]; buildings and cooling plant paid on
    hall_mw; open_site and grid_mw never fall."""
    first = period_block(m, periods.years[0])
    halls = list(first.SITE_COOLING)
    m.HALLS = pyo.Set(dimen=3, initialize=[(s, c, t) for t in periods.years for s, c in halls], ordered=True,
                      doc="(site, cooling, year) halls that may stand")
    m.hall_mw = pyo.Var(m.HALLS, domain=pyo.NonNegativeReals, bounds=lambda m, s, c, t: first.it_cooled_mw[s, c].bounds,
                        doc="IT MW of halls of technology c standing at site s in year t [MW]")
    m.hall_holds_load = pyo.Constraint(
        m.HALLS, rule=lambda m, s, c, t: period_block(m, t).it_cooled_mw[s, c] <= m.hall_mw[s, c, t],
        doc="it_cooled_mw[s,c,t] <= hall_mw[s,c,t] [MW]")
    pairs = list(zip(periods.years, periods.years[1:]))
    m.PERSISTING_HALLS = pyo.Set(dimen=4, initialize=[(s, c, a, b) for a, b in pairs for s, c in halls], ordered=True)
    m.halls_persist = pyo.Constraint(m.PERSISTING_HALLS, rule=lambda m, s, c, a, b: m.hall_mw[s, c, a] <= m.hall_mw[s, c, b],
                                     doc="hall_mw[s,c,t-1] <= hall_mw[s,c,t]: halls built stay [MW]")
    m.SITE_PAIRS = pyo.Set(dimen=3, initialize=[(s, a, b) for a, b in pairs for s in first.SITES], ordered=True)
    m.sites_persist = pyo.Constraint(
        m.SITE_PAIRS, rule=lambda m, s, a, b: period_block(m, a).open_site[s] <= period_block(m, b).open_site[s],
        doc="open_site[s,t-1] <= open_site[s,t]: a site opened stays open")
    m.connections_persist = pyo.Constraint(
        m.SITE_PAIRS, rule=lambda m, s, a, b: period_block(m, a).grid_mw[s] <= period_block(m, b).grid_mw[s],
        doc="grid_mw[s,t-1] <= grid_mw[s,t]: a grid connection built stays [MW]")
    for t in periods.years:
        inputs, block = periods.inputs[t], period_block(m, t)
        building = (inputs.sites["building_capex_usd_per_mw_year"] / USD_SCALE).to_dict()
        cooling = (inputs.cooling["capex_usd_per_mw_year"] / USD_SCALE).to_dict()
        block.building_cost_musd.set_value(sum(building[s] * m.hall_mw[s, c, t] for s, c in halls))
        block.cooling_cost_musd.set_value(sum(cooling[s, c] * m.hall_mw[s, c, t] for s, c in halls))
