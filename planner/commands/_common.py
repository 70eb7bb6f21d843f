"""Helpers shared by the CLI commands: turning planner errors and environment problems into exit code 2."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from planner.errors import PlannerError

F = TypeVar("F", bound=Callable)

USER_ERROR_EXIT_CODE = 2
INTERRUPTED_EXIT_CODE = 130  # the shell's code for a command stopped by Ctrl-C (128 + SIGINT)


def user_errors_exit_2(func: F) -> F:
    """Print a ``PlannerError`` or a file-system error (unreadable input, unwritable output) as a message on
    stderr and exit with code 2 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PlannerError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(USER_ERROR_EXIT_CODE)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"error: {where}{error.strerror or error}", err=True)
            sys.exit(USER_ERROR_EXIT_CODE)
        except KeyboardInterrupt:
            click.echo("interrupted: stopped before any result was written", err=True)
            sys.exit(INTERRUPTED_EXIT_CODE)

    return wrapper  # type: ignore[return-value]


def check_writable_dir(directory: Path) -> None:
    """Raise ``OSError`` now, before any work, if files cannot be created in ``directory`` (made if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, probe = tempfile.mkstemp(prefix=".planner-write-check.", dir=directory)
    os.close(handle)
    os.unlink(probe)
