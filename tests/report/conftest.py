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
