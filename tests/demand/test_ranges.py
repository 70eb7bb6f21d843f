"""Low / central / high growth paths: ranges bracket the scenario, the band is ordered, samples stay inside."""

import pytest

from planner.demand.ranges import band, knob_ranges, sample, swings, with_values
from planner.errors import ScenarioError

pytestmark = pytest.mark.unit


def test_every_range_brackets_the_scenario_value_and_has_a_reason(gb):
    ranges = knob_ranges(gb)
    assert {r.knob for r in ranges} >= {"demand.adoption_growth_per_year", "demand.agents_growth_per_year",
                                        "demand.classes.agentic.token_growth_per_year",
                                        "demand.reasoning_growth_per_year",
                                        "demand.usage_intensity_relative_to_world"}
    for r in ranges:
        assert r.low <= r.central <= r.high and r.low < r.high, r
        assert r.why


def test_band_is_ordered(gb, gb_regions):
    table = band(gb, gb_regions).set_index("case")
    peak = table["tokens_per_s_peak"]
    assert peak["low"] < peak["central"] < peak["high"]
    assert peak["high"] / peak["low"] > 3  # five years of compounding uncertainty
    assert (table["input_tokens_per_s_peak"] > table["tokens_per_s_peak"]).all()


def test_swings_move_the_total_in_the_knob_direction(gb, gb_regions):
    table = swings(gb, gb_regions)
    growth = table.set_index("knob").loc["demand.classes.agentic.token_growth_per_year"]
    assert growth["tokens_per_s_peak_low"] < growth["tokens_per_s_peak"] < growth["tokens_per_s_peak_high"]
    spread = (table["tokens_per_s_peak_high"] - table["tokens_per_s_peak_low"]).abs()
    assert spread.is_monotonic_decreasing


def test_samples_are_reproducible_and_inside_the_ranges(gb):
    first, again = sample(gb, 5, seed=3), sample(gb, 5, seed=3)
    assert [s.demand for s in first] == [s.demand for s in again]
    for scenario in first:
        for r in knob_ranges(gb):
            node = scenario.model_dump(mode="json")
            for key in r.knob.split("."):
                node = node[key]
            assert r.low <= node <= r.high


def test_with_values_validates_and_unknown_knobs_are_reported(gb):
    with pytest.raises(ValueError):
        with_values(gb, {"demand.agents_growth_per_year": -1.0})
    with pytest.raises(ScenarioError):
        knob_ranges(gb, ["demand.colour"])
