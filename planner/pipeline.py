"""The only place the stages are wired together.

scenario -> regions -> demand -> chips (catalog + export rules) -> throughput (roofline) -> latency pruning
-> ModelInputs -> build -> solve -> extract -> verify -> explain -> Plan
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from planner.catalog import load_catalog, resolve_chip
from planner.catalog.generations import impute_missing_specs, load_hardware_trend, price_factor, released_by
from planner.catalog.policy import ChipStatus, PolicyResolution, resolve_policy
from planner.chips import average_kw_per_chip, peak_kw_per_chip, purchasable_chips, site_throughput, with_price_overrides
from planner.cooling import load_cooling_technologies, site_cooling_options
from planner.demand import forecast, training_demand
from planner.demand.load_duration import tokens_lost_share
from planner.economics import EconomicsRates, assess
from planner.errors import InfeasibleError, Problem, ScenarioError, SolveError
from planner.explain import ExplainOptions, explain
from planner.explain.alternatives import Alternatives, generate_alternatives
from planner.explain.reasons import UnmetReason as UnmetReasonRecord, class_terms
from planner.explain.strict import check_lp_feasible, hold_unmet_at_zero, infeasible_message
from planner.extract import extract
from planner.extract_periods import extract_periods
from planner.geo.arcs import serve_arcs
from planner.geo.grid_limits import grid_inputs
from planner.geo.regions import demand_regions
from planner.geo.climate import climate_of
from planner.geo.site_sources import all_sites
from planner.geo.sites import candidate_sites, carbon_kg_per_mwh
from planner.mip.build import Builder, build_model, problem_size
from planner.mip.heuristics import siting_start
from planner.mip.periods import PeriodInputs, build_periods_model
from planner.mip.inputs import TRAINING_ROLE, GridInputs, ModelInputs, PolicyLimits, TrainingInputs
from planner.mip.reduce import Reduction, expand_plan, reduce_inputs
from planner.myopic import solve_from_rolling_start, solve_myopic
from planner.periods import PeriodSchedule
from planner.results import Plan
from planner.roofline import (WorkloadProfile, load_workloads, serving_coefficients, training_flops_per_chip,
                              training_power_kw_per_chip)
from planner.roofline.efficiency import DEFAULT_EFFICIENCY
from planner.roofline.growth import PeriodGrowth, period_growth
from planner.roofline.levers import apply_levers, levers_for
from planner.scenario.load import scenario_hash
from planner.scenario.schema import Scenario
from planner.solve import ProgressCallback, SolveOptions, Termination, solve
from planner.units import SECONDS_PER_YEAR, capital_recovery_factor
from planner.verify import (Reference, annuity, average_kw_reference, chips_reference, class_rates, cooling_reference,
                            sites_reference, verify)
from planner.verify_periods import PeriodReference, verify_periods

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
VERSIONED_PACKAGES = ("planner", "pyomo", "highspy", "numpy", "pandas", "pydantic")


@dataclass
class StageTimer:
    """Wall time per named stage, reported in plan.json and the CLI summary."""

    progress: Progress | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.progress:
            self.progress(name)
        started = time.perf_counter()
        yield
        self.timings_s[name] = round(time.perf_counter() - started, 4)


@dataclass(frozen=True)
class Prepared:
    """Everything upstream of the MIP, kept for reports and re-checks."""

    scenario: Scenario
    scenario_hash: str
    regions: pd.DataFrame
    demand: pd.DataFrame
    policy: PolicyResolution
    inputs: ModelInputs
    timings_s: dict[str, float]
    chip_specs: pd.DataFrame | None = None
    """Catalog rows of the purchasable chips (with the scenario's price overrides), for re-checks."""
    coefficients: pd.DataFrame | None = None
    """The roofline kernel's per (chip, service_class) coefficients, for re-checks."""


def _yearly_per_peak_token_rate(scenario: Scenario, usd_per_mtok: dict[str, float]) -> pd.Series:
    """USD per million tokens -> USD/year per token/s of peak demand (tokens in a year at the mean load)."""
    rates = {q: value / 1e6 * SECONDS_PER_YEAR / scenario.demand.classes[q].peak_to_mean_ratio
             for q, value in usd_per_mtok.items()}
    return pd.Series(rates, dtype=float).rename_axis("service_class")


def tokens_per_year_per_peak_rate(scenario: Scenario) -> pd.Series:
    """Tokens a year per token/s of peak demand, per class (the year at the class's mean load)."""
    return _yearly_per_peak_token_rate(scenario, {str(q): 1e6 for q in scenario.service_classes})


def peak_to_mean_ratios(scenario: Scenario) -> pd.Series:
    """index service_class: busy hour over the daily mean of each class's load (its load-duration curve)."""
    return pd.Series({str(q): scenario.demand.classes[q].peak_to_mean_ratio for q in scenario.service_classes},
                     dtype=float).rename_axis("service_class")


def _unmet_penalty(scenario: Scenario) -> pd.Series:
    return _yearly_per_peak_token_rate(scenario, {
        str(q): cfg.unmet_penalty_usd_per_mtok or scenario.costs.unmet_penalty_usd_per_mtok
        for q, cfg in scenario.service_classes.items()})


def _latency_cost(scenario: Scenario) -> pd.Series:
    default = scenario.costs.latency_cost_usd_per_mtok_per_ms
    return _yearly_per_peak_token_rate(scenario, {
        str(q): default if cfg.latency_cost_usd_per_mtok_per_ms is None else cfg.latency_cost_usd_per_mtok_per_ms
        for q, cfg in scenario.service_classes.items()})


def _training_inputs(scenario: Scenario, chip_specs: pd.DataFrame) -> TrainingInputs | None:
    cfg = scenario.demand.training
    if cfg is None:
        return None
    need = training_demand(scenario)
    flops = training_flops_per_chip(chip_specs, cfg.mfu).fillna(0.0)
    return TrainingInputs(sustained_flops=need.sustained_flops, largest_run_flops=need.largest_run_flops,
                          flops_per_chip=flops,
                          unmet_penalty_usd_per_flops_year=cfg.unmet_penalty_usd_per_pflops_year / 1e15,
                          time_shared_flops_per_chip=_time_shared_rates(scenario, flops))


def _time_shared_rates(scenario: Scenario, flops: pd.Series) -> pd.Series | None:
    """(chip, class) -> training FLOP/s a serving chip gives off-peak: share x (1 - 1/peak_to_mean) x FLOP/s."""
    share = scenario.demand.training.time_sharing_share
    if not share:
        return None
    idle = {str(q): 1.0 - 1.0 / scenario.demand.classes[q].peak_to_mean_ratio for q in scenario.service_classes}
    rates = {(chip, q): share * idle_share * float(f) for chip, f in flops.items() for q, idle_share in idle.items()}
    return pd.Series(rates, dtype=float).rename_axis(["chip", "service_class"])


def _per_class(scenario: Scenario, field_name: str) -> pd.Series:
    values = {str(q): getattr(cfg, field_name) for q, cfg in scenario.service_classes.items()}
    return pd.Series(values, name=field_name, dtype=float).rename_axis("service_class")


def _buildout_catalog(scenario: Scenario) -> pd.DataFrame:
    """The catalog of a build-out: announced parts get labelled imputations unless the scenario says no."""
    catalog = load_catalog()
    if scenario.chips.impute_missing_specs is False:
        return catalog
    return impute_missing_specs(catalog, load_hardware_trend().performance_per_usd_growth_per_year)


def _price_factor(scenario: Scenario, year: int) -> float:
    """Chip prices in ``year`` per USD of catalog price, along the price-performance trend."""
    growth = scenario.chips.price_trend_per_year
    growth = load_hardware_trend().performance_per_usd_growth_per_year if growth is None else growth
    return price_factor(year, scenario.planning_years[0], growth)


def _at_price_factor(table: pd.DataFrame, factor: float) -> pd.DataFrame:
    """Chip prices (and the capex that follows from them) scaled by ``factor``."""
    if factor == 1.0:
        return table
    columns = [c for c in ("price_usd", "capex_usd", "capex_usd_per_year") if c in table]
    return table.assign(**{c: table[c] * factor for c in columns})


def unservable_classes(prepared: Prepared) -> list[str]:
    """Service classes with demand that no chip of ``prepared`` can serve (a build-out year whose grown
    models outgrow every chip within the class's latency limits)."""
    served = set(prepared.inputs.throughput_tokens_per_s.index.get_level_values("service_class"))
    wanted = prepared.inputs.demand_tokens_per_s
    wanted = set(wanted[wanted > 0].index.get_level_values("service_class"))
    return sorted(wanted - served)


def _unservable_by_year(prepared: PreparedPeriods) -> dict[str, list[str]]:
    """``unservable_classes`` of every planning year, each year that has some logged as a warning."""
    by_year = {str(year): unservable_classes(period) for year, period in prepared.periods.items()}
    for year, classes in by_year.items():
        if classes:
            log.warning("%s: no chip can serve %s: the served models (%.3g x their cards' per-token compute) outgrow "
                        "every chip within the class's latency limits", year, ", ".join(classes),
                        _growth(prepared.scenario, int(year)).compute_factor)
    return by_year


def _growth(scenario: Scenario, year: int) -> PeriodGrowth:
    """Served models and serving software in ``year`` of a build-out (the first planning year: the cards)."""
    return period_growth(scenario.model_trends, year - scenario.planning_years[0])


def _n_minus_1_shares(scenario: Scenario) -> pd.Series | None:
    """Per class, the N-1 share where any class sets one (0 elsewhere); None when none does."""
    shares = {str(q): cfg.n_minus_1_share or 0.0 for q, cfg in scenario.service_classes.items()}
    if not any(shares.values()):
        return None
    return pd.Series(shares, name="n_minus_1_share", dtype=float).rename_axis("service_class")


def _policy_limits(scenario: Scenario, policy: PolicyResolution) -> PolicyLimits:
    cfg = scenario.policy
    cap = cfg.tpp_cap if cfg.tpp_cap is not None else (
        None if policy.tpp_cap is None else policy.tpp_cap * cfg.tpp_cap_share)
    supply = pd.Series({resolve_chip(k): float(v) for k, v in cfg.supply_limits.items()}, dtype=float).rename_axis("chip")
    return PolicyLimits(tpp_cap=cap, min_uncontrolled_share=cfg.min_uncontrolled_share, chip_supply_limit=supply)


def _with_training_power(per_chip: pd.DataFrame, chip_specs: pd.DataFrame) -> pd.DataFrame:
    """The kernel's coefficients with the training role's power as rows (chip, "training")."""
    training = training_power_kw_per_chip(chip_specs)
    training.index = pd.MultiIndex.from_arrays([training.index, [TRAINING_ROLE] * len(training)],
                                               names=per_chip.index.names)
    return pd.concat([per_chip, training])


def _chip_power(scenario: Scenario, chips: pd.DataFrame, catalog: pd.DataFrame,
                per_chip: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Peak kW per chip (connections and grid limits) and average kW per chip and role (energy): the roofline
    kernel's per-class power where it gives it, otherwise TDP x the scenario's peak and average overheads."""
    cfg = scenario.chips
    peak = peak_kw_per_chip(chips, per_chip)
    chips = chips.assign(peak_kw=peak, rack_kw=peak * cfg.accelerators_per_rack)
    roles = [str(q) for q in scenario.service_classes] + [TRAINING_ROLE]
    average = average_kw_per_chip(chips, catalog["tdp_kw"], per_chip, roles, cfg.server_average_power_overhead_share)
    return chips, average


def served_workloads(scenario: Scenario) -> dict[str, WorkloadProfile]:
    """Each service class's workload profile with the scenario's efficiency levers applied."""
    names = {str(q): cfg.workload or str(q) for q, cfg in scenario.service_classes.items()}
    profiles = load_workloads(set(names.values()))
    return {q: apply_levers(replace(profiles[w], name=q) if w != q else profiles[w], levers_for(scenario.efficiency, q))
            for q, w in names.items()}


@dataclass(frozen=True)
class YearInvariantInputs:
    """What every planning year of a build-out shares, computed once: the candidate sites' cooling
    options, their grid and the latency-pruned serve arcs (none of these stages sees the year)."""

    cooling: pd.DataFrame
    grid: GridInputs | None
    serve_arcs: pd.DataFrame

    @classmethod
    def of(cls, inputs: ModelInputs) -> "YearInvariantInputs":
        return cls(cooling=inputs.cooling, grid=inputs.grid, serve_arcs=inputs.serve_arcs)


def prepare(scenario: Scenario, progress: Progress | None = None, period_year: int | None = None,
            regions: pd.DataFrame | None = None, keep_chips: Iterable[str] = (),
            year_invariant: YearInvariantInputs | None = None) -> Prepared:
    """Run every stage upstream of the MIP and assemble its frozen inputs; ``period_year``: those of one
    planning year of a build-out (its demand from the scenario's forecast, the export rules in force on
    1 January of it unless ``policy_date`` is set, the chips released by then at the year's prices, see
    ``planner.catalog.generations``; ``keep_chips``: bought earlier, kept though no longer purchasable);
    ``regions``: demand regions already built for the scenario; ``year_invariant``: cooling, grid and serve
    arcs already built for the scenario's sites and ``regions`` (another planning year's)."""
    timer = StageTimer(progress)
    with timer.stage("regions"):
        cfg = scenario.regions
        if regions is None:
            regions = demand_regions(scenario.country_iso3, cfg.count, cfg.min_city_population, cfg.seed,
                                     method=cfg.method, rural_area_share=cfg.rural_area_share)
    with timer.stage("demand"):
        demand = forecast(scenario, regions, years=[period_year or scenario.year])
    with timer.stage("chips"):
        buildout = period_year is not None and scenario.planning_years is not None
        catalog = _buildout_catalog(scenario) if buildout else load_catalog()
        policy_date = scenario.policy_date or (dt.date(period_year, 1, 1) if period_year else scenario.effective_policy_date)
        policy = resolve_policy(catalog, scenario.country_iso3, policy_date, scenario.policy.rules)
        available = released_by(catalog, period_year) if buildout else None
        chips = purchasable_chips(catalog, policy, scenario, available, keep_chips)
        price_factor_of_year = _price_factor(scenario, period_year) if buildout else 1.0
        chips = _at_price_factor(chips, price_factor_of_year)
    with timer.stage("throughput"):
        workloads = served_workloads(scenario)
        growth = _growth(scenario, period_year) if buildout else PeriodGrowth()
        per_chip = serving_coefficients(catalog.loc[chips.index], workloads,
                                        replace(DEFAULT_EFFICIENCY, software_speedup=growth.software_speedup),
                                        model_compute_factor=growth.compute_factor)
        per_chip = _with_training_power(per_chip, catalog.loc[chips.index])
        chips, average_kw = _chip_power(scenario, chips, catalog, per_chip)
        sites = candidate_sites(scenario)
        throughput = site_throughput(per_chip["tokens_per_s_per_chip"], sites)
    with timer.stage("cooling_grid"):
        cooling, grid = ((year_invariant.cooling, year_invariant.grid) if year_invariant is not None
                         else _cooling_and_grid(scenario, sites))
    with timer.stage("latency"):
        budgets = _per_class(scenario, "rtt_budget_ms")
        arcs = year_invariant.serve_arcs if year_invariant is not None else serve_arcs(
            regions, sites, budgets, _per_class(scenario, "max_candidate_sites"), scenario.latency.budget_percentile)
    with timer.stage("assemble"):
        demand_series = demand.set_index(["region", "service_class"])["tokens_per_s_peak"]
        inputs = ModelInputs(name=scenario.name, regions=regions, sites=sites, chips=chips,
                             demand_tokens_per_s=demand_series, throughput_tokens_per_s=throughput,
                             serve_arcs=arcs, unmet_penalty_usd_per_tokens_per_s_year=_unmet_penalty(scenario),
                             unmet_peak_to_mean_ratio=peak_to_mean_ratios(scenario),
                             latency_cost_usd_per_tokens_per_s_ms_year=_latency_cost(scenario),
                             rtt_budget_ms=budgets, max_site_share=_per_class(scenario, "max_site_share"),
                             cooling=cooling, grid=grid, policy=_policy_limits(scenario, policy),
                             training=_training_inputs(scenario, catalog.loc[chips.index]),
                             average_kw_per_chip=average_kw, carbon_price_usd_per_t=scenario.costs.carbon_price_usd_per_t,
                             capital_budget_usd=scenario.costs.capital_budget_usd,
                             n_minus_1_share=_n_minus_1_shares(scenario))
    return Prepared(scenario=scenario, scenario_hash=scenario_hash(scenario), regions=regions, demand=demand,
                    policy=policy, inputs=inputs, timings_s=timer.timings_s,
                    chip_specs=_at_price_factor(with_price_overrides(catalog, scenario).loc[chips.index],
                                                price_factor_of_year), coefficients=per_chip)


def _cooling_and_grid(scenario: Scenario, sites: pd.DataFrame) -> tuple[pd.DataFrame, GridInputs | None]:
    cooling = site_cooling_options(sites, scenario.cooling.technologies,
                                   capital_recovery_factor(scenario.costs.discount_rate,
                                                           scenario.costs.building_lifetime_years))
    return cooling, grid_inputs(scenario.grid, sites)


def reference_for(prepared: Prepared) -> Reference:
    """The raw facts ``verify`` checks a plan of ``prepared`` against: catalog specs, export-control status,
    the scenario's sites, tariffs, climate and costs, cooling technologies, the grid, demand and the roofline
    kernel's throughput; verify derives power, PUE and annuities from them itself."""
    scenario, inputs = prepared.scenario, prepared.inputs
    specs = prepared.chip_specs if prepared.chip_specs is not None else load_catalog().loc[inputs.chips.index]
    status = prepared.policy.chips.loc[specs.index]
    status = pd.DataFrame({"price_multiplier": status["price_multiplier"].astype(float),
                           "counts_against_cap": status["status"] == ChipStatus.LICENSED_CAP,
                           "is_uncontrolled": ~status["is_controlled"].astype(bool)})
    coefficients = prepared.coefficients if prepared.coefficients is not None else pd.DataFrame()
    kernel_peak = (coefficients["power_peak_kw_per_chip"].groupby(level="chip").max()
                   if "power_peak_kw_per_chip" in coefficients else None)
    chips = chips_reference(specs, status, scenario.chips, scenario.costs.discount_rate, kernel_peak)
    roles = [str(q) for q in scenario.service_classes] + [TRAINING_ROLE]
    average = average_kw_reference(chips, specs["tdp_kw"], roles, scenario.chips.server_average_power_overhead_share,
                                   coefficients.get("power_avg_kw_per_chip"))
    site_configs = all_sites(scenario)
    needs_country = any(site.cdd19_per_year is None for site in site_configs)
    country_cdd = float(climate_of(scenario.country_iso3)["cdd19_per_year"]) if needs_country else None
    sites = sites_reference(site_configs, scenario.costs, country_cdd, carbon_kg_per_mwh(scenario.country_iso3))
    technologies = load_cooling_technologies()
    allowed = scenario.cooling.technologies or list(technologies)
    cooling = cooling_reference(sites, {name: technologies[name] for name in allowed},
                                annuity(scenario.costs.discount_rate, scenario.costs.building_lifetime_years))
    throughput = coefficients["tokens_per_s_per_chip"] if "tokens_per_s_per_chip" in coefficients else \
        inputs.throughput_tokens_per_s.groupby(level=["chip", "service_class"]).max()
    classes = class_rates(scenario.service_classes, scenario.demand.classes, scenario.costs.unmet_penalty_usd_per_mtok,
                          scenario.costs.latency_cost_usd_per_mtok_per_ms)
    return Reference(chips=chips, average_kw=average, throughput=throughput[throughput > 0], sites=sites,
                     cooling=cooling, regions=prepared.regions[["lat", "lon"]],
                     demand=prepared.demand.set_index(["region", "service_class"])["tokens_per_s_peak"],
                     classes=classes, policy=inputs.policy, grid=inputs.grid,
                     training=inputs.training, carbon_price_usd_per_t=scenario.costs.carbon_price_usd_per_t,
                     capital_budget_usd=scenario.costs.capital_budget_usd,
                     n_minus_1_share=_n_minus_1_shares(scenario))


def _policy_summary(prepared: Prepared) -> dict:
    policy = prepared.policy
    return {"pack": policy.pack, "date": policy.on_date.isoformat(), "tier": policy.tier,
            "tpp_cap": prepared.inputs.policy.tpp_cap}


def _regions_summary(prepared: Prepared) -> list[dict]:
    """Where each demand region is and how many people it holds, for maps and reports downstream."""
    regions = prepared.regions
    return [{"region": str(name), "lat": float(row.lat), "lon": float(row.lon), "population": int(row.population)}
            for name, row in regions.iterrows()]


def _chip_policy_summary(prepared: Prepared) -> dict[str, dict]:
    """Per purchasable chip: TPP, export-control status and whether it counts against the national cap."""
    chips = prepared.inputs.chips
    columns = {"tpp": float, "status": str, "is_uncontrolled": bool, "counts_against_cap": bool}
    return {str(chip): {name: cast(row[name]) for name, cast in columns.items() if name in row.index}
            for chip, row in chips.iterrows()}


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def options_for(scenario: Scenario, options: SolveOptions | None) -> SolveOptions:
    """Each option set explicitly wins; each one left unset comes from the scenario's solver section."""
    return (options or SolveOptions()).with_defaults(time_limit_s=scenario.solver.time_limit_s,
                                                     mip_gap=scenario.solver.mip_gap)


def solve_prepared(prepared: Prepared, options: SolveOptions | None = None, progress: Progress | None = None,
                   extra: Iterable[Builder] = (), solver_progress: ProgressCallback | None = None,
                   strict: bool = False, explain_options: ExplainOptions | None = ExplainOptions()) -> Plan:
    """Build, solve, extract, verify and explain the MIP of already prepared inputs (after exact
    reductions, so ``extra`` builders see the reduced inputs); ``solver_progress`` follows the solve's
    incumbent and bound. ``strict``: all demand must be met and the plan must pass verification, else
    ``InfeasibleError`` with the diagnosis. ``explain_options=None`` skips the explain stage."""
    options = options_for(prepared.scenario, options)
    extra = tuple(extra)
    timer = StageTimer(progress, dict(prepared.timings_s))
    with timer.stage("build"):
        reduction = reduce_inputs(prepared.inputs)
        model = build_model(reduction.inputs, extra)
    rates = tokens_per_year_per_peak_rate(prepared.scenario)
    if strict:
        with timer.stage("strict_check"):
            hold_unmet_at_zero(model)
            check_lp_feasible(model, class_terms(reduction.inputs, rates), options.threads)
    with timer.stage("solve"):
        outcome = solve(model, options, start=siting_start, progress=solver_progress)
    if strict and outcome.termination is Termination.INFEASIBLE:
        _raise_with_elastic_reasons(prepared, options, extra)
    result = _finish(model, outcome, reduction, prepared, options, timer)
    violations = result.metadata["verification"]["violations"]
    if strict and violations:
        raise InfeasibleError("strict mode: the plan violates a limit:\n  " + "\n  ".join(violations))
    if explain_options is not None and outcome.has_solution:
        with timer.stage("explain"):
            explanation = explain(model, reduction.inputs, prepared.inputs, rates, _arcs_for(prepared),
                                  explain_options, extra)
        result = result.with_explanation(explanation.as_metadata(), explanation.marginal_values)
    return result.with_timings(timer.timings_s)


def _finish(model, outcome, reduction: Reduction, prepared: Prepared, options: SolveOptions,
            timer: StageTimer) -> Plan:
    """Extract the solved model into a plan of the original regions and verify it independently."""
    with timer.stage("extract"):
        metadata = {"versions": package_versions(), "solver": outcome.solver, "solver_options": options.as_dict(),
                    "problem_size": problem_size(model), "policy": _policy_summary(prepared),
                    "regions": _regions_summary(prepared), "chip_policy": _chip_policy_summary(prepared),
                    "scenario_config": prepared.scenario.model_dump(mode="json")}
        result = expand_plan(extract(model, reduction.inputs, outcome, prepared.scenario_hash, metadata),
                             reduction, prepared.inputs)
        result = replace(result, regions=prepared.inputs.regions.rename_axis("region").reset_index()[
            ["region", "population", "lat", "lon"]])
        if result.has_solution:
            result.metadata["tokens_lost_share"] = tokens_lost_share(result.unmet,
                                                                     prepared.inputs.unmet_peak_to_mean_ratio)
    with timer.stage("verify"):
        reference = reference_for(prepared)
        verification = verify(result, reference)
    _record_verification(result, verification, "plan")
    if outcome.has_solution:
        with timer.stage("economics"):
            result = _with_economics(result, economics_rates(prepared, reference))
    return result


def economics_rates(prepared: Prepared, reference: Reference) -> EconomicsRates:
    """The unit facts the economics stage allocates a plan's money with: the reference facts verify uses,
    the demand's input ratio and the kernel's prefill share of chip time."""
    demand = prepared.demand  # one year: the plan's, or the period's
    sums = demand.groupby("service_class")[["input_tokens_per_s_peak", "tokens_per_s_peak"]].sum()
    input_ratio = (sums["input_tokens_per_s_peak"] / sums["tokens_per_s_peak"]).where(sums["tokens_per_s_peak"] > 0)
    specs = prepared.chip_specs
    flops = specs[[c for c in ("bf16_dense_flops", "fp8_dense_flops") if c in specs]] if specs is not None else None
    coefficients = prepared.coefficients if prepared.coefficients is not None else pd.DataFrame()
    return EconomicsRates(tokens_per_year_per_peak_rate=tokens_per_year_per_peak_rate(prepared.scenario),
                          peak_to_mean_ratio=prepared.inputs.unmet_peak_to_mean_ratio,
                          input_per_generated=input_ratio.fillna(0.0),
                          chip_usd_per_year=reference.chips["capex_usd_per_year"], peak_kw=reference.chips["peak_kw"],
                          average_kw=reference.average_kw, energy_usd_per_mwh=reference.sites["energy_usd_per_mwh"],
                          peak_flops=flops, prefill_time_share=coefficients.get("prefill_time_share"))


def _with_economics(result: Plan, rates: EconomicsRates | dict[int, EconomicsRates]) -> Plan:
    """The plan with its cost per token, energy, carbon and compute balance (plan.json) and the serving
    table's yearly token columns; ``rates`` per planning year for a build-out plan."""
    economics = assess(result, rates)
    columns = list(result.serving.columns) + [c for c in ("tokens_per_year", "input_tokens_per_year")
                                              if c in economics.serving]
    return replace(result, serving=economics.serving[columns], metadata={**result.metadata, **economics.metadata})


def near_optimal_alternatives(scenario: Scenario, slack: float = 0.05, k: int = 4,
                              options: SolveOptions | None = None, progress: Progress | None = None,
                              extra: Iterable[Builder] = ()) -> Alternatives:
    """The optimum and up to ``k`` verified plans within ``slack`` of its cost that differ most from it
    in sites opened or controlled-chip share (see ``planner.explain.alternatives``)."""
    prepared = prepare(scenario, progress)
    options = options_for(scenario, options)
    extra = tuple(extra)
    optimum = solve_prepared(prepared, options, progress, extra, explain_options=None)
    if not optimum.has_solution:
        raise SolveError(f"no plan found for '{scenario.name}' ({optimum.status}); no alternatives to it")
    reduction = reduce_inputs(prepared.inputs)
    timer = StageTimer(progress)

    def finish(model, outcome) -> Plan:
        return _finish(model, outcome, reduction, prepared, options, timer)

    with timer.stage("alternatives"):
        return generate_alternatives(reduction.inputs, prepared.inputs, optimum, slack, k, options, finish, extra)


def _arcs_for(prepared: Prepared) -> Callable[[pd.Series], pd.DataFrame]:
    """The latency stage at other budgets, for the explain stage's re-solves."""
    inputs, scenario = prepared.inputs, prepared.scenario
    candidates = _per_class(scenario, "max_candidate_sites")
    percentile = scenario.latency.budget_percentile
    return lambda budgets: serve_arcs(inputs.regions, inputs.sites, budgets, candidates, percentile)


def _raise_with_elastic_reasons(prepared: Prepared, options: SolveOptions, extra: tuple[Builder, ...]) -> None:
    """The strict MIP is infeasible although its LP relaxation is not: integer decisions leave demand
    unmet. The elastic plan's reasons are the diagnosis."""
    elastic = solve_prepared(prepared, options, extra=extra, explain_options=ExplainOptions(latency_values=False))
    reasons = [UnmetReasonRecord(**r) for r in elastic.metadata.get("unmet_reasons", [])]
    raise InfeasibleError(infeasible_message(reasons), reasons)


def plan(scenario: Scenario, options: SolveOptions | None = None, progress: Progress | None = None,
         extra: Iterable[Builder] = (), solver_progress: ProgressCallback | None = None, strict: bool = False,
         explain_options: ExplainOptions | None = ExplainOptions()) -> Plan:
    """Scenario -> checked, explained plan. ``options`` default to the scenario's solver section. With
    ``planning_years`` the build-out plan over them (checked; the explain stage and ``strict`` are
    single-year only)."""
    if scenario.planning_years is not None:
        if strict:
            raise ScenarioError([Problem("scenario", "planning_years", "strict mode plans a single year; leave "
                                         "planning_years out or solve without --strict")])
        return solve_periods(prepare_periods(scenario, progress), options, progress, extra, solver_progress)
    return solve_prepared(prepare(scenario, progress), options, progress, extra, solver_progress, strict,
                          explain_options)


# ------------------------------------------------------------------------------------------ build-out


@dataclass(frozen=True)
class PreparedPeriods:
    """Everything upstream of the build-out MIP: one ``Prepared`` per planning year (same regions and sites)."""

    scenario: Scenario
    scenario_hash: str
    schedule: PeriodSchedule
    periods: dict[int, Prepared]
    timings_s: dict[str, float]


def prepare_periods(scenario: Scenario, progress: Progress | None = None) -> PreparedPeriods:
    """The stages upstream of the MIP for every planning year: regions, cooling, grid and serve arcs once
    (they do not depend on the year), then each year's demand, export rules, chips and throughput."""
    years = tuple(scenario.planning_years)
    started = time.perf_counter()
    first = prepare(scenario, progress, period_year=years[0])
    periods = {years[0]: first}
    bought: set[str] = set(first.inputs.chips.index)
    shared = YearInvariantInputs.of(first.inputs)
    for year in years[1:]:
        periods[year] = prepare(scenario, None, period_year=year, regions=first.regions, keep_chips=bought,
                                year_invariant=shared)
        bought |= set(periods[year].inputs.chips.index)
    timings = dict(first.timings_s)
    timings["prepare_periods"] = round(time.perf_counter() - started, 4)
    return PreparedPeriods(scenario=scenario, scenario_hash=scenario_hash(scenario),
                           schedule=PeriodSchedule(years, scenario.costs.discount_rate), periods=periods,
                           timings_s=timings)


def period_reference_for(prepared: PreparedPeriods) -> PeriodReference:
    """The raw facts of every planning year, for ``verify_periods``."""
    references = {year: reference_for(p) for year, p in prepared.periods.items()}
    lifetimes = {year: _chip_lifetimes(prepared.scenario, p) for year, p in prepared.periods.items()}
    return PeriodReference(references=references, lifetime_years=lifetimes,
                           discount_rate=prepared.scenario.costs.discount_rate)


def _chip_lifetimes(scenario: Scenario, prepared: Prepared) -> pd.Series:
    """Each purchasable chip's catalog lifetime, or the scenario's one for all [years]."""
    specs = prepared.chip_specs if prepared.chip_specs is not None else load_catalog().loc[prepared.inputs.chips.index]
    if scenario.chips.lifetime_years is not None:
        return pd.Series(float(scenario.chips.lifetime_years), index=specs.index)
    return specs["lifetime_years"].astype(float)


def solve_periods(prepared: PreparedPeriods, options: SolveOptions | None = None, progress: Progress | None = None,
                  extra: Iterable[Builder] = (), solver_progress: ProgressCallback | None = None) -> Plan:
    """Build, solve, extract and verify the build-out MIP over the planning years (see ``mip/periods.py``)."""
    options = options_for(prepared.scenario, options)
    timer = StageTimer(progress, dict(prepared.timings_s))
    with timer.stage("build"):
        reductions = {year: reduce_inputs(p.inputs) for year, p in prepared.periods.items()}
        periods = PeriodInputs(prepared.schedule, {year: r.inputs for year, r in reductions.items()})
        model = build_periods_model(periods, extra)
    with timer.stage("solve"):
        if prepared.scenario.planning_foresight == "myopic":
            outcome = solve_myopic(model, periods, options)
        else:
            outcome, _ = solve_from_rolling_start(model, periods, options, solver_progress)
    with timer.stage("extract"):
        first = prepared.periods[prepared.schedule.years[0]]
        metadata = {"versions": package_versions(), "solver": outcome.solver, "solver_options": options.as_dict(),
                    "problem_size": problem_size(model), "policy": _policy_summary(first),
                    "policy_by_year": {str(y): _policy_summary(p) for y, p in prepared.periods.items()},
                    "model_growth_by_year": {str(y): asdict(_growth(prepared.scenario, y)) for y in prepared.periods},
                    "unservable_classes_by_year": _unservable_by_year(prepared),
                    "regions": _regions_summary(first), "chip_policy": _chip_policy_summary(first),
                    "scenario_config": prepared.scenario.model_dump(mode="json")}

        def finish_year(year: int, result: Plan) -> Plan:
            expanded = expand_plan(result, reductions[year], prepared.periods[year].inputs)
            return replace(expanded, regions=prepared.periods[year].inputs.regions.rename_axis("region").reset_index()[
                ["region", "population", "lat", "lon"]])

        result = extract_periods(model, periods, finish_year, outcome, prepared.scenario_hash, metadata)
    with timer.stage("verify"):
        references = period_reference_for(prepared)
        verification = verify_periods(result, references)
    _record_verification(result, verification, "build-out plan")
    if outcome.has_solution:
        with timer.stage("economics"):
            rates = {year: economics_rates(p, references.references[year]) for year, p in prepared.periods.items()}
            result = _with_economics(result, rates)
    return result.with_timings(timer.timings_s)


def _record_verification(result: Plan, verification, what: str) -> None:
    """Store the independent re-check in plan.json's metadata and warn when it fails."""
    result.metadata["verification"] = {"ok": verification.ok, "checks": list(verification.checks_run),
                                       "violations": [str(v) for v in verification.violations]}
    if not verification.ok:
        log.warning("%s failed independent verification:\n%s", what, verification)
