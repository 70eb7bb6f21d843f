"""Routing demand to sites within latency budgets, with explicit, penalised unmet demand."""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.mip.inputs import TOKENS_SCALE, USD_SCALE, ModelInputs


def add_serving(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """serve[r,q,s] >= 0 on SERVE_ARCS; unmet[r,q] >= 0; demand balance; site capacity per class;
    serve[r,q,s] <= max_site_share[q] * demand[r,q] * open_site[s] (redundancy; also tightens the LP
    relaxation); penalty on unmet."""
    demand = inputs.demand_tokens_per_s / TOKENS_SCALE
    thr = inputs.throughput_tokens_per_s / TOKENS_SCALE
    m.serve_ktokens_per_s = pyo.Var(m.SERVE_ARCS, domain=pyo.NonNegativeReals,
                                    doc="peak demand of (r,q) served at site s [ktokens/s]")
    m.unmet_ktokens_per_s = pyo.Var(m.DEMANDS, domain=pyo.NonNegativeReals,
                                    bounds=lambda m, r, q: (0, demand[r, q]),
                                    doc="peak demand of (r,q) left unserved [ktokens/s]")
    sites_of, arcs_at = defaultdict(list), defaultdict(list)
    for r, q, s in m.SERVE_ARCS:
        sites_of[r, q].append(s)
        arcs_at[s, q].append(r)
    chips_for = defaultdict(list)
    for s, k, q in m.CAPACITY:
        chips_for[s, q].append(k)

    m.demand_balance = pyo.Constraint(
        m.DEMANDS, rule=lambda m, r, q: sum(m.serve_ktokens_per_s[r, q, s] for s in sites_of[r, q])
        + m.unmet_ktokens_per_s[r, q] == demand[r, q],
        doc="sum_s serve[r,q,s] + unmet[r,q] = demand[r,q] [ktokens/s]")
    site_classes = sorted(arcs_at)
    m.serving_capacity = pyo.Constraint(
        site_classes, rule=lambda m, s, q: sum(m.serve_ktokens_per_s[r, q, s] for r in arcs_at[s, q])
        <= sum(thr[s, k, q] * m.chips_serving[s, k, q] for k in chips_for[s, q]),
        doc="sum_r serve[r,q,s] <= sum_k thr[s,k,q] * chips_serving[s,k,q] [ktokens/s]")
    share = inputs.max_site_share
    m.serve_at_open_site = pyo.Constraint(
        m.SERVE_ARCS, rule=lambda m, r, q, s: m.serve_ktokens_per_s[r, q, s]
        <= share[q] * demand[r, q] * m.open_site[s],
        doc="serve[r,q,s] <= max_site_share[q] * demand[r,q] * open_site[s] [ktokens/s]")
    penalty = inputs.unmet_penalty_usd_per_tokens_per_s_year * TOKENS_SCALE / USD_SCALE
    m.unmet_cost_musd = pyo.Expression(
        expr=sum(penalty[q] * m.unmet_ktokens_per_s[r, q] for r, q in m.DEMANDS),
        doc="penalty for unserved peak demand [MUSD/year]")
    m.cost_terms.append(m.unmet_cost_musd)
    _add_latency_cost(m, inputs)


def _add_latency_cost(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    per_ms = inputs.latency_cost_usd_per_tokens_per_s_ms_year * TOKENS_SCALE / USD_SCALE
    if not (per_ms > 0).any():
        return
    rtt = inputs.serve_arcs["rtt_ms"]
    m.latency_cost_musd = pyo.Expression(
        expr=sum(per_ms[q] * rtt[r, q, s] * m.serve_ktokens_per_s[r, q, s] for r, q, s in m.SERVE_ARCS if per_ms[q] > 0),
        doc="quality cost of round-trip time on served demand [MUSD/year]")
    m.cost_terms.append(m.latency_cost_musd)
