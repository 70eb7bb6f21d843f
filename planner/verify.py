"""Independent re-check of a plan from its written tables and the raw data, without the solver or Pyomo.

``verify(plan, reference)`` never reads the MIP's coefficients. The ``Reference`` holds raw facts (catalog
specs, prices, site coordinates, tariffs, climate, cooling technologies, grid, demand, roofline throughput)
and its derived quantities are computed here, from first principles: peak and average power per chip,
annuities, PUE at each site's climate, RTT from coordinates. Every constraint family of the model is checked,
and the whole cost is rebuilt component by component and compared with the plan's cost table and objective,
so a double-counted or missing term shows. ``reference_from_inputs`` builds a reference from hand-made
``ModelInputs`` (unit tests without a scenario); plans of a scenario are checked against
``pipeline.reference_for``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.demand.load_duration import CHORD_ABS_TOL, CHORD_REL_TOL, lost_share
from planner.errors import Problem
from planner.geo.grid import dc_power_flow, transport_flows
from planner.geo.latency import rtt_matrix_ms
from planner.mip.inputs import TRAINING_ROLE, GridInputs, ModelInputs, PolicyLimits, TrainingInputs
from planner.results import Plan
from planner.units import HOURS_PER_YEAR, KG_PER_T, KW_PER_MW, SECONDS_PER_YEAR

REL_TOL = 1e-5
ABS_TOKENS_PER_S = 1e-2
ABS_MW = 1e-6
ABS_USD = 1.0
COST_REL_TOL = 1e-4


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: the yearly payment that repays 1 USD over ``years`` at ``rate``."""
    return 1.0 / years if rate == 0 else rate / (1.0 - (1.0 + rate) ** -years)


@dataclass(frozen=True)
class Reference:
    """What a plan is checked against: raw facts and the rates derived from them here."""

    chips: pd.DataFrame
    """index chip: peak_kw, rack_kw, capex_usd, capex_usd_per_year, tpp, counts_against_cap, is_uncontrolled,
    needs_liquid."""
    average_kw: pd.Series | None
    """index (chip, role): average draw [kW]; None = peak all year."""
    throughput: pd.Series
    """index (chip, service_class): tokens/s one chip delivers (the roofline kernel's output)."""
    sites: pd.DataFrame
    """index site: lat, lon, max_grid_mw, energy_usd_per_mwh, max_water_m3_per_year, carbon_kg_per_mwh,
    fixed_cost_usd_per_year, building_usd_per_mw_year, grid_usd_per_mw_year."""
    cooling: pd.DataFrame
    """index (site, cooling): pue, is_liquid, max_rack_kw, capex_usd_per_mw, capex_usd_per_mw_year,
    water_m3_per_mw_year (per MW of average IT)."""
    regions: pd.DataFrame
    """index region: lat, lon."""
    demand: pd.Series
    """index (region, service_class): peak tokens/s."""
    classes: pd.DataFrame
    """index service_class: rtt_budget_ms, max_site_share, unmet_usd_per_tokens_per_s_year (every token of a
    token/s of peak over a year), latency_usd_per_tokens_per_s_ms_year and peak_to_mean_ratio (of the daily
    load shape; absent = flat)."""
    policy: PolicyLimits = PolicyLimits()
    grid: GridInputs | None = None
    training: TrainingInputs | None = None
    carbon_price_usd_per_t: float = 0.0
    capital_budget_usd: float | None = None
    rtt_ms: pd.DataFrame | None = None
    """region x site round-trip times; None = computed from coordinates with the shipped latency model."""
    n_minus_1_share: pd.Series | None = None
    """index service_class: share of served demand kept after losing any one site; None = no N-1."""


@dataclass(frozen=True)
class Verification:
    violations: tuple[Problem, ...]
    checks_run: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        if self.ok:
            return f"verified: {len(self.checks_run)} checks passed ({', '.join(self.checks_run)})"
        return f"{len(self.violations)} violation(s):\n" + "\n".join(f"  - {v}" for v in self.violations)


def _exceeds(lhs: float, rhs: float, abs_tol: float) -> bool:
    return lhs > rhs + abs_tol + REL_TOL * abs(rhs)


def _differs(a: float, b: float, abs_tol: float) -> bool:
    return abs(a - b) > abs_tol + REL_TOL * max(abs(a), abs(b))


def _problem(check: str, key: str, message: str, value=None) -> Problem:
    return Problem("plan", f"{check}[{key}]", message, value)


# ----------------------------------------------------------------------------------------------- derived


def chip_roles_kw(plan: Plan, ref: Reference) -> pd.DataFrame:
    """Per (site, chip): peak and average IT kW recomputed from the fleet and allocation tables."""
    fleet = plan.fleet.set_index(["site", "chip"])["chips"].astype(float)
    peak = fleet * ref.chips["peak_kw"].reindex(fleet.index.get_level_values("chip")).to_numpy()
    if ref.average_kw is None:
        return pd.DataFrame({"peak_kw": peak, "average_kw": peak})
    idle = ref.average_kw.groupby(level="chip").max()
    idle_kw = idle.reindex(fleet.index.get_level_values("chip")).fillna(
        ref.chips["peak_kw"].reindex(fleet.index.get_level_values("chip"))).to_numpy()
    average = fleet * idle_kw
    alloc = plan.allocation
    if len(alloc):
        role_kw = [ref.average_kw.get((k, q), idle.get(k, ref.chips.at[k, "peak_kw"]))
                   for k, q in zip(alloc["chip"], alloc["service_class"])]
        idle_of = alloc["chip"].map(idle).astype(float).fillna(alloc["chip"].map(ref.chips["peak_kw"]).astype(float))
        extra = (np.array(role_kw, dtype=float) - idle_of.to_numpy()) * alloc["chips_serving"].to_numpy(dtype=float)
        extra = pd.Series(extra, index=pd.MultiIndex.from_frame(alloc[["site", "chip"]])).groupby(level=[0, 1]).sum()
        average = average.add(extra.reindex(average.index, fill_value=0.0))
    return pd.DataFrame({"peak_kw": peak, "average_kw": average})


