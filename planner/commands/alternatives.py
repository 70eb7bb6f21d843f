"""``planner alternatives``: near-optimal plans that differ most in sites opened or controlled-chip share."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import click

from planner.commands._common import user_errors_exit_2
from planner.commands._tables import echo_table
from planner.commands.solve import SCENARIO_HELP
from planner.scenario.load import load_scenario

SHOWN_COLUMNS = ["plan", "objective", "cost_usd_per_year", "cost_above_optimum_share", "sites_opened",
                 "controlled_share", "sites_differ_from_optimum", "share_points_from_optimum",
                 "sites_differ_from_nearest", "share_points_from_nearest", "distinct_from_every_other", "within_slack",
                 "verified"]


@click.command()
@click.argument("scenario", required=False)
@click.option("--slack", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Largest cost above the optimum an alternative may have, as a share of it.")
@click.option("-k", "count", type=click.IntRange(1, 20), default=4, show_default=True,
              help="How many alternatives to look for.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the tables [default: out/<scenario name>/alternatives].")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Time limit of each solve in seconds [default: the scenario's solver.time_limit_s].")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario value (repeatable).")
@user_errors_exit_2
def alternatives(scenario: str | None, slack: float, count: int, out_dir: Path | None, time_limit_s: float | None,
                 overrides: tuple[str, ...]) -> None:
    """Plans of SCENARIO within --slack of the optimal cost that differ most from it and each other."""
    from planner.pipeline import near_optimal_alternatives
    from planner.solve import SolveOptions

    loaded = load_scenario(scenario, overrides)
    options = SolveOptions(time_limit_s=time_limit_s or loaded.solver.time_limit_s, mip_gap=loaded.solver.mip_gap)
    click.echo(f"Alternatives for '{loaded.name}' within {slack:.1%} of the optimal cost", err=True)
    found = near_optimal_alternatives(loaded, slack, count, options)
    table, roles = found.table(), found.site_roles()
    echo_table(table[SHOWN_COLUMNS], index=False, float_format=lambda v: f"{v:,.4g}")
    click.echo(f"\n{len(found.plans) - 1} distinct alternative(s) found of {count} sought.")
    click.echo("\nSites: " + "; ".join(f"{role}: {', '.join(roles.loc[roles['role'] == role, 'site']) or '-'}"
                                       for role in ("essential", "interchangeable")))
    target = _write(out_dir or Path("out") / loaded.name / "alternatives", table, roles,
                    {"scenario": loaded.name, "slack": slack, "sought": count, "found": len(found.plans) - 1})
    click.echo(f"\nWrote {target}/alternatives.csv, site_roles.csv and alternatives.json.")


def _write(directory: Path, table, roles, summary: dict) -> Path:
    """All three files appear together or not at all."""
    directory = directory.resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        table.to_csv(staging / "alternatives.csv", index=False)
        roles.to_csv(staging / "site_roles.csv", index=False)
        (staging / "alternatives.json").write_text(json.dumps(summary, indent=2) + "\n")
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory
