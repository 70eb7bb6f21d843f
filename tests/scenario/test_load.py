"""Scenario loading: schema errors with key paths, all at once; extends; --set overrides; semantic checks."""

import textwrap

import pytest

from planner.errors import ScenarioError
from planner.scenario.load import load_scenario, scenario_hash
from planner.resources import scenarios_dir

pytestmark = pytest.mark.unit


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problem_paths(error: ScenarioError) -> set[str]:
    return {p.key_path for p in error.problems}


@pytest.fixture
def child(tmp_path):
    """A scenario extending the shipped GB scenario through a relative path."""
    base = tmp_path / "gb.yaml"
    base.write_text((scenarios_dir() / "great-britain.yaml").read_text())
    (tmp_path / "base.yaml").write_text((scenarios_dir() / "base.yaml").read_text())
    return write(tmp_path, "child.yaml", """
        extends: gb.yaml
        name: gb-child
        demand:
          agents_per_capita: 3
        """)


def test_reference_scenarios_load():
    for name in ("india", "great-britain"):
        scenario = load_scenario(name)
        assert scenario.name == name
        assert len(scenario.sites) >= 10


def test_every_schema_problem_reported_at_once_with_key_paths(tmp_path, child):
    bad = write(tmp_path, "bad.yaml", """
        extends: child.yaml
        country_iso3: gbr
        demand:
          adoption_share: 1.4
          agents_per_capita: -1
          colour: blue
        sites:
          - {name: X, lat: 95, lon: 0, max_grid_mw: 0}
        """)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(bad)
    paths = problem_paths(raised.value)
    assert {"country_iso3", "demand.adoption_share", "demand.agents_per_capita", "demand.colour",
            "sites.0.lat", "sites.0.max_grid_mw"} <= paths
    assert all(p.file.endswith("bad.yaml") for p in raised.value.problems)
    assert "demand.colour: unknown key" in str(raised.value)


def test_extends_merges_mappings_and_replaces_values(child):
    scenario = load_scenario(child)
    assert scenario.name == "gb-child"
    assert scenario.demand.agents_per_capita == 3
    assert scenario.demand.adoption_share == load_scenario("great-britain").demand.adoption_share
    assert len(scenario.sites) == len(load_scenario("great-britain").sites)


def test_overrides_set_values_and_change_the_hash():
    plain = load_scenario("great-britain")
    changed = load_scenario("great-britain", ["demand.agents_per_capita=2", "sites.0.max_grid_mw=123.5"])
    assert changed.demand.agents_per_capita == 2
    assert changed.sites[0].max_grid_mw == 123.5
    assert scenario_hash(changed) != scenario_hash(plain)
    assert scenario_hash(load_scenario("great-britain")) == scenario_hash(plain)


def test_bad_overrides_and_schema_problems_together():
    with pytest.raises(ScenarioError) as raised:
        load_scenario("great-britain", ["demand.agents_per_capita=-2", "sites.99.lat=1", "no_equals", "demand.typo=1"])
    paths = problem_paths(raised.value)
    assert {"demand.agents_per_capita", "sites.99", "no_equals", "demand.typo"} <= paths


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = write(tmp_path, "broken.yaml", "name: x\ndemand: [unclosed\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(bad)
    assert "line" in raised.value.problems[0].key_path


def test_missing_file_and_extends_cycle(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="chain deeper"):
        load_scenario(tmp_path / "a.yaml")


def test_semantic_checks_collect_all_problems():
    with pytest.raises(ScenarioError) as raised:
        load_scenario("great-britain", ["country_iso3=XYZ"])
    assert problem_paths(raised.value) == {"country_iso3"}
    with pytest.raises(ScenarioError) as raised:
        load_scenario("great-britain", ["sites.1.name=Slough", "sites.2.lat=10.0"])
    paths = problem_paths(raised.value)
    assert {"sites.1.name", "sites.2"} <= paths


def test_country_without_cities_is_rejected():
    # Antarctica has a GeoNames country record but no city over 15,000 people.
    with pytest.raises(ScenarioError, match="no cities"):
        load_scenario("great-britain", ["country_iso3=ATA"])


def test_unknown_chips_workloads_and_rule_packs_are_reported():
    with pytest.raises(ScenarioError) as raised:
        load_scenario("great-britain", ["chips.candidates=[H100 SXM, H900]", "policy.supply_limits={Z1: 5}",
                                        "service_classes.batch.workload=nightly", "policy.rules=oct2099"])
    paths = problem_paths(raised.value)
    assert {"chips.candidates.1", "policy.supply_limits.Z1", "service_classes.batch.workload", "policy.rules"} <= paths
    assert "chips.candidates.0" not in paths  # an alias of H100-SXM
