"""planner: plans national AI infrastructure — which chips to buy, where to site them, on which grid, at
what cost — as a mixed-integer program over real data.

Typical use::

    import planner
    scenario = planner.load_scenario("india", overrides=["demand.agents_per_capita=2"])
    result = planner.plan(scenario, planner.SolveOptions(time_limit_s=60))
    result.summary(); result.fleet; result.to_dir("out/india")
"""

from planner.errors import (
    DataError,
    InfeasibleError,
    InputError,
    PlannerError,
    Problem,
    ScenarioError,
    SolveError,
)
from planner.pipeline import Prepared, prepare, solve_prepared
from planner.pipeline import plan as plan
from planner.results import Plan
from planner.scenario.load import load_scenario, scenario_hash
from planner.scenario.schema import Scenario, ServiceClass
from planner.solve import SolveOptions, SolveOutcome, Termination
from planner.verify import Verification, verify

__all__ = [
    "DataError",
    "InfeasibleError",
    "InputError",
    "Plan",
    "PlannerError",
    "Prepared",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ServiceClass",
    "SolveError",
    "SolveOptions",
    "SolveOutcome",
    "Termination",
    "Verification",
    "load_scenario",
    "plan",
    "prepare",
    "scenario_hash",
    "solve_prepared",
    "verify",
]
