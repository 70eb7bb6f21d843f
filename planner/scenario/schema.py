"""The scenario schema: every input a plan depends on, declared once with type, unit and meaning.

Strict (unknown keys are rejected) so a typo never silently falls back to a default. Field names carry
their unit; docs state it. Semantic checks that need data (country exists, chips are in the catalog, ...)
live in ``checks.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field, field_validator

from planner.vocabulary import ServiceClass


class StrictModel(BaseModel):
    # NaN and infinity are never a valid input: an unlimited value is written as null (None) where allowed.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


class RegionsConfig(StrictModel):
    method: Literal["cluster", "admin1"] = "cluster"
    """How cities are grouped: "cluster" = population-weighted k-means into ``count`` regions; "admin1" = one
    region per first-level administrative unit (GeoNames admin-1 code; ``count`` is then ignored)."""
    count: int = Field(12, ge=1, le=5000)
    """Number of demand regions the country's cities are clustered into (method "cluster").
    Default (assumption: a dozen regions separate a country's metropolitan areas and solve in seconds)."""
    min_city_population: int = Field(15000, ge=0)
    """Cities below this population are not used as cluster members (the GeoNames list starts at 15,000).
    Default (source: the GeoNames cities15000 list starts at 15,000)."""
    rural_area_share: float = Field(0.0, ge=0, le=1)
    """How the people the city list misses (towns under 15,000, villages) are placed [-]: this share of them by
    each region's share of the country's land area, the rest in proportion to the region's city population.
    Default (assumption: 0, everyone placed by city population; base.yaml sets 0.5)."""
    seed: int = Field(0, ge=0)
    """Seed of the deterministic k-means++ initialisation.
    Default (assumption: 0, any fixed seed makes the regions reproducible)."""


class DemandClassConfig(StrictModel):
    tokens_per_agent_day: float = Field(ge=0)
    """Visible output tokens per AI agent per day in this class, in the base year [tokens/agent/day]."""
    tokens_per_user_day: float = Field(0.0, ge=0)
    """Visible output tokens a person asks for directly (no agent) per AI user per day, in the base year
    [tokens/user/day]. Default (assumption: 0, a class with no direct use unless the scenario gives it)."""
    reasoning_tokens_per_visible_token: float | None = Field(None, ge=0)
    """Hidden reasoning (thinking) tokens generated per visible output token in the base year [-]; a request
    generates visible x (1 + this) tokens (``planner.demand.tokens``). None = the class's workload profile."""
    input_tokens_per_output_token: float | None = Field(None, ge=0)
    """Prompt and context tokens read per visible output token [-]. None = the class's workload profile
    (input_tokens / output_tokens)."""
    token_growth_per_year: float = Field(0.0, ge=0, le=10)
    """Yearly growth of tokens per agent-day and per user-day (longer tasks, more steps) [1/year].
    Default (assumption: 0, no growth unless the scenario states it)."""
    enterprise_share: float = Field(0.0, ge=0, lt=1)
    """Share of this class's tokens that enterprises and industry generate beyond people's own use [-];
    placed by city (urban) population rather than by all residents.
    Default (assumption: 0, no enterprise use beyond people's own)."""
    peak_to_mean_ratio: float = Field(2.0, ge=1, le=20)
    """Local busy-hour demand over the daily mean [-]; each region's capacity is sized for its own peak.
    Default (assumption: a busy hour twice the daily mean, between batch's flat 1 and chat's 2.5 in base.yaml)."""
    peak_local_hour: float = Field(14.0, ge=0, lt=24)
    """Local clock hour of the busy hour [h]; with the regions' time zones it sets the national coincident peak.
    Default (assumption: the working afternoon, when chat traffic peaks)."""


class TrainingConfig(StrictModel):
    largest_run_compute_flop: float = Field(ge=0)
    """Total compute of the largest single training run the country must host [FLOP]."""
    largest_run_days: float = Field(gt=0, le=3650)
    """Wall-clock duration of that run [days]; its rate must sit at one site."""
    runs_per_year: float = Field(ge=0)
    """National frontier pre-training: largest-run equivalents per year [runs/year] (0 = none beyond the
    research compute)."""
    fine_tuning_share: float = Field(0.0, ge=0, lt=1)
    """Share of the frontier programme's compute spent on fine-tuning, post-training and experiments [-].
    Default (assumption: 0, training is the largest runs only unless the scenario adds fine-tuning)."""
    research_compute_flops: float = Field(0.0, ge=0)
    """Sustained model FLOP/s of public research compute beyond the frontier runs (a national AI research
    resource, shared GPU programmes), as a yearly average [FLOP/s].
    Default (assumption: 0, no public research compute unless the scenario states it)."""
    mfu: float | None = Field(None, gt=0, le=1)
    """Model FLOPs utilisation of training runs [-]; None = the roofline kernel's model of a large run."""
    unmet_penalty_usd_per_pflops_year: float = Field(gt=0)
    """Yearly value of one PFLOP/s of training compute left unmet (sustained, or missing at the largest
    run's site) [USD per PFLOP/s-year]; the reference scenarios price it as renting the shortfall abroad."""
    time_sharing_share: float | None = Field(None, ge=0, le=1)
    """Share of the inference chips' off-peak idle capacity (1 - 1/peak_to_mean_ratio of their class) that
    counts toward the sustained training requirement (not toward the largest run, which needs its own chips
    at one site) [-]; None = none. A labelled assumption: no public anchor gives it; its extra energy is not
    counted."""


class AdoptionObservation(StrictModel):
    share_of_working_age: float = Field(gt=0, le=1)
    """Measured AI users over the working-age (15-64) population [-] (the Microsoft AI diffusion measure)."""
    date: float = Field(ge=2020, le=2100)
    """When it was measured, as a decimal year; a period is dated at its middle (Q1 2026 = 2026.125) [year]."""
    working_age_share: float = Field(gt=0, le=1)
    """People aged 15-64 over the whole population [-]; users over all people = share x this."""


class DemandConfig(StrictModel):
    adoption_observed: AdoptionObservation | None = None
    """The latest measured adoption; the logistic curve passes through it. Used unless ``adoption_share`` is set."""
    adoption_share: float | None = Field(None, ge=0, le=1)
    """Share of all people using AI services in the plan year [-]; when set it anchors the logistic curve
    instead of ``adoption_observed`` (a what-if)."""
    adoption_saturation_share: float = Field(1.0, gt=0, le=1)
    """Ceiling of the logistic adoption curve, a share of all people [-].
    Default (assumption: 1, no ceiling below the whole working-age population; base.yaml sets 0.9)."""
    adoption_growth_per_year: float = Field(0.5, gt=0, le=5)
    """Logistic growth rate of adoption [1/year] (steepness: ln(odds) grows by this much each year).
    Default (assumption: a fast logistic rise; base.yaml sets the fitted 0.26 with its source)."""
    agents_per_capita: float = Field(ge=0)
    """AI agents running per AI user in the base year [agents/person]."""
    agents_growth_per_year: float = Field(0.0, ge=0, le=10)
    """Yearly growth of agents per AI user [1/year].
    Default (assumption: 0, no growth unless the scenario states it)."""
    usage_intensity_relative_to_world: float = Field(1.0, gt=0, le=20)
    """Tokens per AI user in this country over the world mean per AI user [-]; scales every class (the class
    figures are world means). Default (assumption: the world-mean use per AI user)."""
    reasoning_growth_per_year: float = Field(0.0, ge=0, le=10)
    """Yearly growth of reasoning tokens per visible token in every class [1/year].
    Default (assumption: 0, no growth unless the scenario states it)."""
    population_base_year: int | None = Field(None, ge=1950, le=2100)
    """Year the shipped population figures describe; None = the plan year (no population growth applied)."""
    population_growth_per_year: float = Field(0.0, ge=-0.05, le=0.1)
    """Yearly national population growth from ``population_base_year`` [1/year].
    Default (assumption: 0, no growth unless the scenario states it)."""
    base_year: int | None = Field(None, ge=2020, le=2100)
    """First year of the forecast, the year the per-user and per-agent figures describe; None = the plan year."""
    classes: dict[ServiceClass, DemandClassConfig]
    """Per service class token use."""
    training: TrainingConfig | None = None
    """National training compute requirement; None = no training demand."""


class ServiceClassConfig(StrictModel):
    rtt_budget_ms: float = Field(gt=0)
    """Network round-trip budget between a region and the site that serves it [ms]."""
    workload: str | None = None
    """Workload profile (data/workloads) that sets models, token mix and latency targets; None = the class name."""
    unmet_penalty_usd_per_mtok: float | None = Field(None, gt=0)
    """Value of this class's demand left unserved [USD per million tokens]; None = costs.unmet_penalty_usd_per_mtok."""
    latency_cost_usd_per_mtok_per_ms: float | None = Field(None, ge=0)
    """Quality cost of round-trip time for this class [USD/Mtok/ms]; None = costs.latency_cost_usd_per_mtok_per_ms."""
    max_candidate_sites: int | None = Field(None, ge=1)
    """Keep only this many nearest sites within the RTT budget per region (None = every site in budget); a
    neighbourhood restriction that shrinks national-scale models and may raise the optimum slightly."""
    max_site_share: float = Field(1.0, gt=0, le=1)
    """Redundancy: most of a region's demand in this class one site may carry [-] (0.5 = at least two sites).
    Default (assumption: 1, no redundancy requirement unless the scenario sets one)."""
    n_minus_1_share: float | None = Field(None, gt=0, le=1)
    """N-1 redundancy: share of this class's served demand the other sites still serve after losing any one
    site, from spare chips standing at each site [-]; None = no N-1 requirement."""


class LatencyConfig(StrictModel):
    budget_percentile: Literal["p50", "p90"] = "p50"
    """RTT estimate the service classes' budgets are checked against: the median (p50) or the 90th percentile
    (p90, cautious) of measured RTTs for pairs like each region-site pair (data/latency, docs/latency.md)."""


class ChipsConfig(StrictModel):
    candidates: list[str] | None = None
    """Chips the plan may buy (catalog ids); None = the whole catalog."""
    server_peak_power_overhead_share: float = Field(0.82, ge=0, le=3)
    """Peak server power beyond the accelerator TDP (CPUs, NICs, fans, power conversion) per kW of TDP [-];
    sizes grid connections, site, zone and contingency limits. Default: NVIDIA DGX H100 datasheet, 10.2 kW
    maximum for 8 x 700 W GPUs (source: NVIDIA DGX H100 user guide, system specifications)."""
    server_average_power_overhead_share: float = Field(0.35, ge=0, le=3)
    """Average server power over the year beyond the accelerator TDP per kW of TDP [-]; with the TDP it is the
    average draw of a chip in service, used for energy when the roofline kernel gives no average power.
    Default (assumption: a DGX H100 at typical AI load draws ~7.5 kW, 1.35 x its 5.6 kW of GPU TDP)."""
    accelerators_per_rack: int = Field(32, ge=1, le=256)
    """Accelerators in one rack; with the peak power per chip it gives the rack density the cooling
    technology must remove (``max_rack_kw``). Default (assumption: four 8-GPU servers per rack, the DGX
    SuperPOD H100 rack layout)."""
    server_capex_overhead_share: float = Field(0.4, ge=0, le=3)
    """Server, networking and storage capex per USD of accelerator price [-].
    Default (assumption: host servers, NICs, switches and storage add ~40% to accelerator spend, as in public
    AI-cluster TCO breakdowns)."""
    lifetime_years: float | None = Field(None, gt=0)
    """Depreciation life of accelerators and servers [years]; None = each chip's catalog lifetime."""
    price_trend_per_year: float | None = Field(None, ge=0, le=2)
    """Build-out plans: yearly growth of every chip's FLOP/s per USD, so a price falls by 1 + this a year from
    the first planning year [1/year]; None = the shipped trend (data/trends/hardware.yaml, Epoch AI 30%)."""
    impute_missing_specs: bool | None = None
    """Build-out plans: give announced parts without a price or TDP labelled imputations (the price-performance
    trend; the nearest generation's power per FLOP/s), so they can be bought; None = yes."""
    maintenance_share_per_year: float = Field(0.03, ge=0, le=1)
    """Yearly maintenance and support as a share of hardware capex [1/year].
    Default (assumption: support contracts ~3% of hardware capex a year)."""
    price_usd: dict[str, float] = Field(default_factory=dict)
    """Chip prices replacing the catalog's (a vendor quote, or a price for a chip the catalog has none for)
    [USD per chip], by catalog id."""


class SiteConfig(StrictModel):
    name: str = Field(min_length=1)
    """Unique site name."""
    lat: float = Field(ge=-90, le=90)
    """Latitude [degrees]."""
    lon: float = Field(ge=-180, le=180)
    """Longitude [degrees]."""
    max_grid_mw: float = Field(gt=0)
    """Largest grid connection the site can get [MW]."""
    energy_usd_per_mwh: float | None = Field(None, ge=0)
    """Delivered electricity price [USD/MWh]; None = the scenario's costs.energy_usd_per_mwh."""
    cdd19_per_year: float | None = Field(None, ge=0)
    """Site climate: cooling degree-days at base 19 C per year; None = the country's ERA5 normal."""
    max_water_m3_per_year: float | None = Field(None, ge=0)
    """Water the site may draw for cooling [m3/year]; None = unlimited."""
    grid_node: str | None = None
    """Grid bus (nodal grids) or zone (zonal grids) the site connects to; None = the nearest one."""


class SiteSourcesConfig(StrictModel):
    cloud_metros: bool = False
    """Add one candidate site per public-cloud metro in the country (data/cloud_regions)."""
    substations: int = Field(0, ge=0, le=500)
    """Add this many grid substations as candidate sites, spread over the country (nodal grids only).
    Default (assumption: 0, no generated substation sites unless asked)."""
    min_voltage_kv: float = Field(275.0, gt=0)
    """Substation candidates are buses at or above this voltage [kV].
    Default (assumption: the 275 and 400 kV supergrid, where hundreds of MW can connect)."""
    max_grid_mw: float = Field(300.0, gt=0)
    """Connection limit of the generated candidate sites [MW].
    Default (assumption: a 300 MW campus, a large hyperscale connection request)."""


class CostsConfig(StrictModel):
    discount_rate: float = Field(0.08, ge=0, le=1)
    """Real discount rate used to annualise capex [1/year].
    Default (assumption: a real cost of capital for infrastructure in the usual 6-10% range)."""
    energy_usd_per_mwh: float = Field(gt=0)
    """Default delivered electricity price for data centres [USD/MWh]."""
    building_capex_usd_per_mw: float = Field(ge=0)
    """Data-centre shell, power and cooling plant per MW of IT load [USD/MW]."""
    building_lifetime_years: float = Field(20.0, gt=0)
    """Depreciation life of buildings and plant [years].
    Default (assumption: the life of mechanical and electrical plant)."""
    grid_connection_capex_usd_per_mw: float = Field(ge=0)
    """Grid connection (substation, lines) per MW of connection [USD/MW]."""
    site_fixed_cost_usd_per_year: float = Field(ge=0)
    """Fixed yearly cost of operating an opened site (land, security, staff) [USD/year]."""
    latency_cost_usd_per_mtok_per_ms: float = Field(0.0, ge=0)
    """Quality cost of distance: USD per million tokens served per ms of round trip [USD/Mtok/ms]; prefers
    nearby sites among otherwise equal ones.
    Default (assumption: 0, distance is not priced unless a scenario prices it)."""
    unmet_penalty_usd_per_mtok: float = Field(gt=0)
    """Value of demand left unserved [USD per million tokens]; makes unmet demand explicit, never free."""
    carbon_price_usd_per_t: float = Field(0.0, ge=0)
    """Price on the CO2 of the electricity the sites use [USD per tonne CO2]; 0 = not priced (the default:
    a plan prices carbon only when the scenario says so). Default (assumption: 0, carbon is reported and not priced)."""
    capital_budget_usd: float | None = Field(None, gt=0)
    """Most upfront capital the plan may spend on chips, servers, buildings, cooling plant and grid
    connections [USD]; None = no budget."""


class CoolingConfig(StrictModel):
    technologies: list[str] | None = None
    """Cooling technologies sites may use (data/cooling/technologies.yaml); None = all."""


class GridConfig(StrictModel):
    network: str = "none"
    """Grid model: none; gb_nodal (GB DC power flow, GridKit extract); india_zonal (India's five zones, GTD
    transfer limits); gtd_<iso3> (a country's sub-national GTD zones, e.g. gtd_bra for Brazil's seven)."""
    zone_headroom_mw: dict[str, float] = Field(default_factory=dict)
    """New load each zone's own generation can host [MW], by zone (GB nodal: one zone 'GB')."""
    base_loading_share: float = Field(0.6, ge=0, lt=1)
    """Nodal: share of each line's rating already used by existing flows; the rest is headroom [-].
    Default (assumption: lines carry ~60% of their rating before the new load, a typical planning-study loading)."""
    transfer_available_share: float = Field(0.1, ge=0, le=1)
    """Zonal: share of inter-zone transfer capacity available to carry new load [-].
    Default (assumption: a tenth of the inter-zone transfer capacity is free for new load)."""
    @field_validator("network")
    @classmethod
    def _known_network(cls, value: str) -> str:
        from planner.geo.grid_names import known_networks

        known = known_networks()
        if value not in known:
            raise ValueError(f"not a shipped grid network; one of: {', '.join(known)}")
        return value

    max_site_mw: float | None = Field(None, gt=0)
    """Single-site contingency limit: the largest load the system can lose at once [MW]."""
    min_bus_voltage_kv: float | None = Field(None, gt=0)
    """Nodal: sites connect to the nearest bus at or above this voltage [kV]."""


class PolicyConfig(StrictModel):
    rules: str | None = None
    """Export-control rule pack (data/policy); None = the pack in force on the policy date."""
    tpp_cap_share: float = Field(1.0, ge=0)
    """Share of the pack's national TPP cap this plan may use [-] (0 = no capped chips; 1 = the whole cap).
    Default (assumption: 1, the plan may use the whole national cap)."""
    tpp_cap: float | None = Field(None, ge=0)
    """Explicit national TPP cap on controlled chips [TPP], replacing the pack's (what-if studies)."""
    min_uncontrolled_share: float = Field(0.0, ge=0, le=1)
    """Sovereignty floor: minimum share of serving capacity on chips outside US export control [-].
    Default (assumption: 0, no sovereignty floor unless the scenario sets one)."""
    supply_limits: dict[str, int] = Field(default_factory=dict)
    """Most chips of each type the country can obtain (allocations) [chips], by catalog id."""


class LeversConfig(StrictModel):
    """Efficiency levers of inference serving: each sets an option of the roofline kernel or the class's model
    mix (never the MIP); None (the default) keeps the class's workload profile (data/workloads)."""

    precision: Literal["bf16", "fp8", "int8", "fp4"] | None = None
    """Weight (and, at FP8 or narrower, KV-cache) number format served in; a chip without it runs the next
    wider format it supports (FP4 only on a native double-rate FP4 path)."""
    speculative_tokens: float | None = Field(None, ge=0, le=16)
    """Tokens drafted per sequence before each verify step (speculative decoding, multi-token prediction)
    [tokens]; 0 = off."""
    acceptance_rate: float | None = Field(None, ge=0, lt=1)
    """Probability that the target model accepts each drafted token [-] (Leviathan et al. 2023's alpha)."""
    draft_model: str | None = None
    """Model card that drafts the tokens, or "mtp" for the target's own multi-token prediction head."""
    distilled_share: float | None = Field(None, ge=0, le=1)
    """Share of the class's requests served by ``distilled_model`` instead of the class's own model mix [-]."""
    distilled_model: str | None = None
    """Model card of the smaller (distilled) model that takes ``distilled_share`` of the requests."""
    model_mix: dict[str, float] | None = None
    """Model cards serving the class and each one's share of requests, replacing the profile's (e.g. a
    mixture-of-experts card against a dense one); shares sum to 1."""
    cached_input_share: float | None = Field(None, ge=0, lt=1)
    """Share of prompt tokens served from a prefix cache instead of being prefilled [-] (repeated system
    prompts, agent history re-sent each turn)."""


class EfficiencyConfig(LeversConfig):
    """Levers for every service class, with per-class overrides in ``classes``."""

    classes: dict[ServiceClass, LeversConfig] = Field(default_factory=dict)
    """Levers of one class; a lever set here wins over the same lever set for every class."""


class ModelTrendsConfig(StrictModel):
    """Build-out plans: how the served models' per-token compute and the serving software's efficiency move
    from the first planning year on (``planner.roofline.growth``; single-year plans ignore it)."""

    training_compute_growth_per_year: float | None = Field(None, gt=0, le=100)
    """Growth of frontier training compute [x per year]; None = the shipped trend (data/trends/models.yaml,
    Epoch AI: 4-5x a year, 4.5)."""
    inference_compute_exponent: float | None = Field(None, ge=0, le=2)
    """Per-token compute of the served models ~ training compute ^ this [-]; 0 = the model cards stay as they
    are; None = 0.5 (the compute-optimal argument, an assumption)."""
    software_efficiency: Literal["none", "low", "central", "high"] = "central"
    """Which of the shipped serving-software gain cases applies (data/trends/models.yaml, assumptions:
    10 / 25 / 50% less work per token a year); "none" = the calibrated stack throughout."""
    software_gain_per_year: float | None = Field(None, ge=0, le=5)
    """Serving-software gain [1/year]: work per token falls by 1 + this a year; None = the chosen case's."""


class SolverConfig(StrictModel):
    time_limit_s: float = Field(300.0, gt=0)
    """Wall-clock limit of the MIP solve [s]; the incumbent is returned with its gap when reached.
    Default (assumption: five minutes, well beyond what the reference scenarios need on 2 cores)."""
    mip_gap: float = Field(1e-3, ge=0, le=1)
    """Relative optimality gap at which the solve stops [-].
    Default (assumption: 0.1% of the yearly cost is below the precision of the cost data)."""


class Scenario(StrictModel):
    """A planning scenario: a country, a year, its demand, what may be bought and where."""

    name: str = Field(min_length=1)
    """Short name, used in output folders."""
    description: str = ""
    """One paragraph on what the scenario represents."""
    country_iso3: str = Field(pattern=r"^[A-Z]{3}$")
    """Destination country, ISO 3166-1 alpha-3 (e.g. GBR, IND)."""
    year: int = Field(ge=2020, le=2100)
    """Plan year: demand is forecast for this year."""
    planning_years: list[int] | None = None
    """Years of a build-out over several periods (e.g. [2027, 2030, 2033]), increasing; each stands for the
    years up to the next one and the last for its own year, so the horizon ends with the last. Demand is
    forecast for each, export rules read on 1 January of each (unless ``policy_date`` is set), sites, halls
    and connections built persist and chips serve until their lifetime ends. None = the single plan year."""
    planning_foresight: Literal["perfect", "myopic"] | None = None
    """Build-out plans: "perfect" (None) plans all years at once; "myopic" plans one year at a time with
    earlier decisions fixed and no view of later years (a rolling plan, faster on large instances)."""
    policy_date: dt.date | None = None
    """Date at which export rules are read; None = 1 January of the plan year."""
    regions: RegionsConfig = RegionsConfig()
    demand: DemandConfig
    service_classes: dict[ServiceClass, ServiceClassConfig]
    latency: LatencyConfig = LatencyConfig()
    chips: ChipsConfig = ChipsConfig()
    sites: list[SiteConfig] = Field(default_factory=list)
    site_sources: SiteSourcesConfig = SiteSourcesConfig()
    costs: CostsConfig
    cooling: CoolingConfig = CoolingConfig()
    grid: GridConfig = GridConfig()
    policy: PolicyConfig = PolicyConfig()
    efficiency: EfficiencyConfig = EfficiencyConfig()
    model_trends: ModelTrendsConfig | None = None
    """Build-out plans: served models and serving software over the years; None = the shipped trends."""
    solver: SolverConfig = SolverConfig()

    @property
    def effective_policy_date(self) -> dt.date:
        return self.policy_date or dt.date(self.year, 1, 1)
