"""Inference demand by region, year and service class, from population and agent density.

For region r, year y (read at mid-year t = y + 0.5) and class q, with every per-user and per-agent figure
stated for the base year and grown from there (``curves``):

    visible per AI user-day = (tokens_per_user_day[q] + agents(t) x tokens_per_agent_day[q]) x token_growth(t, q)
                              x usage_intensity_relative_to_world
    generated (decode)      = visible x (1 + r[q](t))          r = reasoning tokens per visible token (``tokens``)
    input (prefill)         = visible x input_tokens_per_output_token[q]
    consumer mean [tokens/s] = population[r, y] x adoption(t) x generated / 86,400
    enterprise mean          = national consumer mean x e[q] / (1 - e[q]), placed by city (urban) population
    tokens_per_s_mean = consumer + enterprise;   tokens_per_s_peak = mean x peak_to_mean_ratio[q]

``tokens_per_s_*`` are generated tokens (the unit of the throughput coefficients the MIP uses);
``input_tokens_per_s_*`` are the prompt and context tokens read for them, for sizing prefill. r and the input
ratio default to the class's workload profile, so the demand and the roofline share one set of figures.
The peak is the region's own local busy hour (see ``diurnal``). ``national_totals`` adds the coincident peak.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.demand import curves
from planner.demand.checks import check_demand
from planner.demand.diurnal import utc_profile
from planner.demand.tokens import generated_per_visible
from planner.scenario.schema import DemandConfig, Scenario
from planner.units import SECONDS_PER_DAY

DEMAND_COLUMNS = ["region", "year", "service_class", "tokens_per_s_peak", "tokens_per_s_mean",
                  "input_tokens_per_s_peak", "input_tokens_per_s_mean"]
TOTAL = "total"


@dataclass(frozen=True)
class ClassTokens:
    """A class's token shape in the base year."""

    reasoning_tokens_per_visible_token: float
    input_tokens_per_output_token: float
    """Prompt and context tokens per visible output token."""


def served_classes(scenario: Scenario) -> list[str]:
    """Service classes the plan serves, in the scenario's order."""
    return [str(q) for q in scenario.service_classes if q in scenario.demand.classes]


def class_tokens(scenario: Scenario) -> dict[str, ClassTokens]:
    """Reasoning and input ratio per served class: the scenario's figure, else its workload profile's."""
    workloads = {q: scenario.service_classes[q].workload or q for q in served_classes(scenario)}
    return class_tokens_of(scenario.demand, workloads)


def class_tokens_of(demand: DemandConfig, workloads: dict[str, str]) -> dict[str, ClassTokens]:
    """``class_tokens`` for the classes in ``workloads`` (service class -> workload profile name)."""
    shapes, profiles = {}, None
    for q, workload in workloads.items():
        cls = demand.classes[q]
        r, ratio = cls.reasoning_tokens_per_visible_token, cls.input_tokens_per_output_token
        if r is None or ratio is None:
            if profiles is None:
                from planner.roofline.workloads import load_workloads

                profiles = load_workloads(set(workloads.values()))
            profile = profiles[workload]
            r = profile.reasoning_tokens_per_visible_token if r is None else r
            ratio = profile.input_tokens_per_output_token if ratio is None else ratio
        shapes[q] = ClassTokens(float(r), float(ratio))
    return shapes


def per_user_tokens_day(demand: DemandConfig, plan_year: int, service_class: str, shape: ClassTokens,
                        date: float) -> tuple[float, float]:
    """(generated, input) tokens per AI user per day at ``date`` (decimal year), people's own use."""
    visible = curves.visible_tokens_per_adopter_day_at(date, plan_year, demand, demand.classes[service_class])
    r = curves.reasoning_at(date, plan_year, demand, shape.reasoning_tokens_per_visible_token)
    return visible * generated_per_visible(r), visible * shape.input_tokens_per_output_token


