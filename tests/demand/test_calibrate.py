"""Base-year calibration: adoption back-cast on held-out measurements, tokens per user against two independent
global volumes, the calibrate command's JSON keys."""

import json

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.demand import anchors
from planner.demand.calibrate import (backcast, calibration_report, central_intensity, fit_adoption_rate,
                                      leave_one_out, reference_ceilings)
from planner.scenario.load import load_scenario

pytestmark = pytest.mark.unit

ADOPTION_COUNTRIES = {"IND", "GBR", "DEU", "USA", "BRA", "WLD"}
INDEPENDENT_VOLUMES = ("Google monthly tokens", "OpenAI API throughput")


def report(name):
    scenario = load_scenario(name)
    workloads = {str(q): c.workload or str(q) for q, c in scenario.service_classes.items()}
    return calibration_report(scenario.demand, scenario.country_iso3, scenario.year, workloads)


def test_the_adoption_data_cover_the_six_series():
    assert set(anchors.adoption_countries()) == ADOPTION_COUNTRIES
    table = anchors.adoption_observations()
    assert set(table.query("iso3 == 'IND'")["period"]) == {"H1-2025", "H2-2025", "Q1-2026"}
    assert table["share_of_working_age"].between(0.1, 0.5).all()


def test_backcast_reproduces_h1_and_h2_2025_within_two_points_leaving_each_country_out():
    """Each curve passes through the country's Q1 2026 share; its rate is fitted on the other countries only."""
    table = leave_one_out(reference_ceilings())
    held_out = table[~table["calibrated_on"]]
    assert set(held_out["iso3"]) == ADOPTION_COUNTRIES
    assert len(held_out) == 11  # five countries x H1, H2 2025 and the world's H2 2025
    assert held_out["error_points"].abs().max() < 2.0
    assert table.loc[table["calibrated_on"], "error_points"].abs().max() < 1e-9


def test_shipped_rate_is_the_pooled_fit_and_back_casts_within_two_points():
    base = load_scenario("great-britain").demand
    ceilings = reference_ceilings()
    assert base.adoption_growth_per_year == pytest.approx(fit_adoption_rate(ceilings), abs=0.01)
    for iso3 in ADOPTION_COUNTRIES:
        errors = backcast(iso3, base.adoption_growth_per_year, ceilings[iso3])["error_points"]
        assert errors.abs().max() < 2.0, iso3


def test_backcast_fails_with_a_rate_the_data_reject():
    """The check can fail: diffusion twice as steep misses the UK's H1 2025 share by more than 2 points."""
    errors = backcast("GBR", 0.6, 0.9)
    assert errors.loc[errors["period"] == "H1-2025", "error_points"].abs().item() > 2.0


@pytest.mark.parametrize("name", ["india", "great-britain"])
def test_base_year_adoption_within_two_points_of_the_measured_share(name):
    got = report(name)
    assert got["base_year"] == 2025
    assert abs(got["adoption_share_modelled"] - got["adoption_share_observed"]) < 0.02


@pytest.mark.parametrize("name", ["india", "great-britain"])
def test_tokens_per_user_inside_two_independent_volume_ranges(name):
    """Google's monthly tokens and OpenAI's API plus ChatGPT volume, each apportioned to the country by its
    usage share and divided by the provider's share of all tokens (a range)."""
    got = report(name)
    volumes = [a for a in got["anchors"] if a["unit"] == "tokens/user/day"]
    for quantity in INDEPENDENT_VOLUMES:
        anchor = next(a for a in volumes if quantity in a["quantity"])
        low, high = anchor["observed"]
        assert low < anchor["modelled"] < high, (quantity, anchor)
        assert anchor["calibrated_on"] is False
    assert got["input_tokens_per_user_day"] > 5 * got["output_tokens_per_user_day"]  # prompts dominate
    for anchor in (a for a in got["anchors"] if a["calibrated_on"]):  # chat messages and the Q1 2026 share
        assert anchor["modelled"] == pytest.approx(anchor["observed"], rel=0.01), anchor


def test_country_intensity_from_published_splits():
    india = report("india")
    estimates = india["usage_intensity_estimates"]
    assert set(estimates) == {"anthropic_usage_index", "chatgpt_visitor_share"}
    assert min(estimates.values()) < india["usage_intensity_relative_to_world"] < max(estimates.values())
    assert india["usage_intensity_relative_to_world"] == pytest.approx(central_intensity(estimates), abs=0.01)
    gb = report("great-britain")
    aui = gb["usage_intensity_estimates"]["anthropic_usage_index"]
    assert gb["usage_intensity_relative_to_world"] == pytest.approx(aui, abs=0.02)


def test_calibrate_command_json_keys_and_country():
    runner = CliRunner()
    result = runner.invoke(cli, ["demand", "calibrate", "india", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    for key in ("base_year", "adoption_share_modelled", "adoption_share_observed", "output_tokens_per_user_day",
                "input_tokens_per_user_day", "anchors"):
        assert key in document
    assert all({"quantity", "observed", "modelled", "source_url"} <= set(a) for a in document["anchors"])
    assert {a["calibrated_on"] for a in document["anchors"]} == {True, False}
    world = json.loads(runner.invoke(cli, ["demand", "calibrate", "--country", "WLD", "--json"]).output)
    assert world["usage_intensity_relative_to_world"] == 1.0
    text = runner.invoke(cli, ["demand", "calibrate", "--country", "DEU"])
    assert text.exit_code == 0 and "Checked against" in text.output and "H1-2025" in text.output


def test_calibrate_command_errors_exit_2():
    runner = CliRunner()
    unknown = runner.invoke(cli, ["demand", "calibrate", "--country", "FRA"])
    assert unknown.exit_code == 2 and "--country" in unknown.output and "Traceback" not in unknown.output
    both = runner.invoke(cli, ["demand", "calibrate", "india", "--country", "IND"])
    assert both.exit_code == 2
