"""The chip table the MIP sees: catalog specs + export-control resolution -> yearly cost and power per chip."""

from __future__ import annotations

import pandas as pd

from planner.catalog import resolve_chip
from planner.catalog.policy import ChipStatus, PolicyResolution
from planner.scenario.schema import Scenario
from planner.units import capital_recovery_factor


def with_price_overrides(catalog: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The catalog with the scenario's own chip prices in place of the catalog's."""
    if not scenario.chips.price_usd:
        return catalog
    catalog = catalog.copy()
    for name, price in scenario.chips.price_usd.items():
        catalog.loc[resolve_chip(name, catalog), "price_usd"] = float(price)
    return catalog


def purchasable_chips(catalog: pd.DataFrame, policy: PolicyResolution, scenario: Scenario) -> pd.DataFrame:
    """Candidate chips that are not prohibited and have a price, with ``capex_usd_per_year``, ``power_kw``,
    ``tpp``, ``counts_against_cap`` (licensed under the national TPP cap), ``is_uncontrolled`` (outside export
    control: counts toward the sovereignty floor), ``price_multiplier`` and ``needs_liquid`` (liquid-only in
    the catalog, or TDP at or above the scenario's threshold). Chips sold only as a cloud service (no price)
    or without a known TDP cannot be bought."""
    catalog = with_price_overrides(catalog, scenario)
    candidates = [resolve_chip(name, catalog) for name in scenario.chips.candidates or catalog.index]
    status = policy.chips["status"].reindex(candidates)
    allowed = [chip for chip in candidates if status[chip] != ChipStatus.PROHIBITED
               and catalog.at[chip, "price_usd"] > 0 and catalog.at[chip, "tdp_kw"] > 0]
    specs = catalog.loc[allowed]
    multiplier = policy.chips.loc[allowed, "price_multiplier"].astype(float)
    cfg = scenario.chips
    annuity = capital_recovery_factor(scenario.costs.discount_rate, cfg.lifetime_years) + cfg.maintenance_share_per_year
    table = pd.DataFrame({
        "price_usd": specs["price_usd"].astype(float),
        "price_multiplier": multiplier,
        "capex_usd_per_year": specs["price_usd"] * multiplier * (1 + cfg.server_capex_overhead_share) * annuity,
        "power_kw": specs["tdp_kw"] * (1 + cfg.server_power_overhead_share),
        "tpp": specs["tpp"].astype(float),
        "counts_against_cap": (policy.chips.loc[allowed, "status"] == ChipStatus.LICENSED_CAP).astype(bool),
        "is_uncontrolled": ~policy.chips.loc[allowed, "is_controlled"].astype(bool),
        "status": policy.chips.loc[allowed, "status"].astype(str),
        "needs_liquid": (specs["cooling"] == "liquid") | (specs["tdp_kw"] >= scenario.cooling.liquid_tdp_threshold_kw),
    })
    table.index.name = "chip"
    return table


def site_throughput(per_chip: pd.Series, sites: pd.DataFrame) -> pd.Series:
    """(site, chip, service_class) tokens/s per chip: the per-chip coefficient at every site, positive only.

    Sites do not derate throughput yet (climate derating arrives with the cooling model)."""
    per_chip = per_chip[per_chip > 0]
    frames = [per_chip.rename("tokens_per_s").reset_index().assign(site=site) for site in sites.index]
    table = pd.concat(frames, ignore_index=True)
    return table.set_index(["site", "chip", "service_class"])["tokens_per_s"].sort_index()
