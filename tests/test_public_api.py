import pytest

import planner

pytestmark = pytest.mark.unit


def test_public_api_is_curated():
    assert set(planner.__all__) >= {"load_scenario", "plan", "Scenario", "Plan", "SolveOptions", "PlannerError",
                                    "ScenarioError", "DataError", "InfeasibleError", "SolveError", "verify"}
    for name in planner.__all__:
        assert hasattr(planner, name), name
    assert callable(planner.plan)


def test_error_tree():
    for error in (planner.ScenarioError, planner.DataError):
        assert issubclass(error, planner.InputError)
    for error in (planner.InputError, planner.InfeasibleError, planner.SolveError):
        assert issubclass(error, planner.PlannerError)
