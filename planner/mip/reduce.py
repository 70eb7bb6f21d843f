"""Exact reductions of ``ModelInputs`` before the MIP is built, and the expansion of its plan back.

Pooled classes: when every region may be served from every site within a class's RTT budget, latency
costs that class nothing, and one site may carry all of a region's demand, the regions are interchangeable
for the class. Its demand is then pooled into one pseudo-region (the optimum is the same, the model has
one serve variable per site instead of one per region and site); the plan's serving and unmet demand are
split back over the regions in proportion to their demand, which is one of the optimal routings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.mip.inputs import ModelInputs
from planner.results import Plan

POOL_PREFIX = "all regions: "


@dataclass(frozen=True)
class Reduction:
    inputs: ModelInputs
    pooled_classes: tuple[str, ...] = ()


def pooled_region(service_class: str) -> str:
    return f"{POOL_PREFIX}{service_class}"


def poolable_classes(inputs: ModelInputs) -> list[str]:
    arcs_per_demand = inputs.serve_arcs.groupby(level=["region", "service_class"]).size()
    n_sites = len(inputs.sites)
    pooled = []
    for q in inputs.service_classes:
        regions = inputs.demand_tokens_per_s.xs(q, level="service_class").index
        full = (arcs_per_demand.reindex(pd.MultiIndex.from_product([regions, [q]]), fill_value=0) == n_sites).all()
        if full and inputs.latency_cost_usd_per_tokens_per_s_ms_year.get(q, 0.0) == 0 and inputs.max_site_share[q] >= 1:
            pooled.append(q)
    return pooled


def reduce_inputs(inputs: ModelInputs) -> Reduction:
    pooled = poolable_classes(inputs)
    if not pooled:
        return Reduction(inputs)
    demand, arcs, regions = inputs.demand_tokens_per_s, inputs.serve_arcs, inputs.regions
    keep_demand = ~demand.index.get_level_values("service_class").isin(pooled)
    keep_arcs = ~arcs.index.get_level_values("service_class").isin(pooled)
    pool_demand = pd.Series({(pooled_region(q), q): float(demand.xs(q, level="service_class").sum()) for q in pooled})
    longest = {q: arcs.xs(q, level="service_class")["rtt_ms"].groupby(level="site").max() for q in pooled}
    pool_arcs = pd.DataFrame(
        [(pooled_region(q), q, s, float(longest[q][s])) for q in pooled for s in inputs.sites.index],
        columns=["region", "service_class", "site", "rtt_ms"]).set_index(["region", "service_class", "site"])
    pool_regions = pd.DataFrame({"population": regions["population"].sum(), "lat": np.nan, "lon": np.nan},
                                index=pd.Index([pooled_region(q) for q in pooled], name="region"))
    reduced = replace(
        inputs,
        regions=pd.concat([regions, pool_regions]),
        demand_tokens_per_s=pd.concat([demand[keep_demand], pool_demand.rename_axis(demand.index.names)]),
        serve_arcs=pd.concat([arcs[keep_arcs], pool_arcs]).sort_index())
    return Reduction(reduced, tuple(pooled))


def expand_plan(plan: Plan, reduction: Reduction, original: ModelInputs) -> Plan:
    """The plan in terms of the original regions: pooled serving and unmet demand split by demand share."""
    if not reduction.pooled_classes or not plan.has_solution:
        return plan
    serving, unmet = plan.serving, plan.unmet
    pooled_rows = serving["region"].str.startswith(POOL_PREFIX)
    pooled_unmet = unmet["region"].str.startswith(POOL_PREFIX)
    shares = {q: original.demand_tokens_per_s.xs(q, level="service_class") / original.demand_tokens_per_s.xs(
        q, level="service_class").sum() for q in reduction.pooled_classes}
    split_serving = [
        pd.DataFrame({"region": share.index, "service_class": row.service_class, "site": row.site,
                      "tokens_per_s": row.tokens_per_s * share.to_numpy()})
        for row in serving[pooled_rows].itertuples() for share in [shares[row.service_class]]]
    expanded = pd.concat([serving[~pooled_rows], *split_serving], ignore_index=True)
    keys = pd.MultiIndex.from_frame(expanded[["region", "service_class", "site"]])
    expanded["rtt_ms"] = original.serve_arcs["rtt_ms"].reindex(keys).to_numpy()
    split_unmet = [
        pd.DataFrame({"region": share.index, "service_class": row.service_class,
                      "demand_tokens_per_s": original.demand_tokens_per_s.xs(row.service_class, level="service_class").to_numpy(),
                      "unmet_tokens_per_s": row.unmet_tokens_per_s * share.to_numpy()})
        for row in unmet[pooled_unmet].itertuples() for share in [shares[row.service_class]]]
    return replace(plan, serving=expanded, unmet=pd.concat([unmet[~pooled_unmet], *split_unmet], ignore_index=True),
                   metadata={**plan.metadata, "pooled_classes": list(reduction.pooled_classes)})
