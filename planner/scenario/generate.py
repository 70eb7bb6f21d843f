"""A scenario for any country from the shipped data (``planner init COUNTRY``).

Every country-specific value is filled from a shipped table (GeoNames cities and countries, cloud-region
metros, OWID/Ember electricity mix, Ember European wholesale prices, the Microsoft AI-diffusion shares, the
export rule packs) and written with a ``source:`` comment, or is a labelled ``assumption:`` scaled from those
tables. What the data cannot supply is listed at the end of the file as "values to review". The scenario
extends the shipped ``base.yaml`` for everything that is not country-specific.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.errors import Problem, ScenarioError
from planner.resources import data_path

EUR_TO_USD = 1.13  # assumption: 2025 average reference rate (ECB), as in the GB reference scenario
NETWORK_CHARGES_USD_PER_MWH = 35.0  # assumption: network charges and levies for large users, as for GB
CONTINENT_ENERGY_USD_PER_MWH = {  # assumption: delivered industrial prices by continent where no tariff is shipped
    "AF": 110.0, "AS": 90.0, "EU": 140.0, "NA": 85.0, "SA": 100.0, "OC": 120.0, "AN": 150.0}
SITE_SHARE_OF_AVERAGE_LOAD = 0.01  # assumption: one campus may connect up to 1% of the country's average load
CONTINGENCY_SHARE_OF_AVERAGE_LOAD = 0.05  # assumption: the system can lose ~5% of its average load at once
MAX_CONTINGENCY_MW = 1800.0  # source: GB SQSS infrequent infeed loss, 1,800 MW (NESO); large grids plan for similar losses
MIN_SITE_MW, MAX_SITE_MW = 20.0, 1000.0
LARGEST_CITIES = 6  # candidate sites at the largest cities beside the cloud metros
MIN_SITE_SPACING_KM = 50.0
MAX_REGIONS = 20


@dataclass
class Writer:
    """Builds the YAML text line by line, each value with its comment, and the review list."""

    lines: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    def line(self, text: str, note: str = "") -> None:
        self.lines.append(f"{text:<36}  # {note}" if note else text)

    def text(self) -> str:
        tail = ["", "# Values to review (the shipped data could not supply them):"]
        tail += [f"# - {item}" for item in self.review] or ["# - none"]
        return "\n".join(self.lines + tail) + "\n"


def resolve_country(text: str) -> str:
    """ISO3 code of ``text`` (an ISO3 or ISO2 code or an English name, any case), or a ScenarioError with
    the closest names."""
    from planner.geo.population import countries

    table = countries()
    wanted = text.strip()
    if wanted.upper() in table.index:
        return wanted.upper()
    by_iso2 = table.index[table["iso2"].str.upper() == wanted.upper()]
    by_name = table.index[table["name"].str.casefold() == wanted.casefold()]
    for found in (by_name, by_iso2):
        if len(found):
            return str(found[0])
    names = list(table["name"]) + list(table.index)
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ScenarioError([Problem("COUNTRY", "", f"not an ISO 3166 code or country name{hint}", text)])


def _average_load_mw(iso3: str) -> tuple[float | None, str]:
    """The country's average electricity load [MW] and how it was found: consumption (per-capita use x
    GeoNames population, so importers are not undercounted) where the mix table has it, else generation."""
    from planner.geo.population import countries

    mix = pd.read_csv(data_path("electricity", "country_electricity_mix.csv")).set_index("iso_code")
    if iso3 not in mix.index:
        return None, ""
    row, year = mix.loc[iso3], int(mix.at[iso3, "year"])
    per_capita_kwh, population = row["per_capita_consumption_kWh"], countries().at[iso3, "population"]
    if math.isfinite(per_capita_kwh) and per_capita_kwh > 0 and population > 0:
        return float(per_capita_kwh) * float(population) / 1e3 / 8760.0, (
            f"{year} consumption per person x population (data/electricity, OWID/Ember; data/population)")
    if math.isfinite(row["total_TWh"]) and row["total_TWh"] > 0:
        return float(row["total_TWh"]) * 1e6 / 8760.0, f"{year} generation (data/electricity, OWID/Ember)"
    return None, ""


def _energy_price(writer: Writer, iso3: str, continent: str) -> None:
    prices = pd.read_csv(data_path("electricity", "ember_europe_wholesale_price_annual.csv"))
    prices = prices[(prices["ISO3 Code"] == iso3) & (prices["n_months"] == 12)]
    if len(prices):
        latest = prices.sort_values("year").iloc[-1]
        usd = float(latest["price_eur_per_mwh_mean_of_months"]) * EUR_TO_USD + NETWORK_CHARGES_USD_PER_MWH
        writer.line(f"  energy_usd_per_mwh: {usd:.0f}", f"source: Ember wholesale {int(latest['year'])} mean "
                    f"{latest['price_eur_per_mwh_mean_of_months']:.1f} EUR/MWh (data/electricity) x {EUR_TO_USD} "
                    f"USD/EUR; assumption: +{NETWORK_CHARGES_USD_PER_MWH:.0f} USD/MWh network charges and levies")
        return
    usd = CONTINENT_ENERGY_USD_PER_MWH.get(continent, 100.0)
    writer.line(f"  energy_usd_per_mwh: {usd:.0f}", f"assumption: regional default for continent {continent} "
                "(no tariff for this country is shipped)")
    writer.review.append("costs.energy_usd_per_mwh: a delivered industrial tariff for data centres")


def _adoption(writer: Writer, iso3: str) -> None:
    from planner.demand.anchors import adoption_source_url, calibration_observation, working_age_share

    observed = calibration_observation(iso3)
    world = calibration_observation("WLD")
    listed = observed is not None
    observation = observed if listed else world
    share_note = (f"source: Microsoft AI diffusion data, {iso3} (data/public_anchors; {adoption_source_url()})"
                  if listed else "assumption: the world share (Microsoft AI diffusion data, data/public_anchors); "
                  "this country is not in the data")
    writer.line("  adoption_observed:")
    writer.line(f"    share_of_working_age: {observation.share_of_working_age}", share_note)
    writer.line(f"    date: {observation.date}", "source: the middle of the measured period")
    writer.line(f"    working_age_share: {working_age_share(iso3)}",
                "source: data/public_anchors (World Bank WDI SP.POP.1564.TO.ZS)" if listed
                else "assumption: the default working-age share in data/public_anchors")
    if not listed:
        writer.review.append("demand.adoption_observed: a measured AI-user share for this country")
        writer.review.append("demand.adoption_observed.working_age_share: the country's 15-64 share (World Bank)")
    intensity = _usage_intensity(iso3) if listed else None
    if intensity is None:
        writer.review.append("demand.usage_intensity_relative_to_world: tokens per AI user against the world mean "
                             "(base.yaml's 1.0)")
    else:
        writer.line(f"  usage_intensity_relative_to_world: {intensity:.2f}", "source: geometric mean of the "
                    f"published country usage splits (data/public_anchors; planner demand calibrate --country {iso3})")


def _usage_intensity(iso3: str) -> float | None:
    """The country's tokens per AI user relative to the world from its published usage splits, or None."""
    from planner.demand.anchors import load_anchors
    from planner.demand.calibrate import country_demand

    splits = load_anchors()["usage_intensity"]
    if not any(iso3 in by_country for by_country in splits.values() if isinstance(by_country, dict)):
        return None
    return float(country_demand(iso3)[0].usage_intensity_relative_to_world)


