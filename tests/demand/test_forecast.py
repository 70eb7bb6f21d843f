"""The forecast: plan-year anchoring, linearity in population and agents, growth, peaks, the coincident peak."""

import math

import numpy as np
import pandas as pd
import pytest

from planner.demand import DEMAND_COLUMNS, TOTAL, forecast, national_totals
from planner.demand.curves import adoption_at, adoption_share, forecast_years
from planner.demand.forecast import class_tokens
from planner.demand.diurnal import concentration, daily_shape, utc_profile
from planner.units import SECONDS_PER_DAY
from demand_changes import with_class, with_demand

pytestmark = pytest.mark.unit


def plan_total(scenario, regions):
    return forecast(scenario, regions, years=[scenario.year])["tokens_per_s_peak"].sum()


def test_columns_years_and_classes(gb, gb_regions):
    table = forecast(gb, gb_regions)
    assert list(table.columns) == DEMAND_COLUMNS
    assert sorted(table["year"].unique()) == list(range(gb.demand.base_year, gb.year + 1))
    assert set(table["service_class"]) == {str(q) for q in gb.service_classes}
    assert len(table) == len(gb_regions) * len(gb.service_classes) * (gb.year - gb.demand.base_year + 1)
    assert (table["tokens_per_s_peak"] >= table["tokens_per_s_mean"]).all()
    assert not table.duplicated(["region", "year", "service_class"]).any()


def test_plan_year_reads_off_the_scenario_by_hand(gb, gb_regions):
    """One class, no enterprise share: mean = population x growth x adoption(mid-year) x agents(t) x tokens(t)
    x intensity x (1 + r(t)) / 86400, every driver grown from the base year's mid-point."""
    d = gb.demand
    cls = d.classes["agentic"]
    table = forecast(with_class(gb, "agentic", enterprise_share=0.0), gb_regions, years=[gb.year])
    got = table[table["service_class"] == "agentic"]["tokens_per_s_mean"].sum()
    years = gb.year - d.base_year
    growth = (1 + d.population_growth_per_year) ** (gb.year - d.population_base_year)
    obs = d.adoption_observed
    anchor = obs.share_of_working_age * obs.working_age_share
    t0 = obs.date + math.log(d.adoption_saturation_share / anchor - 1) / d.adoption_growth_per_year
    adoption = d.adoption_saturation_share / (1 + math.exp(-d.adoption_growth_per_year * (gb.year + 0.5 - t0)))
    r = class_tokens(gb)["agentic"].reasoning_tokens_per_visible_token * (1 + d.reasoning_growth_per_year) ** years
    expected = (gb_regions["population"].sum() * growth * adoption * d.agents_per_capita
                * (1 + d.agents_growth_per_year) ** years * cls.tokens_per_agent_day
                * (1 + cls.token_growth_per_year) ** years * d.usage_intensity_relative_to_world * (1 + r)
                / SECONDS_PER_DAY)
    assert got == pytest.approx(expected, rel=1e-12)


def test_plan_year_adoption_share_is_a_what_if_anchor(gb, gb_regions):
    what_if = with_demand(gb, adoption_share=0.5)
    assert adoption_share(gb.year, gb.year, what_if.demand) == pytest.approx(0.5)
    ratio = plan_total(what_if, gb_regions) / plan_total(gb, gb_regions)
    assert ratio == pytest.approx(0.5 / adoption_share(gb.year, gb.year, gb.demand), rel=1e-12)


def test_total_scales_linearly_with_population(gb, gb_regions):
    doubled = gb_regions.assign(population=gb_regions["population"] * 2,
                                urban_population=gb_regions["urban_population"] * 2)
    assert plan_total(gb, doubled) == pytest.approx(2 * plan_total(gb, gb_regions), rel=1e-12)
    half_urban = gb_regions.assign(population=gb_regions["population"] * 3)
    assert plan_total(gb, half_urban) == pytest.approx(3 * plan_total(gb, gb_regions), rel=1e-12)


def test_total_is_linear_in_agents_per_capita(gb, gb_regions):
    totals = [plan_total(with_demand(gb, agents_per_capita=a), gb_regions) for a in (0.0, 1.0, 2.0, 4.0)]
    assert totals[2] - totals[1] == pytest.approx(totals[1] - totals[0], rel=1e-12)
    assert totals[3] - totals[0] == pytest.approx(4 * (totals[1] - totals[0]), rel=1e-12)
    agents_only = with_class(gb, "interactive", tokens_per_user_day=0.0, tokens_per_agent_day=1000.0)
    assert plan_total(with_demand(agents_only, agents_per_capita=0.4), gb_regions) == pytest.approx(
        0.4 / gb.demand.agents_per_capita * plan_total(agents_only, gb_regions), rel=1e-12)


