"""Served models and serving software over a build-out, through the pipeline: each planning year's
throughput is the roofline kernel's for that year's grown cards and software, and plan.json records both."""

import textwrap
from dataclasses import replace

import pytest

import planner
from planner.pipeline import prepare_periods, served_workloads
from planner.results_schedule import schedule_headline, schedule_table
from planner.roofline import serving_coefficients
from planner.roofline.efficiency import DEFAULT_EFFICIENCY

from pipeline.test_pipeline_known_optimum import TINY

pytestmark = pytest.mark.solver

YEARS = "planning_years=[2027,2029]"


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("growth") / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY))
    return path


def _rate(prepared, year: int) -> float:
    return float(prepared.periods[year].coefficients.loc[("H100-SXM", "batch"), "tokens_per_s_per_chip"])


def test_each_year_serves_its_grown_models_on_its_software(tiny_path):
    scenario = planner.load_scenario(tiny_path, [YEARS, "model_trends.training_compute_growth_per_year=4",
                                                 "model_trends.software_gain_per_year=0.5"])
    prepared = prepare_periods(scenario)
    specs = prepared.periods[2029].chip_specs
    expected = serving_coefficients(specs, served_workloads(scenario),
                                    replace(DEFAULT_EFFICIENCY, software_speedup=1.5 ** 2),
                                    model_compute_factor=4.0)  # 4x a year for two years, square root
    assert _rate(prepared, 2029) == pytest.approx(expected.loc[("H100-SXM", "batch"), "tokens_per_s_per_chip"])
    first = serving_coefficients(prepared.periods[2027].chip_specs, served_workloads(scenario))
    assert _rate(prepared, 2027) == pytest.approx(first.loc[("H100-SXM", "batch"), "tokens_per_s_per_chip"])
    throughput = prepared.periods[2029].inputs.throughput_tokens_per_s
    assert throughput.xs(("H100-SXM", "batch"), level=("chip", "service_class")).max() == pytest.approx(
        _rate(prepared, 2029))


def test_growth_needs_more_chips_per_token_and_software_fewer(tiny_path):
    held = prepare_periods(planner.load_scenario(tiny_path, [YEARS, "model_trends.inference_compute_exponent=0",
                                                             "model_trends.software_efficiency=none"]))
    grown = prepare_periods(planner.load_scenario(tiny_path, [YEARS, "model_trends.software_efficiency=none"]))
    faster = prepare_periods(planner.load_scenario(tiny_path, [YEARS, "model_trends.inference_compute_exponent=0"]))
    assert _rate(held, 2029) == pytest.approx(_rate(held, 2027))
    assert _rate(grown, 2029) < _rate(held, 2029) < _rate(faster, 2029)


def test_plan_json_records_the_growth_of_each_year(tiny_path):
    scenario = planner.load_scenario(tiny_path, [YEARS, "model_trends.training_compute_growth_per_year=9",
                                                 "model_trends.software_gain_per_year=0.25"])
    plan = planner.plan(scenario, planner.SolveOptions(mip_gap=0.0, time_limit_s=60))
    growth = plan.metadata["model_growth_by_year"]
    assert growth["2027"] == {"compute_factor": 1.0, "software_speedup": 1.0}
    assert growth["2029"]["compute_factor"] == pytest.approx(9.0)
    assert growth["2029"]["software_speedup"] == pytest.approx(1.5625)
    assert plan.metadata["verification"]["ok"], plan.metadata["verification"]["violations"]
    assert plan.metadata["unservable_classes_by_year"] == {"2027": [], "2029": ["batch"]}
    assert ("no chip can serve", "2029: batch (within the classes' latency limits on any replica of <= 64 chips)") \
        in schedule_headline(plan)
    table = schedule_table(plan)
    assert table.at[2029, "model compute x"] == 9.0 and table.at[2029, "software x"] == 1.56
    # 9x the card outgrows the H100 in 2029: the chips bought in 2027 still stand (and cost) in its fleet
    bought = plan.purchases.loc[plan.purchases["year"] == 2027, "count"].sum()
    assert bought > 0 and plan.fleet.loc[plan.fleet["year"] == 2029, "chips"].sum() == bought


def test_period_costs_accept_the_chords_of_the_unmet_pricing_and_no_more(tiny_path):
    """Unserved peak is priced by chords of the load-duration curve, on or just above the tokens lost (here
    0.9% above): each year's check accepts that, as the single-year check does, and flags a penalty beyond."""
    from planner.pipeline import period_reference_for
    from planner.verify_periods import verify_periods

    scenario = planner.load_scenario(tiny_path, [YEARS, "costs.capital_budget_usd=300000",
                                                 "model_trends.inference_compute_exponent=0"])
    prepared = prepare_periods(scenario)
    plan = planner.plan(scenario, planner.SolveOptions(mip_gap=0.0, time_limit_s=60))
    assert plan.metadata["verification"]["ok"], plan.metadata["verification"]["violations"]
    unmet = plan.costs["component"] == "unmet"
    assert plan.costs.loc[unmet, "usd_per_year"].gt(0).all() and unmet.sum() == 2
    references = period_reference_for(prepared)
    costs = plan.costs.copy()
    costs.loc[unmet, "usd_per_year"] *= 1.2
    flagged = verify_periods(replace(plan, costs=costs), references)
    found = {p.key_path for p in flagged.violations}
    assert {"period_cost[2027:unmet]", "period_cost[2029:unmet]"} <= found  # 20% is beyond any chord
