"""``planner init COUNTRY``: a scenario for any country from the shipped data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from planner.commands._common import user_errors_exit_2


def _write_atomic(text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command("init")
@click.argument("country")
@click.option("--year", type=click.IntRange(2025, 2100), default=2030, show_default=True, help="Plan year.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scenario file to write [default: <country name>.yaml here].")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@user_errors_exit_2
def init(country: str, year: int, out: Path | None, force: bool) -> None:
    """Write a scenario for COUNTRY (ISO3 code or name) filled from the shipped data."""
    from planner.errors import Problem, ScenarioError
    from planner.scenario.generate import generate_scenario
    from planner.scenario.load import load_scenario

    iso3, text = generate_scenario(country, year)
    out = out or Path(f"{text.split('name: ', 1)[1].split(chr(10), 1)[0].strip().strip(chr(34))}.yaml")
    if out.exists() and not force:
        raise ScenarioError([Problem(str(out), "", "exists; pass --force to replace it")])
    _write_atomic(text, out)
    load_scenario(out)  # the file must validate as written
    click.echo(f"Wrote {out} ({iso3}, {year}); review the values listed at its end, then: planner solve {out}")