def site_it_mw(plan: Plan, ref: Reference) -> pd.DataFrame:
    """index site: peak and average IT load [MW] recomputed from the fleet and allocation."""
    per_chip = chip_roles_kw(plan, ref)
    by_site = per_chip.groupby(level="site").sum() / KW_PER_MW
    return by_site.rename(columns={"peak_kw": "it_mw", "average_kw": "average_it_mw"}).reindex(
        plan.sites.index, fill_value=0.0)


def _rtt(plan: Plan, ref: Reference) -> np.ndarray:
    if plan.serving.empty:
        return np.zeros(0)
    matrix = ref.rtt_ms if ref.rtt_ms is not None else rtt_matrix_ms(ref.regions[["lat", "lon"]],
                                                                        ref.sites[["lat", "lon"]])
    return np.array([matrix.at[r, s] for r, s in zip(plan.serving["region"], plan.serving["site"])], dtype=float)


def _fleet_total(fleet: pd.DataFrame, per_chip: pd.Series) -> float:
    """sum over fleet rows of chips x the chip's figure."""
    values = fleet["chip"].map(per_chip).to_numpy(dtype=float)
    return float((fleet["chips"].to_numpy(dtype=float) * values).sum())


def _halls(plan: Plan) -> pd.DataFrame:
    halls = plan.cooling_halls
    return halls if len(halls) else pd.DataFrame(columns=["site", "cooling", "it_mw", "average_it_mw"])


# ----------------------------------------------------------------------------------------------- checks


def check_demand_balance(plan: Plan, ref: Reference) -> Iterator[Problem]:
    served = plan.serving.groupby(["region", "service_class"])["tokens_per_s"].sum()
    unmet = plan.unmet.set_index(["region", "service_class"])["unmet_tokens_per_s"]
    for (r, q), demand in ref.demand.items():
        total = float(served.get((r, q), 0.0)) + float(unmet.get((r, q), 0.0))
        if abs(total - demand) > ABS_TOKENS_PER_S + REL_TOL * demand:
            yield _problem("demand_balance", f"{r},{q}", f"served + unmet = {total:.6g} != demand {demand:.6g} tokens/s")
    for row in plan.serving.itertuples():
        limit = ref.classes.at[row.service_class, "max_site_share"] * float(ref.demand.get((row.region, row.service_class), 0.0))
        if _exceeds(row.tokens_per_s, limit, ABS_TOKENS_PER_S):
            yield _problem("redundancy", f"{row.region},{row.service_class},{row.site}",
                           f"one site serves {row.tokens_per_s:.6g} tokens/s, over the {limit:.6g} redundancy limit")
    for row in plan.unmet[plan.unmet["unmet_tokens_per_s"] < -ABS_TOKENS_PER_S].itertuples():
        yield _problem("demand_balance", f"{row.region},{row.service_class}", "negative unmet demand",
                       row.unmet_tokens_per_s)
    for row in plan.serving[plan.serving["tokens_per_s"] < -ABS_TOKENS_PER_S].itertuples():
        yield _problem("demand_balance", f"{row.region},{row.service_class},{row.site}", "negative serving",
                       row.tokens_per_s)


