"""Live progress on stderr: the stage running, its elapsed time and, during the solve, the best plan, the
proven bound and the gap. On a terminal a rich status line updates in place; elsewhere (pipes, CI logs) one
plain line per stage and a solver line at most every ``PLAIN_SOLVER_EVERY_S``."""

from __future__ import annotations

import math
import time

from rich.console import Console

from planner.mip.inputs import USD_SCALE
from planner.solve import SolverProgress

PLAIN_SOLVER_EVERY_S = 10.0


def _usd_per_year(model_units: float) -> str:
    return "-" if not math.isfinite(model_units) else f"{model_units * USD_SCALE / 1e9:,.3f} bn USD/yr"


def solver_line(progress: SolverProgress) -> str:
    gap = "-" if not math.isfinite(progress.gap) else f"{progress.gap:.2%}"
    return (f"solve {progress.phase} {progress.elapsed_s:,.0f} s: best {_usd_per_year(progress.incumbent)}, "
            f"bound {_usd_per_year(progress.bound)}, gap {gap}")


class LiveProgress:
    """Context manager; ``stage`` and ``solver`` are the pipeline's two progress callbacks."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self._status = None
        self._stage, self._stage_started, self._last_plain = "", time.perf_counter(), -math.inf

    def __enter__(self) -> "LiveProgress":
        if self.console.is_terminal:
            self._status = self.console.status("starting")
            self._status.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.stop()

    def stage(self, name: str) -> None:
        self._stage, self._stage_started = name, time.perf_counter()
        if self._status is not None:
            self._status.update(f"{name} ...")
        else:
            self.console.print(f"  ... {name}", highlight=False)

    def solver(self, progress: SolverProgress) -> None:
        line = solver_line(progress)
        if self._status is not None:
            self._status.update(line)
        elif progress.elapsed_s - self._last_plain >= PLAIN_SOLVER_EVERY_S:
            self._last_plain = progress.elapsed_s
            self.console.print(f"  ... {line}", highlight=False)
