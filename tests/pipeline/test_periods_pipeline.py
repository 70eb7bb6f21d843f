"""Build-out over several planning years through the whole pipeline, the plan folder and the CLI, on the
one-region, one-site, one-chip scenario of ``test_pipeline_known_optimum`` (chips last 4 years)."""

import json
import shutil
import textwrap

import pandas as pd
import pytest
from click.testing import CliRunner

import planner
from planner.cli import cli
from planner.errors import ScenarioError

from pipeline.test_pipeline_known_optimum import TINY

pytestmark = pytest.mark.solver

EXACT = planner.SolveOptions(mip_gap=0.0, time_limit_s=60)
YEARS = "planning_years=[2027,2030,2033]"
HELD_MODELS = "\nmodel_trends:\n  inference_compute_exponent: 0\n  software_efficiency: none\n"


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    """The tiny scenario with the served models and software held at their first-year state, so these tests
    see the periods' own mechanics (growth over the years: ``test_model_growth_pipeline``)."""
    path = tmp_path_factory.mktemp("periods") / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY) + HELD_MODELS)
    return path


@pytest.fixture(scope="module")
def solved_folder(tiny_path, tmp_path_factory):
    """The build-out solved through the CLI with ``--set planning_years=...``: its output and plan folder."""
    folder = tmp_path_factory.mktemp("periods") / "plan"
    result = CliRunner().invoke(cli, ["solve", str(tiny_path), "--out", str(folder), "--set", YEARS, "--gap", "0",
                                      "--report"])
    assert result.exit_code == 0, result.output
    return result.output, folder


@pytest.fixture(scope="module")
def buildout(solved_folder):
    return planner.Plan.from_dir(solved_folder[1])


def test_one_period_reproduces_the_single_year_objective_exactly(tiny_path, tmp_path):
    single = planner.plan(planner.load_scenario(tiny_path), EXACT, explain_options=None)
    one = planner.plan(planner.load_scenario(tiny_path, ["planning_years=[2030]"]), EXACT)
    assert one.objective_usd == pytest.approx(single.objective_usd, rel=1e-12)
    assert one.metadata["present_value_usd"] == pytest.approx(single.objective_usd, rel=1e-12)
    assert one.metadata["cost_usd_by_year"]["2030"] == pytest.approx(single.cost_usd_per_year, rel=1e-12)
    assert one.for_year(2030).fleet["chips"].sum() == single.fleet["chips"].sum()
    assert one.metadata["verification"]["ok"], one.metadata["verification"]
    document = json.loads((single.to_dir(tmp_path / "single") / "plan.json").read_text())
    assert "planning_years" not in document and not (tmp_path / "single" / "builds.csv").exists()


@pytest.mark.slow
def test_cli_shows_the_schedule(solved_folder):
    output, _ = solved_folder
    assert "Schedule:" in output and "chips bought" in output and "chips retired" in output
    assert "2033" in output and "present value" in output
    assert "VERIFICATION FAILED" not in output
    assert (solved_folder[1] / "report.html").stat().st_size > 0  # the report of the last planning year


@pytest.mark.slow
def test_one_year_of_a_buildout_is_a_single_year_plan(buildout):
    year = buildout.for_year(2033)
    assert year.planning_years is None and "year" not in year.fleet
    assert year.objective_usd == pytest.approx(buildout.metadata["cost_usd_by_year"]["2033"]
                                               + buildout.metadata["penalty_usd_by_year"]["2033"])
    assert year.metadata["policy"] == buildout.metadata["policy_by_year"]["2033"]
    assert "present_value_usd" not in year.metadata and "scenario_config" in year.metadata


@pytest.mark.slow
def test_buildout_is_verified_and_follows_demand(buildout):
    assert buildout.metadata["verification"]["ok"], buildout.metadata["verification"]["violations"]
    assert "fleet_lifetime" in buildout.metadata["verification"]["checks"]
    assert buildout.planning_years == [2027, 2030, 2033]
    demand = buildout.unmet.groupby("year")["demand_tokens_per_s"].sum()
    assert demand.is_monotonic_increasing and demand[2033] > demand[2027]  # adoption grows
    in_service = buildout.fleet.groupby("year")["chips"].sum()
    assert in_service.is_monotonic_increasing
    # 4-year chips bought in 2027 serve 2027-2029 and retire in 2030; no chip counted beyond its lifetime
    retired = buildout.retirements
    assert set(retired["bought_year"]) <= {2027} and set(retired["year"]) <= {2030}
    bought_2027 = int(buildout.purchases.loc[buildout.purchases["year"] == 2027, "count"].sum())
    assert int(retired["count"].sum()) == bought_2027
    assert in_service[2030] == int(buildout.purchases.loc[buildout.purchases["year"] == 2030, "count"].sum())
    weights = buildout.metadata["discount_weight_by_year"]
    total = sum(weights[str(y)] * (buildout.metadata["cost_usd_by_year"][str(y)]
                                   + buildout.metadata["penalty_usd_by_year"][str(y)]) for y in buildout.planning_years)
    assert total == pytest.approx(buildout.objective_usd, rel=1e-9)
    assert weights["2027"] == pytest.approx(1 + 1 / 1.05 + 1 / 1.05 ** 2)  # the scenario's 5% rate


