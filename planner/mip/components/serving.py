"""Routing demand to sites within latency budgets, with explicit, penalised unmet demand.

Linking serving to open sites has two forms. Disaggregated (one row per arc,
serve[r,q,s] <= share[q] * demand[r,q] * open_site[s]) gives the tightest LP relaxation; with many arcs
its rows dominate the LP, so classes are written per arc, fewest arcs first, up to
``DISAGGREGATED_LINKING_MAX_ARCS`` rows; for the other classes the redundancy limit is a variable bound and
the link two families of aggregated rows, sums of the disaggregated ones:
per (site, class)   sum_r serve[r,q,s] <= (sum_r share[q] * demand[r,q]) * open_site[s], and
per (region, class) sum_s serve[r,q,s] <= share[q] * demand[r,q] * sum_s open_site[s] (a region needs
1/share open sites in reach to be fully served, which keeps site opening costs in the LP bound).
Both forms have the same integer solutions.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo

from planner.demand.load_duration import unmet_segments
from planner.mip.inputs import TOKENS_SCALE, USD_SCALE, ModelInputs

DISAGGREGATED_LINKING_MAX_ARCS = 20_000


def add_serving(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """serve[r,q,s] in [0, max_site_share[q] * demand[r,q]] on SERVE_ARCS; unmet[r,q] >= 0; demand balance;
    site capacity per class; links to open sites (see the module docstring); penalty on unmet."""
    # plain dicts: a pandas lookup per arc is most of the build's time on national models
    demand = (inputs.demand_tokens_per_s / TOKENS_SCALE).to_dict()
    thr = (inputs.throughput_tokens_per_s / TOKENS_SCALE).to_dict()
    share = inputs.max_site_share.to_dict()
    m.serve_ktokens_per_s = pyo.Var(m.SERVE_ARCS, domain=pyo.NonNegativeReals,
                                    bounds=lambda m, r, q, s: (0, share[q] * demand[r, q]),
                                    doc="peak demand of (r,q) served at site s, at most max_site_share[q] of it [ktokens/s]")
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
    _add_open_site_links(m, inputs, sites_of, arcs_at)
    _add_unmet_cost(m, inputs, demand)
    _add_latency_cost(m, inputs)


def _add_unmet_cost(m: pyo.ConcreteModel, inputs: ModelInputs, demand) -> None:
    """Unmet peak demand priced by the tokens it loses over the year: on the chords of the class's
    load-duration curve (``planner.demand.load_duration``), one bounded variable per chord,
    unmet[r,q] = sum_j unmet_on_chord[r,q,j] with 0 <= unmet_on_chord[r,q,j] <= width[q,j] * demand[r,q]; the
    slopes increase, so the cheapest chords fill first without binaries. A flat class has one chord."""
    penalty = (inputs.unmet_penalty_usd_per_tokens_per_s_year * TOKENS_SCALE / USD_SCALE).to_dict()
    ratio = inputs.unmet_peak_to_mean_ratio
    chords = {q: unmet_segments(float(ratio.get(q, 1.0)) if ratio is not None else 1.0)
              for q in {q for _, q in m.DEMANDS}}
    shaped = [(r, q, j) for r, q in m.DEMANDS if len(chords[q]) > 1 for j in range(len(chords[q]))]
    m.UNMET_CHORDS = pyo.Set(initialize=shaped, dimen=3, ordered=True)
    m.unmet_on_chord_ktokens_per_s = pyo.Var(
        m.UNMET_CHORDS, domain=pyo.NonNegativeReals, bounds=lambda m, r, q, j: (0, chords[q][j][0] * demand[r, q]),
        doc="unmet peak demand of (r,q) on chord j of its load-duration curve [ktokens/s]")
    on_chords = defaultdict(list)
    for r, q, j in shaped:
        on_chords[r, q].append(j)
    m.unmet_on_chords = pyo.Constraint(
        sorted(on_chords), rule=lambda m, r, q: m.unmet_ktokens_per_s[r, q]
        == sum(m.unmet_on_chord_ktokens_per_s[r, q, j] for j in on_chords[r, q]),
        doc="unmet[r,q] = sum_j unmet_on_chord[r,q,j] [ktokens/s]")
    m.unmet_cost_musd = pyo.Expression(
        expr=sum(penalty[q] * chords[q][j][1] * m.unmet_on_chord_ktokens_per_s[r, q, j] for r, q, j in shaped)
        + sum(penalty[q] * m.unmet_ktokens_per_s[r, q] for r, q in m.DEMANDS if (r, q) not in on_chords),
        doc="penalty for the tokens unserved peak demand loses over the year [MUSD/year]")
    m.penalty_terms.append(m.unmet_cost_musd)


def disaggregated_classes(arcs_per_class: dict[str, int]) -> set[str]:
    """Classes whose links are written per arc: the classes with the fewest arcs, within the row budget."""
    chosen, rows = set(), 0
    for q, n in sorted(arcs_per_class.items(), key=lambda item: item[1]):
        if rows + n > DISAGGREGATED_LINKING_MAX_ARCS:
            break
        chosen.add(q)
        rows += n
    return chosen


def _add_open_site_links(m: pyo.ConcreteModel, inputs: ModelInputs, sites_of: dict, arcs_at: dict) -> None:
    demand, share = (inputs.demand_tokens_per_s / TOKENS_SCALE).to_dict(), inputs.max_site_share.to_dict()
    arcs_per_class = defaultdict(int)
    for _, q, _ in m.SERVE_ARCS:
        arcs_per_class[q] += 1
    per_arc = disaggregated_classes(arcs_per_class)
    m.serve_at_open_site = pyo.Constraint(
        [arc for arc in m.SERVE_ARCS if arc[1] in per_arc],
        rule=lambda m, r, q, s: m.serve_ktokens_per_s[r, q, s] <= share[q] * demand[r, q] * m.open_site[s],
        doc="serve[r,q,s] <= max_site_share[q] * demand[r,q] * open_site[s] [ktokens/s]")
    reach = {(s, q): sum(share[q] * demand[r, q] for r in rs) for (s, q), rs in arcs_at.items() if q not in per_arc}
    m.site_serves_only_if_open = pyo.Constraint(
        sorted(reach), rule=lambda m, s, q: sum(m.serve_ktokens_per_s[r, q, s] for r in arcs_at[s, q])
        <= reach[s, q] * m.open_site[s],
        doc="sum_r serve[r,q,s] <= (sum_r max_site_share[q] * demand[r,q]) * open_site[s] [ktokens/s]")
    m.region_served_by_open_sites = pyo.Constraint(
        [key for key in m.DEMANDS if sites_of[key] and key[1] not in per_arc],
        rule=lambda m, r, q: sum(m.serve_ktokens_per_s[r, q, s] for s in sites_of[r, q])
        <= share[q] * demand[r, q] * sum(m.open_site[s] for s in sites_of[r, q]),
        doc="sum_s serve[r,q,s] <= max_site_share[q] * demand[r,q] * sum_s open_site[s] [ktokens/s]")


def _add_latency_cost(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    per_ms = (inputs.latency_cost_usd_per_tokens_per_s_ms_year * TOKENS_SCALE / USD_SCALE).to_dict()
    if not any(v > 0 for v in per_ms.values()):
        return
    rtt = inputs.serve_arcs["rtt_ms"].to_dict()
    m.latency_cost_musd = pyo.Expression(
        expr=sum(per_ms[q] * rtt[r, q, s] * m.serve_ktokens_per_s[r, q, s] for r, q, s in m.SERVE_ARCS if per_ms[q] > 0),
        doc="quality cost of round-trip time on served demand [MUSD/year]")
    m.penalty_terms.append(m.latency_cost_musd)
