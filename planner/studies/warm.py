"""The dask worker plugin that warms each worker up as it starts (``planner.studies.worker.warm_up``).

Apart from ``worker.py`` because it subclasses dask.distributed's ``WorkerPlugin``: importing it needs the
``sweep`` extra, which ``planner.studies`` itself does not.
"""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from planner.studies.worker import warm_up

PLUGIN_NAME = "planner-warm-up"


class WarmUp(WorkerPlugin):
    """Runs ``warm_up`` on every worker of the cluster: those there when it is registered and those that
    join later (a worker restarted after a crash included)."""

    name = PLUGIN_NAME

    def __init__(self, scenario_json: dict | None):
        self.scenario_json = scenario_json

    def setup(self, worker) -> None:
        warm_up(self.scenario_json)