def great_circle_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    phi_a, phi_b = math.radians(lat_a), math.radians(lat_b)
    h = (math.sin((phi_b - phi_a) / 2) ** 2
         + math.cos(phi_a) * math.cos(phi_b) * math.sin(math.radians(lon_b - lon_a) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(h, 1.0)))


def _spaced(points: list[tuple[str, float, float, str]]) -> list[tuple[str, float, float, str]]:
    """Drop candidates within ``MIN_SITE_SPACING_KM`` of one kept earlier (the list is in priority order)."""
    kept: list[tuple[str, float, float, str]] = []
    for name, lat, lon, note in points:
        if all(great_circle_km(lat, lon, k[1], k[2]) >= MIN_SITE_SPACING_KM for k in kept):
            kept.append((name, lat, lon, note))
    return kept


def _candidate_points(iso3: str, country_name: str) -> list[tuple[str, float, float, str]]:
    from planner.geo.population import cities

    metros = pd.read_csv(data_path("cloud_regions", "cloud_regions_by_metro.csv"))
    metros = metros[metros["country"] == country_name].groupby("metro_area")[["latitude", "longitude"]].first()
    points = [(f"{metro}-cloud", float(r.latitude), float(r.longitude), "source: cloud-region metro (data/cloud_regions)")
              for metro, r in metros.iterrows()]
    largest = cities(iso3).sort_values("population", ascending=False).head(3 * LARGEST_CITIES)
    points += [(str(r["name"]), float(r["lat"]), float(r["lon"]),
                f"source: GeoNames, population {int(r['population']):,}") for _, r in largest.iterrows()]
    kept = _spaced(points)[:len(metros) + LARGEST_CITIES]
    if len(kept) < 2:  # the redundancy rule (max_site_share 0.5) needs two sites even in a city state
        kept += [p for p in points if p not in kept][:2 - len(kept)]
    return kept


