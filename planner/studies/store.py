"""A study's output folder: one result folder per scenario hash, a manifest, the results table.

```
OUT/
  manifest.json        every point and run: parameters, hash, state, message, timings (rewritten atomically)
  results.parquet      the tidy results table (one row per point)
  runs/<hash16>/       plan.json and its tables, chips.csv, scenario.json, run.json — appears complete or not at all
  .lock                held (an OS file lock) by the sweep writing the folder; a second one is refused
```

A run's folder is staged under ``runs/.staging-*`` and renamed into place in one step, so a study killed at
any moment leaves finished runs complete and nothing half-written; a re-run finds them by their folders.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.errors import Problem, StudyError

if TYPE_CHECKING:
    from planner.results import Plan

MANIFEST = "manifest.json"
RESULTS = "results.parquet"
RUNS = "runs"
RUN_RECORD = "run.json"
STAGING_PREFIX = ".staging-"
LOCK = ".lock"


class RunState(StrEnum):
    """Where a run stands. ``optimal``, ``time_limit`` and ``no_solution`` have a result folder and are not
    redone on resume; ``failed`` (the run raised) and ``lost`` (its worker died) are retried."""

    PENDING = "pending"
    RUNNING = "running"
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    NO_SOLUTION = "no_solution"
    FAILED = "failed"
    LOST = "lost"

    @property
    def is_finished(self) -> bool:
        return self in {RunState.OPTIMAL, RunState.TIME_LIMIT, RunState.NO_SOLUTION}


def _readable(temporary: str) -> None:
    """Give a file from ``mkstemp`` (private to its owner) the permissions a plain new file would get."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)


def write_json_atomic(path: Path, document: object) -> None:
    """Write JSON to a temporary file beside ``path`` and rename it over ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(document, stream, indent=1, default=str)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        _readable(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_parquet_atomic(table: pd.DataFrame, path: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        table.to_parquet(temporary, index=False)
        _readable(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_run_dir(runs_dir: Path, key: str, files: dict[str, bytes], record: dict) -> Path:
    """The run's folder from its files (name -> bytes, rendered by the worker), staged and renamed into
    place; ``run.json`` is written last inside the stage."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{key}-", dir=runs_dir))
    target = runs_dir / key
    try:
        for name, data in files.items():
            if Path(name).name != name or name == RUN_RECORD:
                raise ValueError(f"not a run file name: {name!r}")
            (staging / name).write_bytes(data)
        write_json_atomic(staging / RUN_RECORD, record)
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the stage to the run's folder. The same scenario solved twice at once (a run left going by a
    killed study, and its retry) is kept once: a complete folder that appeared meanwhile wins."""
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(staging, target)
    except OSError:
        if not (target / RUN_RECORD).exists():
            raise
        shutil.rmtree(staging, ignore_errors=True)


def _try_lock(handle) -> bool:
    """Take an exclusive, non-blocking OS lock on the open file; False when another process holds it. The
    lock goes with the process: a killed sweep leaves none behind."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class StudyStore:
    """Reads and writes one study's output folder."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.runs_dir = self.directory / RUNS

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    @property
    def results_path(self) -> Path:
        return self.directory / RESULTS

    def run_dir(self, key: str) -> Path:
        return self.runs_dir / key

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock while a sweep writes it; a ``StudyError`` naming the holder when another
        sweep (this machine or one sharing the folder) is writing it now."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / LOCK
        with open(path, "a+", encoding="utf-8") as handle:
            if not _try_lock(handle):
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise StudyError([Problem(str(self.directory), "", "another sweep is writing this study folder "
                                          f"({holder}); wait for it to finish or give another --out")])
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                         f"{dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}\n")
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()

    def open(self) -> None:
        """Create the folder and drop stages left by a run that was killed while writing."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.runs_dir.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)

    def finished(self) -> dict[str, dict]:
        """Run records of the complete result folders, by run key."""
        records = {}
        if not self.runs_dir.is_dir():
            return records
        for path in self.runs_dir.glob(f"*/{RUN_RECORD}"):
            if path.parent.name.startswith("."):
                continue
            try:
                record = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            if RunState(record.get("state", "failed")).is_finished:
                records[path.parent.name] = record
        return records

    def read_manifest(self) -> dict | None:
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text())

    def write_manifest(self, manifest: dict) -> None:
        write_json_atomic(self.manifest_path, manifest)

    def read_plan(self, key: str) -> tuple[Plan, pd.DataFrame]:
        from planner.results import Plan  # Pyomo with it: imported only by a client that reads a plan

        directory = self.run_dir(key)
        return Plan.from_dir(directory), pd.read_csv(directory / "chips.csv").set_index("chip")