@pytest.mark.slow
def test_plan_folder_holds_the_schedule(solved_folder):
    folder = solved_folder[1]
    document = json.loads((folder / "plan.json").read_text())
    assert document["planning_years"] == [2027, 2030, 2033]
    assert set(document["cost_usd_by_year"]) == {"2027", "2030", "2033"}
    assert document["present_value_usd"] == pytest.approx(document["objective_usd"], rel=1e-9)
    for table in ("builds", "purchases", "retirements"):
        assert table in document["tables"]
    assert list(pd.read_csv(folder / "builds.csv").columns) == ["site", "year", "cooling", "mw", "total_mw"]
    assert list(pd.read_csv(folder / "purchases.csv").columns) == ["site", "chip", "year", "count"]
    for table in ("fleet", "sites", "costs", "serving", "unmet"):
        assert "year" in pd.read_csv(folder / f"{table}.csv").columns


@pytest.mark.slow
def test_cli_verify_catches_a_chip_counted_after_its_lifetime(solved_folder, tmp_path):
    folder = solved_folder[1]
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    purchases = pd.read_csv(tampered / "purchases.csv")
    purchases.loc[purchases["year"] == 2030, "count"] -= 1  # as if one 2027 chip still served in 2030
    purchases.to_csv(tampered / "purchases.csv", index=False)
    result = CliRunner().invoke(cli, ["verify", str(tampered), "--json"])
    assert result.exit_code == 1, result.output
    found = {v["check"] for v in json.loads(result.output)["violations"]}
    assert {"fleet_lifetime", "period_cost", "present_value"} <= found
    assert "capacity" not in found  # the periods themselves still hold


def test_planning_years_must_increase(tiny_path):
    with pytest.raises(ScenarioError, match="planning_years"):
        planner.load_scenario(tiny_path, ["planning_years=[2030,2027]"])


def test_scenario_hash_unchanged_without_the_buildout_keys(tmp_path):
    """Scenarios that leave the build-out keys out hash as before those keys existed."""
    import hashlib

    from planner.scenario.load import scenario_hash

    tiny_path = tmp_path / "tiny.yaml"
    tiny_path.write_text(textwrap.dedent(TINY))
    scenario = planner.load_scenario(tiny_path)
    dumped = scenario.model_dump(mode="json")
    assert dumped["planning_years"] is None and dumped["planning_foresight"] is None
    assert dumped["model_trends"] is None
    for key in ("planning_years", "planning_foresight", "model_trends"):
        dumped.pop(key)
    for key in ("price_trend_per_year", "impute_missing_specs"):
        dumped["chips"].pop(key)
    for service_class in dumped["service_classes"].values():
        service_class.pop("n_minus_1_share")
    expected = hashlib.sha256(json.dumps(dumped, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert scenario_hash(scenario) == expected
    assert scenario_hash(planner.load_scenario(tiny_path, [YEARS])) != expected


def test_chips_by_release_year_at_prices_along_the_trend(tiny_path):
    from planner.pipeline import prepare_periods

    scenario = planner.load_scenario(tiny_path, ["planning_years=[2024,2027]", "chips.candidates=[H100-SXM,B300]",
                                                 "chips.price_trend_per_year=0.3"])
    prepared = prepare_periods(scenario)
    early, late = (prepared.periods[y].inputs.chips for y in (2024, 2027))
    assert list(early.index) == ["H100-SXM"]  # B300 is released in 2025
    assert set(late.index) == {"H100-SXM", "B300"} and late["purchasable"].all()
    assert late.at["H100-SXM", "capex_usd_per_year"] == pytest.approx(early.at["H100-SXM", "capex_usd_per_year"]
                                                                      / 1.3 ** 3)
    specs = prepared.periods[2027].chip_specs
    assert specs.at["H100-SXM", "price_usd"] == pytest.approx(27_500 / 1.3 ** 3)  # the reference sees the same
