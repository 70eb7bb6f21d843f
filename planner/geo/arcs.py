"""Latency pruning: only (region, service class, site) pairs within the class's RTT budget become arcs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.geo.latency import rtt_matrix_ms


def serve_arcs(regions: pd.DataFrame, sites: pd.DataFrame, rtt_budget_ms: pd.Series,
               max_candidate_sites: pd.Series | None = None, percentile: str = "p50") -> pd.DataFrame:
    """Arcs indexed by (region, service_class, site) with ``rtt_ms``, one per pair within the budget and,
    where ``max_candidate_sites`` gives a number for the class, among that many nearest sites of the region.

    The RTT is taken from each region's population-weighted centroid to the site, at ``percentile`` (p50 or
    p90) of the latency model; budgets are checked against it and the latency cost is priced on it."""
    rtt = rtt_matrix_ms(regions[["lat", "lon"]], sites[["lat", "lon"]], percentile=percentile).to_numpy()
    rank = np.argsort(np.argsort(rtt, axis=1, kind="stable"), axis=1, kind="stable")
    frames = []
    for service_class, budget in rtt_budget_ms.items():
        nearest = np.inf if max_candidate_sites is None else max_candidate_sites.get(service_class, np.inf)
        nearest = np.inf if pd.isna(nearest) else nearest
        r_idx, s_idx = np.nonzero((rtt <= budget) & (rank < nearest))
        frames.append(pd.DataFrame({"region": regions.index[r_idx], "service_class": service_class,
                                    "site": sites.index[s_idx], "rtt_ms": rtt[r_idx, s_idx]}))
    arcs = pd.concat(frames, ignore_index=True)
    return arcs.set_index(["region", "service_class", "site"]).sort_index()
