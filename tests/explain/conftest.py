"""The crafted scenarios of ``explain_crafted``, each solved once per session and only when a test asks for it
(the quick subset uses one of them)."""

import pytest

import planner
from explain_crafted import CRAFTED, NO_LATENCY_VALUES


class _SolvedOnDemand(dict):
    def __missing__(self, kind):
        name, sets = CRAFTED[kind]
        self[kind] = planner.plan(planner.load_scenario(name, sets), explain_options=NO_LATENCY_VALUES)
        return self[kind]


@pytest.fixture(scope="session")
def crafted_plans():
    """Elastic plan of each crafted scenario, keyed by the reason it is built to have."""
    return _SolvedOnDemand()
