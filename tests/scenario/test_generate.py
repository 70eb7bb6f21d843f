"""`planner init COUNTRY`: scenarios for any country from the shipped data, labelled line by line, that
validate and solve."""

import re

import pytest
from click.testing import CliRunner

import planner
from planner.cli import cli
from planner.errors import ScenarioError
from planner.scenario.generate import generate_scenario, nearest_climate, resolve_country

NUMBER = re.compile(r":\s*-?\d")
SPREAD = {"LUX": "small", "JAM": "island", "BRA": "very large", "CHN": "export-restricted",
          "NZL": "southern hemisphere", "SGP": "city state without climate normals"}


@pytest.mark.unit
@pytest.mark.parametrize("text, iso3", [("KEN", "KEN"), ("ken", "KEN"), ("Kenya", "KEN"), ("ke", "KEN"),
                                        ("united kingdom", "GBR")])
def test_country_by_code_or_name(text, iso3):
    assert resolve_country(text) == iso3


@pytest.mark.unit
def test_misspelt_country_gets_a_suggestion():
    with pytest.raises(ScenarioError, match="did you mean 'Germany'"):
        resolve_country("germny")


@pytest.mark.unit
@pytest.mark.parametrize("iso3", sorted(SPREAD), ids=lambda c: f"{c}-{SPREAD[c]}")
def test_every_number_is_labelled_and_the_file_validates(iso3, tmp_path):
    _, text = generate_scenario(iso3)
    unlabelled = [line for line in text.splitlines()
                  if NUMBER.search(line.split("#", 1)[0]) and not re.search(r"#.*\b(source|assumption):", line)]
    assert not unlabelled
    assert "# Values to review" in text
    path = tmp_path / "s.yaml"
    path.write_text(text)
    scenario = planner.load_scenario(path)  # runs the land check on every generated site
    assert scenario.country_iso3 == iso3 and len(scenario.sites) >= 2


@pytest.mark.unit
def test_a_country_without_climate_normals_borrows_its_nearest_neighbours():
    borrowed = nearest_climate("SGP")
    assert borrowed is not None and borrowed[0] == "MYS"
    assert nearest_climate("IND") is None


@pytest.mark.solver
@pytest.mark.slow
@pytest.mark.parametrize("iso3", sorted(SPREAD), ids=lambda c: f"{c}-{SPREAD[c]}")
def test_generated_scenarios_solve_verified_with_little_or_explained_unmet(iso3, tmp_path):
    _, text = generate_scenario(iso3)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    scenario = planner.load_scenario(path, ["regions.count=3", "solver.time_limit_s=60"])
    result = planner.plan(scenario)
    assert result.metadata["verification"]["ok"], result.metadata["verification"]["violations"]
    if result.unmet_tokens_per_s >= 0.05 * result.demand_tokens_per_s:  # then the explain stage must say why
        reasons = result.metadata["unmet_reasons"]
        assert all(r["kind"] and r["reason"] for r in reasons)
        named = {(r["region"], r["service_class"]) for r in reasons}
        unmet = result.unmet[result.unmet["unmet_tokens_per_s"] > 0]
        missing = [key for key in zip(unmet["region"], unmet["service_class"]) if key not in named]
        assert unmet.set_index(["region", "service_class"]).loc[missing, "unmet_tokens_per_s"].sum() \
            <= 0.01 * result.unmet_tokens_per_s, missing


@pytest.mark.unit
def test_init_command_writes_refuses_to_overwrite_and_rejects_unknown_countries(tmp_path):
    out = tmp_path / "kenya.yaml"
    runner = CliRunner()
    first = runner.invoke(cli, ["init", "Kenya", "--year", "2031", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "year: 2031" in out.read_text()
    again = runner.invoke(cli, ["init", "Kenya", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(cli, ["init", "Kenya", "--out", str(out), "--force"]).exit_code == 0
    unknown = runner.invoke(cli, ["init", "Atlantis"])
    assert unknown.exit_code == 2 and "Atlantis" in unknown.output and "Traceback" not in unknown.output


@pytest.mark.unit
def test_a_country_the_gtd_splits_gets_its_zones_and_headroom_by_population(tmp_path):
    from planner.geo.grid_limits import load_network

    _, text = generate_scenario("IND")
    path = tmp_path / "ind.yaml"
    path.write_text(text)
    scenario = planner.load_scenario(path)
    zones = list(load_network("gtd_ind").zones())
    assert scenario.grid.network == "gtd_ind" and sorted(scenario.grid.zone_headroom_mw) == zones  # "NO" is a zone
    # India's own build-out figure (7.5 GW by 2030, data/grid/datacentre_buildout_2030.csv), split by population
    assert sum(scenario.grid.zone_headroom_mw.values()) == pytest.approx(7500, abs=5)
    assert max(scenario.grid.zone_headroom_mw, key=scenario.grid.zone_headroom_mw.get) != "NE"


@pytest.mark.unit
def test_without_a_national_figure_headroom_is_the_median_build_out_share():
    from planner.scenario.generate import _average_load_mw, headroom_share_default

    share, listed = headroom_share_default()
    assert 0.035 < share < 0.18 and listed.count("%") == 3  # the middle of IND 3.5%, DEU 5.2%, GBR 18%
    _, text = generate_scenario("KEN")
    line = next(line for line in text.splitlines() if "zone_headroom_mw" in line)
    load_mw, _ = _average_load_mw("KEN")
    assert "network: none" in text and f"{{all: {max(share * load_mw, 20):.0f}}}" in line
