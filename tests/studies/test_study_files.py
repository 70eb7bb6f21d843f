"""Study files: schema errors with key paths (all at once), points of grids, cases and Monte Carlo draws,
and the shipped studies."""

import re

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import planner
from planner.cli import cli
from planner.errors import StudyError
from planner.resources import data_path
from planner.studies import load_design, read_study
from planner.studies.design import monte_carlo_draws, study_points
from planner.studies.schema import MonteCarlo, Study

pytestmark = pytest.mark.unit

SHIPPED = sorted(data_path("studies").glob("*.yaml"))


def _write(tmp_path, document) -> str:
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return str(path)


def _problems(error: StudyError) -> dict[str, str]:
    return {p.key_path: p.message for p in error.problems}


def test_schema_errors_have_key_paths_all_at_once(tmp_path):
    path = _write(tmp_path, {"name": "bad", "base": "india", "grid": {"demand.agents_per_capita": []},
                             "monte_carlo": {"draws": 0, "seed": 1, "parameters": {
                                 "demand.adoption_share": {"distribution": "triangular", "low": 0.4, "mode": 0.3,
                                                           "high": 0.5}}},
                             "output": ["objective_usd"]})
    with pytest.raises(StudyError) as caught:
        read_study(path)
    problems = _problems(caught.value)
    assert set(problems) == {"grid.demand.agents_per_capita", "monte_carlo.draws",
                             "monte_carlo.parameters.demand.adoption_share.triangular", "output"}
    assert all(p.file == path for p in caught.value.problems)


def test_scenario_problems_point_at_the_study_key(tmp_path):
    path = _write(tmp_path, {"name": "bad", "base": "india",
                             "grid": {"demand.agent_per_capita": [1.0], "demand.agents_per_capita": [1.0, -2.0]},
                             "cases": [{"chips.candidates": ["NO-SUCH-CHIP"]}, {"sites.99.max_grid_mw": 5}],
                             "outputs": ["objective_usd", "demand.agents_per_capita"]})
    with pytest.raises(StudyError) as caught:
        load_design(path)
    problems = _problems(caught.value)
    assert problems["grid.demand.agent_per_capita.0"].startswith("scenario key demand.agent_per_capita: ")
    assert "greater than or equal to 0" in problems["grid.demand.agents_per_capita.1"]
    assert "NO-SUCH-CHIP" in str(caught.value) and any(k.startswith("cases.0.chips.candidates") for k in problems)
    assert "list of 14" in problems["cases.1.sites.99.max_grid_mw"]
    assert "parameter column" in problems["outputs.1"]


def test_unknown_base_is_reported(tmp_path):
    with pytest.raises(StudyError) as caught:
        load_design(_write(tmp_path, {"name": "bad", "base": "atlantis"}))
    assert _problems(caught.value).keys() == {"base"}


def test_grid_cases_and_draws_make_the_points():
    study = Study(name="s", base="india", grid={"a.x": [1, 2], "a.y": [10, 20, 30]}, cases=[{"a.x": 5}],
                  monte_carlo={"draws": 2, "seed": 3, "parameters": {"a.z": {"distribution": "uniform", "low": 0,
                                                                             "high": 1}}})
    points = study_points(study)
    assert len(points) == (2 * 3 + 1) * 2
    assert [p.values["a.x"] for p in points[::2]] == [1, 1, 1, 2, 2, 2, 5]
    assert [p.values["a.y"] for p in points[:6:2]] == [10, 20, 30]
    draws = [p.values["a.z"] for p in points[:2]]
    assert [p.values["a.z"] for p in points[2:4]] == draws  # the same draws for every point
    assert points[-1].sources == {"a.x": "cases.0.a.x", "a.z": "monte_carlo.parameters.a.z"} and points[-1].draw == 1


def test_monte_carlo_draws_follow_seed_and_distributions():
    spec = {"draws": 4000, "seed": 11, "parameters": {
        "t": {"distribution": "triangular", "low": 0.5, "mode": 1.0, "high": 2.0},
        "n": {"distribution": "normal", "mean": 1.0, "sd": 1.0, "low": 0.0, "high": 1.5},
        "g": {"distribution": "lognormal", "median": 100.0, "sigma": 0.5},
        "c": {"distribution": "choice", "values": ["a", "b"], "weights": [3, 1]}}}
    draws = monte_carlo_draws(MonteCarlo.model_validate(spec))
    assert draws == monte_carlo_draws(MonteCarlo.model_validate(spec))
    assert draws != monte_carlo_draws(MonteCarlo.model_validate({**spec, "seed": 12}))
    t = np.array([d["t"] for d in draws])
    n = np.array([d["n"] for d in draws])
    g = np.array([d["g"] for d in draws])
    assert t.min() >= 0.5 and t.max() <= 2.0 and abs(t.mean() - 3.5 / 3) < 0.02  # mean (a+b+c)/3
    assert n.min() >= 0.0 and n.max() <= 1.5
    assert abs(np.median(g) - 100.0) < 4
    assert abs(np.mean([d["c"] == "a" for d in draws]) - 0.75) < 0.03


def test_points_with_the_same_scenario_are_solved_once(tmp_path):
    base_value = planner.load_scenario("india").demand.agents_per_capita
    path = _write(tmp_path, {"name": "dup", "base": "india", "cases": [{"demand.agents_per_capita": base_value}, {}]})
    design = load_design(path)  # the second case is the base itself
    assert len(design.points) == 2 and len(design.runs) == 1
    assert design.parameter_values == [{"demand.agents_per_capita": base_value}] * 2


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_studies_are_valid(path):
    design = load_design(path)
    assert len(design.runs) == len(design.points) > 1


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_study_numbers_have_sources_or_assumptions(path):
    unlabelled = [line for line in path.read_text().splitlines()
                  if re.search(r"(:|\[|,)\s*-?\d", line.split("#", 1)[0]) and "outputs" not in line
                  and not re.search(r"#.*\b(source|assumption):", line)]
    assert not unlabelled


def test_sweep_reports_an_invalid_study_with_exit_code_2(tmp_path):
    path = _write(tmp_path, {"name": "bad", "base": "india", "grid": {"demand.agents_per_capita": [-1]}})
    result = CliRunner().invoke(cli, ["sweep", path, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "grid.demand.agents_per_capita.0" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_knob_range_draws_within_the_shipped_range(tmp_path):
    from planner.demand.ranges import knob_ranges

    knob = "demand.agents_growth_per_year"
    path = _write(tmp_path, {"name": "ranged", "base": "india", "monte_carlo": {"draws": 30, "seed": 4, "parameters": {
        knob: {"distribution": "knob_range"}}}})
    design = load_design(path)
    (expected,) = knob_ranges(planner.load_scenario("india"), [knob])
    drawn = [values[knob] for values in design.parameter_values]
    assert expected.low < expected.high and min(drawn) >= expected.low and max(drawn) <= expected.high
    assert len(set(drawn)) == 30
    bad = _write(tmp_path, {"name": "ranged", "base": "india", "monte_carlo": {"draws": 3, "seed": 4, "parameters": {
        "demand.agents_per_capita": {"distribution": "knob_range"}}}})
    with pytest.raises(StudyError) as caught:
        load_design(bad)
    assert _problems(caught.value).keys() == {"monte_carlo.parameters.demand.agents_per_capita"}
