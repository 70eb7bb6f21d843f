"""What a Dask worker does with one run: solve its scenario through the pipeline.

The worker renders the run's folder (plan.json and its tables, chips.csv, scenario.json) as bytes and
collects the study's outputs into the run's record; the client only writes those files into place. Workers
need no file system shared with the client, so a study runs unchanged on a LocalCluster or on a cluster
elsewhere, and the client's share of the work stays small enough not to slow the workers beside it.
The function never raises for a failing scenario: the error becomes the run's record (state ``failed``,
with its message and the end of its traceback), so one bad scenario never stops a study.

"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import PlannerError
from planner.scenario.load import scenario_hash
from planner.scenario.schema import Scenario
from planner.studies.outputs import collect
from planner.studies.store import RunState

if TYPE_CHECKING:  # the solve path is imported where a run needs it: the client submits without it
    from planner.results import Plan

log = logging.getLogger(__name__)

TRACEBACK_LINES = 12


def state_of(plan: Plan) -> RunState:
    from planner.solve import Termination

    if not plan.has_solution:
        return RunState.NO_SOLUTION
    return RunState.OPTIMAL if plan.status is Termination.OPTIMAL else RunState.TIME_LIMIT


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _message(plan: Plan) -> str:
    from planner.solve import Termination

    if plan.status is Termination.OPTIMAL:
        return ""
    time_limit = plan.metadata.get("solver_options", {}).get("time_limit_s")
    if plan.status is Termination.TIME_LIMIT:
        return f"time limit of {time_limit} s reached; gap {plan.gap:.3%}" if plan.has_solution else \
            f"time limit of {time_limit} s reached without a feasible plan"
    return f"solver stopped: {plan.status}"


@dataclass(frozen=True)
class RunOutput:
    """A run's record (its ``run.json``, with the collected ``outputs`` when they could be) and, when it did
    not fail, the files of its folder (name -> bytes)."""

    record: dict
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        return bool(self.files)


def plan_files(plan: Plan, chips: pd.DataFrame, scenario_json: dict) -> dict[str, bytes]:
    """The run folder's files as bytes: ``Plan.to_dir``'s files, the purchasable chips and the scenario."""
    with tempfile.TemporaryDirectory(prefix="planner-run-") as scratch:
        folder = plan.to_dir(Path(scratch) / "plan")
        files = {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}
    files["chips.csv"] = chips.reset_index().to_csv(index=False).encode("utf-8")
    files["scenario.json"] = (json.dumps(scenario_json, indent=1, sort_keys=True) + "\n").encode("utf-8")
    return files


def _outputs(plan: Plan, chips: pd.DataFrame, names: Sequence[str], source: str) -> dict:
    """The study's outputs of this plan, or nothing where one is unknown (the client reports that, once)."""
    try:
        return {"output_names": list(names), "outputs": collect(plan, chips, names, source)}
    except PlannerError:
        return {}


def solve_run(scenario_json: dict, expected_hash: str, key: str, outputs: Sequence[str] = (),
              source: str = "study") -> RunOutput:
    """Solve one scenario through the pipeline (``prepare`` and ``solve_prepared``); render its folder and
    collect ``outputs`` (names of the study file's ``outputs``, ``source`` its path for messages)."""
    from planner.pipeline import prepare, solve_prepared

    started, clock, cpu = _now(), time.perf_counter(), time.process_time()
    record = {"scenario_hash": expected_hash, "key": key, "started": started,
              "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        scenario = Scenario.model_validate(scenario_json)
        if scenario_hash(scenario) != expected_hash:
            raise RuntimeError("the scenario changed on its way to the worker (hash mismatch)")
        prepared = prepare(scenario)
        plan = solve_prepared(prepared)
        state = state_of(plan)
        document = plan.to_json_dict()
        chips = prepared.inputs.chips
        files = plan_files(plan, chips, scenario_json)
        record.update(state=str(state), message=_message(plan), objective_usd=document["objective_usd"],
                      gap=document["gap"], solve_s=plan.timings_s.get("solve"), **_outputs(plan, chips, outputs, source),
                      wall_s=round(time.perf_counter() - clock, 3),
                      cpu_s=round(time.process_time() - cpu, 3), finished=_now())
        return RunOutput(record, files)
    except Exception as error:  # noqa: BLE001 - every failure is recorded, none stops the study
        lines = traceback.format_exception(error)
        record.update(state=str(RunState.FAILED), message=f"{type(error).__name__}: {error}".strip(),
                      traceback="".join(lines)[-4000:].splitlines()[-TRACEBACK_LINES:],
                      wall_s=round(time.perf_counter() - clock, 3),
                      cpu_s=round(time.process_time() - cpu, 3), finished=_now())
        return RunOutput(record)

