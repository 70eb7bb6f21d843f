"""The planner's exception tree.

Every error a user can cause is a ``PlannerError``; the CLI turns these into readable messages and exit
code 2. ``Problem`` is one finding (file, key path, value, what is expected); validation collects all of
them before raising, so a user sees every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what it holds, and what was expected."""

    file: str
    key_path: str
    message: str
    value: object = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}: {self.message}{shown}"


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


class InputError(PlannerError):
    """Bad input: carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], summary: str | None = None):
        self.problems = tuple(problems)
        head = summary or f"{len(self.problems)} problem(s) in the input"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class ScenarioError(InputError):
    """The scenario file (or an override of it) is invalid."""


class StudyError(InputError):
    """The study file is invalid, or one of the scenarios it makes is."""


class DataError(InputError):
    """A reference dataset (catalog, rule pack, model card, grid, ...) is invalid or missing."""


class InfeasibleError(PlannerError):
    """The model has no feasible plan (strict mode), with a diagnosis in plain language.

    ``reasons`` are the explain stage's ``UnmetReason``s (region, class, reason, constraint); ``iis`` names
    the constraints and bounds of the irreducible infeasible subset HiGHS found, when it found one."""

    def __init__(self, message: str, reasons: tuple = (), iis: tuple[str, ...] = ()):
        self.reasons = tuple(reasons)
        self.iis = tuple(iis)
        super().__init__(message)


class SolveError(PlannerError):
    """The solver failed in a way that produced no usable plan."""
