"""Training compute in the MIP: sustained requirement and the largest run at one site, elastic and verified."""

from dataclasses import replace

import pandas as pd
import pytest

from known_answers import TWO_TOWNS_OPTIMUM_USD, two_towns
from planner.extract import extract
from planner.mip.build import build_model
from planner.mip.inputs import TrainingInputs
from planner.solve import SolveOptions, solve
from planner.verify import verify

pytestmark = pytest.mark.solver


def with_training(sustained: float, largest: float, penalty: float = 1.0):
    # X trains at 1e15 FLOP/s, Y at 4e15; Y is cheaper per FLOP/s (25,000 vs 4 x 10,000 USD/year + power).
    flops = pd.Series({"X": 1e15, "Y": 4e15}).rename_axis("chip")
    return replace(two_towns(), training=TrainingInputs(sustained_flops=sustained, largest_run_flops=largest,
                                                        flops_per_chip=flops, unmet_penalty_usd_per_flops_year=penalty))


def solved(inputs):
    model = build_model(inputs)
    return extract(model, inputs, solve(model, SolveOptions(mip_gap=0.0)), "h")


def test_largest_run_sits_at_one_site_and_costs_the_extra_chips():
    # 16e15 FLOP/s at one site: 4 more Y there (4 x 25,000 + 4 x 2 kW x 1e6 USD/MW-year = 108,000).
    inputs = with_training(sustained=8e15, largest=16e15, penalty=1.0)
    plan = solved(inputs)
    training = plan.metadata["training"]
    assert training["largest_run_shortfall_flops"] == pytest.approx(0.0, abs=1e3)
    assert training["provided_flops"] == pytest.approx(16e15)
    site = training["largest_run_site"]
    rows = plan.allocation[(plan.allocation["service_class"] == "training") & (plan.allocation["site"] == site)]
    assert (rows["chips_serving"] * rows["chip"].map({"X": 1e15, "Y": 4e15})).sum() == pytest.approx(16e15)
    assert plan.objective_usd == pytest.approx(TWO_TOWNS_OPTIMUM_USD + 108_000, abs=1e-3)
    assert verify(plan, inputs).ok, str(verify(plan, inputs))


def test_unmet_training_is_priced_not_infeasible():
    # A penalty of 1e-12 USD per FLOP/s-year makes 8e15 FLOP/s of shortfall cost 8,000 USD: cheaper than chips.
    inputs = with_training(sustained=8e15, largest=8e15, penalty=1e-12)
    plan = solved(inputs)
    assert plan.metadata["training"]["unmet_flops"] == pytest.approx(8e15)
    assert plan.objective_usd == pytest.approx(TWO_TOWNS_OPTIMUM_USD + 16_000, abs=1e-3)
    assert verify(plan, inputs).ok


def test_verify_flags_a_missing_training_shortfall():
    inputs = with_training(sustained=8e15, largest=16e15)
    plan = solved(inputs)
    allocation = plan.allocation[plan.allocation["service_class"] != "training"]
    flagged = {v.key_path for v in verify(replace(plan, allocation=allocation), inputs).violations}
    assert "training[sustained]" in flagged and "training[largest_run]" in flagged
