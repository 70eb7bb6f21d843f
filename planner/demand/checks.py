"""Demand checks the schema cannot express alone (they relate several fields); shared by
``planner.scenario.checks`` and ``forecast`` so a scenario built in Python gets the same messages."""

from __future__ import annotations

from collections.abc import Iterator

from planner.errors import Problem, ScenarioError
from planner.scenario.schema import Scenario


def demand_problems(scenario: Scenario, source: str = "scenario") -> Iterator[Problem]:
    """Every cross-field problem in the ``demand`` section."""
    demand = scenario.demand
    if demand.adoption_share > demand.adoption_saturation_share:
        yield Problem(source, "demand.adoption_share", "adoption in the plan year cannot exceed the logistic "
                      f"ceiling demand.adoption_saturation_share ({demand.adoption_saturation_share})",
                      demand.adoption_share)
    if demand.base_year is not None and demand.base_year > scenario.year:
        yield Problem(source, "demand.base_year", f"the forecast's first year must not be after the plan year "
                      f"({scenario.year})", demand.base_year)
    for name, cls in demand.classes.items():
        if cls.tokens_per_agent_day == 0 and cls.tokens_per_user_day == 0:
            yield Problem(source, f"demand.classes.{name}", "the class generates no tokens: give "
                          "tokens_per_agent_day or tokens_per_user_day above 0")


def check_demand(scenario: Scenario, source: str = "scenario") -> None:
    problems = list(demand_problems(scenario, source))
    if problems:
        raise ScenarioError(problems)
