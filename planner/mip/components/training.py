"""National training compute: a sustained requirement over the whole fleet, and the largest run at one site.

sum_{s,k} flops[k] * chips_training[s,k] + unmet_training >= sustained_flops
sum_k flops[k] * chips_training[s,k] + run_shortfall >= largest_run_flops * is_training_site[s], for all s
sum_s is_training_site[s] = 1, is_training_site[s] <= open_site[s]
Shortfalls are elastic and penalised, so an impossible requirement shows up as a cost, never as infeasibility.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo

from planner.mip.inputs import USD_SCALE, ModelInputs

FLOPS_SCALE = 1e18  # the model counts training compute in EFLOP/s


def add_training(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    training = inputs.training
    if training is None or (training.sustained_flops <= 0 and training.largest_run_flops <= 0):
        return
    flops = training.flops_per_chip / FLOPS_SCALE
    chips_at = defaultdict(list)
    for s, k in m.TRAINING_CHIPS:
        chips_at[s].append(k)
    m.site_training_eflops = pyo.Expression(
        m.SITES, rule=lambda m, s: sum(flops[k] * m.chips_training[s, k] for k in chips_at[s]),
        doc="training compute at site s [EFLOP/s]")
    sustained, largest = training.sustained_flops / FLOPS_SCALE, training.largest_run_flops / FLOPS_SCALE
    m.unmet_training_eflops = pyo.Var(bounds=(0, sustained), doc="sustained training compute left unmet [EFLOP/s]")
    shared = training.time_shared_flops_per_chip
    shared = {} if shared is None else (shared[shared > 0] / FLOPS_SCALE).to_dict()
    m.time_shared_eflops = pyo.Expression(
        expr=sum(shared[k, q] * m.chips_serving[s, k, q] for s, k, q in m.CAPACITY if (k, q) in shared),
        doc="training compute of serving chips off-peak (time-sharing) [EFLOP/s]")
    m.training_requirement = pyo.Constraint(
        expr=sum(m.site_training_eflops[s] for s in m.SITES) + m.time_shared_eflops + m.unmet_training_eflops
        >= sustained,
        doc="sum_s site_training_eflops[s] + time_shared_eflops + unmet_training_eflops >= sustained [EFLOP/s]")
    m.is_training_site = pyo.Var(m.SITES, domain=pyo.Binary, doc="1 if site s hosts the largest training run")
    m.run_shortfall_eflops = pyo.Var(bounds=(0, largest), doc="largest run's rate missing at its site [EFLOP/s]")
    m.one_training_site = pyo.Constraint(expr=sum(m.is_training_site[s] for s in m.SITES) == 1,
                                         doc="sum_s is_training_site[s] = 1")
    m.training_site_open = pyo.Constraint(m.SITES, rule=lambda m, s: m.is_training_site[s] <= m.open_site[s],
                                          doc="is_training_site[s] <= open_site[s]")
    m.largest_run_at_one_site = pyo.Constraint(
        m.SITES, rule=lambda m, s: m.site_training_eflops[s] + m.run_shortfall_eflops >= largest * m.is_training_site[s],
        doc="site_training_eflops[s] + run_shortfall >= largest_run * is_training_site[s] [EFLOP/s]")
    penalty = training.unmet_penalty_usd_per_flops_year * FLOPS_SCALE / USD_SCALE
    m.training_cost_musd = pyo.Expression(expr=penalty * (m.unmet_training_eflops + m.run_shortfall_eflops),
                                          doc="penalty for training compute left unmet [MUSD/year]")
    m.penalty_terms.append(m.training_cost_musd)
