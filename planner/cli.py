"""Command-line interface: a thin layer over the public API.

Each subcommand lives in ``planner/commands/<name>.py`` and is registered here. User errors
(``PlannerError``) are printed as readable messages with exit code 2, never as a traceback.
"""

from __future__ import annotations

import logging
import sys
from importlib import import_module

import click

from planner.commands import COMMANDS


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when one is run (or its own help is asked for)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Plan national AI infrastructure: chips, sites, power and grid at least cost."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="planner")


if __name__ == "__main__":
    main()
