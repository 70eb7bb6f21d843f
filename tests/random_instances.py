"""Seeded random siting instances for tests that need a model too hard to solve at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.mip.inputs import ModelInputs


def random_siting(n_regions: int = 120, n_sites: int = 40, n_chips: int = 4, seed: int = 0) -> ModelInputs:
    """Capacitated-facility-location-like siting: fixed costs, tight power limits, integer chips."""
    rng = np.random.default_rng(seed)
    regions = pd.DataFrame({"population": rng.uniform(1e5, 1e6, n_regions), "lat": rng.uniform(50, 58, n_regions),
                            "lon": rng.uniform(-5, 1, n_regions)}, index=pd.Index([f"r{i}" for i in range(n_regions)], name="region"))
    demand = pd.Series(rng.uniform(500, 5000, n_regions), index=pd.MultiIndex.from_arrays(
        [regions.index, ["interactive"] * n_regions], names=["region", "service_class"]))
    sites = pd.DataFrame({
        "lat": rng.uniform(50, 58, n_sites), "lon": rng.uniform(-5, 1, n_sites),
        "max_grid_mw": rng.uniform(0.02, 0.08, n_sites), "max_water_m3_per_year": np.inf,
        "energy_mwh_per_mw_year": 8760.0, "carbon_kg_per_mwh": 200.0,
        "energy_usd_per_mw_year": rng.uniform(5e5, 1e6, n_sites),
        "fixed_cost_usd_per_year": rng.uniform(2e4, 8e4, n_sites),
        "building_capex_usd_per_mw_year": np.zeros(n_sites), "grid_capex_usd_per_mw_year": np.zeros(n_sites),
    }, index=pd.Index([f"s{j}" for j in range(n_sites)], name="site"))
    chips = pd.DataFrame({"capex_usd_per_year": rng.uniform(5e3, 3e4, n_chips), "peak_kw": rng.uniform(0.5, 2, n_chips), "rack_kw": 30.0,
                          "tpp": rng.uniform(1e3, 2e4, n_chips), "counts_against_cap": False, "is_uncontrolled": True,
                          "price_multiplier": 1.0, "needs_liquid": False}, index=pd.Index([f"k{c}" for c in range(n_chips)], name="chip"))
    thr = pd.Series({(s, k, "interactive"): float(rng.uniform(500, 3000)) for s in sites.index for k in chips.index})
    thr.index.names = ["site", "chip", "service_class"]
    distance = np.hypot(regions["lat"].to_numpy()[:, None] - sites["lat"].to_numpy()[None],
                        regions["lon"].to_numpy()[:, None] - sites["lon"].to_numpy()[None])
    r_idx, s_idx = np.nonzero(distance < 2.5)
    arcs = pd.DataFrame({"rtt_ms": 1 + 4 * distance[r_idx, s_idx]}, index=pd.MultiIndex.from_arrays(
        [regions.index[r_idx], ["interactive"] * len(r_idx), sites.index[s_idx]], names=["region", "service_class", "site"]))
    return ModelInputs(name=f"random-{seed}", regions=regions, sites=sites, chips=chips, demand_tokens_per_s=demand,
                       throughput_tokens_per_s=thr, serve_arcs=arcs.sort_index(),
                       unmet_penalty_usd_per_tokens_per_s_year=pd.Series({"interactive": 200.0}),
                       latency_cost_usd_per_tokens_per_s_ms_year=pd.Series({"interactive": 0.5}),
                       rtt_budget_ms=pd.Series({"interactive": 1e9}), max_site_share=pd.Series({"interactive": 1.0}),
                       cooling=_cooling(sites, rng))


def _cooling(sites: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Air (no capex) and liquid (lower PUE, capex) at every site."""
    index = pd.MultiIndex.from_product([sites.index, ["air", "liquid"]], names=["site", "cooling"])
    n = len(sites)
    pue = np.column_stack([rng.uniform(1.2, 1.5, n), rng.uniform(1.05, 1.15, n)]).ravel()
    capex = np.column_stack([np.zeros(n), rng.uniform(1e5, 3e5, n)]).ravel()
    return pd.DataFrame({"pue": pue, "is_liquid": [False, True] * n, "max_rack_kw": 100.0, "capex_usd_per_mw_year": capex,
                         "water_m3_per_mw_year": 0.0}, index=index)