def _region_means(scenario: Scenario, regions: pd.DataFrame, year: int, service_class: str,
                  shape: ClassTokens) -> tuple[np.ndarray, float]:
    """Mean generated tokens/s per region, and input tokens per generated token."""
    demand, plan_year = scenario.demand, scenario.year
    cls = demand.classes[service_class]
    population = regions["population"].to_numpy(float) * curves.population_factor(year, plan_year, demand)
    date = year + curves.MID_YEAR
    generated, read = per_user_tokens_day(demand, plan_year, service_class, shape, date)
    consumer = population * curves.adoption_at(date, plan_year, demand) * generated / SECONDS_PER_DAY
    urban = regions["urban_population"].to_numpy(float) if "urban_population" in regions else population
    enterprise = consumer.sum() * cls.enterprise_share / (1.0 - cls.enterprise_share) * urban / urban.sum()
    return consumer + enterprise, (read / generated if generated > 0 else 0.0)


def forecast(scenario: Scenario, regions: pd.DataFrame | None = None,
             years: Iterable[int] | None = None) -> pd.DataFrame:
    """Tidy table with ``DEMAND_COLUMNS``: one row per region, year and served class.

    ``regions`` defaults to the scenario's demand regions; ``years`` to the base year .. plan year (years
    after the plan year extrapolate the same curves)."""
    check_demand(scenario)
    if regions is None:
        from planner.geo.regions import regions_for

        regions = regions_for(scenario)
    years = list(years) if years is not None else curves.forecast_years(scenario.year, scenario.demand)
    shapes = class_tokens(scenario)
    frames = []
    for year in years:
        for service_class in served_classes(scenario):
            mean, input_per_generated = _region_means(scenario, regions, year, service_class, shapes[service_class])
            ratio = scenario.demand.classes[service_class].peak_to_mean_ratio
            frames.append(pd.DataFrame({"region": regions.index.astype(str), "year": int(year),
                                        "service_class": service_class, "tokens_per_s_peak": mean * ratio,
                                        "tokens_per_s_mean": mean,
                                        "input_tokens_per_s_peak": mean * ratio * input_per_generated,
                                        "input_tokens_per_s_mean": mean * input_per_generated}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(DEMAND_COLUMNS, [str, int, str] + [float] * 4)})
    return pd.concat(frames, ignore_index=True)[DEMAND_COLUMNS]


def national_totals(table: pd.DataFrame, regions: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """National totals indexed by (year, service_class), with a ``total`` row per year.

    ``tokens_per_s_peak`` is the sum of regional peaks (what the MIP sizes for); ``tokens_per_s_peak_coincident``
    is the peak of the national hourly load across time zones (and, in the total row, across classes)."""
    offsets = regions["utc_offset_h"] if "utc_offset_h" in regions else pd.Series(0.0, index=regions.index)
    rows = []
    for year, of_year in table.groupby("year", sort=True):
        profile_sum = np.zeros(1)
        for service_class, part in of_year.groupby("service_class", sort=False):
            cls = scenario.demand.classes[service_class]
            profile = utc_profile(part["tokens_per_s_mean"].to_numpy(), offsets.loc[part["region"]].to_numpy(),
                                  cls.peak_to_mean_ratio, cls.peak_local_hour)
            profile_sum = profile_sum + profile
            rows.append(_total_row(year, service_class, part, profile.max()))
        rows.append(_total_row(year, TOTAL, of_year, profile_sum.max()))
    return pd.DataFrame(rows).set_index(["year", "service_class"])


def _total_row(year: int, service_class: str, part: pd.DataFrame, coincident: float) -> dict:
    peak = float(part["tokens_per_s_peak"].sum())
    return {"year": int(year), "service_class": service_class, "tokens_per_s_mean": float(part["tokens_per_s_mean"].sum()),
            "tokens_per_s_peak": peak, "tokens_per_s_peak_coincident": min(float(coincident), peak),
            "input_tokens_per_s_mean": float(part["input_tokens_per_s_mean"].sum()),
            "input_tokens_per_s_peak": float(part["input_tokens_per_s_peak"].sum())}
