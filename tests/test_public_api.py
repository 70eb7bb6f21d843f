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


def test_the_solve_path_loads_pyomo_s_modelling_core_without_its_solver_plugins():
    """``pyomo.environ`` also imports every solver, writer and transformation plugin (0.4 s of each process's
    start, a study worker's included); the planner builds models and hands them to HiGHS itself."""
    import subprocess
    import sys

    code = "import sys, planner.pipeline, planner.explain; print('pyomo.core' in sys.modules, 'pyomo.environ' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"]
