"""Clear errors naming the key: no cities, negative rates, adoption above 100% or above its ceiling."""

import textwrap

import pytest

from planner.demand import forecast
from planner.errors import ScenarioError
from planner.geo.regions import demand_regions
from planner.scenario.load import load_scenario
from planner.resources import scenarios_dir

pytestmark = pytest.mark.unit


def paths(error):
    return {p.key_path for p in error.problems}


def test_country_without_cities_names_country_iso3():
    with pytest.raises(ScenarioError) as raised:
        demand_regions("ATA", 5)
    assert paths(raised.value) == {"country_iso3"}
    assert "no cities" in str(raised.value)


def test_unknown_country_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="unknown ISO"):
        demand_regions("XYZ", 5)


def test_loading_a_country_without_cities_fails_with_the_key(tmp_path):
    (tmp_path / "base.yaml").write_text((scenarios_dir() / "base.yaml").read_text())
    (tmp_path / "gb.yaml").write_text((scenarios_dir() / "great-britain.yaml").read_text())
    child = tmp_path / "child.yaml"
    child.write_text("extends: gb.yaml\ncountry_iso3: ATA\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(child)
    assert "country_iso3" in paths(raised.value)


@pytest.mark.parametrize("override, key", [
    ("demand.agents_per_capita=-1", "demand.agents_per_capita"),
    ("demand.classes.agentic.tokens_per_agent_day=-5", "demand.classes.agentic.tokens_per_agent_day"),
    ("demand.classes.batch.reasoning_tokens_per_visible_token=-0.5",
     "demand.classes.batch.reasoning_tokens_per_visible_token"),
    ("demand.classes.interactive.token_growth_per_year=-0.1", "demand.classes.interactive.token_growth_per_year"),
    ("demand.agents_growth_per_year=-0.2", "demand.agents_growth_per_year"),
    ("demand.adoption_share=1.2", "demand.adoption_share"),
    ("demand.adoption_saturation_share=1.5", "demand.adoption_saturation_share"),
    ("demand.classes.batch.enterprise_share=1", "demand.classes.batch.enterprise_share"),
    ("demand.training.runs_per_year=-1", "demand.training.runs_per_year"),
    ("regions.rural_area_share=2", "regions.rural_area_share"),
])
def test_negative_rates_and_shares_above_one_name_the_key(override, key):
    with pytest.raises(ScenarioError) as raised:
        load_scenario("great-britain", [override])
    assert key in paths(raised.value)


def test_adoption_above_its_ceiling_and_late_base_year_reported_together():
    with pytest.raises(ScenarioError) as raised:
        load_scenario("great-britain", ["demand.adoption_share=0.95", "demand.adoption_saturation_share=0.9",
                                        "demand.base_year=2031"])
    assert {"demand.adoption_share", "demand.base_year"} <= paths(raised.value)


def test_forecast_checks_a_scenario_built_in_python(gb, gb_regions):
    tree = gb.model_dump(mode="json")
    tree["demand"]["adoption_saturation_share"] = 0.2
    bad = type(gb).model_validate(tree)
    with pytest.raises(ScenarioError) as raised:
        forecast(bad, gb_regions)
    assert paths(raised.value) == {"demand.adoption_observed"}
    tree["demand"]["adoption_share"] = 0.3
    with pytest.raises(ScenarioError) as raised:
        forecast(type(gb).model_validate(tree), gb_regions)
    assert paths(raised.value) == {"demand.adoption_share"}


def test_adoption_without_any_anchor_is_reported(gb, gb_regions):
    tree = gb.model_dump(mode="json")
    tree["demand"]["adoption_observed"] = None
    with pytest.raises(ScenarioError) as raised:
        forecast(type(gb).model_validate(tree), gb_regions)
    assert paths(raised.value) == {"demand.adoption_observed"}


def test_class_without_tokens_is_reported(tmp_path):
    text = (scenarios_dir() / "great-britain.yaml").read_text()
    (tmp_path / "base.yaml").write_text((scenarios_dir() / "base.yaml").read_text())
    (tmp_path / "gb.yaml").write_text(text)
    child = tmp_path / "c.yaml"
    child.write_text(textwrap.dedent("""
        extends: gb.yaml
        demand:
          classes:
            interactive: {tokens_per_user_day: 0}
        """))
    with pytest.raises(ScenarioError) as raised:
        load_scenario(child)
    assert "demand.classes.interactive" in paths(raised.value)
