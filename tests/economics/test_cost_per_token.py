"""Levelised cost of a token from a solved plan: a hand-solvable one-site plan, the identity between the
per-class, per-region and national figures, and the national figure recomputed from the written tables."""

import textwrap

import pandas as pd
import pytest

import planner
from planner.demand.load_duration import lost_share
from planner.results import Plan
from planner.units import SECONDS_PER_YEAR

pytestmark = pytest.mark.solver

TINY = """
name: tiny
country_iso3: GBR
year: 2030
regions: {count: 1}
demand:
  adoption_share: 0.001
  agents_per_capita: 2
  classes:
    batch: {tokens_per_agent_day: 3000, reasoning_tokens_per_visible_token: 1.0, peak_to_mean_ratio: 1.5}
service_classes:
  batch: {rtt_budget_ms: 1000}
chips: {candidates: [H100-SXM], lifetime_years: 4}
sites:
  - {name: Only, lat: 52.0, lon: -1.0, max_grid_mw: 50, cdd19_per_year: 0}
cooling: {technologies: [air]}
costs:
  discount_rate: 0.05
  energy_usd_per_mwh: 100
  building_capex_usd_per_mw: 8000000
  grid_connection_capex_usd_per_mw: 400000
  site_fixed_cost_usd_per_year: 1000000
  unmet_penalty_usd_per_mtok: 1000
"""

# two classes, two regions and sites, two chips and a training programme: the allocation has work to do
MIXED = """
name: mixed
country_iso3: GBR
year: 2030
regions: {count: 3}
demand:
  adoption_share: 0.002
  agents_per_capita: 2
  classes:
    batch: {tokens_per_agent_day: 3000, peak_to_mean_ratio: 1.5}
    interactive: {tokens_per_agent_day: 1000, peak_to_mean_ratio: 2.5}
  training: {largest_run_compute_flop: 1.0e+23, largest_run_days: 30, runs_per_year: 2,
             unmet_penalty_usd_per_pflops_year: 1.0e+9}
service_classes:
  batch: {rtt_budget_ms: 1000}
  interactive: {rtt_budget_ms: 1000}
chips: {candidates: [H100-SXM, B200], lifetime_years: 4}
sites:
  - {name: North, lat: 55.9, lon: -3.2, max_grid_mw: 60, cdd19_per_year: 0, energy_usd_per_mwh: 70}
  - {name: South, lat: 51.5, lon: -0.1, max_grid_mw: 60, cdd19_per_year: 50}
cooling: {technologies: [air]}
costs:
  energy_usd_per_mwh: 120
  building_capex_usd_per_mw: 8000000
  grid_connection_capex_usd_per_mw: 400000
  site_fixed_cost_usd_per_year: 1000000
  unmet_penalty_usd_per_mtok: 1000
"""


def solve(tmp_path, text: str, name: str, overrides: list[str] | None = None) -> Plan:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    scenario = planner.load_scenario(path, overrides=overrides or [])
    return planner.plan(scenario, planner.SolveOptions(mip_gap=0.0, time_limit_s=60))


def tokens_per_year_from_tables(plan: Plan) -> float:
    """Generated tokens a year from the unmet table and the scenario's peak-to-mean ratios in plan.json: each
    (region, class) row's demand tokens less those its unserved peak loses on the class's load-duration curve."""
    classes = plan.metadata["scenario_config"]["demand"]["classes"]
    unmet = plan.unmet
    ratio = unmet["service_class"].map({q: c["peak_to_mean_ratio"] for q, c in classes.items()})
    share = unmet["unmet_tokens_per_s"] / unmet["demand_tokens_per_s"]
    served = 1 - pd.Series([float(lost_share(u, r)) for u, r in zip(share.fillna(0.0), ratio)], index=unmet.index)
    return float((unmet["demand_tokens_per_s"] * SECONDS_PER_YEAR / ratio * served).sum())