def _on_land(points: list[tuple[str, float, float, str]], iso3: str, writer: Writer) -> list:
    from planner.geo.outlines import COASTAL_TOLERANCE_KM, has_outline, site_placement

    if not has_outline(iso3):
        return points
    kept = []
    for point in points:
        if site_placement(point[1], point[2], iso3).outside_km <= COASTAL_TOLERANCE_KM:
            kept.append(point)
        else:
            writer.review.append(f"site {point[0]} left out: it lies outside the country's 1:50M outline")
    return kept


def nearest_climate(iso3: str) -> tuple[str, float] | None:
    """(country, cdd19_per_year) of the nearest country with ERA5 normals, by the mean position of the
    GeoNames cities; None when ``iso3`` has its own normals."""
    from planner.geo.climate import country_climate
    from planner.geo.population import cities, countries

    climate = country_climate()
    if iso3 in climate.index:
        return None
    here = cities(iso3)[["lat", "lon"]].mean()
    iso2_to_iso3 = {v: k for k, v in countries()["iso2"].items()}
    from planner.geo.population import _all_cities

    centres = _all_cities().groupby("countrycode")[["latitude", "longitude"]].mean()
    centres.index = centres.index.map(iso2_to_iso3)
    centres = centres[centres.index.isin(climate.index)]
    distances = [great_circle_km(here["lat"], here["lon"], r.latitude, r.longitude) for r in centres.itertuples()]
    nearest = centres.index[int(np.argmin(distances))]
    return str(nearest), float(climate.at[nearest, "cdd19_per_year"])


def _sites(writer: Writer, iso3: str, country_name: str, site_mw: float, site_note: str) -> int:
    points = _on_land(_candidate_points(iso3, country_name), iso3, writer)
    borrowed = nearest_climate(iso3)
    climate_field, climate_note = "", ""
    if borrowed is not None:
        climate_field = f", cdd19_per_year: {borrowed[1]:.0f}"
        climate_note = (f"; assumption: the climate of the nearest country with ERA5 normals, {borrowed[0]} "
                        "(data/climate has none for this country)")
        writer.review.append("sites.*.cdd19_per_year: the sites' own cooling degree-days")
    writer.line("sites:")
    used = set()
    for name, lat, lon, note in points:
        unique = name if name not in used else f"{name}-{len(used) + 1}"
        used.add(unique)
        writer.line(f"  - {{name: {_quoted(unique)}, lat: {lat:.5f}, lon: {lon:.5f}, max_grid_mw: {site_mw:.0f}"
                    f"{climate_field}}}", f"{note}. {site_note}{climate_note}")
    writer.review.append("sites: announced data-centre campuses and their real connection offers")
    return len(points)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _buildouts() -> pd.DataFrame:
    """New data-centre capacity by 2030 the shipped national plans name (data/grid), by ISO3."""
    return pd.read_csv(data_path("grid", "datacentre_buildout_2030.csv")).set_index("iso3")


