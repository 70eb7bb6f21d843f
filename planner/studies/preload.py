"""Imported once by the process the LocalCluster's workers are forked from (``planner.studies.local``):
what every worker needs before its first run, so that each forked worker has it already. The dask worker
itself, the solve path (``planner.pipeline``: Pyomo, pandas, geopandas, HiGHS) and what a run's first
record imports on first use (package versions: ``importlib.metadata`` parses the installed metadata;
geopandas' file engine).

Then the imported objects are frozen out of the garbage collector (``gc.freeze``, CPython's advice for a
process that forks without exec): a forked worker's collections no longer walk the ~170,000 objects it
inherited, nor write to their pages (which copying on write would duplicate in every worker). Measured on
forked workers solving the sweep benchmark's India runs: 7% less time per run, 0.3 s less for the first.

It never raises: an error would stop the forkserver and with it every worker, while a worker forked
without these imports only starts slower (it imports them itself).
"""

from __future__ import annotations

import gc

try:
    import distributed.nanny  # noqa: F401 - imported for the workers forked from this process
    import distributed.worker  # noqa: F401

    import planner.geo.outlines  # noqa: F401 - geopandas, imported by a run's first use of the outlines
    import planner.studies.worker  # noqa: F401 - what a task runs
    from planner.pipeline import package_versions  # the solve path

    package_versions()
    import pyogrio  # noqa: F401 - geopandas imports its file engine on the first read, and with it pyproj
    import pyproj  # noqa: F401
except Exception:  # noqa: BLE001 - see the module's docstring; a worker reports its own import errors
    pass
finally:
    gc.freeze()