def money_from_tables(plan: Plan) -> float:
    costs = plan.costs
    return float(costs.loc[costs["kind"] == "cost", "usd_per_year"].sum())


def test_one_site_cost_per_token_is_money_over_tokens(tmp_path):
    plan = solve(tmp_path, TINY, "tiny")
    assert plan.unmet_tokens_per_s == pytest.approx(0.0, abs=1e-3)
    tokens = plan.unmet["demand_tokens_per_s"].sum() * SECONDS_PER_YEAR / 1.5  # every token served
    cost = plan.metadata["cost_per_million_tokens_usd"]
    assert cost["national"] == pytest.approx(plan.objective_usd / tokens * 1e6, rel=1e-6)
    assert cost["by_class"]["batch"] == pytest.approx(cost["national"], rel=1e-9)
    assert plan.metadata["output_tokens_served_per_year"] == pytest.approx(tokens, rel=1e-6)
    assert plan.serving["tokens_per_year"].sum() == pytest.approx(tokens, rel=1e-6)
    assert plan.metadata["training_cost_usd_per_year"] == 0.0
    assert "Cost per token" in plan.summary()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Plan:
    return solve(tmp_path_factory.mktemp("mixed"), MIXED, "mixed")


def test_class_and_region_costs_add_up_to_the_national_figure(mixed, tmp_path):
    plan = mixed
    assert plan.metadata["verification"]["ok"], plan.metadata["verification"]
    out = tmp_path / "out"
    plan.to_dir(out)
    written = Plan.from_dir(out)  # only what was written: tables and plan.json
    meta = written.metadata
    cost, served = meta["cost_per_million_tokens_usd"], written.serving
    tokens = tokens_per_year_from_tables(written)
    assert served["tokens_per_year"].sum() == pytest.approx(tokens, rel=1e-9)
    assert meta["output_tokens_served_per_year"] == pytest.approx(tokens, rel=1e-9)
    by_class = served.groupby("service_class")["tokens_per_year"].sum()
    by_region = served.groupby("region")["tokens_per_year"].sum()
    assert len(by_class) == 2 and len(by_region) >= 2
    weighted_class = sum(cost["by_class"][q] * t for q, t in by_class.items()) / by_class.sum()
    weighted_region = sum(cost["by_region"][r] * t for r, t in by_region.items()) / by_region.sum()
    assert weighted_class == pytest.approx(cost["national"], rel=1e-9)
    assert weighted_region == pytest.approx(cost["national"], rel=1e-9)
    # the national figure is the money cost of inference over the tokens served; training's share is the rest
    money = money_from_tables(written)
    training = meta["training_cost_usd_per_year"]
    assert training > 0 and (written.allocation["service_class"] == "training").any()
    assert cost["national"] == pytest.approx((money - training) / tokens * 1e6, rel=1e-9)
    assert meta["inference_cost_usd_per_year"] + training == pytest.approx(money, rel=1e-9)
    # classes differ: interactive capacity is sized on a higher peak per token served
    assert cost["by_class"]["interactive"] != pytest.approx(cost["by_class"]["batch"], rel=1e-3)


