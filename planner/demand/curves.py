"""How the demand drivers move from year to year: logistic adoption, agents per user, tokens per agent-day,
population. Every driver is stated for the plan year in the scenario and moved to other years from there, so
the plan year's demand reads directly off the scenario (``--set demand.agents_per_capita=2`` means exactly
two agents per AI user in the plan year).
"""

from __future__ import annotations

import math

from planner.scenario.schema import DemandClassConfig, DemandConfig


def forecast_years(plan_year: int, demand: DemandConfig) -> list[int]:
    """Years from the forecast's base year to the plan year, inclusive."""
    first = plan_year if demand.base_year is None else min(demand.base_year, plan_year)
    return list(range(first, plan_year + 1))


def adoption_share(year: float, plan_year: int, demand: DemandConfig) -> float:
    """Logistic adoption S / (1 + exp(-k (year - t0))), with t0 chosen so the plan year gives ``adoption_share``.

    A plan-year share at the ceiling (or zero) has no finite midpoint: adoption is then flat at that value."""
    ceiling, share, rate = demand.adoption_saturation_share, demand.adoption_share, demand.adoption_growth_per_year
    if share <= 0 or share >= ceiling:
        return share
    midpoint = plan_year + math.log(ceiling / share - 1.0) / rate
    return ceiling / (1.0 + math.exp(-rate * (year - midpoint)))


def agents_per_adopter(year: int, plan_year: int, demand: DemandConfig) -> float:
    """AI agents per adopting person: the plan-year figure moved at ``agents_growth_per_year``."""
    return demand.agents_per_capita * (1.0 + demand.agents_growth_per_year) ** (year - plan_year)


def token_scale(year: int, plan_year: int, cls: DemandClassConfig) -> float:
    """Tokens per agent-day (and per user-day) in ``year`` over the plan-year figure."""
    return (1.0 + cls.token_growth_per_year) ** (year - plan_year)


def population_factor(year: int, plan_year: int, demand: DemandConfig) -> float:
    """Population in ``year`` over the shipped figures (which describe ``population_base_year``)."""
    base = plan_year if demand.population_base_year is None else demand.population_base_year
    return (1.0 + demand.population_growth_per_year) ** (year - base)


def generated_tokens_per_adopter_day(year: int, plan_year: int, demand: DemandConfig,
                                     cls: DemandClassConfig) -> float:
    """Generated (visible + reasoning) tokens per adopting person per day in one class."""
    visible = cls.tokens_per_user_day + agents_per_adopter(year, plan_year, demand) * cls.tokens_per_agent_day
    return visible * token_scale(year, plan_year, cls) * (1.0 + cls.reasoning_tokens_per_visible_token)
