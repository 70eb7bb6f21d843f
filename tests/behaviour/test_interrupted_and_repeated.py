"""Interrupted work never leaves a folder that passes for a result, and the same scenario solved twice gives
identical tables."""

import json
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import planner
from planner.results import TABLES

SLOW_SOLVE = ["solve", "india", "--set", "regions.count=200", "--set", "solver.mip_gap=0", "--set",
              "solver.time_limit_s=600"]


def _start_and_wait_for_the_solve(tmp_path, out):
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "planner", *SLOW_SOLVE, "--out", str(out)], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 900  # preparing India takes minutes on a loaded 2-core machine
    while "... solve" not in stderr.read_text() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, "the solve ended before it could be interrupted"
    time.sleep(1.0)
    return process, stderr


@pytest.mark.solver
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_stopped_solve_leaves_the_previous_result_intact(tmp_path, signum):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text(json.dumps({"previous": True}))
    process, stderr = _start_and_wait_for_the_solve(tmp_path, out)
    process.send_signal(signum)
    returncode = process.wait(timeout=120)
    if signum == signal.SIGINT:
        assert returncode == 130
        assert "interrupted" in stderr.read_text() and "Traceback" not in stderr.read_text()
    assert json.loads((out / "plan.json").read_text()) == {"previous": True}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["out", "stderr.txt"]


@pytest.mark.slow
@pytest.mark.solver
def test_the_same_scenario_twice_gives_identical_tables():
    scenario = planner.load_scenario("great-britain", ["regions.count=5"])
    first, second = planner.plan(scenario), planner.plan(scenario)
    assert first.objective_usd == second.objective_usd
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), check_exact=True, obj=name)