def test_energy_and_compute_balance_are_consistent_with_the_sites(mixed):
    plan = mixed
    energy = plan.metadata["energy_and_carbon"]
    national, training = energy["national"], energy["training"]
    sites_gwh = plan.sites["energy_mwh_per_year"].sum() / 1e3
    assert national["energy_gwh_per_year"] + training["energy_gwh_per_year"] == pytest.approx(sites_gwh, rel=1e-9)
    assert national["co2_t_per_year"] + training["co2_t_per_year"] == pytest.approx(
        plan.sites["emissions_t_per_year"].sum(), rel=1e-9)
    tokens = plan.metadata["output_tokens_served_per_year"]
    assert national["tokens_per_joule"] == pytest.approx(tokens / (national["energy_gwh_per_year"] * 3.6e12), rel=1e-9)
    assert national["co2_t_per_million_tokens"] == pytest.approx(national["co2_t_per_year"] / tokens * 1e6, rel=1e-9)
    assert sum(s["tokens_per_year"] for s in energy["by_site"].values()) == pytest.approx(tokens, rel=1e-9)
    balance = plan.metadata["compute_balance"]
    chips = plan.allocation.groupby(plan.allocation["service_class"] == "training")["chips_serving"].sum()
    assert balance["training"]["chips"] == pytest.approx(chips[True])
    assert balance["inference"]["chips"] == pytest.approx(chips[False])
    assert balance["training"]["share_of_bf16_peak_flops"] + balance["inference"]["share_of_bf16_peak_flops"] == \
        pytest.approx(1.0)
    assert balance["inference"]["average_facility_mw"] == pytest.approx(national["average_mw"], rel=1e-9)


def national_cost(tmp_path, overrides: list[str]) -> float:
    # a flat load: every token of the peak is worth its full price, so all demand is served and every plan
    # compared carries the same tokens (with a busy hour the top of the peak may go unserved)
    plan = solve(tmp_path, TINY, "tiny", [*overrides, "demand.classes.batch.peak_to_mean_ratio=1"])
    assert plan.unmet_tokens_per_s == pytest.approx(0.0, abs=1e-3)  # the same tokens in every plan compared
    return plan.metadata["cost_per_million_tokens_usd"]["national"]


@pytest.mark.slow
def test_plan_cost_per_token_falls_with_fp8_and_with_higher_acceptance(tmp_path):
    bf16 = national_cost(tmp_path, ["efficiency.precision=bf16"])
    fp8 = national_cost(tmp_path, ["efficiency.precision=fp8"])
    assert fp8 < bf16  # H100-SXM computes FP8 at twice its BF16 rate
    speculative = ["efficiency.speculative_tokens=3", "efficiency.draft_model=mtp"]
    low = national_cost(tmp_path, speculative + ["efficiency.acceptance_rate=0.5"])
    high = national_cost(tmp_path, speculative + ["efficiency.acceptance_rate=0.8"])
    assert high < low


@pytest.mark.slow
def test_report_shows_cost_per_token_split_and_energy(mixed):
    from planner.report.build import build_report

    html = build_report(mixed).html
    national = mixed.metadata["cost_per_million_tokens_usd"]["national"]
    split = mixed.metadata["cost_per_million_tokens_split_usd"]["national"]
    assert 'id="cost_per_token"' in html
    assert f"{national:,.3f} USD per million tokens" in html
    assert f"{split['input']:,.3f} USD per million tokens input" in html
    assert "tokens per joule" in html and "kg CO2 per million tokens" in html


@pytest.mark.slow
def test_build_out_plan_has_cost_per_token_by_year(tmp_path):
    plan = solve(tmp_path, MIXED, "mixed-years", ["planning_years=[2028,2030]"])
    cost = plan.metadata["cost_per_million_tokens_usd"]
    assert set(cost["by_year"]) == {"2028", "2030"}
    tokens = plan.serving.groupby("year")["tokens_per_year"].sum()
    assert sum(cost["by_year"][str(y)] * t for y, t in tokens.items()) / tokens.sum() == pytest.approx(
        cost["national"], rel=1e-9)
    costs = plan.costs[plan.costs["kind"] == "cost"]
    rows_training = plan.allocation["service_class"] == "training"
    assert rows_training.any()
    training = plan.metadata["training_cost_usd_by_year"]
    for year, served in tokens.items():
        money = float(costs.loc[costs["year"] == year, "usd_per_year"].sum())
        assert training[str(year)] > 0
        assert cost["by_year"][str(year)] * served / 1e6 + training[str(year)] == pytest.approx(money, rel=1e-9)
    assert set(plan.metadata["compute_balance"]["by_year"]) == {"2028", "2030"}
