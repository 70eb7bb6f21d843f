"""Semantic checks of a validated scenario against the shipped data; every problem collected at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from planner.errors import Problem, ScenarioError
from planner.scenario.plausibility import empty_lists, physical_ranges, sites_on_land
from planner.scenario.schema import Scenario

# Sites may lie this far outside the bounding box of the country's cities (offshore, border areas).
SITE_EXTENT_MARGIN_DEG = 2.0

Check = Callable[[Scenario, str], Iterator[Problem]]


def _country(scenario: Scenario, source: str) -> Iterator[Problem]:
    from planner.geo.population import cities, countries

    if scenario.country_iso3 not in countries().index:
        yield Problem(source, "country_iso3", "unknown ISO 3166-1 alpha-3 country code", scenario.country_iso3)
    elif cities(scenario.country_iso3).empty:
        yield Problem(source, "country_iso3", "the shipped GeoNames data has no cities for this country, "
                      "so demand regions cannot be built", scenario.country_iso3)


def _classes(scenario: Scenario, source: str) -> Iterator[Problem]:
    for service_class in scenario.service_classes:
        if service_class not in scenario.demand.classes:
            yield Problem(source, f"demand.classes.{service_class}", "missing: service_classes defines this "
                          "class, so its demand must be given")


def _sites(scenario: Scenario, source: str) -> Iterator[Problem]:
    sources = scenario.site_sources
    if not scenario.sites and not (sources.cloud_metros or sources.substations):
        yield Problem(source, "sites", "no candidate sites: list sites or set site_sources")
    counts = Counter(site.name for site in scenario.sites)
    for index, site in enumerate(scenario.sites):
        if counts[site.name] > 1:
            yield Problem(source, f"sites.{index}.name", "site names must be unique", site.name)
    yield from _sites_inside_country(scenario, source)


def _sites_inside_country(scenario: Scenario, source: str) -> Iterator[Problem]:
    """By the country's outline where Natural Earth has one; else within the bounding box of its cities."""
    from planner.geo.outlines import has_outline
    from planner.geo.population import cities, countries

    if scenario.country_iso3 not in countries().index:
        return
    if has_outline(scenario.country_iso3):
        yield from sites_on_land(scenario, source)
        return
    members = cities(scenario.country_iso3)
    if members.empty:
        return
    lat_lo, lat_hi = members["lat"].min() - SITE_EXTENT_MARGIN_DEG, members["lat"].max() + SITE_EXTENT_MARGIN_DEG
    lon_lo, lon_hi = members["lon"].min() - SITE_EXTENT_MARGIN_DEG, members["lon"].max() + SITE_EXTENT_MARGIN_DEG
    for index, site in enumerate(scenario.sites):
        if not (lat_lo <= site.lat <= lat_hi and lon_lo <= site.lon <= lon_hi):
            yield Problem(source, f"sites.{index}", f"site lies outside {scenario.country_iso3} (cities span "
                          f"lat {lat_lo:.1f}..{lat_hi:.1f}, lon {lon_lo:.1f}..{lon_hi:.1f})", (site.lat, site.lon))


def _chips(scenario: Scenario, source: str) -> Iterator[Problem]:
    from planner.catalog import resolve_chip
    from planner.errors import DataError

    named = [(f"chips.candidates.{i}", name) for i, name in enumerate(scenario.chips.candidates or [])]
    named += [(f"policy.supply_limits.{name}", name) for name in scenario.policy.supply_limits]
    named += [(f"chips.price_usd.{name}", name) for name in scenario.chips.price_usd]
    for key_path, name in named:
        try:
            resolve_chip(name)
        except DataError as error:
            yield Problem(source, key_path, error.problems[0].message, name)


def _workloads_and_rules(scenario: Scenario, source: str) -> Iterator[Problem]:
    from planner.catalog.policy import load_rule_packs
    from planner.errors import DataError
    from planner.roofline import load_workloads

    named = {str(q): cfg.workload or str(q) for q, cfg in scenario.service_classes.items()}
    try:  # one read of the profiles for every class (a study checks each of its scenarios)
        load_workloads(sorted(set(named.values())))
    except DataError:
        for q, name in named.items():  # the class of each problem
            try:
                load_workloads([name])
            except DataError as error:
                yield Problem(source, f"service_classes.{q}.workload", error.problems[0].message, name)
    from planner.cooling import load_cooling_technologies

    known = load_cooling_technologies()
    for i, name in enumerate(scenario.cooling.technologies or []):
        if name not in known:
            yield Problem(source, f"cooling.technologies.{i}", f"unknown cooling technology; known: {', '.join(known)}", name)
    packs = load_rule_packs()
    if scenario.policy.rules is not None and scenario.policy.rules not in packs:
        yield Problem(source, "policy.rules", f"unknown rule pack; known: {', '.join(sorted(packs))}",
                      scenario.policy.rules)


def _levers(scenario: Scenario, source: str) -> Iterator[Problem]:
    """Model cards named by the efficiency levers exist; a model mix's shares sum to 1."""
    from planner.roofline.levers import lever_problems

    yield from lever_problems(scenario.efficiency, source)


def _demand(scenario: Scenario, source: str) -> Iterator[Problem]:
    """Cross-field demand problems (adoption above its ceiling, base year after the plan year, silent classes)."""
    from planner.demand.checks import demand_problems

    yield from demand_problems(scenario, source)


def _planning_years(scenario: Scenario, source: str) -> Iterator[Problem]:
    years = scenario.planning_years
    if years is None:
        return
    if not years:
        yield Problem(source, "planning_years", "empty: give at least one year, or leave it out for the plan year")
    if any(b <= a for a, b in zip(years, years[1:])):
        yield Problem(source, "planning_years", "years must increase strictly", years)
    for index, year in enumerate(years):
        if not 2020 <= year <= 2100:
            yield Problem(source, f"planning_years.{index}", "expected a year between 2020 and 2100", year)


CHECKS: list[Check] = [_country, _classes, _sites, _chips, _workloads_and_rules, _levers, _demand, physical_ranges,
                       empty_lists, _planning_years]


def collect_problems(scenario: Scenario, source: str = "scenario") -> list[Problem]:
    return [problem for check in CHECKS for problem in check(scenario, source)]


def check_scenario(scenario: Scenario, source: str = "scenario") -> None:
    """Raise one ``ScenarioError`` listing every semantic problem, or return quietly."""
    problems = collect_problems(scenario, source)
    if problems:
        raise ScenarioError(problems)
