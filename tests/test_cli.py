"""The command line as a user meets it: default scenario, outputs, overrides, errors with exit code 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli

PLAN_KEYS = {"status", "objective_usd", "bound_usd", "gap", "unmet_tokens_per_s", "timings_s", "versions",
             "solver_options", "scenario_hash"}


@pytest.mark.slow
@pytest.mark.solver
def test_solve_default_scenario_writes_plan_and_tables(tmp_path):
    result = CliRunner().invoke(cli, ["solve", "--out", str(tmp_path / "plan"), "--time-limit", "120"])
    assert result.exit_code == 0, result.output
    assert "Sites opened" in result.output and "Cost breakdown" in result.output
    document = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert PLAN_KEYS <= set(document)
    assert document["scenario"] == "india"
    assert document["status"] in {"optimal", "time_limit"}
    assert document["verification"]["ok"]
    assert {"build", "solve", "verify"} <= set(document["timings_s"])
    for table in ("sites", "fleet", "serving", "costs", "unmet", "allocation"):
        assert not pd.read_csv(tmp_path / "plan" / f"{table}.csv").empty or table == "unmet"
    costs = pd.read_csv(tmp_path / "plan" / "costs.csv").set_index("component")
    assert costs.loc["fleet", "usd_per_year"] > costs.loc["energy", "usd_per_year"] > 0  # chips dominate
    # the written tables recomputed from the raw data alone (catalog, sites, tariffs, climate, grid)
    rechecked = CliRunner().invoke(cli, ["verify", str(tmp_path / "plan")])
    assert rechecked.exit_code == 0, rechecked.output


@pytest.mark.solver
@pytest.mark.slow
def test_solve_with_override_changes_the_plan(tmp_path):
    runner = CliRunner()
    base = runner.invoke(cli, ["solve", "great-britain", "--out", str(tmp_path / "a")])
    doubled = runner.invoke(cli, ["solve", "great-britain", "--out", str(tmp_path / "b"),
                                  "--set", "demand.agents_per_capita=0.4"])
    assert base.exit_code == 0 and doubled.exit_code == 0, doubled.output
    cost = [json.loads((tmp_path / d / "plan.json").read_text())["objective_usd"] for d in ("a", "b")]
    assert cost[1] > 1.5 * cost[0]


@pytest.mark.unit
def test_validate_reports_all_problems_with_exit_code_2():
    result = CliRunner().invoke(cli, ["validate", "great-britain", "--set", "demand.adoption_share=2",
                                      "--set", "sites.0.lat=-100", "--set", "colour=red"])
    assert result.exit_code == 2
    for key in ("demand.adoption_share", "sites.0.lat", "colour"):
        assert key in result.output
    assert "Traceback" not in result.output


@pytest.mark.unit
def test_validate_reference_scenario_ok():
    result = CliRunner().invoke(cli, ["validate", "great-britain"])
    assert result.exit_code == 0 and "valid scenario" in result.output


@pytest.mark.slow
@pytest.mark.unit
def test_python_dash_m_entry_point_and_bad_file():
    completed = subprocess.run([sys.executable, "-m", "planner", "validate", "no-such-scenario.yaml"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert "no-such-scenario.yaml" in completed.stderr and "Traceback" not in completed.stderr
