"""Start heuristics that know the siting model's structure (passed to ``planner.solve.solve`` as ``start``).

Chip counts run to thousands or millions, so their integrality barely moves the cost, while branching on
them (and propagating their bounds) is where HiGHS loses its time. The siting start therefore decides the
yes/no choices first and rounds the counts last:

1. The LP relaxation: a proven bound, and the sites it uses (its support: opened at least a hundredth, or
   carrying at least a hundredth of the LP's grid load).
2. The count relaxation: chip counts continuous, every yes/no choice (site, cooling technology, training
   site) integer, sites outside the LP's support closed. HiGHS searches the choices alone, on a problem its
   presolve shrinks to the supported sites' arcs; its heuristics find good site sets there, where on the
   whole model they stall. When no site was left out, its proven bound holds for the whole model.
3. The choices fixed, each count rounded up or down from step 2, the restricted MIP solved for the
   roundings: a feasible plan of the whole model, carried with the best bound of steps 1 and 2.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from planner.highs import HighsInstance
from planner.solve import SolveOptions, Start, general_integers, restricted_start, seconds_left

log = logging.getLogger(__name__)

CHOICE_SHARE_OF_START = 0.75  # the count relaxation gets this share of the start's time left after the LP
SUPPORT_MIN_OPEN = 0.01  # a site the LP opens at least this much is in its support
SUPPORT_MIN_LOAD_SHARE = 0.01  # so is a site carrying at least this share of the LP's grid load (large sites)


def siting_start(instance: HighsInstance, options: SolveOptions, deadline: float) -> Start | None:
    """LP, count relaxation on the LP's sites, rounded counts (see the module docstring); rounds the LP's
    counts instead if the count relaxation finds no choice in its time."""
    lp = instance.run(seconds_left(deadline), mip_gap=options.mip_gap, relax=instance.all)
    if not lp.has_solution:
        return None
    counts = general_integers(instance)
    opens = instance.positions(instance.model.open_site)
    unsupported = {int(j): 0.0 for j in opens[~supported_sites(instance, lp.values)]}
    choice = instance.run(CHOICE_SHARE_OF_START * seconds_left(deadline), mip_gap=options.mip_gap / 4,
                          relax=counts, upper=unsupported)
    log.info("count relaxation on %d of %d sites: %s objective %.6g bound %.6g after %.1fs (LP bound %.6g)",
             len(opens) - len(unsupported), len(opens), choice.status, choice.objective, choice.bound,
             choice.seconds, lp.bound)
    if not choice.has_solution:  # round the LP's counts instead, with every choice free
        return restricted_start(instance, options, deadline, lp.values, fixed={}, bound=lp.bound)
    bound = max(lp.bound, -math.inf if unsupported else choice.bound)
    choices = np.setdiff1d(np.flatnonzero(instance.is_integer), counts)
    fixed = {int(j): float(round(choice.values[j])) for j in choices}
    return restricted_start(instance, options, deadline, choice.values, fixed, bound)


def supported_sites(instance: HighsInstance, values: np.ndarray) -> np.ndarray:
    """Per site (in ``open_site`` order): does the LP point ``values`` use it? All sites if it uses none."""
    model = instance.model
    sites = [s for s, var in model.open_site.items() if not var.fixed]
    opened = values[instance.positions([model.open_site[s] for s in sites])]
    load_mw = np.array([values[instance.positions([model.grid_mw[s]])].sum() for s in sites])
    used = (opened >= SUPPORT_MIN_OPEN) | (load_mw >= SUPPORT_MIN_LOAD_SHARE * load_mw.sum())
    return used if used.any() else np.ones_like(used)
