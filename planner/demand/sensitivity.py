"""Elasticities of the plan-year national peak (sum of regional peaks, all classes) to each demand knob:
d ln total / d ln knob = (dT/dx)(x/T), with dT/dx by central finite differences (one-sided where a step would
leave the knob's valid range). The forecast is multiplicative in most knobs, so elasticities read as shares: the
elasticity to ``agents_per_capita`` is the share of the peak that agents generate.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pydantic import ValidationError

from planner.errors import Problem, ScenarioError
from planner.scenario.schema import Scenario

CLASS_KNOBS = ("tokens_per_agent_day", "tokens_per_user_day", "reasoning_tokens_per_visible_token",
               "token_growth_per_year", "enterprise_share", "peak_to_mean_ratio")
PROFILE_KNOBS = ("reasoning_tokens_per_visible_token", "input_tokens_per_output_token")
DEMAND_KNOBS = ("adoption_share", "adoption_saturation_share", "adoption_growth_per_year",
                "usage_intensity_relative_to_world", "agents_per_capita", "agents_growth_per_year",
                "reasoning_growth_per_year")
SENSITIVITY_COLUMNS = ["knob", "value", "elasticity", "tokens_per_s_peak", "tokens_per_s_peak_low",
                       "tokens_per_s_peak_high"]


def default_knobs(scenario: Scenario) -> list[str]:
    """Dotted paths of every non-zero demand knob that moves the plan-year peak."""
    from planner.demand.forecast import class_tokens

    demand = scenario.demand
    knobs = [f"demand.{k}" for k in DEMAND_KNOBS if getattr(demand, k)]
    if demand.adoption_share is None and demand.adoption_observed is not None:
        knobs.append("demand.adoption_observed.share_of_working_age")
    shapes = class_tokens(scenario)
    for q in scenario.service_classes:
        if q in demand.classes:
            cls = demand.classes[q]
            knobs += [f"demand.classes.{q}.{k}" for k in CLASS_KNOBS
                      if getattr(cls, k) or (k in PROFILE_KNOBS and getattr(shapes[str(q)], k))]
    return knobs


def _value(scenario: Scenario, tree: dict, path: list[str]) -> float:
    """The knob's value; a class's reasoning or input ratio left to its workload profile reads from there."""
    value = _get(tree, path)
    if value is None and len(path) == 4 and path[:2] == ["demand", "classes"] and path[3] in PROFILE_KNOBS:
        from planner.demand.forecast import class_tokens

        value = getattr(class_tokens(scenario)[path[2]], path[3])
    return float(value)


def _get(tree: dict, path: list[str]) -> object:
    for key in path:
        tree = tree[key]
    return tree


def _with(scenario_tree: dict, path: list[str], value: float) -> Scenario | None:
    tree = scenario_tree
    changed = {**tree}
    node = changed
    for key in path[:-1]:
        node[key] = {**node[key]}
        node = node[key]
    node[path[-1]] = value
    try:
        return Scenario.model_validate(changed)
    except ValidationError:
        return None


def _total(scenario: Scenario | None, regions: pd.DataFrame) -> float | None:
    from planner.demand.forecast import forecast

    if scenario is None:
        return None
    try:
        return float(forecast(scenario, regions, years=[scenario.year])["tokens_per_s_peak"].sum())
    except ScenarioError:
        return None


def sensitivity(scenario: Scenario, knobs: Iterable[str] | None = None, rel_step: float = 0.1,
                regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per knob with ``SENSITIVITY_COLUMNS`` (totals in tokens/s at the plan-year peak)."""
    from planner.geo.regions import regions_for

    if not 0 < rel_step < 1:
        raise ValueError("rel_step must lie in (0, 1)")
    regions = regions_for(scenario) if regions is None else regions
    tree = scenario.model_dump(mode="json")
    base = _total(scenario, regions)
    rows = []
    for knob in (default_knobs(scenario) if knobs is None else list(knobs)):
        path = knob.split(".")
        try:
            value = _value(scenario, tree, path)
        except (KeyError, TypeError, ValueError):
            raise ScenarioError([Problem("sensitivity", knob, "not a numeric scenario value")]) from None
        low, high = value * (1 - rel_step), value * (1 + rel_step)
        t_low, t_high = _total(_with(tree, path, low), regions), _total(_with(tree, path, high), regions)
        rows.append({"knob": knob, "value": value, "elasticity": _elasticity(base, value, low, high, t_low, t_high),
                     "tokens_per_s_peak": base, "tokens_per_s_peak_low": t_low, "tokens_per_s_peak_high": t_high})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def _elasticity(base: float, value: float, low: float, high: float, t_low: float | None,
                t_high: float | None) -> float:
    """(dT/dx) x (x / T) at the knob's value, dT/dx by central difference (one-sided from the base where one
    side is invalid); exact where the total is affine in the knob. NaN if no side is valid."""
    points = [(x, t) for x, t in ((low, t_low), (value, base), (high, t_high)) if t is not None]
    if len(points) < 2 or value == 0 or not base:
        return float("nan")
    (x0, y0), (x1, y1) = points[0], points[-1]
    return (y1 - y0) / (x1 - x0) * value / base
