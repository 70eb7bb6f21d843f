"""Running a study on dask.distributed: a LocalCluster (one single-threaded worker process per core) or an
existing cluster by its scheduler address, through the same code.

Workers solve; the client writes each run's folder as its plan arrives (so workers need no shared file
system) and rewrites the manifest atomically after every finished, failed or lost run. Finished runs (a
complete result folder for their scenario hash) are skipped, so a re-run resumes where a killed one stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.studies.design import Design
from planner.studies.outputs import collect
from planner.studies.store import RunState, StudyStore, write_run_dir
from planner.studies.table import results_table, write_results
from planner.studies.worker import RunOutput, solve_run

log = logging.getLogger(__name__)

POLL_S = 0.5
NOT_IN_MANIFEST = ("key", "outputs")  # a run's outputs stay in its run.json; the results table holds them all


@dataclass(frozen=True)
class Progress:
    """Counts of a study's distinct runs, as shown by the progress display."""

    total: int
    done: int
    failed: int
    running: int
    resumed: int
    """Runs finished before this session (skipped)."""
    elapsed_s: float
    eta_s: float | None
    """Seconds until every run is finished, at this session's pace so far; None before the first one."""

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed


@dataclass(frozen=True)
class StudyOutcome:
    directory: Path
    table: pd.DataFrame
    progress: Progress
    timings_s: dict[str, float] = field(default_factory=dict)
    """Where this call's time went: ``cluster_start_s`` (a new cluster's scheduler and client up; its
    workers start in the background), ``runs_s`` (first run submitted to the last one in, the workers'
    start included), ``close_s`` (the new cluster shut down), ``table_s`` (the results table built and
    written). Only the phases it went through."""

    @property
    def ok(self) -> bool:
        return self.progress.failed == 0


ProgressCallback = Callable[[Progress], None]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """A client of the cluster at ``scheduler``, or of a new LocalCluster of ``workers`` single-threaded
    worker processes (default: one per core), forked from a process that has the solve path imported
    (``planner.studies.local``)."""
    from distributed import Client

    if not log.isEnabledFor(logging.INFO):
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    from planner.studies.local import local_client

    with local_client(workers or available_cores()) as client:
        yield client


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class _Session:
    """Book-keeping of one execution of a study: run states, the manifest, the progress counts."""

    def __init__(self, design: Design, store: StudyStore, progress: ProgressCallback | None):
        self.design, self.store, self.callback = design, store, progress
        self.started = time.perf_counter()
        previous = (store.read_manifest() or {}).get("runs", {})
        finished = store.finished()
        self.runs: dict[str, dict] = {}
        for run in design.runs:
            entry = {"scenario_hash": run.scenario_hash, "points": list(run.points),
                     "attempts": previous.get(run.key, {}).get("attempts", 0)}
            if run.key in finished:
                entry.update({k: v for k, v in finished[run.key].items() if k not in NOT_IN_MANIFEST}, resumed=True)
            else:
                entry.update(state=str(RunState.PENDING), message="")
            self.runs[run.key] = entry
        self.resumed = sum(1 for entry in self.runs.values() if entry.get("resumed"))
        self.finished_now = 0
        self.running_keys: set[str] = set()
        self.timings_s: dict[str, float] = {}

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings_s[phase] = round(time.perf_counter() - started, 3)

    def pending(self) -> list:
        return [run for run in self.design.runs if not RunState(self.runs[run.key]["state"]).is_finished]

    def record(self, key: str, record: dict) -> None:
        entry = self.runs[key]
        entry.update({k: v for k, v in record.items() if k not in NOT_IN_MANIFEST}, resumed=False,
                     attempts=entry["attempts"] + 1)
        if RunState(entry["state"]).is_finished:
            self.finished_now += 1
        if entry["state"] != str(RunState.OPTIMAL):
            log.warning("run %s %s: %s", key, entry["state"], entry.get("message", ""))

    def mark_running(self, keys: set[str]) -> None:
        for key, entry in self.runs.items():
            if entry["state"] in {RunState.PENDING, RunState.RUNNING}:
                entry["state"] = str(RunState.RUNNING if key in keys else RunState.PENDING)
        self.running_keys = set(keys)

    def counts(self) -> Progress:
        states = [RunState(entry["state"]) for entry in self.runs.values()]
        done = sum(state.is_finished for state in states)
        failed = sum(state in {RunState.FAILED, RunState.LOST} for state in states)
        elapsed = time.perf_counter() - self.started
        remaining = len(states) - done - failed
        eta = elapsed / self.finished_now * remaining if self.finished_now else (0.0 if not remaining else None)
        return Progress(total=len(states), done=done, failed=failed, running=len(self.running_keys),
                        resumed=self.resumed, elapsed_s=elapsed, eta_s=eta)

    def manifest(self) -> dict:
        design = self.design
        points = [{"point": point.index, "draw": point.draw, "scenario_hash": digest, "key": digest[:16],
                   "parameters": values}
                  for point, digest, values in zip(design.points, design.point_hashes, design.parameter_values)]
        counts = self.counts()
        return {"study": design.study.name, "source": design.source, "updated": _now(),
                "outputs": list(design.study.outputs), "parameters": design.parameters,
                "monte_carlo": design.study.monte_carlo is not None,
                "counts": {"runs": counts.total, "done": counts.done, "failed": counts.failed,
                           "resumed": counts.resumed, "points": len(points)},
                "study_definition": design.study.model_dump(mode="json"), "points": points, "runs": self.runs}

    def save(self) -> None:
        self.store.write_manifest(self.manifest())

    def notify(self) -> None:
        if self.callback:
            self.callback(self.counts())


