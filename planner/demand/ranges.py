"""Growth paths with low / central / high ranges: adoption diffusion, usage intensity, agents, agent task
length, reasoning length. The central value is the scenario's; the ranges and their sources are in
``data/public_anchors/demand_anchors.yaml`` (``knob_ranges``). ``band`` gives the plan-year demand with every
knob low, central and high; ``swings`` moves one knob at a time; ``sample`` draws scenarios for studies
(triangular distributions over each range).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.demand.anchors import knob_ranges as raw_ranges
from planner.errors import Problem, ScenarioError
from planner.scenario.schema import Scenario

CASES = ("low", "central", "high")
RANGE_COLUMNS = ["knob", "low", "central", "high", "why"]
BAND_COLUMNS = ["case", "tokens_per_s_peak", "input_tokens_per_s_peak"]
SWING_COLUMNS = ["knob", "low", "central", "high", "tokens_per_s_peak_low", "tokens_per_s_peak",
                 "tokens_per_s_peak_high"]


@dataclass(frozen=True)
class KnobRange:
    knob: str
    """Dotted scenario path."""
    low: float
    central: float
    high: float
    why: str


def _get(tree: dict, path: list[str]):
    for key in path:
        tree = tree[key]
    return tree


def _floor(scenario: Scenario, knob: str) -> float:
    """Smallest valid value: a ceiling must stay above today's measured adoption."""
    observed = scenario.demand.adoption_observed
    if knob == "demand.adoption_saturation_share" and observed is not None:
        return 1.02 * observed.share_of_working_age * observed.working_age_share
    return 0.0


def _cap(knob: str) -> float:
    return 1.0 if knob.endswith("_share") else float("inf")


def knob_ranges(scenario: Scenario, knobs: Iterable[str] | None = None) -> list[KnobRange]:
    """The scenario's value and its low / high for each knob with a range (all of them by default)."""
    tree = scenario.model_dump(mode="json")
    ranges = raw_ranges()
    chosen = list(ranges) if knobs is None else list(knobs)
    unknown = [k for k in chosen if k not in ranges]
    if unknown:
        raise ScenarioError([Problem("knob_ranges", k, f"no range for this knob; known: {', '.join(ranges)}")
                             for k in unknown])
    out = []
    for knob in chosen:
        spec = ranges[knob]
        try:
            central = float(_get(tree, knob.split(".")))
        except (KeyError, TypeError):
            continue  # the scenario lacks this class or section
        low = float(spec["low"]) if "low" in spec else central * float(spec["low_x"])
        high = float(spec["high"]) if "high" in spec else central * float(spec["high_x"])
        low, high = max(min(low, central), _floor(scenario, knob)), min(max(high, central), _cap(knob))
        out.append(KnobRange(knob, low, central, high, str(spec.get("why", ""))))
    return out


def ranges_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame([r.__dict__ for r in knob_ranges(scenario)], columns=RANGE_COLUMNS)


def with_values(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A validated copy of ``scenario`` with dotted-path values replaced."""
    tree = scenario.model_dump(mode="json")
    for knob, value in values.items():
        path = knob.split(".")
        node = tree
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return type(scenario).model_validate(tree)


def _plan_year_totals(scenario: Scenario, regions: pd.DataFrame) -> tuple[float, float]:
    from planner.demand.forecast import forecast

    table = forecast(scenario, regions, years=[scenario.year])
    return float(table["tokens_per_s_peak"].sum()), float(table["input_tokens_per_s_peak"].sum())


def band(scenario: Scenario, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Plan-year national peak (generated and input tokens/s) with every knob low, central and high."""
    from planner.geo.regions import regions_for

    regions = regions_for(scenario) if regions is None else regions
    ranges = knob_ranges(scenario)
    rows = []
    for case in CASES:
        case_scenario = with_values(scenario, {r.knob: getattr(r, case) for r in ranges})
        peak, read = _plan_year_totals(case_scenario, regions)
        rows.append({"case": case, "tokens_per_s_peak": peak, "input_tokens_per_s_peak": read})
    return pd.DataFrame(rows, columns=BAND_COLUMNS)


def swings(scenario: Scenario, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Plan-year national peak with one knob at a time at its low and its high (a tornado table), largest
    swing first."""
    from planner.geo.regions import regions_for

    regions = regions_for(scenario) if regions is None else regions
    base, _ = _plan_year_totals(scenario, regions)
    rows = []
    for r in knob_ranges(scenario):
        low, _ = _plan_year_totals(with_values(scenario, {r.knob: r.low}), regions)
        high, _ = _plan_year_totals(with_values(scenario, {r.knob: r.high}), regions)
        rows.append({"knob": r.knob, "low": r.low, "central": r.central, "high": r.high,
                     "tokens_per_s_peak_low": low, "tokens_per_s_peak": base, "tokens_per_s_peak_high": high})
    table = pd.DataFrame(rows, columns=SWING_COLUMNS)
    order = (table["tokens_per_s_peak_high"] - table["tokens_per_s_peak_low"]).abs().sort_values(ascending=False)
    return table.loc[order.index].reset_index(drop=True)


def sample(scenario: Scenario, count: int, seed: int = 0) -> list[Scenario]:
    """``count`` scenarios with every ranged knob drawn from a triangular distribution (low, central, high)."""
    rng = np.random.default_rng(seed)
    ranges = knob_ranges(scenario)
    out = []
    for _ in range(count):
        values = {r.knob: float(rng.triangular(r.low, r.central, r.high)) if r.high > r.low else r.central
                  for r in ranges}
        out.append(with_values(scenario, values))
    return out