def headroom_share_default() -> tuple[float, str]:
    """The median, over the countries with a national 2030 data-centre build-out, of that build-out as a share
    of the country's average load, and the shares it is the median of."""
    shares = {}
    for iso3, row in _buildouts().iterrows():
        load_mw, _ = _average_load_mw(str(iso3))
        if load_mw:
            shares[str(iso3)] = float(row["new_dc_mw_by_2030"]) / load_mw
    listed = ", ".join(f"{iso3} {share:.1%}" for iso3, share in sorted(shares.items()))
    return float(np.median(list(shares.values()))), listed


def _headroom(iso3: str, load_mw: float, basis: str) -> tuple[float, str]:
    """Zone headroom for new load [MW] and its comment: the country's own 2030 data-centre build-out where a
    national plan is shipped, else the median build-out share of the countries that have one."""
    table = _buildouts()
    if iso3 in table.index:
        row = table.loc[iso3]
        return float(row["new_dc_mw_by_2030"]), (f"source: national data-centre build-out by 2030, {row['basis']} "
                                                 "(data/grid/datacentre_buildout_2030.csv)")
    share, listed = headroom_share_default()
    return max(share * load_mw, MIN_SITE_MW), (
        f"assumption: {share:.1%} of the {basis}, the median 2030 data-centre build-out as a share of average "
        f"load of the countries with a national figure ({listed}; data/grid/datacentre_buildout_2030.csv)")


def _grid(writer: Writer, iso3: str, load_mw: float | None, load_basis: str) -> None:
    from planner.geo.grid import GTD_PREFIX, gtd_countries

    writer.line("grid:")
    zonal = iso3 in gtd_countries()
    if zonal:
        writer.line(f"  network: {GTD_PREFIX}{iso3.lower()}", "source: Global Transmission Database v1.0, the "
                    "country's sub-national zones and their 2023 transfer capacities (data/grid/gtd_*.csv)")
        writer.line("  transfer_available_share: 0.1", "assumption: most inter-zone corridor capacity carries "
                    "existing flows, as in the India reference scenario")
    else:
        writer.line("  network: none", "assumption: one national zone (the GTD has no sub-national zones here)")
    if load_mw is None:
        writer.review.append("grid: zone headroom and the single-site contingency limit (no generation data)")
        return
    contingency = float(np.clip(CONTINGENCY_SHARE_OF_AVERAGE_LOAD * load_mw, MIN_SITE_MW, MAX_CONTINGENCY_MW))
    basis = f"average load {load_mw:,.0f} MW from {load_basis}"
    headroom, note = _headroom(iso3, load_mw, basis)
    if zonal:
        by_zone = _zone_population_shares(iso3)
        values = ", ".join(f"{_quoted(str(zone))}: {headroom * share:.0f}" for zone, share in by_zone.items())
        writer.line(f"  zone_headroom_mw: {{{values}}}", f"{note}; split by the zones' share of the GeoNames city "
                    "population (assumption: load follows population)")
    else:
        writer.line(f"  zone_headroom_mw: {{all: {headroom:.0f}}}", note)
    writer.line(f"  max_site_mw: {contingency:.0f}",
                f"assumption: the system can lose {CONTINGENCY_SHARE_OF_AVERAGE_LOAD:.0%} of its {basis} at once, "
                f"at most {MAX_CONTINGENCY_MW:,.0f} MW (the GB SQSS infeed-loss limit)")
    writer.review.append("grid.zone_headroom_mw and grid.max_site_mw: the system operator's figures")


def _zone_population_shares(iso3: str) -> pd.Series:
    """Share of the country's GeoNames city population in each GTD zone (cities in the zone of the nearest
    zone point, as sites are placed), every zone listed."""
    from planner.geo.grid import GTD_PREFIX, zone_of_point
    from planner.geo.grid_limits import load_network

    network = load_network(GTD_PREFIX + iso3.lower())
    places = _cities(iso3)
    zones = zone_of_point(network, places["lat"].to_numpy(), places["lon"].to_numpy())
    people = places.groupby(zones)["population"].sum().reindex(network.zones(), fill_value=0.0)
    return people / people.sum()


