"""How the demand drivers move through time: logistic adoption, agents per user, tokens per agent-day,
reasoning length, population.

Time is a decimal year; the forecast's year ``y`` is read at its middle, ``y + 0.5``. Adoption passes through
the latest measurement (``demand.adoption_observed``, converted from working-age to all people), or through
``demand.adoption_share`` in the plan year when that what-if is set. Per-user and per-agent figures are
stated for the base year (``demand.base_year``, else the plan year) and grow from there.
"""

from __future__ import annotations

import math

from planner.scenario.schema import DemandClassConfig, DemandConfig

MID_YEAR = 0.5


def base_year(plan_year: int, demand: DemandConfig) -> int:
    """The year the per-user and per-agent figures describe (the forecast's first year)."""
    return plan_year if demand.base_year is None else min(demand.base_year, plan_year)


def forecast_years(plan_year: int, demand: DemandConfig) -> list[int]:
    """Years from the forecast's base year to the plan year, inclusive."""
    return list(range(base_year(plan_year, demand), plan_year + 1))


def adoption_anchor(plan_year: int, demand: DemandConfig) -> tuple[float, float]:
    """(date [decimal year], share of all people) the adoption curve passes through."""
    if demand.adoption_share is not None:
        return plan_year + MID_YEAR, demand.adoption_share
    if demand.adoption_observed is None:
        raise ValueError("demand needs adoption_observed or adoption_share")
    observed = demand.adoption_observed
    return observed.date, observed.share_of_working_age * observed.working_age_share


def logistic(date: float, anchor_date: float, anchor_share: float, ceiling: float, rate: float) -> float:
    """S / (1 + exp(-k (t - t0))) through (anchor_date, anchor_share); flat where the anchor has no finite t0."""
    if anchor_share <= 0 or anchor_share >= ceiling:
        return min(anchor_share, ceiling)
    midpoint = anchor_date + math.log(ceiling / anchor_share - 1.0) / rate
    return ceiling / (1.0 + math.exp(-rate * (date - midpoint)))


def adoption_at(date: float, plan_year: int, demand: DemandConfig) -> float:
    """AI users over all people at ``date`` (decimal year) [-]."""
    anchor_date, anchor_share = adoption_anchor(plan_year, demand)
    return logistic(date, anchor_date, anchor_share, demand.adoption_saturation_share, demand.adoption_growth_per_year)


def adoption_share(year: float, plan_year: int, demand: DemandConfig) -> float:
    """AI users over all people in forecast year ``year`` (read at mid-year) [-]."""
    return adoption_at(year + MID_YEAR, plan_year, demand)


def _years_from_base(date: float, plan_year: int, demand: DemandConfig) -> float:
    return date - (base_year(plan_year, demand) + MID_YEAR)


def agents_per_adopter_at(date: float, plan_year: int, demand: DemandConfig) -> float:
    """AI agents per AI user: the base-year figure moved at ``agents_growth_per_year``."""
    return demand.agents_per_capita * (1.0 + demand.agents_growth_per_year) ** _years_from_base(date, plan_year, demand)


def reasoning_at(date: float, plan_year: int, demand: DemandConfig, base_reasoning: float) -> float:
    """Reasoning tokens per visible token: the base-year figure moved at ``reasoning_growth_per_year``."""
    return base_reasoning * (1.0 + demand.reasoning_growth_per_year) ** _years_from_base(date, plan_year, demand)


def visible_tokens_per_adopter_day_at(date: float, plan_year: int, demand: DemandConfig,
                                      cls: DemandClassConfig) -> float:
    """Visible output tokens per AI user per day in one class, people's own use (enterprise use excluded)."""
    per_user = cls.tokens_per_user_day + agents_per_adopter_at(date, plan_year, demand) * cls.tokens_per_agent_day
    growth = (1.0 + cls.token_growth_per_year) ** _years_from_base(date, plan_year, demand)
    return per_user * growth * demand.usage_intensity_relative_to_world


def population_factor(year: int, plan_year: int, demand: DemandConfig) -> float:
    """Population in ``year`` over the shipped figures (which describe ``population_base_year``)."""
    base = plan_year if demand.population_base_year is None else demand.population_base_year
    return (1.0 + demand.population_growth_per_year) ** (year - base)
