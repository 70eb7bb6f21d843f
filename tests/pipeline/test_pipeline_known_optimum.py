"""A one-region, one-site, one-chip scenario through the whole pipeline, against an optimum computed by hand
from the scenario's numbers and the chip's throughput coefficient."""

import math
import textwrap

import pytest

import planner
from planner.catalog import load_catalog
from planner.cooling import load_cooling_technologies
from planner.geo.population import countries
from planner.roofline import load_workloads, serving_coefficients, training_power_kw_per_chip
from planner.units import HOURS_PER_YEAR, SECONDS_PER_DAY, capital_recovery_factor

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
chips: {candidates: [H100-SXM], server_peak_power_overhead_share: 0.5, server_average_power_overhead_share: 0.2,
        server_capex_overhead_share: 0.25,
        lifetime_years: 4, maintenance_share_per_year: 0.02}
sites:
  - {name: Only, lat: 52.0, lon: -1.0, max_grid_mw: 50, cdd19_per_year: 0}
cooling: {technologies: [air]}
costs:
  discount_rate: 0.05
  energy_usd_per_mwh: 100
  building_capex_usd_per_mw: 8000000
  building_lifetime_years: 20
  grid_connection_capex_usd_per_mw: 400000
  site_fixed_cost_usd_per_year: 1000000
  unmet_penalty_usd_per_mtok: 1000
"""


def hand_optimum_usd(scenario) -> tuple[float, int]:
    population = float(countries().loc["GBR", "population"])
    peak_tokens_per_s = population * 0.001 * 2 * 3000 * 2.0 / SECONDS_PER_DAY * 1.5
    chip = load_catalog().loc[["H100-SXM"]]
    thr = serving_coefficients(chip, load_workloads(["batch"])).loc[("H100-SXM", "batch"), "tokens_per_s_per_chip"]
    n_chips = math.ceil(peak_tokens_per_s / thr)
    chip_usd = chip.at["H100-SXM", "price_usd"] * 1.25 * (capital_recovery_factor(0.05, 4) + 0.02)
    coefficients = serving_coefficients(chip, load_workloads(["batch"])).loc[("H100-SXM", "batch")]
    training = training_power_kw_per_chip(chip).loc["H100-SXM"]
    # peak: the kernel's largest over the roles sizes building and connection; average: every chip serves batch
    # (an unassigned chip would draw the largest role average, never less), so energy is at batch's average
    peak_kw = max(coefficients["power_peak_kw_per_chip"], training["power_peak_kw_per_chip"])
    it_mw = n_chips * peak_kw / 1000
    average_it_mw = n_chips * min(coefficients["power_avg_kw_per_chip"], peak_kw) / 1000
    building_crf = capital_recovery_factor(0.05, 20)
    air = load_cooling_technologies()["air"]
    pue = air.pue(0.0)
    cost = (1e6 + n_chips * chip_usd + it_mw * (8e6 + air.capex_usd_per_mw) * building_crf
            + pue * it_mw * 4e5 * building_crf + pue * average_it_mw * 100 * HOURS_PER_YEAR)
    return cost, n_chips


def test_tiny_scenario_matches_hand_optimum(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY))
    scenario = planner.load_scenario(path)
    result = planner.plan(scenario, planner.SolveOptions(mip_gap=0.0, time_limit_s=60))
    expected_usd, n_chips = hand_optimum_usd(scenario)
    assert result.status is planner.Termination.OPTIMAL
    assert result.objective_usd == pytest.approx(expected_usd, rel=1e-6)
    assert result.fleet["chips"].sum() == n_chips
    assert result.unmet_tokens_per_s == pytest.approx(0.0, abs=1e-3)
    assert result.metadata["verification"]["ok"], result.metadata["verification"]
