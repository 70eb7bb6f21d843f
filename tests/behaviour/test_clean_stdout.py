"""Stdout holds only what a command promises (summary or JSON), seen from a real subprocess: the C-level
HiGHS banner does not show up in CliRunner's captured output, so only a subprocess can catch it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ORLIB = Path(__file__).parents[1] / "data" / "orlib"


def run_planner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.solver
@pytest.mark.parametrize("file, problem", [pytest.param("cap41.txt", "cflp", marks=pytest.mark.slow),
                                           pytest.param("pmed1.txt", "pmedian", marks=pytest.mark.slow)])
def test_bench_orlib_json_is_one_json_object_per_line(tmp_path, file, problem):
    done = run_planner("bench", "orlib", str(ORLIB / file), "--problem", problem, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]  # a banner line would not parse
    assert [r["instance"] for r in records] == [file.removesuffix(".txt")]


@pytest.mark.solver
@pytest.mark.slow
def test_solve_stdout_is_the_summary_only(tmp_path):
    done = run_planner("solve", "great-britain", "--set", "regions.count=4", "--out", str(tmp_path / "out"),
                       cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Running HiGHS" not in done.stdout
    assert done.stdout.split()[0] == "scenario:"  # progress lines go to stderr
    assert "yearly cost" in done.stdout
