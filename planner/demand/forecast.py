"""Inference demand by region, year and service class, from population and agent density.

For region r, year y and class q (generated tokens = visible + reasoning, the unit of the throughput
coefficients):

    consumer mean [tokens/s] = population[r, y] x adoption(y) x generated_tokens_per_adopter_day(y, q) / 86,400
    generated_tokens_per_adopter_day = (tokens_per_user_day[q] + agents_per_adopter(y) x tokens_per_agent_day[q])
                                       x token_growth(y, q) x (1 + reasoning_tokens_per_visible_token[q])
    enterprise mean = national consumer mean x e[q] / (1 - e[q]), placed by city (urban) population
    tokens_per_s_mean = consumer + enterprise;   tokens_per_s_peak = mean x peak_to_mean_ratio[q]

The peak is the region's own local busy hour (see ``diurnal``). ``national_totals`` adds the coincident peak.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from planner.demand import curves
from planner.demand.checks import check_demand
from planner.demand.diurnal import utc_profile
from planner.scenario.schema import Scenario
from planner.units import SECONDS_PER_DAY

DEMAND_COLUMNS = ["region", "year", "service_class", "tokens_per_s_peak", "tokens_per_s_mean"]
TOTAL = "total"


def served_classes(scenario: Scenario) -> list[str]:
    """Service classes the plan serves, in the scenario's order."""
    return [str(q) for q in scenario.service_classes if q in scenario.demand.classes]


def _region_means(scenario: Scenario, regions: pd.DataFrame, year: int, service_class: str) -> np.ndarray:
    demand, plan_year = scenario.demand, scenario.year
    cls = demand.classes[service_class]
    population = regions["population"].to_numpy(float) * curves.population_factor(year, plan_year, demand)
    per_person_day = curves.adoption_share(year, plan_year, demand) * curves.generated_tokens_per_adopter_day(
        year, plan_year, demand, cls)
    consumer = population * per_person_day / SECONDS_PER_DAY
    urban = regions["urban_population"].to_numpy(float) if "urban_population" in regions else population
    enterprise = consumer.sum() * cls.enterprise_share / (1.0 - cls.enterprise_share) * urban / urban.sum()
    return consumer + enterprise


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
    frames = []
    for year in years:
        for service_class in served_classes(scenario):
            mean = _region_means(scenario, regions, year, service_class)
            ratio = scenario.demand.classes[service_class].peak_to_mean_ratio
            frames.append(pd.DataFrame({"region": regions.index.astype(str), "year": int(year),
                                        "service_class": service_class, "tokens_per_s_peak": mean * ratio,
                                        "tokens_per_s_mean": mean}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(DEMAND_COLUMNS, [str, int, str, float, float])})
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
            "tokens_per_s_peak": peak, "tokens_per_s_peak_coincident": min(float(coincident), peak)}
