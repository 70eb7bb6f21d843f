"""Command-line interface: a thin layer over the public API.

Each subcommand lives in ``planner/commands/<name>.py`` and is registered here. User errors
(``PlannerError``) are printed as readable messages with exit code 2, never as a traceback.
"""

from __future__ import annotations

import logging
import sys

import click

from planner.commands import COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Plan national AI infrastructure: chips, sites, power and grid at least cost."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="planner")


if __name__ == "__main__":
    main()
