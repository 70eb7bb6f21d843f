"""Independent re-check of a build-out plan over several planning years, from its tables and the raw data.

Every period is checked with the single-year checks against that year's reference (demand, chips and rules
in force that year), except its cost; then what links the periods is checked here from first principles:
each year's fleet is exactly the chips bought earlier and still within their catalog lifetime for the whole
period, retirements follow from purchases and lifetimes, halls stand under their load and never shrink,
sites stay open and connections never fall, every year's cost is rebuilt (chips at their purchase year's
annuity, buildings and cooling plant on the halls standing) and the present value is the discounted sum.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from planner.errors import Problem
from planner.results import Plan
from planner.verify import (ABS_MW, ABS_USD, CHECKS, COST_REL_TOL, PENALTIES, Reference, Verification,
                            _problem, recompute_cost_usd, unmet_cost_problem)

LINK_CHECKS = ("fleet_lifetime", "retirements", "builds", "persistence", "period_cost", "present_value")


@dataclass(frozen=True)
class PeriodReference:
    """What a build-out plan is checked against: one single-year ``Reference`` per planning year, each chip's
    lifetime as bought that year, and the discount rate."""

    references: dict[int, Reference]
    lifetime_years: dict[int, pd.Series]
    """planning year -> index chip: lifetime of a chip bought that year [years]."""
    discount_rate: float


def _end_year(years: list[int], year: int) -> int:
    later = [y for y in years if y > year]
    return later[0] if later else year + 1


def _serving(purchases: pd.DataFrame, years: list[int], ref: PeriodReference, year: int) -> pd.Series:
    """(site, chip) -> chips bought in earlier or this year whose lifetime covers the whole period."""
    end = _end_year(years, year)
    rows = {}
    for row in purchases.itertuples(index=False):
        life = float(ref.lifetime_years[int(row.year)].get(row.chip, math.nan))
        if int(row.year) <= year and end <= int(row.year) + life + 1e-9:
            rows[row.site, row.chip] = rows.get((row.site, row.chip), 0) + int(row.count)
    return pd.Series(rows, dtype=float)


def check_fleet_lifetime(plan: Plan, ref: PeriodReference) -> Iterator[Problem]:
    years = plan.planning_years
    for year in years:
        fleet = plan.fleet[plan.fleet["year"] == year].groupby(["site", "chip"])["chips"].sum().astype(float)
        serving = _serving(plan.purchases, years, ref, year)
        for key in sorted(set(fleet.index) | set(serving.index)):
            have, bought = float(fleet.get(key, 0.0)), float(serving.get(key, 0.0))
            if abs(have - bought) > 1e-6:
                yield _problem("fleet_lifetime", f"{year}:{key[0]}:{key[1]}", f"{have:g} chips in the fleet, "
                               f"{bought:g} bought and within their lifetime")


def check_retirements(plan: Plan, ref: PeriodReference) -> Iterator[Problem]:
    years = plan.planning_years
    expected = {}
    for row in plan.purchases.itertuples(index=False):
        life = float(ref.lifetime_years[int(row.year)].get(row.chip, math.nan))
        retired = next((y for y in years if y > row.year and _end_year(years, y) > row.year + life + 1e-9), None)
        if retired is not None:
            key = (row.site, row.chip, int(row.year), retired)
            expected[key] = expected.get(key, 0) + int(row.count)
    written = {(r.site, r.chip, int(r.bought_year), int(r.year)): int(r.count) for r in plan.retirements.itertuples()}
    for key in sorted(set(expected) | set(written)):
        if expected.get(key, 0) != written.get(key, 0):
            yield _problem("retirements", ":".join(map(str, key)), f"{written.get(key, 0)} written, "
                           f"{expected.get(key, 0)} follow from the purchases and lifetimes")


def _standing(plan: Plan) -> pd.Series:
    builds = plan.builds
    return builds.set_index(["site", "cooling", "year"])["total_mw"].astype(float) if len(builds) else pd.Series(
        dtype=float)


def check_builds(plan: Plan, ref: PeriodReference) -> Iterator[Problem]:
    standing, years = _standing(plan), plan.planning_years
    halls = plan.cooling_halls
    for row in halls.itertuples(index=False):
        built = float(standing.get((row.site, row.cooling, int(row.year)), 0.0))
        if row.it_mw > built + ABS_MW + 1e-5 * built:
            yield _problem("builds", f"{row.year}:{row.site}:{row.cooling}",
                           f"{row.it_mw:.4f} MW of IT in halls of {built:.4f} MW built")
    previous: dict[tuple[str, str], float] = {}
    for year in years:
        for (s, c, y), total in standing.items():
            if y != year:
                continue
            added = float(plan.builds.loc[(plan.builds["site"] == s) & (plan.builds["cooling"] == c)
                                          & (plan.builds["year"] == y), "mw"].sum())
            if abs(total - previous.get((s, c), 0.0) - added) > ABS_MW + 1e-6 * total:
                yield _problem("builds", f"{y}:{s}:{c}", f"built {added:.4f} MW, but standing goes from "
                               f"{previous.get((s, c), 0.0):.4f} to {total:.4f} MW")
            previous[s, c] = total
        for (s, c), before in previous.items():
            if (s, c, year) not in standing.index and before > ABS_MW:
                yield _problem("builds", f"{year}:{s}:{c}", f"{before:.4f} MW of halls built earlier are gone")


def check_persistence(plan: Plan, ref: PeriodReference) -> Iterator[Problem]:
    sites = plan.sites.reset_index()
    years = plan.planning_years
    for a, b in zip(years, years[1:]):
        before = sites[sites["year"] == a].set_index("site")
        after = sites[sites["year"] == b].set_index("site")
        for site in before.index:
            if bool(before.at[site, "is_open"]) and not bool(after.at[site, "is_open"]):
                yield _problem("persistence", f"{b}:{site}", f"opened by {a}, closed in {b}")
            if float(after.at[site, "grid_mw"]) < float(before.at[site, "grid_mw"]) - ABS_MW:
                yield _problem("persistence", f"{b}:{site}", f"grid connection falls from "
                               f"{before.at[site, 'grid_mw']:.3f} MW in {a} to {after.at[site, 'grid_mw']:.3f} MW")


def recompute_period_cost_usd(plan: Plan, ref: PeriodReference, year: int) -> dict[str, float]:
    """One planning year's costs and penalties [USD/year]: the single-year recomputation, with the fleet at
    each chip's purchase-year annuity and buildings and cooling plant on the halls standing."""
    single = ref.references[year]
    costs = recompute_cost_usd(plan.for_year(year), single)
    serving = _serving_vintages(plan.purchases, plan.planning_years, ref, year)
    costs["fleet"] = float(sum(count * float(ref.references[bought].chips.at[chip, "capex_usd_per_year"])
                               for (chip, bought), count in serving.items()))
    standing = _standing(plan)
    standing = standing[standing.index.get_level_values("year") == year]
    sites = single.sites
    costs["building"] = float(sum(float(sites.at[s, "building_usd_per_mw_year"]) * mw for (s, _, _), mw in standing.items()))
    costs["cooling"] = float(sum(float(single.cooling["capex_usd_per_mw_year"].get((s, c), 0.0)) * mw
                                 for (s, c, _), mw in standing.items()))
    return costs


