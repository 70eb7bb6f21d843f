"""``planner solve`` and ``planner validate``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from planner.commands._common import check_writable_dir, user_errors_exit_2
from planner.commands._tables import echo_plan_summary
from planner.extras import require_extra
from planner.scenario.load import load_scenario, resolve_scenario_path

SCENARIO_HELP = "Scenario YAML file or shipped scenario name (india, great-britain); default: india."


@click.command()
@click.argument("scenario", required=False)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for plan.json and the tables [default: out/<scenario name>].")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Solver time limit in seconds [default: the scenario's solver.time_limit_s].")
@click.option("--gap", "mip_gap", type=click.FloatRange(0, 1), default=None,
              help="Relative MIP gap at which to stop [default: the scenario's solver.mip_gap].")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario value, e.g. --set demand.agents_per_capita=2 (repeatable).")
@click.option("--format", "table_format", type=click.Choice(["csv", "parquet"]), default="csv",
              show_default=True, help="Table file format.")
@click.option("--solver-log", is_flag=True, help="Show HiGHS's log on stderr.")
@click.option("--report", "with_report", is_flag=True,
              help="Also write the siting report (report.html in the plan folder; needs the 'report' extra).")
@click.option("--latency-values/--no-latency-values", default=True, show_default=True,
              help="Value each class's round-trip budget by re-solving at the budget plus and minus 10%.")
@click.option("--strict", is_flag=True, help="All demand must be met and every limit kept: otherwise exit 2 "
              "with the reason and the infeasible subset of limits (InfeasibleError).")
@user_errors_exit_2
def solve(scenario: str | None, out_dir: Path | None, time_limit_s: float | None, mip_gap: float | None,
          overrides: tuple[str, ...], table_format: str, solver_log: bool, with_report: bool, latency_values: bool,
          strict: bool) -> None:
    """Solve SCENARIO into a checked plan, print its summary and write it to --out."""
    from planner.commands._live import LiveProgress
    from planner.explain import ExplainOptions
    from planner.pipeline import plan
    from planner.report.scenario_source import METADATA_KEY, capture
    from planner.solve import SolveOptions

    if table_format == "parquet":
        require_extra("parquet", "--format parquet")
    if with_report:
        require_extra("report", "--report")
    loaded = load_scenario(scenario, overrides)
    target_dir = out_dir or Path("out") / loaded.name
    check_writable_dir(target_dir.resolve().parent)
    options = SolveOptions(time_limit_s=time_limit_s, mip_gap=mip_gap, verbose=solver_log)
    if solver_log:
        logging.getLogger("planner.solve").setLevel(logging.INFO)
    years = ", ".join(map(str, loaded.planning_years)) if loaded.planning_years else loaded.year
    click.echo(f"Planning '{loaded.name}' ({loaded.country_iso3}, {years})", err=True)
    with LiveProgress() as live:
        result = plan(loaded, options, progress=live.stage, solver_progress=live.solver, strict=strict,
                      explain_options=ExplainOptions(latency_values=latency_values))
    result.metadata[METADATA_KEY] = capture(scenario, overrides).as_metadata()
    target = result.to_dir(target_dir, table_format)
    echo_plan_summary(result)
    verification = result.metadata.get("verification", {})
    if verification and not verification.get("ok", True):
        click.echo("\nINDEPENDENT VERIFICATION FAILED:\n  " + "\n  ".join(verification["violations"]), err=True)
    click.echo(f"\nWrote {target}/plan.json and tables ({table_format}).")
    if with_report:
        from planner.report import write_report

        click.echo(f"Wrote {write_report(result, target / 'report.html')}")
    if not result.has_solution:
        sys.exit(1)


@click.command()
@click.argument("scenario")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario value.")
@user_errors_exit_2
def validate(scenario: str, overrides: tuple[str, ...]) -> None:
    """Check SCENARIO against the schema and the shipped data; list every problem at once."""
    from planner.pipeline import prepare

    loaded = load_scenario(scenario, overrides)
    prepare(loaded)  # every check a solve runs before its MIP (grid zones and buses, sites, data)
    click.echo(f"{resolve_scenario_path(scenario)}: valid scenario '{loaded.name}' "
               f"({loaded.country_iso3}, {loaded.year}, {len(loaded.sites)} sites)")
