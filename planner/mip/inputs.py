"""``ModelInputs``: the frozen, tidy tables that are the MIP's only input.

Everything upstream (scenario, demand forecast, roofline, latency pruning, policy) ends here; everything in
``mip/`` reads only this. Tables are in canonical units (tokens/s, USD, MW, kW); the solver sees them
rescaled by the constants below (thousand tokens/s, million USD) so that coefficients stay near 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planner.errors import Problem, InputError

TOKENS_SCALE = 1e3  # the model counts serving in thousand tokens/s
USD_SCALE = 1e6  # the model counts cost in million USD per year

SITE_COLUMNS = ["lat", "lon", "max_grid_mw", "energy_usd_per_mw_year", "fixed_cost_usd_per_year",
                "building_capex_usd_per_mw_year", "grid_capex_usd_per_mw_year", "max_water_m3_per_year",
                "energy_mwh_per_mw_year", "carbon_kg_per_mwh"]
CHIP_COLUMNS = ["capex_usd_per_year", "peak_kw", "rack_kw", "tpp", "counts_against_cap", "is_uncontrolled",
                "price_multiplier", "needs_liquid"]
COOLING_COLUMNS = ["pue", "is_liquid", "max_rack_kw", "capex_usd_per_mw_year", "water_m3_per_mw_year"]
TRAINING_ROLE = "training"  # the role of chips assigned to training in ``average_kw_per_chip``
CAPITAL_COLUMNS = {"chips": ["capex_usd"], "sites": ["building_capex_usd_per_mw", "grid_capex_usd_per_mw"],
                   "cooling": ["capex_usd_per_mw"]}  # upfront capex, needed only with a capital budget


@dataclass(frozen=True)
class PolicyLimits:
    """Export-control limits the MIP enforces (see ``mip/components/policy.py``)."""

    tpp_cap: float | None = None
    """Total TPP of controlled chips the country may buy; None = no cap."""
    min_uncontrolled_share: float = 0.0
    """Sovereignty floor: minimum share of serving capacity on uncontrolled chips [-]."""
    chip_supply_limit: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    """Most chips of each type that can be had (allocations), indexed by chip."""


@dataclass(frozen=True)
class TrainingInputs:
    """National training requirement (see ``mip/components/training.py``)."""

    sustained_flops: float
    """Training compute the country needs on average [FLOP/s]."""
    largest_run_flops: float
    """Rate of the largest run, which must sit at one site [FLOP/s]."""
    flops_per_chip: pd.Series
    """index chip: sustained model FLOP/s one chip delivers in training (roofline x MFU)."""
    unmet_penalty_usd_per_flops_year: float
    """Yearly cost of one FLOP/s of training requirement left unmet (sustained or at the largest run's site)."""
    time_shared_flops_per_chip: pd.Series | None = None
    """index (chip, service_class): training FLOP/s one chip serving the class gives off-peak toward the
    sustained requirement (time-sharing share x idle share of its class x flops_per_chip); None = none."""


@dataclass(frozen=True)
class GridInputs:
    """What the grid can carry (see ``mip/components/grid.py``); nodal or zonal fields as the kind needs."""

    kind: str
    """"nodal" (DC power flow with line limits) or "zonal" (transport between zones)."""
    site_zone: pd.Series
    """index site: zone the site's load sits in."""
    zone_headroom_mw: pd.Series
    """index zone: new load the zone's own generation can host [MW]."""
    max_site_mw: float | None = None
    """Single-site contingency limit: the largest load the system can lose at once [MW]."""
    site_bus: pd.Series | None = None
    """Nodal, index site: bus the site connects to."""
    supply_weights: pd.Series | None = None
    """Nodal, index bus: share of the extra supply each generator bus provides (sums to 1)."""
    line_sensitivity: pd.DataFrame | None = None
    """Nodal, line x site: MW on the line per MW of site load, supplied by ``supply_weights``."""
    line_headroom_mw: pd.Series | None = None
    """Nodal, index line: flow the line can still carry in either direction [MW]."""
    transfer_lines: pd.DataFrame | None = None
    """Zonal, index line: from_zone, to_zone, forward_mw, reverse_mw available to new load, and
    loss_cost_usd_per_mw_year (energy lost per MW transferred for a year)."""
    network: object | None = None
    """The ``GridNetwork`` these limits come from; not read by the MIP, kept for independent re-checks."""
    site_max_mw: pd.Series | None = None
    """index site: contingency limit of the synchronous area the site is in [MW] (NaN: ``max_site_mw``)."""


@dataclass(frozen=True)
class ModelInputs:
    name: str
    regions: pd.DataFrame
    """index region: population, lat, lon."""
    sites: pd.DataFrame
    """index site: SITE_COLUMNS; ``energy_usd_per_mw_year`` and ``energy_mwh_per_mw_year`` are per MW of
    average facility draw over a year (price x hours)."""
    chips: pd.DataFrame
    """index chip: CHIP_COLUMNS (capex annualised over the chip's lifetime incl. server share, maintenance and
    price multiplier; ``peak_kw`` the peak draw of one chip with its host share, which sizes connections and
    grid limits; ``rack_kw`` the peak draw of a full rack of it)."""
    demand_tokens_per_s: pd.Series
    """index (region, service_class): peak generated tokens/s to serve."""
    throughput_tokens_per_s: pd.Series
    """index (site, chip, service_class): generated tokens/s one chip delivers; only positive entries."""
    serve_arcs: pd.DataFrame
    """index (region, service_class, site): rtt_ms of the pairs within the class's latency budget."""
    unmet_penalty_usd_per_tokens_per_s_year: pd.Series
    """index service_class: yearly cost of one token/s of peak demand left wholly unserved, i.e. of every token
    it would have generated over the year; a part of the peak left unserved is priced by the tokens it loses
    (``unmet_peak_to_mean_ratio``)."""
    latency_cost_usd_per_tokens_per_s_ms_year: pd.Series
    """index service_class: yearly cost of serving one token/s of peak demand over one ms of RTT."""
    rtt_budget_ms: pd.Series
    """index service_class: network round-trip budget between a region and its serving site."""
    max_site_share: pd.Series
    """index service_class: most of a region's demand one site may serve (redundancy) [-]."""
    cooling: pd.DataFrame
    """index (site, cooling): COOLING_COLUMNS (PUE at the site's climate, densest rack it cools, capex per MW
    of peak IT and year, water per MW of average IT and year)."""
    policy: PolicyLimits = PolicyLimits()
    grid: GridInputs | None = None
    training: TrainingInputs | None = None
    average_kw_per_chip: pd.Series | None = None
    """index (chip, role): average draw of one chip over the year in each role (service classes and
    "training") [kW], for energy; None = every chip draws its ``peak_kw`` all year."""
    carbon_price_usd_per_t: float = 0.0
    """Price on the CO2 of the sites' electricity [USD/t]."""
    capital_budget_usd: float | None = None
    """Most upfront capex (chips with servers, buildings, cooling plant, grid connections) [USD]; None = none."""
    unmet_peak_to_mean_ratio: pd.Series | None = None
    """index service_class: the daily load shape's busy hour over its mean, whose load-duration curve
    (``planner.demand.load_duration``) turns unserved peak into tokens lost; None or 1 = a flat load, where
    the tokens lost are in proportion to the peak unserved."""
    n_minus_1_share: pd.Series | None = None
    """index service_class: share of the class's served demand still served after losing any one site (N-1,
    see ``mip/components/redundancy.py``); None or 0 = no N-1 requirement."""
    standing_site_chips: tuple[tuple[str, str], ...] = ()
    """(site, chip) pairs that stand at a site though the chip serves no class there this year (a build-out's
    chips bought earlier, within their lifetime, that this year's grown models outgrew): they keep their
    power, space and training use."""

    def __post_init__(self) -> None:
        problems = list(_consistency_problems(self))
        if problems:
            raise InputError(problems, "ModelInputs are inconsistent (a bug upstream of the MIP)")

    @property
    def service_classes(self) -> list[str]:
        return sorted(self.demand_tokens_per_s.index.get_level_values("service_class").unique())


def _consistency_problems(inputs: ModelInputs):
    def missing(table: pd.DataFrame, columns: list[str], label: str):
        for column in set(columns) - set(table.columns):
            yield Problem("ModelInputs", f"{label}.{column}", "column missing")

    yield from missing(inputs.sites, SITE_COLUMNS, "sites")
    yield from missing(inputs.chips, CHIP_COLUMNS, "chips")
    yield from missing(inputs.cooling, COOLING_COLUMNS, "cooling")
    if inputs.capital_budget_usd is not None:
        for label, columns in CAPITAL_COLUMNS.items():
            yield from missing(getattr(inputs, label), columns, label)
    if inputs.average_kw_per_chip is not None:
        average = inputs.average_kw_per_chip
        peak = inputs.chips["peak_kw"].reindex(average.index.get_level_values("chip")).to_numpy()
        if (average.to_numpy() > peak * (1 + 1e-9)).any():
            yield Problem("ModelInputs", "average_kw_per_chip", "an average draw above the chip's peak_kw")
    uncooled = set(inputs.sites.index) - set(inputs.cooling.index.get_level_values("site"))
    if uncooled:
        yield Problem("ModelInputs", "cooling.site", "sites without a cooling option", sorted(uncooled)[:5])
    arcs = inputs.serve_arcs.index
    unknown_sites = set(arcs.get_level_values("site").unique()) - set(inputs.sites.index)
    if unknown_sites:
        yield Problem("ModelInputs", "serve_arcs.site", "sites not in the sites table", sorted(unknown_sites)[:5])
    thr = inputs.throughput_tokens_per_s.index
    unknown_chips = set(thr.get_level_values("chip").unique()) - set(inputs.chips.index)
    if unknown_chips:
        yield Problem("ModelInputs", "throughput.chip", "chips not in the chips table", sorted(unknown_chips)[:5])
    if (inputs.throughput_tokens_per_s <= 0).any():
        yield Problem("ModelInputs", "throughput", "only positive coefficients belong in the table")
    if (inputs.demand_tokens_per_s < 0).any():
        yield Problem("ModelInputs", "demand_tokens_per_s", "negative demand")
