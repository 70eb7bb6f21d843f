"""Properties any correct plan model has, on small generated instances solved to optimality (gap 0, so the
comparisons allow only HiGHS's own tolerances): more capital budget or grid headroom never raises the yearly
cost; a tighter latency budget never lowers it; a higher unmet penalty never raises the tokens lost (nor,
for a flat load, the unmet demand). Few examples each, for the CI budget."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from known_answers import single_cooling
from planner.extract import extract
from planner.mip.build import build_model
from planner.mip.inputs import GridInputs, ModelInputs
from planner.solve import SolveOptions, solve

pytestmark = [pytest.mark.solver, pytest.mark.slow]

EXAMPLES = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
REL_TOL = 1e-6  # HiGHS stops at its default MIP feasibility and optimality tolerances (gap 0)


@st.composite
def instances(draw) -> ModelInputs:
    """Two to four regions, two or three sites in two grid zones, two chips, one class (maybe shaped)."""
    n_regions, n_sites = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    regions = pd.DataFrame({"population": rng.uniform(1e5, 1e6, n_regions), "lat": rng.uniform(0, 10, n_regions),
                            "lon": 0.0}, index=pd.Index([f"r{i}" for i in range(n_regions)], name="region"))
    site_names = pd.Index([f"s{j}" for j in range(n_sites)], name="site")
    sites = pd.DataFrame({
        "lat": rng.uniform(0, 10, n_sites), "lon": 0.0, "max_grid_mw": rng.uniform(0.005, 0.03, n_sites),
        "energy_usd_per_mw_year": rng.uniform(5e5, 1e6, n_sites), "energy_mwh_per_mw_year": 8760.0,
        "fixed_cost_usd_per_year": rng.uniform(1e4, 5e4, n_sites), "max_water_m3_per_year": np.inf,
        "carbon_kg_per_mwh": 200.0, "building_capex_usd_per_mw": 1e6, "grid_capex_usd_per_mw": 2e5,
        "building_capex_usd_per_mw_year": 1e5, "grid_capex_usd_per_mw_year": 2e4}, index=site_names)
    chips = pd.DataFrame({"capex_usd_per_year": rng.uniform(5e3, 3e4, 2), "capex_usd": rng.uniform(2e4, 1e5, 2),
                          "peak_kw": rng.uniform(0.5, 2, 2), "rack_kw": 30.0, "tpp": 1e3, "counts_against_cap": False,
                          "is_uncontrolled": True, "price_multiplier": 1.0, "needs_liquid": False},
                         index=pd.Index(["k0", "k1"], name="chip"))
    demand = pd.Series(rng.uniform(1e3, 8e3, n_regions), index=pd.MultiIndex.from_arrays(
        [regions.index, ["q"] * n_regions], names=["region", "service_class"]))
    thr = pd.Series({(s, k, "q"): float(rng.uniform(500, 3000)) for s in site_names for k in chips.index})
    thr.index.names = ["site", "chip", "service_class"]
    rtt = 1 + 4 * np.abs(regions["lat"].to_numpy()[:, None] - sites["lat"].to_numpy()[None])
    arcs = pd.DataFrame({"rtt_ms": rtt.ravel()}, index=pd.MultiIndex.from_product(
        [regions.index, ["q"], site_names], names=["region", "service_class", "site"]))
    cooling = single_cooling(site_names, pue=1.2).assign(capex_usd_per_mw=0.0)
    zones = pd.Series(["Z1" if j % 2 == 0 else "Z2" for j in range(n_sites)], index=site_names)
    grid = GridInputs(kind="zonal", site_zone=zones,
                      zone_headroom_mw=pd.Series({"Z1": rng.uniform(0.005, 0.04), "Z2": rng.uniform(0.005, 0.04)}
                                                 ).rename_axis("zone"),
                      transfer_lines=pd.DataFrame({"from_zone": ["Z1"], "to_zone": ["Z2"], "forward_mw": [0.0],
                                                   "reverse_mw": [0.0], "loss_cost_usd_per_mw_year": [0.0]},
                                                  index=pd.Index(["Z1-Z2"], name="line")))
    ratio = draw(st.sampled_from([None, 2.5]))
    return ModelInputs(name=f"generated-{seed}", regions=regions, sites=sites, chips=chips,
                       demand_tokens_per_s=demand, throughput_tokens_per_s=thr, serve_arcs=arcs,
                       unmet_penalty_usd_per_tokens_per_s_year=pd.Series({"q": float(rng.uniform(20, 80))}),
                       latency_cost_usd_per_tokens_per_s_ms_year=pd.Series({"q": 0.05}),
                       rtt_budget_ms=pd.Series({"q": 1e9}), max_site_share=pd.Series({"q": 1.0}), cooling=cooling,
                       grid=grid, unmet_peak_to_mean_ratio=None if ratio is None else pd.Series({"q": ratio}))


def _plan(inputs: ModelInputs):
    model = build_model(inputs)
    plan = extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "generated")
    assert plan.has_solution  # unmet demand is elastic: a plan always exists
    return plan


def _no_more_than(a: float, b: float) -> bool:
    return a <= b + REL_TOL * max(abs(a), abs(b)) + 1e-6


def _capital(plan, inputs: ModelInputs) -> float:
    chips = plan.fleet.groupby("chip")["chips"].sum()
    return float((chips * inputs.chips["capex_usd"].reindex(chips.index)).sum()
                 + (plan.sites["it_mw"] * inputs.sites["building_capex_usd_per_mw"]).sum()
                 + (plan.sites["grid_mw"] * inputs.sites["grid_capex_usd_per_mw"]).sum())


@EXAMPLES
@given(instances(), st.floats(0.3, 0.9), st.floats(1.1, 3.0))
def test_more_capital_budget_never_raises_the_cost(inputs, tight, loose):
    unconstrained = _plan(inputs)
    spend = _capital(unconstrained, inputs)
    if spend <= 0:
        return
    tighter = _plan(replace(inputs, capital_budget_usd=tight * spend))
    looser = _plan(replace(inputs, capital_budget_usd=loose * spend))
    assert _capital(tighter, inputs) <= tight * spend * (1 + 1e-6) + 1e-3
    assert _no_more_than(looser.objective_usd, tighter.objective_usd)
    assert _no_more_than(unconstrained.objective_usd, looser.objective_usd)
    assert looser.objective_usd == pytest.approx(unconstrained.objective_usd, rel=1e-6)  # the budget is slack


@EXAMPLES
@given(instances(), st.floats(1.2, 4.0))
def test_more_grid_headroom_never_raises_the_cost(inputs, factor):
    grid = inputs.grid
    wider = replace(inputs, grid=replace(grid, zone_headroom_mw=grid.zone_headroom_mw * factor),
                    sites=inputs.sites.assign(max_grid_mw=inputs.sites["max_grid_mw"] * factor))
    base, more = _plan(inputs), _plan(wider)
    assert _no_more_than(more.objective_usd, base.objective_usd)


@EXAMPLES
@given(instances(), st.floats(0.2, 0.9))
def test_a_tighter_latency_budget_never_lowers_the_cost(inputs, share):
    rtt = inputs.serve_arcs["rtt_ms"]
    budget = float(rtt.min() + share * (rtt.max() - rtt.min()))
    tight = replace(inputs, rtt_budget_ms=pd.Series({"q": budget}), serve_arcs=inputs.serve_arcs[rtt <= budget])
    base, tighter = _plan(inputs), _plan(tight)
    assert _no_more_than(base.objective_usd, tighter.objective_usd)
    assert (tighter.serving["rtt_ms"] <= budget + 1e-9).all()


@EXAMPLES
@given(instances(), st.floats(1.5, 10.0))
def test_a_higher_unmet_penalty_never_raises_the_tokens_lost(inputs, factor):
    """For optima x at price P and x' at P' > P: f(x') + P' g(x') <= f(x) + P' g(x) and f(x) + P g(x) <=
    f(x') + P g(x'), so (P' - P)(g(x') - g(x)) <= 0: the penalised quantity g (tokens lost; unmet peak for a
    flat load) cannot rise; with the solver's tolerance eps on each objective, by at most 2 eps / (P' - P)."""
    price = inputs.unmet_penalty_usd_per_tokens_per_s_year
    base, dearer = _plan(inputs), _plan(replace(inputs, unmet_penalty_usd_per_tokens_per_s_year=price * factor))
    lost = [plan.costs.set_index("component").loc["unmet", "usd_per_year"] / p for plan, p in
            ((base, 1.0), (dearer, factor))]  # the penalty at the base price
    slack = 2 * REL_TOL * dearer.objective_usd / (factor - 1) + 1e-6
    assert lost[1] <= lost[0] + slack
    if inputs.unmet_peak_to_mean_ratio is None:
        assert dearer.unmet_tokens_per_s <= base.unmet_tokens_per_s + slack / float(price.iloc[0]) + 1e-6
