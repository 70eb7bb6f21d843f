"""A real two-worker Dask LocalCluster shared by the study tests."""

import pytest


@pytest.fixture(scope="session")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as dask_client:
        yield dask_client
