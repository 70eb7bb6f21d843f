"""Demand checks the schema cannot express alone (they relate several fields); shared by
``planner.scenario.checks`` and ``forecast`` so a scenario built in Python gets the same messages."""

from __future__ import annotations

from collections.abc import Iterator

from planner.errors import Problem, ScenarioError
from planner.scenario.schema import Scenario


def demand_problems(scenario: Scenario, source: str = "scenario") -> Iterator[Problem]:
    """Every cross-field problem in the ``demand`` section."""
    demand = scenario.demand
    ceiling = demand.adoption_saturation_share
    if demand.adoption_share is None and demand.adoption_observed is None:
        yield Problem(source, "demand.adoption_observed", "adoption needs an anchor: give adoption_observed (the "
                      "latest measured share of the working-age population) or adoption_share (plan year)", None)
    if demand.adoption_share is not None and demand.adoption_share > ceiling:
        yield Problem(source, "demand.adoption_share", "adoption in the plan year cannot exceed the logistic "
                      f"ceiling demand.adoption_saturation_share ({ceiling})", demand.adoption_share)
    observed = demand.adoption_observed
    if demand.adoption_share is None and observed is not None:
        of_all = observed.share_of_working_age * observed.working_age_share
        if of_all >= ceiling:
            yield Problem(source, "demand.adoption_observed", f"the measured adoption, {of_all:.3f} of all people "
                          "(share_of_working_age x working_age_share), must lie below the logistic ceiling "
                          f"demand.adoption_saturation_share ({ceiling})", observed.share_of_working_age)
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
