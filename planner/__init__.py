"""planner: plans national AI infrastructure — which chips to buy, where to site them, on which grid, at
what cost — as a mixed-integer program over real data.

Typical use::

    import planner
    scenario = planner.load_scenario("india", overrides=["demand.agents_per_capita=0.4"])
    result = planner.plan(scenario, planner.SolveOptions(time_limit_s=60))
    result.summary(); result.fleet; result.to_dir("out/india")
"""

from planner.lazy import lazy_names

# Names are imported on first use (PEP 562), so that ``planner --help`` and ``import planner`` stay fast:
# the pipeline pulls in Pyomo, pandas and geopandas.
_HOME = {
    "DataError": "planner.errors",
    "InfeasibleError": "planner.errors",
    "InputError": "planner.errors",
    "PlannerError": "planner.errors",
    "Problem": "planner.errors",
    "ScenarioError": "planner.errors",
    "SolveError": "planner.errors",
    "Prepared": "planner.pipeline",
    "prepare": "planner.pipeline",
    "solve_prepared": "planner.pipeline",
    "reference_for": "planner.pipeline",
    "plan": "planner.pipeline",
    "Plan": "planner.results",
    "load_scenario": "planner.scenario.load",
    "scenario_hash": "planner.scenario.load",
    "Scenario": "planner.scenario.schema",
    "ServiceClass": "planner.scenario.schema",
    "SolveOptions": "planner.solve",
    "SolveOutcome": "planner.solve",
    "Termination": "planner.solve",
    "Verification": "planner.verify",
    "Reference": "planner.verify",
    "verify": "planner.verify",
}


lazy_names(__name__, _HOME)


__all__ = [
    "DataError",
    "InfeasibleError",
    "InputError",
    "Plan",
    "PlannerError",
    "Prepared",
    "Problem",
    "Reference",
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
    "reference_for",
    "scenario_hash",
    "solve_prepared",
    "verify",
]
