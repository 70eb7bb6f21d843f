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

from planner.lazy import lazy_names

# Names are imported on first use (PEP 562): ``planner sweep`` starts the process its workers fork from
# (``planner.studies.local``) before the client itself imports pandas and the rest.
_HOME = {
    "comparison_table": "planner.studies.compare",
    "finished": "planner.studies.compare",
    "is_monotone_in_cap": "planner.studies.compare",
    "monotone_violations": "planner.studies.compare",
    "pareto_front": "planner.studies.compare",
    "percentiles": "planner.studies.compare",
    "Design": "planner.studies.design",
    "Point": "planner.studies.design",
    "Run": "planner.studies.design",
    "design": "planner.studies.design",
    "load_design": "planner.studies.design",
    "read_study": "planner.studies.design",
    "DERIVED": "planner.studies.outputs",
    "Progress": "planner.studies.runner",
    "StudyOutcome": "planner.studies.runner",
    "dask_client": "planner.studies.runner",
    "run_study": "planner.studies.runner",
    "Study": "planner.studies.schema",
    "RunState": "planner.studies.store",
    "TIMING_COLUMNS": "planner.studies.table",
    "load": "planner.studies.table",
}


lazy_names(__name__, _HOME)

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