def _serving_vintages(purchases: pd.DataFrame, years: list[int], ref: PeriodReference, year: int) -> dict:
    end, rows = _end_year(years, year), {}
    for row in purchases.itertuples(index=False):
        life = float(ref.lifetime_years[int(row.year)].get(row.chip, math.nan))
        if int(row.year) <= year and end <= int(row.year) + life + 1e-9:
            rows[row.chip, int(row.year)] = rows.get((row.chip, int(row.year)), 0) + int(row.count)
    return rows


def _written_by_component(plan: Plan, year: int) -> pd.Series:
    costs = plan.costs
    return costs[costs["year"] == year].groupby("component")["usd_per_year"].sum()


def _accepted_period_cost_usd(plan: Plan, ref: PeriodReference, year: int) -> dict[str, float]:
    """The recomputed costs of ``year``, the unmet penalty taken as written where it is within the chords'
    accuracy (as the single-year check does), so totals are checked on the rest."""
    recomputed = recompute_period_cost_usd(plan, ref, year)
    written = float(_written_by_component(plan, year).get("unmet", 0.0))
    exact = recomputed.get("unmet", 0.0)
    if unmet_cost_problem(plan.for_year(year), ref.references[year], written, exact) is None:
        recomputed["unmet"] = written
    return recomputed