def test_reasoning_tokens_count_as_generated(gb, gb_regions):
    base = forecast(gb, gb_regions, years=[gb.year]).query("service_class == 'batch'")["tokens_per_s_mean"].sum()
    r = class_tokens(gb)["batch"].reasoning_tokens_per_visible_token
    more = with_class(gb, "batch", reasoning_tokens_per_visible_token=2 * r + 1)
    got = forecast(more, gb_regions, years=[gb.year]).query("service_class == 'batch'")["tokens_per_s_mean"].sum()
    grown = (1 + gb.demand.reasoning_growth_per_year) ** (gb.year - gb.demand.base_year)
    assert got == pytest.approx(base * (1 + (2 * r + 1) * grown) / (1 + r * grown), rel=1e-12)


def test_enterprise_share_adds_demand_placed_by_city_population(gb, gb_regions):
    none = with_class(gb, "batch", enterprise_share=0.0)
    half = with_class(gb, "batch", enterprise_share=0.5)
    a = forecast(none, gb_regions, years=[gb.year]).query("service_class == 'batch'").set_index("region")
    b = forecast(half, gb_regions, years=[gb.year]).query("service_class == 'batch'").set_index("region")
    assert b["tokens_per_s_mean"].sum() == pytest.approx(2 * a["tokens_per_s_mean"].sum(), rel=1e-12)
    extra = b["tokens_per_s_mean"] - a["tokens_per_s_mean"]
    urban_share = gb_regions["urban_population"] / gb_regions["urban_population"].sum()
    assert np.allclose(extra / extra.sum(), urban_share.loc[extra.index], rtol=1e-9)


def test_demand_grows_every_year_and_adoption_is_logistic(gb, gb_regions):
    totals = forecast(gb, gb_regions).groupby("year")["tokens_per_s_peak"].sum()
    assert totals.is_monotonic_increasing and totals.iloc[-1] > totals.iloc[0]
    d = gb.demand
    obs = d.adoption_observed
    assert adoption_at(obs.date, gb.year, d) == pytest.approx(obs.share_of_working_age * obs.working_age_share)
    assert adoption_share(2100, gb.year, d) == pytest.approx(d.adoption_saturation_share, rel=1e-6)
    assert 0 < adoption_share(2020, gb.year, d) < adoption_share(gb.year, gb.year, d)
    assert forecast_years(2030, with_demand(gb, base_year=None).demand) == [2030]


def test_peak_is_mean_times_ratio(gb, gb_regions):
    table = forecast(gb, gb_regions, years=[gb.year]).set_index("service_class")
    for q, cls in gb.demand.classes.items():
        part = table.loc[str(q)]
        assert np.allclose(part["tokens_per_s_peak"], part["tokens_per_s_mean"] * cls.peak_to_mean_ratio)


@pytest.mark.parametrize("ratio", [1.0, 1.5, 2.5, 8.0])
def test_daily_shape_has_mean_one_and_the_requested_peak(ratio):
    hours = np.linspace(0, 24, 2400, endpoint=False)
    shape = daily_shape(hours, ratio, 14.0)
    assert shape.mean() == pytest.approx(1.0, rel=1e-6)
    assert shape.max() == pytest.approx(ratio, rel=1e-4)
    if ratio > 1:
        assert hours[np.argmax(shape)] == pytest.approx(14.0, abs=0.01)
    assert concentration(ratio) >= 0


def test_coincident_peak_falls_when_regions_sit_in_different_time_zones():
    means = np.array([1.0, 1.0])
    same = utc_profile(means, np.array([0.0, 0.0]), 2.5, 14.0).max()
    apart = utc_profile(means, np.array([0.0, 12.0]), 2.5, 14.0).max()
    assert same == pytest.approx(5.0, rel=1e-3)
    assert apart < 0.6 * same


def test_national_totals_sum_regions_and_bound_the_coincident_peak(gb, gb_regions):
    table = forecast(gb, gb_regions)
    totals = national_totals(table, gb_regions, gb)
    plan = totals.xs(gb.year, level="year")
    assert plan.loc[TOTAL, "tokens_per_s_peak"] == pytest.approx(
        table[table["year"] == gb.year]["tokens_per_s_peak"].sum(), rel=1e-12)
    assert (totals["tokens_per_s_peak_coincident"] <= totals["tokens_per_s_peak"] * (1 + 1e-12)).all()
    # classes peak at different local hours, so the all-class coincident peak is below the sum of peaks
    assert plan.loc[TOTAL, "tokens_per_s_peak_coincident"] < plan.loc[TOTAL, "tokens_per_s_peak"]
    assert plan.loc[TOTAL, "tokens_per_s_peak_coincident"] >= plan.loc[TOTAL, "tokens_per_s_mean"]


def test_years_after_the_plan_year_extrapolate(gb, gb_regions):
    table = forecast(gb, gb_regions, years=[gb.year, gb.year + 2])
    by_year = table.groupby("year")["tokens_per_s_peak"].sum()
    assert by_year[gb.year + 2] > by_year[gb.year]


def test_region_names_match_the_regions_table(gb, gb_regions):
    table = forecast(gb, gb_regions, years=[gb.year])
    assert set(table["region"]) == set(gb_regions.index)
    assert isinstance(table, pd.DataFrame)
