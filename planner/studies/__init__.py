"""Policy studies: many solves of one base scenario, run on dask.distributed, never losing a result.

A study file (YAML, ``data/studies/``) names a base scenario, the runs to make from it (a grid over any
scenario key paths, explicit cases, Monte Carlo draws with a seed) and the outputs to collect::

    import planner.studies as studies
    design = studies.load_design("data/studies/export-cap.yaml")
    outcome = studies.run_study(design, "out/studies/export-cap", workers=2)
    table = studies.load("out/studies/export-cap")      # one row per point, also results.parquet
    studies.pareto_front(table, {"objective_usd": "min", "controlled_chip_share": "min"})

The command line is ``planner sweep STUDY.yaml [--workers N] [--scheduler ADDRESS] [--out DIR]``.
"""

from planner.studies.compare import (
    comparison_table,
    finished,
    is_monotone_in_cap,
    monotone_violations,
    pareto_front,
    percentiles,
)
from planner.studies.design import Design, Point, Run, design, load_design, read_study
from planner.studies.outputs import DERIVED
from planner.studies.runner import Progress, StudyOutcome, dask_client, run_study
from planner.studies.schema import Study
from planner.studies.store import RunState
from planner.studies.table import TIMING_COLUMNS, load

__all__ = [
    "DERIVED",
    "Design",
    "Point",
    "Progress",
    "Run",
    "RunState",
    "Study",
    "StudyOutcome",
    "TIMING_COLUMNS",
    "comparison_table",
    "dask_client",
    "design",
    "finished",
    "is_monotone_in_cap",
    "load",
    "load_design",
    "monotone_violations",
    "pareto_front",
    "percentiles",
    "read_study",
    "run_study",
]
