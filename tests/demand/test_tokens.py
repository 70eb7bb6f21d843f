"""One definition of reasoning and input tokens, shared by the demand and the workload profiles."""

import pytest

from planner.demand import forecast
from planner.demand.forecast import class_tokens
from planner.demand.tokens import generated_per_visible, generated_tokens, input_per_generated
from planner.roofline import load_workloads
from planner.scenario.load import load_scenario
from demand_changes import with_class, with_demand

pytestmark = pytest.mark.unit


def test_definition():
    assert generated_per_visible(0.0) == 1.0
    assert generated_tokens(512, 1.0) == 1024  # as much thinking as answering
    assert input_per_generated(40.0, 1.0) == 20.0
    with pytest.raises(ValueError):
        generated_per_visible(-0.1)


def test_workload_profiles_use_the_definition():
    for profile in load_workloads().values():
        r = profile.reasoning_tokens_per_visible_token
        assert profile.generated_tokens == pytest.approx(profile.output_tokens * (1 + r))
        assert profile.reasoning_multiplier == pytest.approx(1 + r)


@pytest.mark.parametrize("name", ["india", "great-britain"])
def test_demand_takes_reasoning_and_input_from_the_workload_profiles(name):
    scenario = load_scenario(name)
    profiles = load_workloads()
    for q, shape in class_tokens(scenario).items():
        profile = profiles[scenario.service_classes[q].workload or q]
        assert shape.reasoning_tokens_per_visible_token == profile.reasoning_tokens_per_visible_token
        assert shape.input_tokens_per_output_token == pytest.approx(profile.input_tokens / profile.output_tokens)


def test_input_tokens_per_generated_token_match_the_profile_request(gb, gb_regions):
    """With reasoning length held at its base-year value, demand reads exactly the profile's prompt per
    generated token: input_tokens / generated_tokens of one request."""
    steady = with_demand(gb, reasoning_growth_per_year=0.0)
    table = forecast(steady, gb_regions, years=[2025, gb.year]).groupby("service_class").sum(numeric_only=True)
    for q, profile in load_workloads().items():
        got = table.loc[q, "input_tokens_per_s_peak"] / table.loc[q, "tokens_per_s_peak"]
        assert got == pytest.approx(profile.input_tokens / profile.generated_tokens, rel=1e-12)


def test_growing_reasoning_lowers_input_per_generated_token(gb, gb_regions):
    table = forecast(gb, gb_regions, years=[gb.year]).groupby("service_class").sum(numeric_only=True)
    profile = load_workloads(["batch"])["batch"]
    got = table.loc["batch", "input_tokens_per_s_peak"] / table.loc["batch", "tokens_per_s_peak"]
    r = profile.reasoning_tokens_per_visible_token * (1 + gb.demand.reasoning_growth_per_year) ** 5
    assert got == pytest.approx(profile.input_tokens / profile.output_tokens / (1 + r), rel=1e-12)
    assert got < profile.input_tokens / profile.generated_tokens


def test_explicit_class_figures_override_the_profile(gb, gb_regions):
    plain = with_class(gb, "agentic", reasoning_tokens_per_visible_token=0.0, input_tokens_per_output_token=3.0)
    shape = class_tokens(plain)["agentic"]
    assert (shape.reasoning_tokens_per_visible_token, shape.input_tokens_per_output_token) == (0.0, 3.0)
    row = forecast(plain, gb_regions, years=[2025]).query("service_class == 'agentic'").sum(numeric_only=True)
    assert row["input_tokens_per_s_mean"] == pytest.approx(3.0 * row["tokens_per_s_mean"], rel=1e-12)


def test_a_profile_with_the_old_multiplier_is_told_the_new_field():
    from planner.errors import DataError
    from planner.roofline.workloads import parse_workload

    raw = {"input_tokens": 100, "output_tokens": 10, "reasoning_multiplier": 2.0, "ttft_s": 1, "tpot_s": 0.1,
           "precision": "fp8", "model_mix": {"Llama-3.1-8B": 1.0}}
    with pytest.raises(DataError) as raised:
        parse_workload("w", raw, "f.yaml", {"Llama-3.1-8B"})
    problem = next(p for p in raised.value.problems if p.key_path == "w.reasoning_tokens_per_visible_token")
    assert "1 + that" in problem.message
    good = parse_workload("w", {**raw, "reasoning_tokens_per_visible_token": 1.0}, "f.yaml", {"Llama-3.1-8B"})
    assert good.generated_tokens == 20.0 and good.input_tokens_per_output_token == 10.0
