"""Summaries on stdout: rich tables on a terminal; plain aligned text when stdout is a pipe or a file, so that
``planner solve > summary.txt`` and scripts reading stdout get text with no box characters or colour codes."""

from __future__ import annotations

import click
import pandas as pd


def _stdout_console():
    from rich.console import Console

    return Console(highlight=False)


def echo_plan_summary(plan) -> None:
    console = _stdout_console()
    if console.is_terminal:
        from planner.results_format import print_summary

        print_summary(plan, console)
    else:
        click.echo(plan.summary())


def echo_table(table: pd.DataFrame, title: str = "", *, index: bool = True, float_format=None) -> None:
    """One table: a rich table on a terminal; elsewhere ``title:`` then ``DataFrame.to_string``."""
    console = _stdout_console()
    if not console.is_terminal:
        if title:
            click.echo(f"{title}:")
        click.echo(table.to_string(index=index, float_format=float_format))
        return
    from planner.results_format import Section, rich_table

    shown = table.reset_index() if index else table
    cells = shown.apply(lambda col: col.map(float_format) if float_format and pd.api.types.is_float_dtype(col)
                        else col.map(_cell))
    console.print(rich_table(Section(title, cells)))


def _cell(value) -> str:
    return f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
