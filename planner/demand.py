"""Inference demand by region and service class, from population and agent density.

mean tokens/s [r, q] = population[r] x adoption_share x agents_per_capita
                       x tokens_per_agent_day[q] x (1 + reasoning_tokens_per_visible_token[q]) / 86,400
peak tokens/s [r, q] = mean x peak_to_mean_ratio[q]

Tokens are generated tokens (visible plus reasoning), the unit the throughput coefficients count.
"""

from __future__ import annotations

import pandas as pd

from planner.scenario.schema import Scenario
from planner.units import SECONDS_PER_DAY

DEMAND_COLUMNS = ["region", "year", "service_class", "tokens_per_s_peak", "tokens_per_s_mean"]


def generated_tokens_per_agent_s(scenario: Scenario) -> pd.Series:
    """Generated tokens per second per agent, by service class (only classes the plan serves)."""
    rates = {
        str(q): cfg.tokens_per_agent_day * (1.0 + cfg.reasoning_tokens_per_visible_token) / SECONDS_PER_DAY
        for q, cfg in scenario.demand.classes.items() if q in scenario.service_classes
    }
    return pd.Series(rates, name="tokens_per_s_per_agent").rename_axis("service_class")


def forecast(scenario: Scenario, regions: pd.DataFrame) -> pd.DataFrame:
    """Tidy demand table with columns ``DEMAND_COLUMNS`` for the scenario's plan year."""
    agents = regions["population"] * scenario.demand.adoption_share * scenario.demand.agents_per_capita
    per_agent = generated_tokens_per_agent_s(scenario)
    rows = []
    for service_class, rate in per_agent.items():
        peak_ratio = scenario.demand.classes[service_class].peak_to_mean_ratio
        for region, n_agents in agents.items():
            mean = float(n_agents * rate)
            rows.append((region, scenario.year, service_class, mean * peak_ratio, mean))
    return pd.DataFrame(rows, columns=DEMAND_COLUMNS)
