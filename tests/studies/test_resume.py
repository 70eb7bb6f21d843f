"""A study killed mid-run (the `planner sweep` process, SIGKILL) resumes without redoing finished runs."""

import json
import subprocess
import sys
import time

import pytest
from study_files import write_study

from planner.studies import load, load_design, run_study

pytestmark = pytest.mark.solver

RUNS = 4
TIMEOUT_S = 240


def _finished_records(out):
    records = (out / "runs").glob("*/run.json")
    return {p.parent.name: p.read_text() for p in records if not p.parent.name.startswith(".")}


@pytest.mark.slow
def test_killed_study_resumes_without_redoing_finished_runs(client, tmp_path):
    path = write_study(tmp_path, "killed", grid={"demand.agents_per_capita": [0.5, 0.75, 1.0, 1.25]})
    out = tmp_path / "out"
    sweep = subprocess.Popen([sys.executable, "-m", "planner", "sweep", str(path), "--scheduler",
                              client.scheduler.address, "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not _finished_records(out) and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sweep.kill()
        sweep.wait()
    before = _finished_records(out)
    assert 1 <= len(before) < RUNS, "the sweep was not killed mid-run"
    manifest = json.loads((out / "manifest.json").read_text())  # whole, though the writer was killed
    assert manifest["counts"]["runs"] == RUNS
    partial = load(out)  # the table of an interrupted study, rebuilt from the manifest and the folders
    assert len(partial) == RUNS and (partial["state"] == "optimal").sum() >= 1

    outcome = run_study(load_design(path), out, client=client)
    assert outcome.progress.done == RUNS and outcome.progress.resumed >= len(before)
    after = _finished_records(out)
    assert len(after) == RUNS
    assert {key: after[key] for key in before} == before  # finished runs were not redone
    assert (outcome.table["state"] == "optimal").all()
