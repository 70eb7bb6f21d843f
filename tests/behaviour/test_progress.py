"""Live progress: the solve reports its best plan, bound and gap as it goes; ``--solver-log`` sends HiGHS's
log to stderr, never to stdout."""

import math
import subprocess
import sys

import pytest

from random_instances import random_siting
from planner.commands._live import solver_line
from planner.mip.build import build_model
from planner.solve import SolveOptions, SolverProgress, solve


@pytest.mark.slow
@pytest.mark.solver
def test_progress_reports_incumbents_and_a_bound_that_bracket_the_optimum():
    reports: list[SolverProgress] = []
    model = build_model(random_siting(n_regions=60, n_sites=20, seed=3))
    outcome = solve(model, SolveOptions(mip_gap=0.0), progress=reports.append)
    assert reports
    with_plan = [r for r in reports if math.isfinite(r.incumbent)]
    assert with_plan, "no incumbent was ever reported"
    incumbents = [r.incumbent for r in with_plan]
    assert incumbents == sorted(incumbents, reverse=True)  # the best plan only improves
    assert min(incumbents) == pytest.approx(outcome.objective, rel=1e-6)
    assert all(r.bound <= outcome.objective * (1 + 1e-6) for r in reports)  # a bound never passes the optimum
    assert "gap" in solver_line(with_plan[-1])


@pytest.mark.solver
@pytest.mark.slow
def test_solver_log_goes_to_stderr(tmp_path):
    done = subprocess.run([sys.executable, "-m", "planner", "solve", "great-britain", "--set", "regions.count=3",
                           "--out", str(tmp_path / "out"), "--solver-log"], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "highs:" in done.stderr and "highs:" not in done.stdout
    assert done.stdout.split()[0] == "scenario:"
