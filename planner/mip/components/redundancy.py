"""N-1 redundancy as spare capacity per site: after losing any one site, the other sites still serve a stated
share of each class's served demand.

One row per (site lost, class) instead of one model per outage: spare chips ``chips_spare[s,k,q]`` stand idle
at each site for class q (they take part of the site's chips, draw their idle power and are paid for), and
for every site s and class q with a share rho_q

    total_spare[q] - spare[s,q] >= served[s,q] - (1 - rho_q) * total_served[q]

where served[s,q] = sum_r serve[r,q,s], spare[s,q] = sum_k thr[s,k,q] * chips_spare[s,k,q] and the totals
are over all sites: the spare capacity at the other sites covers what site s served, less the shortfall
allowed, (1 - rho_q) of the class's served demand. The backup is national: a region whose site is lost may
be served from a site beyond its round-trip budget during the outage (stated, not checked).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo

from planner.mip.inputs import TOKENS_SCALE, ModelInputs


def add_n_minus_1(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    shares = inputs.n_minus_1_share
    if shares is None or not (shares > 0).any():
        return
    classes = [q for q in m.SERVICE_CLASSES if float(shares.get(q, 0.0)) > 0]
    thr = inputs.throughput_tokens_per_s / TOKENS_SCALE
    m.SPARE = pyo.Set(dimen=3, initialize=[(s, k, q) for s, k, q in m.CAPACITY if q in classes], ordered=True,
                      doc="(site, chip, service_class) that may stand spare for the class")
    m.chips_spare = pyo.Var(m.SPARE, domain=pyo.NonNegativeReals,
                            doc="chips of type k at site s standing spare for class q (N-1) [chips]")
    _replace_chip_split(m)
    spare_at, arcs_at = defaultdict(list), defaultdict(list)
    for s, k, q in m.SPARE:
        spare_at[s, q].append(k)
    for r, q, s in m.SERVE_ARCS:
        arcs_at[s, q].append(r)
    m.N1_CLASSES = pyo.Set(initialize=classes, ordered=True, doc="classes with an N-1 share")
    m.spare_ktokens_per_s = pyo.Expression(
        m.SITES, m.N1_CLASSES, rule=lambda m, s, q: sum(thr[s, k, q] * m.chips_spare[s, k, q] for k in spare_at[s, q]),
        doc="spare capacity of class q at site s [ktokens/s]")
    m.served_ktokens_per_s = pyo.Expression(
        m.SITES, m.N1_CLASSES, rule=lambda m, s, q: sum(m.serve_ktokens_per_s[r, q, s] for r in arcs_at[s, q]),
        doc="demand of class q served at site s [ktokens/s]")
    m.total_spare_ktokens_per_s = pyo.Var(m.N1_CLASSES, domain=pyo.NonNegativeReals,
                                          doc="spare capacity of class q at all sites [ktokens/s]")
    m.total_served_ktokens_per_s = pyo.Var(m.N1_CLASSES, domain=pyo.NonNegativeReals,
                                           doc="demand of class q served at all sites [ktokens/s]")
    m.total_spare = pyo.Constraint(m.N1_CLASSES, rule=lambda m, q: m.total_spare_ktokens_per_s[q]
                                   == sum(m.spare_ktokens_per_s[s, q] for s in m.SITES))
    m.total_served = pyo.Constraint(m.N1_CLASSES, rule=lambda m, q: m.total_served_ktokens_per_s[q]
                                    == sum(m.served_ktokens_per_s[s, q] for s in m.SITES))
    m.n_minus_1 = pyo.Constraint(
        m.SITES, m.N1_CLASSES, rule=lambda m, s, q: m.total_spare_ktokens_per_s[q] - m.spare_ktokens_per_s[s, q]
        >= m.served_ktokens_per_s[s, q] - (1 - float(shares[q])) * m.total_served_ktokens_per_s[q],
        doc="total_spare[q] - spare[s,q] >= served[s,q] - (1 - rho_q) total_served[q]: losing site s leaves "
            "rho_q of the class's served demand served [ktokens/s]")


def _replace_chip_split(m: pyo.ConcreteModel) -> None:
    """The fleet's chip split with the spare chips in it."""
    spare_of, classes_of = defaultdict(list), defaultdict(list)
    for s, k, q in m.SPARE:
        spare_of[s, k].append(q)
    for s, k, q in m.CAPACITY:
        classes_of[s, k].append(q)
    trains = set(m.TRAINING_CHIPS)
    m.chip_split.deactivate()
    m.chip_split_with_spare = pyo.Constraint(
        m.SITE_CHIPS, rule=lambda m, s, k: sum(m.chips_serving[s, k, q] for q in classes_of[s, k])
        + (m.chips_training[s, k] if (s, k) in trains else 0)
        + sum(m.chips_spare[s, k, q] for q in spare_of[s, k]) <= m.chips[s, k],
        doc="sum_q chips_serving[s,k,q] + chips_training[s,k] + sum_q chips_spare[s,k,q] <= chips[s,k]")
