"""Hand-solvable instances with known optima, shared by the MIP, pipeline and verification tests.

``two_towns``: regions North (10,000 tokens/s) and South (6,000), each within the 20 ms budget of only its
own site (A, B). Chip X serves 1,000 tokens/s for 10,000 USD/year at 1 kW; chip Y 3,000 tokens/s for
25,000 USD/year at 2 kW. Energy costs 1,000,000 USD per MW-year, PUE 1, opening a site 100,000 USD/year.
North: 3 Y + 1 X = 85,000 capex + 7 kW (7,000) = 92,000 (cheaper than 10 X: 110,000, 4 Y: 108,000,
2 Y + 4 X: 98,000). South: 2 Y = 50,000 + 4,000 = 54,000. Optimum: 200,000 + 92,000 + 54,000 = 346,000.
With an unmet penalty of 10 USD per token/s-year, serving North costs 192,000 > 100,000 and South
154,000 > 60,000, so nothing is built: optimum 160,000, all unmet.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.mip.inputs import GridInputs, ModelInputs, PolicyLimits

TWO_TOWNS_OPTIMUM_USD = 346_000.0
TWO_TOWNS_ALL_UNMET_OPTIMUM_USD = 160_000.0


def single_cooling(sites: pd.Index, pue: float = 1.0) -> pd.DataFrame:
    """One air option per site at the given PUE, no capex or water: power as if cooling were free."""
    index = pd.MultiIndex.from_product([sites, ["air"]], names=["site", "cooling"])
    return pd.DataFrame({"pue": pue, "is_liquid": False, "max_rack_kw": 100.0, "capex_usd_per_mw_year": 0.0,
                         "water_m3_per_mw_year": 0.0},
                        index=index)


def two_towns(unmet_penalty: float = 100.0, policy: PolicyLimits = PolicyLimits(),
              max_grid_mw: tuple[float, float] = (100.0, 100.0), grid: GridInputs | None = None) -> ModelInputs:
    regions = pd.DataFrame({"population": [1e6, 6e5], "lat": [10.0, 0.0], "lon": [0.0, 0.0]},
                           index=pd.Index(["North", "South"], name="region"))
    sites = pd.DataFrame({
        "lat": [10.0, 0.0], "lon": [0.0, 0.0], "max_grid_mw": list(max_grid_mw),
        "energy_usd_per_mw_year": [1e6, 1e6], "fixed_cost_usd_per_year": [1e5, 1e5],
        "building_capex_usd_per_mw_year": [0.0, 0.0], "grid_capex_usd_per_mw_year": [0.0, 0.0],
        "max_water_m3_per_year": [math.inf, math.inf], "energy_mwh_per_mw_year": [8760.0, 8760.0],
        "carbon_kg_per_mwh": [200.0, 200.0],
    }, index=pd.Index(["A", "B"], name="site"))
    chips = pd.DataFrame({"capex_usd_per_year": [1e4, 2.5e4], "peak_kw": [1.0, 2.0], "rack_kw": [32.0, 64.0], "tpp": [1000.0, 5000.0],
                          "counts_against_cap": [False, True], "is_uncontrolled": [True, False],
                          "price_multiplier": [1.0, 1.0], "needs_liquid": [False, False]},
                         index=pd.Index(["X", "Y"], name="chip"))
    demand = pd.Series([1e4, 6e3], index=pd.MultiIndex.from_tuples(
        [("North", "interactive"), ("South", "interactive")], names=["region", "service_class"]))
    thr = pd.Series({(s, k, "interactive"): v for s in ("A", "B") for k, v in (("X", 1e3), ("Y", 3e3))})
    thr.index.names = ["site", "chip", "service_class"]
    arcs = pd.DataFrame({"rtt_ms": [5.0, 5.0]}, index=pd.MultiIndex.from_tuples(
        [("North", "interactive", "A"), ("South", "interactive", "B")], names=["region", "service_class", "site"]))
    return ModelInputs(name="two-towns", regions=regions, sites=sites, chips=chips, demand_tokens_per_s=demand,
                       throughput_tokens_per_s=thr, serve_arcs=arcs,
                       unmet_penalty_usd_per_tokens_per_s_year=pd.Series({"interactive": unmet_penalty}),
                       latency_cost_usd_per_tokens_per_s_ms_year=pd.Series({"interactive": 0.0}),
                       rtt_budget_ms=pd.Series({"interactive": 20.0}),
                       max_site_share=pd.Series({"interactive": 1.0}), cooling=single_cooling(sites.index),
                       policy=policy, grid=grid)
