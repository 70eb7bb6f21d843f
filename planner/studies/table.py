"""The tidy results table of a study: one row per point (its parameters, run state and outputs), built
from the manifest and the result folders, written as Parquet, and read back with ``load``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.errors import Problem, StudyError
from planner.studies.outputs import collect
from planner.studies.store import RunState, StudyStore, write_parquet_atomic

TIMING_COLUMNS = ("wall_s", "cpu_s", "solve_s", "worker", "started", "finished")
"""Columns that differ between executions of the same study (how long, where, when). ``cpu_s``: CPU seconds
of the worker process during the run; well below ``wall_s`` when the run waited for a core."""


def _outputs(store: StudyStore, key: str, entry: dict, manifest: dict) -> dict:
    """A finished run's outputs: those its worker collected (in its run.json) when the study still asks for
    the same ones, else collected again from its folder."""
    names = list(manifest["outputs"])
    if entry.get("output_names") == names and isinstance(entry.get("outputs"), dict):
        return entry["outputs"]
    plan, chips = store.read_plan(key)
    return collect(plan, chips, names, manifest.get("source", "study"))


def results_table(store: StudyStore, manifest: dict) -> pd.DataFrame:
    """One row per point: ``point``, ``draw`` (Monte Carlo studies), the parameters, ``scenario_hash``,
    ``state``, ``message``, the outputs (NaN where the run did not finish) and the timing columns. A run's
    complete folder takes precedence over the manifest's entry."""
    outputs_by_key: dict[str, dict] = {}
    on_disk = store.finished()  # a folder written just before the manifest was (a killed study) still counts
    rows = []
    for point in manifest["points"]:
        key = point["key"]
        entry = on_disk.get(key) or manifest["runs"][key]
        state = RunState(entry["state"])
        if state.is_finished and key not in outputs_by_key:
            outputs_by_key[key] = _outputs(store, key, entry, manifest)
        row = {"point": point["point"]}
        if manifest.get("monte_carlo"):
            row["draw"] = point["draw"]
        row.update(point["parameters"])
        row.update(scenario_hash=point["scenario_hash"], state=str(state), message=entry.get("message", ""))
        row.update(outputs_by_key.get(key, {}))
        row.update({column: entry.get(column) for column in TIMING_COLUMNS})
        rows.append(row)
    table = pd.DataFrame(rows)
    chip_columns = sorted(c for c in table.columns if c.startswith("chips_") and c != "chips_total")
    finished = table["state"].map(lambda s: RunState(s).is_finished) if len(table) else pd.Series(dtype=bool)
    for column in chip_columns:  # a chip a finished plan did not buy is 0 there, not missing
        table.loc[finished, column] = table.loc[finished, column].fillna(0.0)
    leading = [c for c in table.columns if c not in TIMING_COLUMNS and not c.startswith("chips_")]
    return table[leading + [c for c in table.columns if c.startswith("chips_")] + list(TIMING_COLUMNS)]


def _parquet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns Arrow cannot type (mixed numbers and names) are written as text."""
    import pyarrow as pa

    table = table.copy()
    for column in table.columns[table.dtypes == object]:
        try:
            pa.array(table[column])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table[column] = table[column].map(lambda v: None if v is None else str(v))
    return table


def write_results(store: StudyStore, table: pd.DataFrame) -> Path:
    write_parquet_atomic(_parquet_safe(table), store.results_path)
    return store.results_path


def load(directory: str | Path) -> pd.DataFrame:
    """The results table of the study in ``directory`` (``planner sweep --out``), one row per point.

    Rebuilt from the manifest and the result folders when the Parquet table is missing or older than the
    manifest (a study that was interrupted)."""
    store = StudyStore(directory)
    manifest = store.read_manifest()
    if manifest is None:
        raise StudyError([Problem(str(directory), "", "not a study output folder: no manifest.json")])
    results = store.results_path
    if results.exists() and results.stat().st_mtime >= store.manifest_path.stat().st_mtime:
        return pd.read_parquet(results)
    table = results_table(store, manifest)
    write_results(store, table)
    return table
