"""Candidate sites from data: public-cloud metros of the country, and high-voltage grid substations spread
over it (k-means over the buses, nearest bus to each centre). They join the scenario's own site list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.errors import Problem, ScenarioError
from planner.geo.population import countries
from planner.geo.regions import weighted_kmeans
from planner.resources import data_path
from planner.scenario.schema import Scenario, SiteConfig


def cloud_metro_sites(scenario: Scenario) -> list[SiteConfig]:
    regions = pd.read_csv(data_path("cloud_regions", "cloud_regions_by_metro.csv"))
    name = countries().loc[scenario.country_iso3, "name"]
    metros = regions[regions["country"] == name].groupby("metro_area")[["latitude", "longitude"]].first()
    cap = scenario.site_sources.max_grid_mw
    return [SiteConfig(name=f"cloud:{metro}", lat=float(row.latitude), lon=float(row.longitude), max_grid_mw=cap)
            for metro, row in metros.iterrows()]


def substation_sites(scenario: Scenario) -> list[SiteConfig]:
    from planner.geo.grid import GridKind
    from planner.geo.grid_limits import load_network

    cfg = scenario.site_sources
    if scenario.grid.network == "none" or load_network(scenario.grid.network).kind is not GridKind.NODAL:
        raise ScenarioError([Problem("scenario", "site_sources.substations", "substation candidates need a nodal "
                                     "grid (grid.network: gb_nodal)", cfg.substations)])
    buses = load_network(scenario.grid.network).buses
    buses = buses[buses["voltage_kv"] >= cfg.min_voltage_kv]
    points = np.column_stack([buses["lon"] * np.cos(np.deg2rad(buses["lat"].mean())), buses["lat"]])
    labels = weighted_kmeans(points, np.ones(len(buses)), cfg.substations)
    chosen = []
    for label in np.unique(labels):
        members = points[labels == label]
        centre = members.mean(axis=0)
        index = np.flatnonzero(labels == label)[np.argmin(((members - centre) ** 2).sum(axis=1))]
        chosen.append(buses.index[index])
    return [SiteConfig(name=f"substation:{bus}", lat=float(buses.at[bus, "lat"]), lon=float(buses.at[bus, "lon"]),
                       max_grid_mw=cfg.max_grid_mw, grid_node=str(bus)) for bus in chosen]


def all_sites(scenario: Scenario) -> list[SiteConfig]:
    """The scenario's own sites, then generated ones whose names are not already taken."""
    sites = list(scenario.sites)
    generated = (cloud_metro_sites(scenario) if scenario.site_sources.cloud_metros else []) + (
        substation_sites(scenario) if scenario.site_sources.substations else [])
    taken = {site.name for site in sites}
    return sites + [site for site in generated if site.name not in taken]
