"""A lower bound on a build-out's present value from one single-year LP per planning year.

Give each period its own copy of every purchase it uses, each copy paid only in that period (the full
objective pays buy[s,k,p] in every period t it serves, weight[t] x capex[k,p] each, so the copies sum to
it); drop the equalities between the copies and the links that make halls, sites and connections persist.
What is left is a relaxation of the full-horizon model that falls apart into the planning years: year t's
single-year model with each chip at the cheapest capex of any purchase period whose chips serve t, and
nothing carried over from other years. So

    sum_t weight[t] x (optimum of year t's LP relaxation)  <=  full-horizon optimum.

Each year's LP is the size of one block, which HiGHS solves far faster than the whole horizon's LP (on the
national instance the latter does not finish in minutes); a year whose LP does not finish in time counts at
its box bound instead (0 with nonnegative costs), so the bound degrades by that year's share, no more. The bound is loose by what the carried-over
fleet, halls and sites cost the real plan: older chips holding power a later year could give to newer ones.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pyomo.core as pyo

from planner.highs import HighsInstance
from planner.mip.inputs import USD_SCALE
from planner.mip.periods import PeriodInputs, period_block
from planner.solve import SolveOptions, seconds_left

log = logging.getLogger(__name__)


def decomposed_bound(m: pyo.ConcreteModel, periods: PeriodInputs, options: SolveOptions, deadline: float,
                     order: Sequence[int] | None = None) -> float:
    """sum_t weight[t] x LP optimum of year t alone (see the module docstring) [model units]. The years are
    solved in ``order`` (default: the planning years; best the costliest first) while time is left before
    ``deadline`` (perf_counter seconds); a year whose LP is not solved by then counts at its box bound, the
    least its costs can be within the variables' bounds (0 where every cost is nonnegative), which is
    weaker but still valid. ``m`` is left as it was."""
    total = 0.0
    for year in order or periods.years:
        with _year_alone(m, periods, year):
            instance = HighsInstance(m, {"threads": options.threads, "random_seed": options.random_seed})
            lp = instance.run(seconds_left(deadline), mip_gap=options.mip_gap, relax=instance.all) \
                if seconds_left(deadline) > 0 else None
        year_bound = lp.bound if lp is not None and math.isfinite(lp.bound) else instance.box_bound()
        log.info("decomposed bound: year %s %s %.6g after %.1fs", year, "LP" if lp is not None and lp.has_solution
                 else "box (LP not solved in time)", year_bound, lp.seconds if lp is not None else 0.0)
        total += year_bound
    return total


def cheapest_capex_musd(m: pyo.ConcreteModel, periods: PeriodInputs, year: int) -> dict[tuple[str, str], float]:
    """(site, chip) -> the lowest yearly capex [MUSD/year] of the purchase periods whose chips serve ``year``."""
    capex = {}
    for (s, k, t), bought in m.vintages.items():
        if t == year:
            capex[s, k] = min(float(periods.inputs[p].chips.at[k, "capex_usd_per_year"]) for p in bought) / USD_SCALE
    return capex


@contextmanager
def _year_alone(m: pyo.ConcreteModel, periods: PeriodInputs, year: int) -> Iterator[None]:
    """``m`` reduced to year ``year``'s block with its chips at the cheapest capex and no links (the other
    blocks, links and objectives off; chips no purchase can supply held at zero); restored on exit."""
    block = period_block(m, year)
    capex = cheapest_capex_musd(m, periods, year)
    switched = [c for c in m.component_objects((pyo.Constraint, pyo.Objective, pyo.Block), active=True,
                                               descend_into=False) if c is not block and c is not m.hall_holds_load]
    holds = [m.hall_holds_load[s, c, t] for s, c, t in m.HALLS if t != year and m.hall_holds_load[s, c, t].active]
    unsupplied = [block.chips[s, k] for s, k in block.SITE_CHIPS if (s, k) not in capex and not block.chips[s, k].fixed]
    for component in switched + holds:
        component.deactivate()
    block.chips_from_purchases.deactivate()
    for var in unsupplied:
        var.fix(0)
    costs = [term for term in block.cost_terms if term is not block.fleet_cost_musd]
    weight = periods.schedule.weight(year)
    objective = pyo.Objective(expr=weight * (sum(costs) + sum(block.penalty_terms)
                                             + sum(v * block.chips[s, k] for (s, k), v in capex.items())))
    name = f"decomposed_bound_objective_{year}"
    m.add_component(name, objective)
    try:
        yield
    finally:
        for component in switched + holds:
            component.activate()
        block.chips_from_purchases.activate()
        for var in unsupplied:
            var.unfix()
        m.del_component(name)
