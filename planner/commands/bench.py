"""``planner bench``: benchmark modes. ``bench orlib`` solves OR-Library facility-location files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from planner.commands._common import user_errors_exit_2
from planner.errors import DataError
from planner.io.orlib import read_capinfo, read_pmedinfo
from planner.mip.facility import FacilityProblem, FacilityResult, solve_facility
from planner.solve import SolveOptions

_COLUMNS = ("instance", "problem", "objective", "bound", "gap", "status", "n_vars", "n_cons",
            "build_s", "solve_s", "total_s")


@click.group("bench")
def bench() -> None:
    """Benchmarks with known answers."""


@bench.command("orlib")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--problem", required=True, type=click.Choice([p.value for p in FacilityProblem]),
              help="cflp and uflp read capinfo files (cap41 ..); pmedian reads pmedinfo files (pmed1 ..).")
@click.option("--capacity", type=float, default=None,
              help="Site capacity for capinfo files that carry the word 'capacity' instead of numbers.")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True), default=300.0,
              show_default=True, help="Solver time limit per instance, seconds.")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=1e-6, show_default=True,
              help="Relative gap at which HiGHS stops; 'optimal' means proven within it.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per instance.")
@user_errors_exit_2
def orlib(files: tuple[Path, ...], problem: str, capacity: float | None, time_limit_s: float,
          mip_gap: float, as_json: bool) -> None:
    """Solve OR-Library facility-location FILES and report objective, bound, gap and timings."""
    kind = FacilityProblem(problem)
    options = SolveOptions(time_limit_s=time_limit_s, mip_gap=mip_gap)
    instances = read_all(files, kind, capacity)
    if not as_json:
        click.echo(_table_header())
    for inst in instances:
        row = result_row(solve_facility(inst, kind, options))
        click.echo(json.dumps(row) if as_json else _table_line(row))


def read_all(files: tuple[Path, ...], kind: FacilityProblem, capacity: float | None) -> list:
    """Read every file before solving any, and report the problems of all bad files at once."""
    instances, problems = [], []
    for path in files:
        try:
            instances.append(read_pmedinfo(path) if kind is FacilityProblem.PMEDIAN else read_capinfo(path, capacity))
        except DataError as error:
            problems.extend(error.problems)
    if problems:
        raise DataError(problems, f"{len(problems)} file(s) could not be read as {kind} instances")
    return instances


def result_row(result: FacilityResult) -> dict:
    """The reported fields of one result; non-finite numbers become null so every line is valid JSON."""
    row = {"instance": result.instance, "problem": str(result.problem), "objective": result.objective,
           "bound": result.bound, "gap": result.gap, "status": str(result.status), "n_vars": result.n_vars,
           "n_cons": result.n_cons, "build_s": round(result.build_s, 4), "solve_s": round(result.solve_s, 4),
           "total_s": round(result.total_s, 4), "open_sites": [i + 1 for i in result.open_sites]}
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}


_WIDTHS = (12, 8, 16, 16, 9, 11, 8, 8, 8, 8, 8)


def _table_header() -> str:
    return "  ".join(f"{c:>{w}}" for c, w in zip(_COLUMNS, _WIDTHS, strict=True))


def _table_line(row: dict) -> str:
    def shown(key: str) -> str:
        value = row[key]
        if value is None:
            return "-"
        if key == "gap":
            return f"{value:.2e}"
        if key in ("objective", "bound"):
            return f"{value:.3f}"
        if key.endswith("_s"):
            return f"{value:.2f}"
        return str(value)

    return "  ".join(f"{shown(c):>{w}}" for c, w in zip(_COLUMNS, _WIDTHS, strict=True))
