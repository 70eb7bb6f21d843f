"""Helpers shared by the CLI commands: turning planner errors into exit code 2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from planner.errors import PlannerError

F = TypeVar("F", bound=Callable)

USER_ERROR_EXIT_CODE = 2


def user_errors_exit_2(func: F) -> F:
    """Print a ``PlannerError`` as a message on stderr and exit with code 2 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PlannerError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(USER_ERROR_EXIT_CODE)

    return wrapper  # type: ignore[return-value]
