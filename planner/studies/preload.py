"""Imported once by the process the LocalCluster's workers are forked from (``planner.studies.local``):
what every worker needs before its first run, so that each forked worker has it already. The dask worker
itself, the solve path (``planner.pipeline``: Pyomo, pandas, geopandas, HiGHS) and what a run's first
record imports on first use (package versions: ``importlib.metadata`` parses the installed metadata).

It never raises: an error would stop the forkserver and with it every worker, while a worker forked
without these imports only starts slower (it imports them itself).
"""

from __future__ import annotations

try:
    import distributed.nanny  # noqa: F401 - imported for the workers forked from this process
    import distributed.worker  # noqa: F401

    import planner.studies.worker  # noqa: F401 - what a task runs
    from planner.pipeline import package_versions  # the solve path

    package_versions()
except Exception:  # noqa: BLE001 - see the module's docstring; a worker reports its own import errors
    pass