def check_latency(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """RTT of every served pair recomputed from coordinates: within the class budget, and as written."""
    rtt = _rtt(plan, ref)
    budget = plan.serving["service_class"].map(ref.classes["rtt_budget_ms"]).to_numpy(dtype=float)
    for row, value, limit in zip(plan.serving.itertuples(), rtt, budget):
        key = f"{row.region},{row.service_class},{row.site}"
        if value > limit + 1e-6:
            yield _problem("latency", key, f"RTT {value:.1f} ms exceeds the {limit:.1f} ms budget")
        if _differs(float(row.rtt_ms), value, 1e-6):
            yield _problem("latency", key, f"written RTT {row.rtt_ms:.3f} ms, recomputed {value:.3f} ms")


def check_capacity(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Served tokens within the chips assigned to each class; assignments within the chips owned; integer
    chip counts (as written: the extractor rounds only solver noise)."""
    alloc = plan.allocation[plan.allocation["service_class"] != TRAINING_ROLE]
    per_chip = [float(ref.throughput.get((k, q), 0.0)) for k, q in zip(alloc["chip"], alloc["service_class"])]
    capacity = (alloc["chips_serving"] * per_chip).groupby([alloc["site"], alloc["service_class"]]).sum()
    served = plan.serving.groupby(["site", "service_class"])["tokens_per_s"].sum()
    for (s, q), load in served.items():
        if _exceeds(load, float(capacity.get((s, q), 0.0)), ABS_TOKENS_PER_S):
            yield _problem("capacity", f"{s},{q}", f"serves {load:.6g} tokens/s with capacity {capacity.get((s, q), 0.0):.6g}")
    assigned = plan.allocation.groupby(["site", "chip"])["chips_serving"].sum()
    owned = plan.fleet.set_index(["site", "chip"])["chips"]
    for (s, k), n in assigned.items():
        if _exceeds(n, float(owned.get((s, k), 0.0)), 1e-6):
            yield _problem("chip_split", f"{s},{k}", f"assigns {n:.6g} chips but owns {owned.get((s, k), 0.0):g}")
    for row in plan.allocation[plan.allocation["chips_serving"] < -1e-9].itertuples():
        yield _problem("chip_split", f"{row.site},{row.chip},{row.service_class}", "negative assignment", row.chips_serving)
    for row in plan.fleet.itertuples():
        if abs(row.chips - round(row.chips)) > 1e-6 or row.chips < 0:
            yield _problem("integrality", f"{row.site},{row.chip}", "chip count is not a non-negative integer", row.chips)
    unknown = set(plan.fleet["chip"]) - set(ref.chips.index)
    for chip in sorted(unknown):
        yield _problem("chip_split", chip, "a chip that is not purchasable (prohibited, no price or no TDP)")


def check_power(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Peak and average IT recomputed from chips; the connection covers the peak facility draw (peak IT of
    each hall x its PUE at the site's climate) within the site's limit; no chips at closed sites."""
    it = site_it_mw(plan, ref)
    halls = _halls(plan)
    pue = [float(ref.cooling["pue"].get((s, c), math.nan)) for s, c in zip(halls["site"], halls["cooling"])]
    facility_peak = (halls["it_mw"].astype(float) * pue).groupby(halls["site"]).sum()
    for site, row in plan.sites.iterrows():
        peak, average = float(it.at[site, "it_mw"]), float(it.at[site, "average_it_mw"])
        for column, value in (("it_mw", peak), ("average_it_mw", average)):
            if column in plan.sites and _differs(float(row[column]), value, ABS_MW):
                yield _problem("power", site, f"{column} {row[column]:.6g} MW written, {value:.6g} MW from the chips")
        need = float(facility_peak.get(site, 0.0))
        if _exceeds(need, float(row["grid_mw"]), ABS_MW):
            yield _problem("power", site, f"peak draw {need:.6g} MW (peak IT x PUE) exceeds the grid connection "
                           f"{row['grid_mw']:.6g} MW")
        limit = float(ref.sites.at[site, "max_grid_mw"])
        if _exceeds(float(row["grid_mw"]), limit, ABS_MW):
            yield _problem("power", site, f"grid connection {row['grid_mw']:.6g} MW exceeds the site limit {limit:.6g} MW")
        if (peak > ABS_MW or float(row["grid_mw"]) > ABS_MW) and not bool(row["is_open"]):
            yield _problem("siting", site, "chips or a connection at a site that is not open", peak)


def _allowed(ref: Reference, site: str, chip: str, techs: list[str]) -> frozenset[str]:
    needs_liquid, rack_kw = bool(ref.chips.at[chip, "needs_liquid"]), float(ref.chips.at[chip, "rack_kw"])
    return frozenset(c for c in techs if (ref.cooling.at[(site, c), "is_liquid"] or not needs_liquid)
                     and rack_kw <= ref.cooling.at[(site, c), "max_rack_kw"] * (1 + 1e-9))


def check_cooling(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Halls: known technologies at their PUE; together they hold the site's peak and average IT; each chip
    fits a hall that can cool it (Hall's condition over every set of technologies); a hall's average within
    its peak; water within the site's limit."""
    halls, it = _halls(plan), site_it_mw(plan, ref)
    per_chip = chip_roles_kw(plan, ref)
    for row in halls.itertuples():
        if (row.site, row.cooling) not in ref.cooling.index:
            yield _problem("cooling", f"{row.site},{row.cooling}", "not a cooling technology of the site")
            return
        expected = float(ref.cooling.at[(row.site, row.cooling), "pue"])
        if "pue" in halls and _differs(float(row.pue), expected, 1e-9):
            yield _problem("cooling", f"{row.site},{row.cooling}", f"PUE {row.pue:.6g} written, {expected:.6g} at the site's climate")
        if _exceeds(float(row.average_it_mw), float(row.it_mw), ABS_MW):
            yield _problem("cooling_split", f"{row.site},{row.cooling}", "average IT above the hall's peak IT")
    for site in plan.sites.index:
        mine = halls[halls["site"] == site]
        for column in ("it_mw", "average_it_mw"):
            total = float(mine[column].sum())
            if _differs(total, float(it.at[site, column]), ABS_MW):
                yield _problem("cooling_split", site, f"halls hold {total:.6g} MW of {column}, the chips "
                               f"{it.at[site, column]:.6g} MW")
        yield from _check_compatibility(site, mine, per_chip, ref)
        water = float(sum(float(ref.cooling.at[(site, c), "water_m3_per_mw_year"]) * a
                          for c, a in zip(mine["cooling"], mine["average_it_mw"])))
        limit = float(ref.sites.at[site, "max_water_m3_per_year"])
        if _exceeds(water, limit, 1e-3):
            yield _problem("water", site, f"cooling water {water:,.0f} m3/year over the site limit {limit:,.0f}")


def _check_compatibility(site: str, halls: pd.DataFrame, per_chip: pd.DataFrame, ref: Reference) -> Iterator[Problem]:
    if site not in per_chip.index.get_level_values("site"):
        return
    techs = list(ref.cooling.xs(site, level="site").index)
    chips = per_chip.xs(site, level="site")
    allowed = {k: _allowed(ref, site, k, techs) for k in chips.index}
    load = {column: halls.groupby("cooling")[column].sum() for column in ("it_mw", "average_it_mw")}
    for mask in range(2 ** len(techs) - 1):
        subset = {t for i, t in enumerate(techs) if mask >> i & 1}
        confined = [k for k in chips.index if allowed[k] <= subset]
        if not confined:
            continue
        for column, kw in (("it_mw", "peak_kw"), ("average_it_mw", "average_kw")):
            need = float(chips.loc[confined, kw].sum()) / KW_PER_MW
            room = float(sum(load[column].get(t, 0.0) for t in subset))
            if _exceeds(need, room, ABS_MW):
                yield _problem("cooling_compatibility", site, f"{need:.6g} MW ({column}) of {', '.join(confined)} can "
                               f"only be cooled by {sorted(subset) or 'no technology'}, which hold {room:.6g} MW")


def check_energy(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Energy = average IT of each hall x its PUE x the year's hours, as written per site."""
    halls = _halls(plan)
    pue = [float(ref.cooling["pue"].get((s, c), math.nan)) for s, c in zip(halls["site"], halls["cooling"])]
    energy = (halls["average_it_mw"].astype(float) * pue * HOURS_PER_YEAR).groupby(halls["site"]).sum()
    if "energy_mwh_per_year" not in plan.sites:
        return
    for site, written in plan.sites["energy_mwh_per_year"].items():
        if _differs(float(written), float(energy.get(site, 0.0)), 1e-3):
            yield _problem("energy", site, f"{written:,.6g} MWh/year written, {energy.get(site, 0.0):,.6g} from the halls")


def check_grid(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Contingency and zone limits; line flows recomputed by an independent DC power flow (nodal) or a
    max-flow transport check (zonal) from the plan's grid connections."""
    grid = ref.grid
    if grid is None:
        return
    load = plan.sites["grid_mw"].astype(float)
    limits = site_contingency_mw(grid, load.index)
    for site, mw in load.items():
        if _exceeds(mw, limits[site], ABS_MW):
            yield _problem("contingency", site, f"{mw:.6g} MW at one site exceeds the contingency limit {limits[site]:g} MW")
    zone_load = load.groupby(grid.site_zone.reindex(load.index)).sum()
    if grid.kind == "nodal":
        for zone, mw in zone_load.items():
            if _exceeds(mw, grid.zone_headroom_mw.get(zone, math.inf), ABS_MW):
                yield _problem("zone_headroom", str(zone), f"{mw:.6g} MW of new load over the zone headroom")
        yield from _check_nodal_flows(load, grid)
    else:
        yield from _check_zonal_transport(plan, zone_load, grid)


def site_contingency_mw(grid: GridInputs, sites: pd.Index) -> pd.Series:
    """Largest load one site may carry: the synchronous area's limit, else the system's, else none."""
    by_area = getattr(grid, "site_max_mw", None)
    default = math.inf if grid.max_site_mw is None else float(grid.max_site_mw)
    if by_area is None:
        return pd.Series(default, index=sites)
    return by_area.reindex(sites).fillna(default)


def _check_nodal_flows(load: pd.Series, grid: GridInputs) -> Iterator[Problem]:
    on_network = grid.site_bus.reindex(load.index).dropna()
    load = load[on_network.index]
    withdrawals = load.groupby(on_network).sum()
    injections = grid.supply_weights * float(load.sum())
    injections = injections.sub(withdrawals, fill_value=0.0)
    flows = dc_power_flow(grid.network, injections)
    headroom = grid.line_headroom_mw.reindex(flows.index)
    for line in flows.index[(flows.abs() > headroom + ABS_MW + REL_TOL * headroom).to_numpy()]:
        yield _problem("line_limit", str(line), f"new flow {flows[line]:.6g} MW exceeds the headroom {headroom[line]:.6g} MW "
                       "(independent DC power flow)")


def _check_zonal_transport(plan: Plan, zone_load: pd.Series, grid: GridInputs) -> Iterator[Problem]:
    supply = plan.grid_zones.set_index("zone")["supply_mw"]
    for zone, mw in supply.items():
        if _exceeds(mw, grid.zone_headroom_mw.get(zone, math.inf), ABS_MW):
            yield _problem("zone_headroom", str(zone), f"{mw:.6g} MW of new supply over the zone headroom")
    if grid.network is None or grid.transfer_lines.empty:
        return
    lines = grid.network.lines.assign(flow_max_mw=grid.transfer_lines["forward_mw"],
                                      flow_max_reverse_mw=grid.transfer_lines["reverse_mw"])
    injections = supply.sub(zone_load, fill_value=0.0)
    feasible, _ = transport_flows(replace(grid.network, lines=lines), injections)
    if not feasible:
        yield _problem("transfer_limit", "zones", "the zones' new load cannot be carried within the available "
                       "inter-zone transfer capacity (independent max-flow check)")


def check_policy(plan: Plan, ref: Reference) -> Iterator[Problem]:
    cap = ref.policy.tpp_cap
    known = plan.fleet[plan.fleet["chip"].isin(ref.chips.index)]
    fleet = known.assign(tpp=known["chip"].map(ref.chips["tpp"]).astype(float),
                         controlled=known["chip"].map(ref.chips["counts_against_cap"]).astype(bool))
    if cap is not None:
        used = float((fleet["tpp"] * fleet["chips"])[fleet["controlled"]].sum())
        if _exceeds(used, cap, 1e-3):
            yield _problem("tpp_cap", "national", f"controlled chips total {used:,.0f} TPP over the cap {cap:,.0f}")
    limits = ref.policy.chip_supply_limit
    for chip, n in fleet.groupby("chip")["chips"].sum().items():
        if chip in limits.index and _exceeds(n, float(limits[chip]), 1e-6):
            yield _problem("supply_limit", chip, f"{n:g} chips over the supply limit {limits[chip]:g}")
    share = ref.policy.min_uncontrolled_share
    alloc = plan.allocation[plan.allocation["service_class"] != TRAINING_ROLE]
    if share <= 0 or alloc.empty:
        return
    capacity = alloc["chips_serving"].to_numpy() * np.array(
        [float(ref.throughput.get((k, q), 0.0)) for k, q in zip(alloc["chip"], alloc["service_class"])])
    uncontrolled = alloc["chip"].map(ref.chips["is_uncontrolled"]).fillna(False).astype(bool).to_numpy()
    total, floor = float(capacity.sum()), float(capacity[uncontrolled].sum())
    if floor < share * total - ABS_TOKENS_PER_S - REL_TOL * total:
        yield _problem("sovereignty_floor", "national", f"uncontrolled chips carry {floor / max(total, 1e-9):.2%} "
                       f"of serving capacity, below the floor {share:.0%}")


def check_training(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Training compute recomputed from the chips assigned to training; the largest run's site is open and
    holds the run, or the shortfall is reported."""
    training, summary = ref.training, plan.metadata.get("training")
    if training is None or (training.sustained_flops <= 0 and training.largest_run_flops <= 0):
        return
    if not summary:
        yield _problem("training", "summary", "the plan reports no training summary although training is required")
        return
    rows = plan.allocation[plan.allocation["service_class"] == TRAINING_ROLE]
    flops = rows["chip"].map(training.flops_per_chip).astype(float).fillna(0.0).to_numpy()
    site_flops = pd.Series(rows["chips_serving"].to_numpy(dtype=float) * flops, index=rows["site"].to_numpy()).groupby(level=0).sum()
    provided = float(site_flops.sum())
    flops_tol = 1e-6 * max(training.sustained_flops, training.largest_run_flops)  # solver noise at EFLOP/s scale
    if _differs(provided, float(summary.get("provided_flops", provided)), flops_tol):
        yield _problem("training", "provided", f"{summary['provided_flops']:.6g} FLOP/s written, {provided:.6g} from the chips")
    shared = _time_shared_flops(plan, training)
    if _differs(shared, float(summary.get("time_shared_flops", 0.0)), flops_tol):
        yield _problem("training", "time_shared", f"{summary.get('time_shared_flops', 0.0):.6g} FLOP/s written, "
                       f"{shared:.6g} from the serving chips off-peak")
    if provided + shared + summary["unmet_flops"] < training.sustained_flops * (1 - REL_TOL) - 1.0:
        yield _problem("training", "sustained", f"provided {provided:.4g} + time-shared {shared:.4g} + unmet "
                       f"{summary['unmet_flops']:.4g} FLOP/s < required {training.sustained_flops:.4g}")
    site = summary.get("largest_run_site")
    if training.largest_run_flops > 0:
        if site is None or site not in plan.sites.index or not bool(plan.sites.at[site, "is_open"]):
            yield _problem("training_site", str(site), "the largest run's site is not an open site")
        at_site = float(site_flops.get(site, 0.0))
        if at_site + summary["largest_run_shortfall_flops"] < training.largest_run_flops * (1 - REL_TOL) - 1.0:
            yield _problem("training", "largest_run", f"site {site} trains at {at_site:.4g} FLOP/s, below the largest "
                           f"run's {training.largest_run_flops:.4g} with no shortfall reported")


def _time_shared_flops(plan: Plan, training: TrainingInputs) -> float:
    """Training FLOP/s of the serving chips off-peak, from the allocation and the time-sharing rates."""
    rates = training.time_shared_flops_per_chip
    if rates is None or plan.allocation.empty:
        return 0.0
    alloc = plan.allocation
    keys = list(zip(alloc["chip"], alloc["service_class"]))
    per_chip = [float(rates.get(key, 0.0)) for key in keys]
    return float((alloc["chips_serving"].to_numpy(dtype=float) * per_chip).sum())


def capital_spend_usd(plan: Plan, ref: Reference) -> float:
    """Upfront capital of the plan [USD], recomputed from chips, IT load, halls and connections."""
    it = site_it_mw(plan, ref)
    known = plan.fleet[plan.fleet["chip"].isin(ref.chips.index)]
    chips = _fleet_total(known, ref.chips["capex_usd"])
    halls = _halls(plan)
    cooling = float(sum(float(ref.cooling["capex_usd_per_mw"].get((s, c), 0.0)) * mw
                        for s, c, mw in zip(halls["site"], halls["cooling"], halls["it_mw"])))
    sites = ref.sites.reindex(plan.sites.index)
    building = float((sites["building_usd_per_mw"] * it["it_mw"]).sum())
    grid = float((sites["grid_usd_per_mw"] * plan.sites["grid_mw"]).sum())
    return chips + cooling + building + grid


def check_capital_budget(plan: Plan, ref: Reference) -> Iterator[Problem]:
    if ref.capital_budget_usd is None:
        return
    spend = capital_spend_usd(plan, ref)
    if _exceeds(spend, ref.capital_budget_usd, ABS_USD):
        yield _problem("capital_budget", "national", f"upfront capital {spend:,.0f} USD over the budget "
                       f"{ref.capital_budget_usd:,.0f}")


def check_n_minus_1(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Spare chips fit the fleet beside the assigned ones, and losing any one site leaves each class with
    N-1 share at least its share of the served demand, from the serving table and the spare chips."""
    shares = ref.n_minus_1_share
    if shares is None or not (shares > 0).any():
        return
    spare = pd.DataFrame(plan.metadata.get("n_minus_1", {}).get("spare_chips", []),
                         columns=["site", "chip", "service_class", "chips"])
    assigned = plan.allocation.groupby(["site", "chip"])["chips_serving"].sum()
    standing = spare.groupby(["site", "chip"])["chips"].sum()
    fleet = plan.fleet.set_index(["site", "chip"])["chips"].astype(float)
    for key, chips in standing.items():
        if _exceeds(float(assigned.get(key, 0.0)) + chips, float(fleet.get(key, 0.0)), 1e-6):
            yield _problem("n_minus_1", f"{key[0]}:{key[1]}", f"{chips:g} spare + {assigned.get(key, 0.0):g} "
                           f"assigned chips exceed the {fleet.get(key, 0.0):g} at the site")
    thr = spare.apply(lambda r: float(ref.throughput.get((r["chip"], r["service_class"]), 0.0)), axis=1) \
        if len(spare) else pd.Series(dtype=float)
    spare_tokens = (spare["chips"] * thr).groupby([spare["site"], spare["service_class"]]).sum() if len(spare) \
        else pd.Series(dtype=float)
    served = plan.serving.groupby(["site", "service_class"])["tokens_per_s"].sum()
    for q, share in shares.items():
        if share <= 0:
            continue
        served_q = served[served.index.get_level_values("service_class") == q].droplevel("service_class")
        spare_q = spare_tokens[spare_tokens.index.get_level_values("service_class") == q].droplevel("service_class") \
            if len(spare_tokens) else pd.Series(dtype=float)
        total_served, total_spare = float(served_q.sum()), float(spare_q.sum())
        for site in plan.sites.index.unique():
            kept = total_served - float(served_q.get(site, 0.0)) + total_spare - float(spare_q.get(site, 0.0))
            if kept < share * total_served - ABS_TOKENS_PER_S - 1e-5 * total_served:
                yield _problem("n_minus_1", f"{site}:{q}", f"losing {site} leaves {kept:,.0f} tokens/s, below "
                               f"{share:.0%} of the {total_served:,.0f} served")


PENALTIES = ("unmet", "latency", "training")


def recompute_cost_usd(plan: Plan, ref: Reference) -> dict[str, float]:
    """Every cost and penalty recomputed from the tables and raw prices [USD/year]: the chips' annuities,
    buildings on peak IT, cooling plant per hall, connections, energy and carbon on average draw x hours,
    transfer losses, and the penalties on unmet demand, round-trip time and training shortfall."""
    it, halls = site_it_mw(plan, ref), _halls(plan)
    sites = ref.sites.reindex(plan.sites.index)
    known = plan.fleet[plan.fleet["chip"].isin(ref.chips.index)]
    pue = np.array([float(ref.cooling["pue"].get((s, c), math.nan)) for s, c in zip(halls["site"], halls["cooling"])])
    average_facility = (halls["average_it_mw"].astype(float) * pue).groupby(halls["site"]).sum().reindex(
        plan.sites.index, fill_value=0.0)
    energy_mwh = average_facility * HOURS_PER_YEAR
    costs = {
        "siting": float((sites["fixed_cost_usd_per_year"] * plan.sites["is_open"].astype(float)).sum()),
        "fleet": _fleet_total(known, ref.chips["capex_usd_per_year"]),
        "building": float((sites["building_usd_per_mw_year"] * it["it_mw"]).sum()),
        "cooling": float(sum(float(ref.cooling["capex_usd_per_mw_year"].get((s, c), 0.0)) * mw
                             for s, c, mw in zip(halls["site"], halls["cooling"], halls["it_mw"]))),
        "grid": float((sites["grid_usd_per_mw_year"] * plan.sites["grid_mw"]).sum()),
        "energy": float((energy_mwh * sites["energy_usd_per_mwh"]).sum()),
        "carbon": float((energy_mwh * sites["carbon_kg_per_mwh"].fillna(0.0)).sum() / KG_PER_T
                        * ref.carbon_price_usd_per_t),
        "transfer_loss": _transfer_loss_usd(plan, ref),
    }
    latency_rate = plan.serving["service_class"].map(ref.classes["latency_usd_per_tokens_per_s_ms_year"]).astype(float)
    training = plan.metadata.get("training", {})
    shortfall = training.get("unmet_flops", 0.0) + training.get("largest_run_shortfall_flops", 0.0)
    costs |= {
        "unmet": float(_unmet_value_usd(plan, ref).sum()),
        "latency": float((latency_rate.to_numpy() * _rtt(plan, ref) * plan.serving["tokens_per_s"].to_numpy()).sum()),
        "training": shortfall * (ref.training.unmet_penalty_usd_per_flops_year if ref.training else 0.0),
    }
    return costs


def _unmet_value_usd(plan: Plan, ref: Reference, share: Callable = lost_share) -> pd.Series:
    """Per unmet row: the tokens its unserved peak loses over the year at the class's price [USD/year]."""
    unmet = plan.unmet
    keys = pd.MultiIndex.from_arrays([unmet["region"], unmet["service_class"]])
    demand = ref.demand.reindex(keys).fillna(unmet["demand_tokens_per_s"].set_axis(keys)).to_numpy(dtype=float)
    unserved = unmet["unmet_tokens_per_s"].to_numpy(dtype=float)
    rate = unmet["service_class"].map(ref.classes["unmet_usd_per_tokens_per_s_year"]).to_numpy(dtype=float)
    ratios = (unmet["service_class"].map(ref.classes["peak_to_mean_ratio"]).fillna(1.0).to_numpy(dtype=float)
              if "peak_to_mean_ratio" in ref.classes else np.ones(len(unmet)))
    value = np.zeros(len(unmet))
    for i in np.flatnonzero(unserved > 0):
        if demand[i] > 0:
            value[i] = rate[i] * demand[i] * float(share(np.array([unserved[i] / demand[i]]), ratios[i])[0])
        else:
            value[i] = rate[i] * unserved[i]
    return pd.Series(value, index=unmet.index)


def _unmet_chord_allowance_usd(plan: Plan, ref: Reference, exact_usd: float) -> float:
    """How far above the tokens actually lost the MIP's chords of the load-duration curve may price them."""
    whole = _unmet_value_usd(plan, ref, share=lambda u, ratio: np.ones_like(u))  # every token of those rows
    shaped = plan.unmet["service_class"].map(ref.classes.get("peak_to_mean_ratio", pd.Series(dtype=float)))
    whole = whole[(shaped.fillna(1.0) > 1.0).to_numpy()]
    return CHORD_REL_TOL * exact_usd + CHORD_ABS_TOL * float(whole.sum())


def unmet_cost_problem(plan: Plan, ref: Reference, written_usd: float, exact_usd: float) -> str | None:
    """Why the unmet penalty written is not the tokens the unserved peak loses (None: it is, to the accuracy
    of the model's chords, which lie on or above the convex load-duration curve)."""
    above = written_usd - exact_usd
    allowed = _unmet_chord_allowance_usd(plan, ref, exact_usd)
    if -(COST_REL_TOL * exact_usd + ABS_USD) <= above <= allowed + COST_REL_TOL * exact_usd + ABS_USD:
        return None
    return (f"{written_usd:,.0f} USD/year written; the tokens the unserved peak loses over the year are worth "
            f"{exact_usd:,.0f} (the model's chords may add up to {allowed:,.0f})")


def _transfer_loss_usd(plan: Plan, ref: Reference) -> float:
    grid = ref.grid
    if grid is None or grid.kind != "zonal" or grid.transfer_lines is None or plan.grid_lines.empty:
        return 0.0
    rate = plan.grid_lines["line"].map(grid.transfer_lines["loss_cost_usd_per_mw_year"]).astype(float).fillna(0.0)
    return float((rate * plan.grid_lines["flow_mw"].abs()).sum())


def check_cost(plan: Plan, ref: Reference) -> Iterator[Problem]:
    """Each component as written against its recomputation; every nonzero component present exactly once;
    money and penalties in the right columns; the objective their sum."""
    recomputed = recompute_cost_usd(plan, ref)
    table = plan.costs
    for component, count in table["component"].value_counts().items():
        if count > 1:
            yield _problem("cost", component, f"component written {count} times")
    written = table.groupby("component")["usd_per_year"].sum()
    for component in sorted(set(written.index) | {c for c, v in recomputed.items() if abs(v) > ABS_USD}):
        value, expected = float(written.get(component, 0.0)), recomputed.get(component)
        if expected is None:
            if abs(value) > ABS_USD:
                yield _problem("cost", component, f"{value:,.0f} USD/year written for a component verify does not know")
            continue
        if component == "unmet":
            message = unmet_cost_problem(plan, ref, value, expected)
            if message:
                yield _problem("cost", component, message)
            else:
                recomputed["unmet"] = value  # within the chords' accuracy: the total is checked on the rest
            continue
        if not math.isclose(value, expected, rel_tol=COST_REL_TOL, abs_tol=ABS_USD):
            yield _problem("cost", component, f"{value:,.0f} USD/year written, {expected:,.0f} recomputed")
    if "kind" in table:
        for row in table.itertuples():
            expected_kind = "penalty" if row.component in PENALTIES else "cost"
            if row.kind != expected_kind:
                yield _problem("cost", row.component, f"reported as {row.kind}, is a {expected_kind}")
    total = sum(recomputed.values())
    if not math.isclose(total, plan.objective_usd, rel_tol=COST_REL_TOL, abs_tol=ABS_USD):
        yield _problem("cost", "total", f"recomputed cost {total:,.0f} USD/year differs from the reported "
                       f"objective {plan.objective_usd:,.0f}")


CHECKS: dict[str, Callable[[Plan, Reference], Iterator[Problem]]] = {
    "demand_balance": check_demand_balance,
    "latency": check_latency,
    "capacity": check_capacity,
    "power": check_power,
    "cooling": check_cooling,
    "energy": check_energy,
    "grid": check_grid,
    "training": check_training,
    "policy": check_policy,
    "capital_budget": check_capital_budget,
    "n_minus_1": check_n_minus_1,
    "cost": check_cost,
}


def verify(plan: Plan, reference: Reference | ModelInputs) -> Verification:
    """Re-check ``plan`` against ``reference`` (a ``ModelInputs`` is turned into one with
    ``reference_from_inputs``); a plan without a solution has nothing to verify."""
    if isinstance(reference, ModelInputs):
        reference = reference_from_inputs(reference)
    if not plan.has_solution:
        return Verification(violations=(), checks_run=())
    violations = [problem for check in CHECKS.values() for problem in check(plan, reference)]
    return Verification(violations=tuple(violations), checks_run=tuple(CHECKS))


# ----------------------------------------------------------------------------------------------- references


def reference_from_inputs(inputs: ModelInputs) -> Reference:
    """A reference from hand-made ``ModelInputs`` (tests without a scenario): the tables are the raw data
    here, so this checks the plan's tables against each other and against them, not against a scenario."""
    sites = inputs.sites
    cooling = inputs.cooling.copy()
    if "capex_usd_per_mw" not in cooling:
        cooling["capex_usd_per_mw"] = 0.0
    chips = inputs.chips.copy()
    if "capex_usd" not in chips:
        chips["capex_usd"] = 0.0
    ref_sites = pd.DataFrame({
        "lat": sites["lat"], "lon": sites["lon"], "max_grid_mw": sites["max_grid_mw"],
        "energy_usd_per_mwh": sites["energy_usd_per_mw_year"] / HOURS_PER_YEAR,
        "max_water_m3_per_year": sites["max_water_m3_per_year"], "carbon_kg_per_mwh": sites["carbon_kg_per_mwh"],
        "fixed_cost_usd_per_year": sites["fixed_cost_usd_per_year"],
        "building_usd_per_mw": sites.get("building_capex_usd_per_mw", 0.0),
        "grid_usd_per_mw": sites.get("grid_capex_usd_per_mw", 0.0),
        "building_usd_per_mw_year": sites["building_capex_usd_per_mw_year"],
        "grid_usd_per_mw_year": sites["grid_capex_usd_per_mw_year"]})
    thr = inputs.throughput_tokens_per_s.groupby(level=["chip", "service_class"]).max()
    classes = pd.DataFrame({"rtt_budget_ms": inputs.rtt_budget_ms, "max_site_share": inputs.max_site_share,
                            "unmet_usd_per_tokens_per_s_year": inputs.unmet_penalty_usd_per_tokens_per_s_year,
                            "latency_usd_per_tokens_per_s_ms_year": inputs.latency_cost_usd_per_tokens_per_s_ms_year})
    classes["peak_to_mean_ratio"] = (1.0 if inputs.unmet_peak_to_mean_ratio is None
                                     else inputs.unmet_peak_to_mean_ratio.reindex(classes.index).fillna(1.0))
    arcs = inputs.serve_arcs["rtt_ms"].groupby(level=["region", "site"]).first()
    located = inputs.regions[["lat", "lon"]].dropna()
    rtt = rtt_matrix_ms(located, sites[["lat", "lon"]]).reindex(index=inputs.regions.index, columns=sites.index)
    for (region, site), value in arcs.items():
        rtt.at[region, site] = value  # the instance's own round-trip times where it gives them
    return Reference(chips=chips, average_kw=inputs.average_kw_per_chip, throughput=thr, sites=ref_sites,
                     cooling=cooling, regions=inputs.regions[["lat", "lon"]], demand=inputs.demand_tokens_per_s,
                     classes=classes, policy=inputs.policy, grid=inputs.grid, training=inputs.training,
                     carbon_price_usd_per_t=inputs.carbon_price_usd_per_t, capital_budget_usd=inputs.capital_budget_usd,
                     rtt_ms=rtt, n_minus_1_share=inputs.n_minus_1_share)


def cooling_reference(sites: pd.DataFrame, technologies: dict, building_annuity: float) -> pd.DataFrame:
    """index (site, cooling): PUE at the site's cooling degree-days, rack limit, capex and water, from the
    technologies' specs (``planner.cooling.CoolingTechnology``)."""
    rows = []
    for site, cdd in sites["cdd19_per_year"].items():
        for name, tech in technologies.items():
            pue = min(tech.pue_base + tech.pue_per_1000_cdd * float(cdd) / 1000.0, tech.pue_max)
            rows.append({"site": site, "cooling": name, "pue": pue, "is_liquid": tech.liquid,
                         "max_rack_kw": tech.max_rack_kw, "capex_usd_per_mw": tech.capex_usd_per_mw,
                         "capex_usd_per_mw_year": tech.capex_usd_per_mw * building_annuity,
                         "water_m3_per_mw_year": tech.water_m3_per_mwh * HOURS_PER_YEAR})
    return pd.DataFrame(rows).set_index(["site", "cooling"])


def chips_reference(specs: pd.DataFrame, status: pd.DataFrame, chips_cfg, discount_rate: float,
                    kernel_peak_kw: pd.Series | None = None) -> pd.DataFrame:
    """index chip: peak and rack kW and yearly capex from catalog specs (``tdp_kw``, ``price_usd``,
    ``lifetime_years``, ``tpp``, ``cooling``) and the export-control status (``price_multiplier``,
    ``counts_against_cap``, ``is_uncontrolled``)."""
    peak = specs["tdp_kw"].astype(float) * (1 + chips_cfg.server_peak_power_overhead_share)
    if kernel_peak_kw is not None:
        peak = kernel_peak_kw.reindex(peak.index).where(lambda v: v > 0).fillna(peak)
    capex = specs["price_usd"].astype(float) * status["price_multiplier"].astype(float) * (
        1 + chips_cfg.server_capex_overhead_share)
    years = specs["lifetime_years"].astype(float) if chips_cfg.lifetime_years is None else pd.Series(
        float(chips_cfg.lifetime_years), index=specs.index)
    yearly = capex * (years.map(lambda n: annuity(discount_rate, n)) + chips_cfg.maintenance_share_per_year)
    return pd.DataFrame({"peak_kw": peak, "rack_kw": peak * chips_cfg.accelerators_per_rack, "capex_usd": capex,
                         "capex_usd_per_year": yearly, "tpp": specs["tpp"].astype(float),
                         "counts_against_cap": status["counts_against_cap"].astype(bool),
                         "is_uncontrolled": status["is_uncontrolled"].astype(bool),
                         "needs_liquid": (specs["cooling"] == "liquid").astype(bool)})


def average_kw_reference(chips: pd.DataFrame, tdp_kw: pd.Series, roles: list[str], overhead_share: float,
                         kernel_average_kw: pd.Series | None = None) -> pd.Series:
    """index (chip, role): the kernel's average draw where given, else TDP x (1 + average overhead), at most
    the peak."""
    rows = {}
    for chip in chips.index:
        for role in roles:
            value = math.nan if kernel_average_kw is None else float(kernel_average_kw.get((chip, role), math.nan))
            value = value if value > 0 else float(tdp_kw[chip]) * (1 + overhead_share)
            rows[chip, role] = min(value, float(chips.at[chip, "peak_kw"]))
    series = pd.Series(rows, dtype=float)
    series.index = series.index.set_names(["chip", "role"])
    return series


def sites_reference(site_configs: list, costs, country_cdd: float | None, carbon_kg_per_mwh: float) -> pd.DataFrame:
    """index site: coordinates, limits, tariff, climate and yearly rates from the scenario's site list and
    ``costs`` section (annuities computed here)."""
    building = annuity(costs.discount_rate, costs.building_lifetime_years)
    rows = [{"site": site.name, "lat": site.lat, "lon": site.lon, "max_grid_mw": site.max_grid_mw,
             "energy_usd_per_mwh": costs.energy_usd_per_mwh if site.energy_usd_per_mwh is None else site.energy_usd_per_mwh,
             "cdd19_per_year": country_cdd if site.cdd19_per_year is None else site.cdd19_per_year,
             "max_water_m3_per_year": math.inf if site.max_water_m3_per_year is None else site.max_water_m3_per_year,
             "carbon_kg_per_mwh": carbon_kg_per_mwh, "fixed_cost_usd_per_year": costs.site_fixed_cost_usd_per_year,
             "building_usd_per_mw": costs.building_capex_usd_per_mw,
             "grid_usd_per_mw": costs.grid_connection_capex_usd_per_mw,
             "building_usd_per_mw_year": costs.building_capex_usd_per_mw * building,
             "grid_usd_per_mw_year": costs.grid_connection_capex_usd_per_mw * building} for site in site_configs]
    return pd.DataFrame(rows).set_index("site")


def class_rates(service_classes: dict, demand_classes: dict, default_unmet_usd_per_mtok: float,
                default_latency_usd_per_mtok_ms: float) -> pd.DataFrame:
    """index service_class: budgets and penalty rates per token/s of peak demand and year (a token/s of peak
    demand is 1 / peak_to_mean tokens/s on average over the year)."""
    rows = {}
    for q, cfg in service_classes.items():
        tokens_per_year = SECONDS_PER_YEAR / demand_classes[q].peak_to_mean_ratio / 1e6
        unmet = cfg.unmet_penalty_usd_per_mtok or default_unmet_usd_per_mtok
        latency = (default_latency_usd_per_mtok_ms if cfg.latency_cost_usd_per_mtok_per_ms is None
                   else cfg.latency_cost_usd_per_mtok_per_ms)
        rows[str(q)] = {"rtt_budget_ms": cfg.rtt_budget_ms, "max_site_share": cfg.max_site_share,
                        "unmet_usd_per_tokens_per_s_year": unmet * tokens_per_year,
                        "latency_usd_per_tokens_per_s_ms_year": latency * tokens_per_year,
                        "peak_to_mean_ratio": demand_classes[q].peak_to_mean_ratio}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("service_class")
