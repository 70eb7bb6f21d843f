"""The LocalCluster of ``run_study`` and ``planner sweep``: workers forked from one server process that
imported the solve path before the cluster asked for them."""

import gc
import os

import dask
import pytest

from planner.studies import dask_client
from planner.studies.local import PRELOAD, forkserver_pid, imported, prestart, start_method

pytestmark = pytest.mark.skipif(start_method() != "forkserver", reason="the platform has no forkserver")


def _hubs_cached() -> bool:
    from planner.geo.connectivity import _hubs

    return _hubs.cache_info().currsize > 0


def test_workers_are_forked_from_the_preloaded_server():
    assert prestart() == "forkserver" and prestart() == "forkserver"  # a second call reuses the server
    server = forkserver_pid()
    assert server is not None and server != os.getpid()
    with dask_client(workers=2) as client:
        client.wait_for_workers(2)
        parents = client.run(os.getppid)
        # nothing has run on the workers yet: a spawned worker would not have imported the solve path
        solve_path = client.run(imported, "planner.pipeline")
        profiler = client.run(dask.config.get, "distributed.worker.profile.enabled")
        frozen = client.run(gc.get_freeze_count)
        hubs_cached = client.run(_hubs_cached)
    assert len(parents) == 2 and set(parents.values()) == {server}
    assert all(solve_path.values())
    assert not any(profiler.values())  # the cluster's housekeeping settings reached the workers
    assert min(frozen.values()) > 10_000  # the inherited imports are out of the workers' collections
    assert all(hubs_cached.values())  # the shared data came loaded
    assert forkserver_pid() == server  # the server outlives the cluster, for the next one


def test_the_preload_imports_the_solve_path_and_never_raises():
    import subprocess
    import sys

    code = ("import sys; import " + ", ".join(PRELOAD) + "; print('planner.pipeline' in sys.modules, "
            "'distributed.worker' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]