def _period_totals(plan: Plan, ref: PeriodReference) -> dict[int, float]:
    return {year: sum(_accepted_period_cost_usd(plan, ref, year).values()) for year in plan.planning_years}


def check_period_cost(plan: Plan, ref: PeriodReference) -> Iterator[Problem]:
    for year in plan.planning_years:
        recomputed = _accepted_period_cost_usd(plan, ref, year)
        written = _written_by_component(plan, year)
        for component in sorted(set(written.index) | {c for c, v in recomputed.items() if abs(v) > ABS_USD}):
            value, expected = float(written.get(component, 0.0)), recomputed.get(component)
            if expected is None or not math.isclose(value, expected, rel_tol=COST_REL_TOL, abs_tol=ABS_USD):
                yield _problem("period_cost", f"{year}:{component}", f"{value:,.0f} USD/year written, "
                               f"{'unknown' if expected is None else f'{expected:,.0f}'} recomputed")
        money = sum(v for c, v in recomputed.items() if c not in PENALTIES)
        stated = plan.metadata.get("cost_usd_by_year", {}).get(str(year))
        if stated is None or not math.isclose(stated, money, rel_tol=COST_REL_TOL, abs_tol=ABS_USD):
            yield _problem("period_cost", f"{year}:cost_usd_by_year", f"{stated} stated, {money:,.0f} recomputed")


def check_present_value(plan: Plan, ref: PeriodReference) -> Iterator[Problem]:
    years = plan.planning_years
    totals = _period_totals(plan, ref)
    present = sum((1 + ref.discount_rate) ** -(y - years[0]) * totals[t]
                  for t in years for y in range(t, _end_year(years, t)))
    for label, value in (("objective", plan.objective_usd), ("present_value_usd", plan.metadata.get("present_value_usd"))):
        if value is None or not math.isclose(present, value, rel_tol=COST_REL_TOL, abs_tol=ABS_USD):
            yield _problem("present_value", label, f"{value} written, {present:,.0f} recomputed (discounted at "
                           f"{ref.discount_rate:.1%} to {years[0]})")


LINKS = {"fleet_lifetime": check_fleet_lifetime, "retirements": check_retirements, "builds": check_builds,
         "persistence": check_persistence, "period_cost": check_period_cost, "present_value": check_present_value}


def verify_periods(plan: Plan, reference: PeriodReference) -> Verification:
    """Re-check every period of ``plan`` and the links between them."""
    if not plan.has_solution:
        return Verification(violations=(), checks_run=())
    violations: list[Problem] = []
    single_checks = {name: check for name, check in CHECKS.items() if name != "cost"}
    for year in plan.planning_years:
        single = plan.for_year(year)
        for name, check in single_checks.items():
            violations += [Problem(p.source, f"{year}:{p.key_path}", p.message, p.value)
                           for p in check(single, reference.references[year])]
    for check in LINKS.values():
        violations += list(check(plan, reference))
    checks = tuple(f"{name} (every year)" for name in single_checks) + tuple(LINKS)
    return Verification(violations=tuple(violations), checks_run=checks)