def _check_outputs(session: _Session, key: str) -> None:
    """Collect the outputs of the first finished run, so an unknown output stops the study at once (the
    worker collected them already unless one is unknown)."""
    if session.runs[key].get("output_names") == list(session.design.study.outputs):
        return
    plan, chips = session.store.read_plan(key)
    collect(plan, chips, session.design.study.outputs, session.design.source)


def _lost(error: BaseException) -> dict:
    return {"state": str(RunState.LOST), "message": f"worker lost or task error: {type(error).__name__}: {error}",
            "finished": _now()}


def _saved(session: _Session, key: str, output: RunOutput) -> dict:
    """Write a finished run's folder; its record, or a failure record if the folder could not be written."""
    if not output.has_plan:
        return output.record
    try:
        write_run_dir(session.store.runs_dir, key, output.files, output.record)
    except OSError as error:
        return {**output.record, "state": str(RunState.FAILED), "message": f"result not written: {error}"}
    return output.record


def _execute(client, session: _Session) -> None:
    """Every pending run submitted at once; each worker takes the next as it frees (or as it comes up)."""
    pending = session.pending()
    scenarios = {run.key: run.scenario.model_dump(mode="json") for run in pending}
    with session.timed("runs_s"):
        _collect(client, session, _submit(client, session, pending, scenarios))


def _submit(client, session: _Session, pending: list, scenarios: dict[str, dict]) -> dict:
    """A future per pending run (to the run's key)."""
    outputs, source = list(session.design.study.outputs), session.design.source
    futures = {}
    for run in pending:
        future = client.submit(solve_run, scenarios[run.key], run.scenario_hash, run.key, outputs, source,
                               key=f"planner-run-{run.key}-{time.time_ns()}", pure=False)
        futures[future] = run.key
    return futures


def _collect(client, session: _Session, futures: dict) -> None:
    """Record each run as its result arrives, until every one is in. Waits for the next result (or
    ``POLL_S`` for the running counts), never a fixed sleep that would hold the last result back."""
    import threading

    outputs_checked = any(RunState(entry["state"]).is_finished for entry in session.runs.values())
    arrived = threading.Event()
    for future in futures:
        future.add_done_callback(lambda _: arrived.set())  # called in a thread of the client
    remaining = dict(futures)
    try:
        while remaining:
            arrived.clear()  # before the check: a result arriving after it sets it again
            batch = [future for future in remaining if future.done()]
            for future in batch:
                key = remaining.pop(future)
                try:
                    record = _saved(session, key, future.result())
                except Exception as error:  # noqa: BLE001 - a dead worker is recorded, not raised
                    record = _lost(error)
                future.release()
                session.record(key, record)
                if not outputs_checked and RunState(record["state"]).is_finished:
                    _check_outputs(session, key)
                    outputs_checked = True
            running = _running(client, remaining)
            if batch or running != session.running_keys:
                session.mark_running(running)
                session.save()
            session.notify()
            if remaining and not batch:
                arrived.wait(POLL_S)
    finally:
        client.cancel(list(futures))
        session.mark_running(set())


def _running(client, futures: dict) -> set[str]:
    """Run keys of our tasks that a worker is processing now (at most one per worker thread: a worker may
    hold the next task queued behind the one it runs)."""
    ours = {future.key: key for future, key in futures.items() if not future.done()}
    threads = {address: info.get("nthreads", 1) for address, info in client.scheduler_info()["workers"].items()}
    running: set[str] = set()
    for address, tasks in client.processing().items():
        running.update([ours[task] for task in tasks if task in ours][:threads.get(address, 1)])
    return running


def _check_outputs_of_resumed(session: _Session) -> None:
    for key, entry in session.runs.items():
        if entry.get("resumed"):
            _check_outputs(session, key)
            return


def run_study(design: Design, out_dir: str | Path, workers: int | None = None, scheduler: str | None = None,
              client=None, progress: ProgressCallback | None = None) -> StudyOutcome:
    """Run every unfinished run of ``design`` and write ``out_dir`` (result folders, manifest, results table).

    ``client``: an existing ``distributed.Client``; otherwise one is made from ``scheduler`` (an address) or a
    new LocalCluster of ``workers`` processes. Failed and lost runs are recorded and retried on the next
    call; finished ones are kept. A second call writing the same folder at the same time raises a
    ``StudyError`` (the folder's lock)."""
    store = StudyStore(out_dir)
    with store.locked():
        store.open()
        session = _Session(design, store, progress)
        _check_outputs_of_resumed(session)
        session.save()
        session.notify()
        try:
            if session.pending() and client is not None:
                _execute(client, session)
            elif session.pending():
                _execute_on_own_cluster(session, workers, scheduler)
        finally:
            session.save()
        session.notify()
        with session.timed("table_s"):
            table = results_table(store, session.manifest())
            write_results(store, table)
    return StudyOutcome(directory=store.directory, table=table, progress=session.counts(),
                        timings_s=session.timings_s)


def _execute_on_own_cluster(session: _Session, workers: int | None, scheduler: str | None) -> None:
    started = time.perf_counter()
    with dask_client(workers, scheduler) as client:
        session.timings_s["cluster_start_s"] = round(time.perf_counter() - started, 3)
        _execute(client, session)
        closing = time.perf_counter()
    session.timings_s["close_s"] = round(time.perf_counter() - closing, 3)

