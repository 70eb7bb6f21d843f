"""Index sets, built once from the tidy tables: sparse sets come from the tables' own indexes."""

from __future__ import annotations

import pyomo.core as pyo

from planner.mip.inputs import ModelInputs


def serving_site_chips(inputs: ModelInputs) -> set[tuple[str, str]]:
    """(site, chip) pairs where the chip can serve some class at the site."""
    index = inputs.throughput_tokens_per_s.index
    return set(zip(index.get_level_values("site"), index.get_level_values("chip")))


def add_sets(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """REGIONS, SITES, CHIPS, SERVICE_CLASSES, DEMANDS[r,q], SERVE_ARCS[r,q,s], CAPACITY[s,k,q], SITE_CHIPS[s,k],
    TRAINING_CHIPS[s,k]."""
    thr_index = inputs.throughput_tokens_per_s.index
    m.REGIONS = pyo.Set(initialize=list(inputs.regions.index), ordered=True, doc="demand regions")
    m.SITES = pyo.Set(initialize=list(inputs.sites.index), ordered=True, doc="candidate sites")
    m.CHIPS = pyo.Set(initialize=list(inputs.chips.index), ordered=True, doc="accelerator types")
    m.SERVICE_CLASSES = pyo.Set(initialize=inputs.service_classes, ordered=True, doc="service classes")
    m.DEMANDS = pyo.Set(dimen=2, initialize=list(inputs.demand_tokens_per_s.index), ordered=True,
                        doc="(region, service_class) pairs with demand")
    m.SERVE_ARCS = pyo.Set(dimen=3, initialize=list(inputs.serve_arcs.index), ordered=True,
                           doc="(region, service_class, site) within the class's RTT budget")
    m.CAPACITY = pyo.Set(dimen=3, initialize=list(thr_index), ordered=True,
                         doc="(site, chip, service_class) where the chip can serve the class at the site")
    site_chips = sorted(serving_site_chips(inputs) | set(inputs.standing_site_chips))
    m.SITE_CHIPS = pyo.Set(dimen=2, initialize=site_chips, ordered=True, doc="(site, chip) that may be bought")
    training = inputs.training
    trainers = set() if training is None else set(training.flops_per_chip.index[training.flops_per_chip > 0])
    m.TRAINING_CHIPS = pyo.Set(dimen=2, initialize=[(s, k) for s, k in site_chips if k in trainers], ordered=True,
                               doc="(site, chip) that may be assigned to training")
