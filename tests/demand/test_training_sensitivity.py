"""Training demand from the scenario, and elasticities that match the forecast's structure."""

import math

import pytest

from planner.demand import TrainingDemand, sensitivity, training_demand
from planner.units import SECONDS_PER_DAY, SECONDS_PER_YEAR
from demand_changes import with_demand

pytestmark = pytest.mark.unit


def test_training_demand_by_hand(gb):
    cfg = gb.demand.training
    got = training_demand(gb)
    assert isinstance(got, TrainingDemand)
    assert got.sustained_flops == pytest.approx(
        cfg.largest_run_compute_flop * cfg.runs_per_year / (1 - cfg.fine_tuning_share) / SECONDS_PER_YEAR
        + cfg.research_compute_flops)
    assert got.largest_run_flops == pytest.approx(cfg.largest_run_compute_flop / (cfg.largest_run_days * SECONDS_PER_DAY))
    with pytest.raises(AttributeError):
        got.sustained_flops = 0.0  # frozen


def test_no_training_section_means_no_training_demand(gb):
    assert training_demand(with_demand(gb, training=None)) == TrainingDemand(0.0, 0.0)


def test_elasticities_are_shares_of_the_peak(gb, gb_regions):
    table = sensitivity(gb, regions=gb_regions).set_index("knob")
    assert table.loc["demand.usage_intensity_relative_to_world", "elasticity"] == pytest.approx(1.0, rel=1e-9)
    assert 0 < table.loc["demand.adoption_observed.share_of_working_age", "elasticity"] < 1  # logistic: saturating
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


def test_training_differs_by_nation_from_their_programmes(gb):
    """GB: the AI Research Resource target (420 AI exaFLOPS by 2030); India: the IndiaAI common compute; both
    without a separate national pre-training programme, so the sustained need is the research compute."""
    from planner.scenario.load import load_scenario

    india = load_scenario("india")
    uk, ind = training_demand(gb), training_demand(india)
    assert gb.demand.training.runs_per_year == 0 and india.demand.training.runs_per_year == 0
    assert uk.sustained_flops == pytest.approx(gb.demand.training.research_compute_flops)
    assert ind.sustained_flops == pytest.approx(india.demand.training.research_compute_flops)
    assert uk.sustained_flops > ind.sustained_flops
    assert uk.largest_run_flops > ind.largest_run_flops  # India's largest sovereign model is smaller


def test_frontier_runs_add_to_research_compute(gb):
    cfg = gb.demand.training.model_copy(update={"runs_per_year": 2.0, "fine_tuning_share": 0.5})
    got = training_demand(with_demand(gb, training=cfg.model_dump()))
    assert got.sustained_flops == pytest.approx(
        cfg.research_compute_flops + 2 * cfg.largest_run_compute_flop / 0.5 / SECONDS_PER_YEAR)