def _policy_comment(writer: Writer, iso3: str, on_date: dt.date) -> None:
    from planner.catalog import load_catalog
    from planner.catalog.policy import resolve_policy

    policy = resolve_policy(load_catalog(), iso3, on_date)
    cap = "no national TPP cap" if policy.tpp_cap is None else f"a national cap of {policy.tpp_cap:,.0f} TPP"
    writer.line(f"# Export controls: rule pack '{policy.pack}' on {on_date.isoformat()}, destination "
                f"'{policy.destination}', tier {policy.tier or '-'}, {cap} (data/policy; resolved when solving).")


def generate_scenario(country: str, year: int = 2030) -> tuple[str, str]:
    """(ISO3, YAML text) of a scenario for ``country`` in plan ``year`` from the shipped data."""
    from planner.geo.population import cities, countries

    iso3 = resolve_country(country)
    table = countries()
    name, continent = str(table.at[iso3, "name"]), _continent(iso3)
    n_cities = len(cities(iso3))
    if n_cities == 0:
        raise ScenarioError([Problem("COUNTRY", "", "the shipped GeoNames data has no cities of 15,000 people or "
                                     "more here, so demand regions cannot be built", iso3)])
    load_mw, load_basis = _average_load_mw(iso3)
    site_mw = MIN_SITE_MW if load_mw is None else float(np.clip(SITE_SHARE_OF_AVERAGE_LOAD * load_mw, MIN_SITE_MW,
                                                                MAX_SITE_MW))
    site_note = (f"assumption: {site_mw:.0f} MW, {SITE_SHARE_OF_AVERAGE_LOAD:.0%} of the average load "
                 f"(clipped to {MIN_SITE_MW:.0f}-{MAX_SITE_MW:.0f} MW)")
    writer = Writer()
    writer.line(f"# {name}: a scenario generated by `planner init {iso3}` from the shipped data.")
    writer.line("# Every country value is a source: or a labelled assumption:; review the list at the end.")
    writer.line("extends: base.yaml")
    writer.line(f"name: {_quoted(name.lower().replace(' ', '-'))}")
    writer.line(f"country_iso3: {iso3}", "source: ISO 3166-1 (data/population)")
    writer.line(f"year: {year}", "assumption: the plan year asked for")
    _policy_comment(writer, iso3, dt.date(year, 1, 1))
    writer.line("regions:")
    count = int(np.clip(round(math.sqrt(n_cities) / 1.5), 1, MAX_REGIONS))
    writer.line(f"  count: {count}", f"assumption: ~sqrt of the {n_cities} GeoNames cities / 1.5, at most {MAX_REGIONS}")
    writer.line("demand:")
    _adoption(writer, iso3)
    writer.line("  training: null", "assumption: no national training programme is shipped for this country")
    writer.review.append("demand.training: the national programme's frontier runs and research compute")
    writer.line("  population_growth_per_year: 0.0", "assumption: no growth to the plan year (the shipped population "
                "table is a 2018 snapshot without projections)")
    writer.review.append("demand.population_growth_per_year: the national projection to the plan year")
    writer.line("costs:")
    _energy_price(writer, iso3, continent)
    _grid(writer, iso3, load_mw, load_basis)
    if _sites(writer, iso3, name, site_mw, site_note) == 0:
        raise ScenarioError([Problem("COUNTRY", "", "no candidate site lies inside the country's outline", iso3)])
    return iso3, writer.text()


def _cities(iso3: str) -> pd.DataFrame:
    from planner.geo.population import cities

    return cities(iso3)


def _continent(iso3: str) -> str:
    frame = pd.read_csv(data_path("population", "geonames_countries.csv"), keep_default_na=False)
    row = frame[frame["iso3"] == iso3]
    return str(row["continentcode"].iloc[0]) if len(row) else ""
