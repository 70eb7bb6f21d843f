"""``planner bench orlib``: JSON lines, the table, and exit code 2 on bad files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.cli import cli

KEYS = {"instance", "problem", "objective", "bound", "gap", "status", "n_vars", "n_cons", "build_s", "solve_s",
        "total_s"}


def _run(*args: str):
    return CliRunner().invoke(cli, ["bench", "orlib", *args])


@pytest.mark.solver
@pytest.mark.parametrize(("files", "problem", "optima"), [
    (("cap41.txt", "cap71.txt"), "cflp", (1040444.375, 932615.750)),
    (("cap71.txt",), "uflp", (932615.750,)),
    (("pmed1.txt", "pmed2.txt"), "pmedian", (5819, 4093)),
])
def test_json_lines_hold_published_optima(orlib_dir, files, problem, optima):
    result = _run(*(str(orlib_dir / f) for f in files), "--problem", problem, "--json", "--time-limit", "120")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["instance"] for r in rows] == [f.removesuffix(".txt") for f in files]
    for row, optimum in zip(rows, optima, strict=True):
        assert KEYS <= row.keys()
        assert row["status"] == "optimal" and row["problem"] == problem
        assert row["objective"] == pytest.approx(optimum, abs=1e-3)
        assert row["total_s"] == pytest.approx(row["build_s"] + row["solve_s"], abs=1e-3)


@pytest.mark.solver
def test_table_output(orlib_dir):
    result = _run(str(orlib_dir / "cap41.txt"), "--problem", "cflp")
    assert result.exit_code == 0, result.output
    header, line = result.output.splitlines()
    assert header.split() == ["instance", "problem", "objective", "bound", "gap", "status", "n_vars", "n_cons",
                              "build_s", "solve_s", "total_s"]
    assert line.split()[:3] == ["cap41", "cflp", "1040444.375"] and "optimal" in line


@pytest.mark.solver
def test_capacity_option_fills_the_word(write):
    path = write("w.txt", " 2 2\n capacity 10\n capacity 20\n 3 30 60\n 4 80 40\n")
    result = _run(str(path), "--problem", "cflp", "--capacity", "5", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["objective"] == pytest.approx(10 + 20 + 30 + 40)


@pytest.mark.unit
def test_bad_files_exit_2_with_every_problem(orlib_dir, write):
    cut = write("cut.txt", (orlib_dir / "cap41.txt").read_text()[:3000])
    word = write("word.txt", " 1 1\n capacity 5\n 1 2\n")
    result = _run(str(cut), str(word), "--problem", "cflp")
    assert result.exit_code == 2
    assert "cut.txt: customer" in result.output and "file ended after" in result.output
    assert "word.txt: site 1:" in result.output and "--capacity" in result.output
    assert "Traceback" not in result.output


@pytest.mark.unit
def test_unknown_problem_is_a_usage_error(orlib_dir):
    result = _run(str(orlib_dir / "cap41.txt"), "--problem", "tsp")
    assert result.exit_code == 2 and "tsp" in result.output
