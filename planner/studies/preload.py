"""Imported once by the process the LocalCluster's workers are forked from (``planner.studies.local``):
what every worker needs before its first run, so that each forked worker has it already. The dask worker
itself, the solve path (``planner.pipeline``: Pyomo, pandas, geopandas, HiGHS) and what a run's first
record imports on first use (package versions: ``importlib.metadata`` parses the installed metadata), and
the data every run reads whatever its country (``warm_shared_data``: the country and city tables, the
outlines, with geopandas' file engine, the hub metros, the land raster, the chip catalogue, the rule packs,
cooling and climate). Without them a worker's first run took 0.5 s longer (median of 4 forked workers,
2.25 s against 1.73 s); they add 0.1-0.8 s to the server's start, which is then often the last thing the
first run waits for (``benchmarks/README.md``, sweeps).

Then the imported objects are frozen out of the garbage collector (``gc.freeze``, CPython's advice for a
process that forks without exec): a forked worker's collections no longer walk the ~170,000 objects it
inherited, nor write to their pages (which copying on write would duplicate in every worker). Measured on
forked workers solving the sweep benchmark's India runs: 7% less time per run, 0.3 s less for the first.

It never raises: an error would stop the forkserver and with it every worker, while a worker forked
without these imports only starts slower (it imports them itself).
"""

from __future__ import annotations

import gc


def warm_shared_data() -> None:
    """Load (into their caches) the shipped tables every run uses, whatever its country."""
    from planner.catalog import load_catalog
    from planner.catalog.policy import load_rule_packs
    from planner.cooling import load_cooling_technologies
    from planner.geo.climate import country_climate
    from planner.geo.connectivity import hub_distance_km, on_land
    from planner.geo.outlines import outlines
    from planner.geo.population import cities, countries

    countries()
    cities("USA")  # the GeoNames table every country's cities are selected from
    outlines("110m")
    hub_distance_km(0.0, 0.0)  # the hub metros of the whole world
    on_land(0.0, 0.0)  # the union of the outlines behind the land raster
    load_catalog()
    load_rule_packs()
    load_cooling_technologies()
    country_climate()


try:
    import distributed.nanny  # noqa: F401 - imported for the workers forked from this process
    import distributed.worker  # noqa: F401

    import planner.studies.worker  # noqa: F401 - what a task runs
    from planner.pipeline import package_versions  # the solve path

    package_versions()
    warm_shared_data()  # reading the outlines also imports geopandas' file engine (pyogrio, pyproj)
except Exception:  # noqa: BLE001 - see the module's docstring; a worker reports its own import errors
    pass
finally:
    gc.freeze()
