"""Training demand from the scenario, and elasticities that match the forecast's structure."""

import math

import pytest

from planner.demand import TrainingDemand, sensitivity, training_demand
from planner.units import SECONDS_PER_DAY, SECONDS_PER_YEAR
from tests.demand.conftest import with_demand

pytestmark = pytest.mark.unit


def test_training_demand_by_hand(gb):
    cfg = gb.demand.training
    got = training_demand(gb)
    assert isinstance(got, TrainingDemand)
    assert got.sustained_flops == pytest.approx(
        cfg.largest_run_compute_flop * cfg.runs_per_year / (1 - cfg.fine_tuning_share) / SECONDS_PER_YEAR)
    assert got.largest_run_flops == pytest.approx(cfg.largest_run_compute_flop / (cfg.largest_run_days * SECONDS_PER_DAY))
    with pytest.raises(AttributeError):
        got.sustained_flops = 0.0  # frozen


def test_no_training_section_means_no_training_demand(gb):
    assert training_demand(with_demand(gb, training=None)) == TrainingDemand(0.0, 0.0)


def test_elasticities_are_shares_of_the_peak(gb, gb_regions):
    table = sensitivity(gb, regions=gb_regions).set_index("knob")
    assert table.loc["demand.adoption_share", "elasticity"] == pytest.approx(1.0, rel=1e-9)
    agents = table.loc["demand.agents_per_capita", "elasticity"]
    users = table.loc["demand.classes.interactive.tokens_per_user_day", "elasticity"]
    assert agents + users == pytest.approx(1.0, rel=1e-9)  # every token comes from a user or an agent
    assert 0.5 < agents < 1.0
    for q in ("interactive", "agentic"):  # peak is linear in the ratio
        assert table.loc[f"demand.classes.{q}.peak_to_mean_ratio", "elasticity"] == pytest.approx(
            table.loc[f"demand.classes.{q}.tokens_per_agent_day" if q == "agentic"
                      else f"demand.classes.{q}.tokens_per_user_day", "elasticity"], rel=1e-9)
    assert not table["elasticity"].isna().any()


def test_one_sided_difference_at_a_bound(gb, gb_regions):
    """batch.peak_to_mean_ratio = 1 cannot step down (ratio >= 1): the upward side alone still gives its share."""
    table = sensitivity(gb, ["demand.classes.batch.peak_to_mean_ratio", "demand.classes.batch.tokens_per_agent_day"],
                        regions=gb_regions).set_index("knob")
    assert math.isnan(table.loc["demand.classes.batch.peak_to_mean_ratio", "tokens_per_s_peak_low"])
    assert table.loc["demand.classes.batch.peak_to_mean_ratio", "elasticity"] == pytest.approx(
        table.loc["demand.classes.batch.tokens_per_agent_day", "elasticity"], rel=1e-9)


def test_bad_step_rejected(gb, gb_regions):
    with pytest.raises(ValueError):
        sensitivity(gb, rel_step=0.0, regions=gb_regions)
