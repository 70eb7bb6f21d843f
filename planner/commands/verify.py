"""``planner verify PLAN_DIR``: re-check a written plan from its tables and the raw data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from planner.commands._common import user_errors_exit_2
from planner.errors import DataError, Problem

VIOLATION_EXIT_CODE = 1


def _scenario_of(plan, directory: Path):
    from planner.scenario.load import validate_raw

    config = plan.metadata.get("scenario_config")
    if not config:
        raise DataError([Problem(str(directory / "plan.json"), "scenario_config",
                                 "the plan was written without its scenario; re-solve it with this version")])
    return validate_raw(config, str(directory / "plan.json") + ": scenario_config")


def _read_plan(directory: Path):
    from planner.results import Plan

    if not (directory / "plan.json").is_file():
        raise DataError([Problem(str(directory), "plan.json", "not a plan folder (no plan.json)")])
    try:
        return Plan.from_dir(directory)
    except (OSError, KeyError, ValueError) as error:
        raise DataError([Problem(str(directory), "", f"cannot read the plan: {error}")]) from None


@click.command()
@click.argument("plan_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@user_errors_exit_2
def verify(plan_dir: Path, as_json: bool) -> None:
    """Re-check the plan in PLAN_DIR against the raw data: one line per violation, exit code 1 if any."""
    from planner.pipeline import period_reference_for, prepare, prepare_periods, reference_for
    from planner.scenario.load import scenario_hash
    from planner.verify import verify as verify_plan
    from planner.verify_periods import verify_periods

    plan = _read_plan(plan_dir)
    scenario = _scenario_of(plan, plan_dir)
    if scenario.planning_years is not None:  # every period against its year's data, and the links between them
        result = verify_periods(plan, period_reference_for(prepare_periods(scenario)))
    else:
        result = verify_plan(plan, reference_for(prepare(scenario)))
    violations = list(result.violations)
    if scenario_hash(scenario) != plan.scenario_hash:
        violations.insert(0, Problem("plan", "scenario[hash]", "the scenario in plan.json does not match the plan's "
                                     "scenario_hash (edited after solving)"))
    if as_json:
        click.echo(json.dumps({"ok": not violations, "checks": list(result.checks_run),
                               "violations": [{"check": v.key_path.split("[")[0], "where": v.key_path,
                                               "message": v.message} for v in violations]}, indent=2))
    elif violations:
        for violation in violations:
            click.echo(f"{violation.key_path}: {violation.message}")
    else:
        click.echo(str(result))
    if violations:
        sys.exit(VIOLATION_EXIT_CODE)
