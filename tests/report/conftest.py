"""One small solve per reference scenario for the whole report test package (few regions, a 1% gap), written
by ``planner solve --report`` as a user would."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from planner.cli import cli

SMALL = {"india": ["--set", "regions.count=5"], "great-britain": ["--set", "regions.count=4"]}


@pytest.fixture(scope="package")
def solved_dirs(tmp_path_factory) -> dict:
    """Scenario name -> plan folder (with report.html) of a small solve of each reference scenario."""
    root = tmp_path_factory.mktemp("plans")
    folders = {}
    for name, overrides in SMALL.items():
        out = root / name
        result = CliRunner().invoke(cli, ["solve", name, "--out", str(out), "--gap", "0.01", "--time-limit", "60",
                                          "--report", *overrides])
        assert result.exit_code == 0, result.output
        folders[name] = out
    return folders


# A Monte Carlo study small enough for the report tests: India with three demand regions and no training
# (about a second a run), two values of agents per person and a case that raises, each crossed with two draws
# of usage intensity: six runs, two of which fail.
STUDY = {
    "name": "report-study",
    "description": "Agents per person <script>alert('x')</script> & usage",
    "base": "india",
    "set": {"regions.count": 3, "regions.min_city_population": 300_000, "demand.training": None},
    "grid": {"demand.agents_per_capita": [0.5, 1.0]},
    "cases": [{"regions.min_city_population": 100_000_000}],  # valid, but no city is that large: the run raises
    "monte_carlo": {"draws": 2, "seed": 7, "parameters": {
        "demand.usage_intensity_relative_to_world": {"distribution": "uniform", "low": 0.8, "high": 1.2}}},
    "solver": {"time_limit_s": 120, "mip_gap": 0.002},
}


@pytest.fixture(scope="package")
def study_dir(tmp_path_factory):
    """A study folder written by ``planner sweep`` (two workers) with its report, as a user would make it."""
    import yaml

    root = tmp_path_factory.mktemp("study")
    path = root / "report-study.yaml"
    path.write_text(yaml.safe_dump(STUDY, sort_keys=False))
    out = root / "out"
    swept = CliRunner().invoke(cli, ["sweep", str(path), "--workers", "2", "--out", str(out)])
    assert swept.exit_code == 1, swept.output  # the raising case fails, the others finish
    reported = CliRunner().invoke(cli, ["report", str(out)])
    assert reported.exit_code == 0, reported.output
    return out
