"""The LocalCluster a study runs on when no scheduler address is given, started so that little of the
study's wall time goes to starting it.

Dask spawns each worker as a fresh interpreter by default, and each one then imports distributed, Pyomo,
pandas, geopandas and the planner (about 3 s of CPU) before its first run: on a machine whose cores are
all workers, every worker pays that at once, after the client has read the study. Here the workers are
forked from one server process (multiprocessing's ``forkserver``) that imported all of it once
(``planner.studies.preload``), so a worker is up a fraction of a second after the cluster asks for it.
``prestart`` starts that server at once, without waiting for its imports. ``planner sweep`` opens the
cluster before it reads the study: the server's imports and the workers' start run beside the client's
own start (reading the study file, expanding, checking and hashing its scenarios), and each worker takes
runs as soon as it is up.

The server is one per client process and outlives the cluster (later clusters of the same process fork
from it too); it exits with the client. Where the platform has no forkserver (Windows), workers are
spawned as dask does by default.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PRELOAD = ("planner.studies.preload",)
"""Modules the forkserver imports before it forks the first worker."""

# Workers solve with one HiGHS thread; keep numpy's BLAS to one thread too, so N workers use N cores.
# Dask's own INFO chatter (workers starting and closing) is kept out of the progress display.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "DASK_LOGGING__DISTRIBUTED": "warning"}
# What dask sets before it spawns a worker (``distributed.nanny.pre-spawn-environ`` and the hash seed it
# gives every worker); a forked worker inherits the server's environment, so the server starts with it.
SERVER_ENV = {**WORKER_ENV, "MALLOC_TRIM_THRESHOLD_": "65536", "PYTHONHASHSEED": "6640"}
LOCAL_CLUSTER_CONFIG = {
    # One task per worker thread at a time: the next run goes to whichever worker frees first, so the last
    # runs are not left queued behind a busy worker while another one idles (runs last seconds to minutes).
    "distributed.scheduler.worker-saturation": 1.0,
    # Dask's own housekeeping, sized for clusters of many short tasks, took 15% of a core on an idle
    # 2-worker cluster (6.5% in the client and scheduler, 4.3% in each worker), all of it taken from the
    # runs once every core is a worker: the event-loop health tick of every server 50 times a second, each
    # worker's profiler sampling its threads 100 times a second, the memory monitors 10 times a second,
    # the system monitor and work stealing (pointless with one queued task per worker). With these, 1.6%.
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.scheduler.work-stealing": False,
}


def start_method() -> str:
    """How this platform starts the LocalCluster's workers: ``forkserver`` where it has one, else ``spawn``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set (existing settings win), restored afterwards."""
    added = {key: value for key, value in values.items() if key not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def prestart() -> str:
    """Start the process the LocalCluster's workers are forked from, without waiting for its imports;
    the start method the cluster will use. Cheap when it runs already; does nothing without a forkserver."""
    method = start_method()
    if method != "forkserver":
        return method
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
    with _environment(SERVER_ENV):
        forkserver.ensure_running()
    return method


def forkserver_pid() -> int | None:
    """Process id of this process's forkserver, None when it has not started one."""
    from multiprocessing import forkserver

    return getattr(forkserver._forkserver, "_forkserver_pid", None)


def imported(module: str) -> bool:
    """Whether this process has imported ``module`` (asked of a worker: whether it came with the solve path)."""
    return module in sys.modules


@contextmanager
def local_client(n_workers: int) -> Iterator:
    """A client of a new LocalCluster of ``n_workers`` single-threaded worker processes, forked from the
    prestarted server.

    It returns once the scheduler is up; the workers start in the background, so the caller can read the
    study meanwhile, and each one takes runs as soon as it is up."""
    import dask
    from distributed import Client, LocalCluster

    method = prestart()
    config = {**LOCAL_CLUSTER_CONFIG, "distributed.worker.multiprocessing-method": method}
    with dask.config.set(config), \
            LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=":0",
                         env=WORKER_ENV) as cluster, Client(cluster) as client:
        cluster.scale(n_workers)  # only now: a client made for a cluster still scaling up waits for it
        yield client
