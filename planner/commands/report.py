"""``planner report PLAN_DIR | STUDY_DIR``: the siting report of a solved plan, or the comparison report of a
study folder written by ``planner sweep``, as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from planner.commands._common import user_errors_exit_2
from planner.errors import InputError, Problem


def _kind(folder: Path) -> str:
    """``plan`` or ``study``; an error naming both when the folder is neither."""
    from planner.report.study import is_study_dir

    if (folder / "plan.json").is_file():
        return "plan"
    if is_study_dir(folder):
        return "study"
    raise InputError([Problem(str(folder), "plan.json", "not a plan folder (written by `planner solve`) nor a "
                              "study folder (manifest.json, written by `planner sweep`)")])


@click.command()
@click.argument("plan_dir", metavar="PLAN_DIR|STUDY_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write [default: PLAN_DIR/report.html or STUDY_DIR/report.html].")
@click.option("--pdf", is_flag=True, help="Also write a PDF beside it (needs the 'pdf' extra: WeasyPrint).")
@click.option("--scenario", "scenario", default=None,
              help="Scenario file or shipped name for the assumptions appendix, when the plan does not carry it.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Overrides the plan was solved with.")
@user_errors_exit_2
def report(plan_dir: Path, out_path: Path | None, pdf: bool, scenario: str | None, overrides: tuple[str, ...]) -> None:
    """Write the siting report of a plan or the comparison report of a study.

    PLAN_DIR (from `planner solve`): summary, map, tables, charts and assumptions. STUDY_DIR (from `planner
    sweep`): the study's parameters, a row per run, outcome charts, Pareto fronts, Monte Carlo percentiles
    and the failures."""
    from planner.extras import require_extra
    from planner.report import write_report, write_study_report
    from planner.report.scenario_source import capture

    require_extra("pdf" if pdf else "report", "planner report --pdf" if pdf else "planner report")
    if _kind(plan_dir) == "study":
        if scenario is not None or overrides:
            raise InputError([Problem(str(plan_dir), "--scenario/--set", "a study report reads each run's scenario "
                                      "from its folder; these options are for a plan folder")])
        out = write_study_report(plan_dir, out_path or plan_dir / "report.html", pdf=pdf)
        click.echo(f"Wrote {out}" + (f" and {out.with_suffix('.pdf')}" if pdf else ""))
        return
    source = capture(scenario, overrides) if scenario is not None else None
    out = write_report(plan_dir, out_path or plan_dir / "report.html", pdf=pdf, source=source)
    click.echo(f"Wrote {out}" + (f" and {out.with_suffix('.pdf')}" if pdf else ""))
