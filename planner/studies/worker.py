"""What a Dask worker does with one run: solve its scenario through the pipeline.

The plan goes back to the client, which writes the run's folder: workers need no file system shared with
the client, so a study runs unchanged on a LocalCluster or on a cluster elsewhere. The function never
raises for a failing scenario: the error becomes the run's record (state ``failed``, with its message and
the end of its traceback), so one bad scenario never stops a study.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import traceback
from dataclasses import dataclass

import pandas as pd

from planner.pipeline import prepare, solve_prepared
from planner.results import Plan
from planner.scenario.load import scenario_hash
from planner.scenario.schema import Scenario
from planner.solve import Termination
from planner.studies.store import RunState

TRACEBACK_LINES = 12


def state_of(plan: Plan) -> RunState:
    if not plan.has_solution:
        return RunState.NO_SOLUTION
    return RunState.OPTIMAL if plan.status is Termination.OPTIMAL else RunState.TIME_LIMIT


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _message(plan: Plan) -> str:
    if plan.status is Termination.OPTIMAL:
        return ""
    time_limit = plan.metadata.get("solver_options", {}).get("time_limit_s")
    if plan.status is Termination.TIME_LIMIT:
        return f"time limit of {time_limit} s reached; gap {plan.gap:.3%}" if plan.has_solution else \
            f"time limit of {time_limit} s reached without a feasible plan"
    return f"solver stopped: {plan.status}"


@dataclass(frozen=True)
class RunOutput:
    """A run's record (its ``run.json``) and, when it did not fail, its plan and the chips it could buy."""

    record: dict
    plan: Plan | None = None
    chips: pd.DataFrame | None = None


def solve_run(scenario_json: dict, expected_hash: str, key: str) -> RunOutput:
    """Solve one scenario through the pipeline (``prepare`` and ``solve_prepared``)."""
    started, clock = _now(), time.perf_counter()
    record = {"scenario_hash": expected_hash, "key": key, "started": started,
              "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        scenario = Scenario.model_validate(scenario_json)
        if scenario_hash(scenario) != expected_hash:
            raise RuntimeError("the scenario changed on its way to the worker (hash mismatch)")
        prepared = prepare(scenario)
        plan = solve_prepared(prepared)
        state = state_of(plan)
        record.update(state=str(state), message=_message(plan), objective_usd=plan.to_json_dict()["objective_usd"],
                      gap=plan.to_json_dict()["gap"], solve_s=plan.timings_s.get("solve"),
                      wall_s=round(time.perf_counter() - clock, 3), finished=_now())
        return RunOutput(record, plan, prepared.inputs.chips)
    except Exception as error:  # noqa: BLE001 - every failure is recorded, none stops the study
        lines = traceback.format_exception(error)
        record.update(state=str(RunState.FAILED), message=f"{type(error).__name__}: {error}".strip(),
                      traceback="".join(lines)[-4000:].splitlines()[-TRACEBACK_LINES:],
                      wall_s=round(time.perf_counter() - clock, 3), finished=_now())
        return RunOutput(record)
