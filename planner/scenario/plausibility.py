"""Plausibility checks: values that pass the schema's types but are physically implausible, most often a
value typed in the wrong unit. Each problem names the unit the value was probably meant in."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from planner.errors import Problem
from planner.scenario.schema import Scenario

log = logging.getLogger(__name__)

MAX_SITE_MW = 10_000.0  # the largest data-centre campuses announced are a few GW
MAX_ENERGY_USD_PER_MWH = 10_000.0  # far above any wholesale price cap (EU: 4,000 EUR/MWh)
MIN_ENERGY_USD_PER_MWH = 1.0  # below this the price was almost surely given per kWh


def _power_mw(value: float | None, source: str, key_path: str) -> Iterator[Problem]:
    if value is not None and value > MAX_SITE_MW:
        yield Problem(source, key_path, f"above {MAX_SITE_MW:,.0f} MW (10 GW), larger than any data-centre "
                      f"campus; was it given in kW? ({value:,.0f} kW = {value / 1000:,.1f} MW)", value)


def _price(value: float | None, source: str, key_path: str) -> Iterator[Problem]:
    if value is None or value == 0:
        return
    if value > MAX_ENERGY_USD_PER_MWH:
        yield Problem(source, key_path, f"above {MAX_ENERGY_USD_PER_MWH:,.0f} USD/MWh; was it given per GWh or "
                      "in another currency? (prices are USD per MWh)", value)
    elif value < MIN_ENERGY_USD_PER_MWH:
        yield Problem(source, key_path, f"below {MIN_ENERGY_USD_PER_MWH:g} USD/MWh; was it given in USD/kWh? "
                      f"({value:g} USD/kWh = {value * 1000:g} USD/MWh)", value)


def physical_ranges(scenario: Scenario, source: str) -> Iterator[Problem]:
    for i, site in enumerate(scenario.sites):
        yield from _power_mw(site.max_grid_mw, source, f"sites.{i}.max_grid_mw")
        yield from _price(site.energy_usd_per_mwh, source, f"sites.{i}.energy_usd_per_mwh")
    yield from _power_mw(scenario.site_sources.max_grid_mw, source, "site_sources.max_grid_mw")
    yield from _power_mw(scenario.grid.max_site_mw, source, "grid.max_site_mw")
    yield from _price(scenario.costs.energy_usd_per_mwh, source, "costs.energy_usd_per_mwh")


def empty_lists(scenario: Scenario, source: str) -> Iterator[Problem]:
    """An empty list where leaving the key out means "everything" is almost surely a mistake."""
    if scenario.chips.candidates is not None and not scenario.chips.candidates:
        yield Problem(source, "chips.candidates", "empty list; leave the key out for the whole catalog, or "
                      "list at least one chip", [])
    if scenario.cooling.technologies is not None and not scenario.cooling.technologies:
        yield Problem(source, "cooling.technologies", "empty list; leave the key out for every technology, or "
                      "list at least one", [])


def sites_on_land(scenario: Scenario, source: str) -> Iterator[Problem]:
    """Each site on land inside the country's Natural Earth 1:50M outline: within the coastal tolerance
    outside it a warning (the coarse outline cuts coastal cities), beyond it a problem."""
    from planner.geo.outlines import COASTAL_TOLERANCE_KM, has_outline, site_placement

    iso3 = scenario.country_iso3
    if not has_outline(iso3):
        return
    for i, site in enumerate(scenario.sites):
        placed = site_placement(site.lat, site.lon, iso3)
        if placed.outside_km == 0:
            continue
        where = f"in {placed.country_there}" if placed.country_there else "at sea"
        message = f"{placed.outside_km:,.1f} km outside {iso3}'s outline ({where})"
        if placed.outside_km > COASTAL_TOLERANCE_KM:
            yield Problem(source, f"sites.{i}", f"site '{site.name}' lies {message}; sites must be on land inside "
                          f"the country (tolerance {COASTAL_TOLERANCE_KM:g} km for coarse coastlines)",
                          (site.lat, site.lon))
        else:
            log.warning("%s: sites.%d: site '%s' lies %s, within the %g km coastal tolerance", source, i,
                        site.name, message, COASTAL_TOLERANCE_KM)
