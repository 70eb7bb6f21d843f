"""The crafted scenarios of ``explain_crafted``, each solved once per session."""

import pytest

import planner
from explain_crafted import CRAFTED, NO_LATENCY_VALUES


@pytest.fixture(scope="session")
def crafted_plans():
    """Elastic plan of each crafted scenario, keyed by the reason it is built to have."""
    return {kind: planner.plan(planner.load_scenario(name, sets), explain_options=NO_LATENCY_VALUES)
            for kind, (name, sets) in CRAFTED.items()}
