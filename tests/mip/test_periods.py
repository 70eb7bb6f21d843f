"""Build-out over several planning years on hand-solvable instances with known optima.

``one_site``: one region and one site A, chip X serving 1,000 tokens/s for 10,000 USD/year (annuity with
maintenance) at 1 kW drawn all year; energy 1,000,000 USD per MW-year, so 1,000 USD a chip-year; opening the
site 100,000 USD/year; unmet demand 100 USD per token/s-year (far above a chip's 11 USD per token/s-year),
so all demand is served. A year with n chips in service costs 100,000 + 11,000 n.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pandas as pd
import pyomo.environ as pyo
import pytest

from known_answers import two_towns
from planner.mip.build import build_model
from planner.mip.inputs import ModelInputs, TrainingInputs
from planner.mip.periods import PeriodInputs, build_periods_model, period_block
from planner.periods import PeriodSchedule
from planner.solve import SolveOptions, solve

pytestmark = pytest.mark.solver

EXACT = SolveOptions(mip_gap=0.0, time_limit_s=60)


def one_site(demand_tokens_per_s: float, lifetime_years: float = 10.0,
             training_flops: float | None = None) -> ModelInputs:
    inputs = two_towns()
    keep = ["A"]
    sites = inputs.sites.loc[keep]
    chips = inputs.chips.loc[["X"]].assign(lifetime_years=lifetime_years)
    demand = pd.Series([demand_tokens_per_s], index=pd.MultiIndex.from_tuples(
        [("North", "interactive")], names=["region", "service_class"]))
    thr = inputs.throughput_tokens_per_s.loc[[("A", "X", "interactive")]]
    arcs = inputs.serve_arcs.loc[[("North", "interactive", "A")]]
    training = None
    if training_flops is not None:
        training = TrainingInputs(sustained_flops=training_flops, largest_run_flops=0.0,
                                  flops_per_chip=pd.Series({"X": 1e15}).rename_axis("chip"),
                                  unmet_penalty_usd_per_flops_year=1.0)
    return replace(inputs, regions=inputs.regions.loc[["North"]], sites=sites, chips=chips,
                   demand_tokens_per_s=demand, throughput_tokens_per_s=thr, serve_arcs=arcs,
                   cooling=inputs.cooling.loc[[("A", "air")]], training=training)


def solved(periods: PeriodInputs, force_first_year: bool = False):
    m = build_periods_model(periods)
    if force_first_year:
        force_builds_into_first_year(m, periods.years)
    outcome = solve(m, EXACT)
    assert outcome.is_optimal
    return m, outcome.objective * 1e6


def force_builds_into_first_year(m, years) -> None:
    """Every purchase in the first year and every hall, site and connection built by then."""
    import pyomo.environ as pyo

    first = years[0]
    m.forced = pyo.ConstraintList()
    for s, k, p in m.PURCHASES:
        if p != first:
            m.forced.add(m.buy[s, k, p] == 0)
    for s, c, t in m.HALLS:
        m.forced.add(m.hall_mw[s, c, t] == m.hall_mw[s, c, first])
    for t in years[1:]:
        for s in period_block(m, t).SITES:
            m.forced.add(period_block(m, t).open_site[s] == period_block(m, first).open_site[s])
            m.forced.add(period_block(m, t).grid_mw[s] == period_block(m, first).grid_mw[s])


def buys(m) -> dict[int, int]:
    out: dict[int, int] = {}
    for s, k, p in m.PURCHASES:
        out[p] = out.get(p, 0) + round(m.buy[s, k, p].value or 0)
    return out


def test_one_period_is_the_single_year_model():
    inputs = replace(two_towns(), chips=two_towns().chips.assign(lifetime_years=4.0))
    single = solve(build_model(inputs), EXACT)
    _, multi_usd = solved(PeriodInputs(PeriodSchedule((2030,), 0.07), {2030: inputs}))
    assert multi_usd == pytest.approx(346_000.0, rel=1e-12)
    assert multi_usd == pytest.approx(single.objective * 1e6, rel=1e-12)


def test_growing_demand_buys_now_and_later():
    """2027 (stands for 2027-2029) needs 3 chips, 2030 (one year) 5. Free timing: 3 now, 2 later:
    3 x 133,000 + 155,000 = 554,000 undiscounted; all in 2027: 5 chips all four years, 4 x 155,000 = 620,000."""
    periods = PeriodInputs(PeriodSchedule((2027, 2030), 0.0), {2027: one_site(3e3), 2030: one_site(5e3)})
    m, free = solved(periods)
    assert free == pytest.approx(554_000.0, rel=1e-9)
    assert buys(m) == {2027: 3, 2030: 2}
    _, forced = solved(periods, force_first_year=True)
    assert forced == pytest.approx(620_000.0, rel=1e-9)


def test_discounting_weights_each_year_of_a_period():
    rate = 0.1
    periods = PeriodInputs(PeriodSchedule((2027, 2030), rate), {2027: one_site(3e3), 2030: one_site(5e3)})
    _, pv = solved(periods)
    weight_2027 = 1 + 1 / 1.1 + 1 / 1.1 ** 2
    assert pv == pytest.approx(weight_2027 * 133_000 + 155_000 / 1.1 ** 3, rel=1e-9)


def test_chips_retire_after_their_lifetime():
    """Lifetime 3 years, periods of 3 years: chips bought in 2027 serve 2027-2029 only, so each period
    buys its own 3 chips; 7 years of 133,000."""
    schedule = PeriodSchedule((2027, 2030, 2033), 0.0)
    periods = PeriodInputs(schedule, {y: one_site(3e3, lifetime_years=3.0) for y in schedule.years})
    m, cost = solved(periods)
    assert buys(m) == {2027: 3, 2030: 3, 2033: 3}
    assert cost == pytest.approx(7 * 133_000.0, rel=1e-9)
    for year in schedule.years:
        assert round(period_block(m, year).chips["A", "X"].value) == 3  # never the retired ones counted
    assert schedule.retirement_year(2027, 3.0) == 2030 and schedule.retirement_year(2030, 3.0) == 2033


def test_a_lifetime_covering_the_horizon_buys_once():
    schedule = PeriodSchedule((2027, 2030, 2033), 0.0)
    periods = PeriodInputs(schedule, {y: one_site(3e3, lifetime_years=7.0) for y in schedule.years})
    m, cost = solved(periods)
    assert buys(m) == {2027: 3, 2030: 0, 2033: 0}
    assert cost == pytest.approx(7 * 133_000.0, rel=1e-9)
    assert schedule.retirement_year(2027, 7.0) is None


@pytest.mark.parametrize("demands", [(3e3, 5e3, 2e3), (6e3, 1e3, 4e3), (1e3, 1e3, 9e3)])
def test_forcing_every_build_into_the_first_year_never_costs_less(demands):
    schedule = PeriodSchedule((2027, 2029, 2031), 0.05)
    periods = PeriodInputs(schedule, {y: one_site(d, lifetime_years=5.0) for y, d in zip(schedule.years, demands)})
    _, free = solved(periods)
    _, forced = solved(periods, force_first_year=True)
    assert forced >= free - 1e-6
    if max(demands[1:]) > demands[0]:
        assert forced > free + 1.0  # buying ahead of demand pays for idle chips


def test_training_demand_zero_frees_its_chips():
    """Training needs 2 chips (2e15 FLOP/s at 1e15 a chip) on top of 3 for serving in both periods."""
    schedule = PeriodSchedule((2027, 2030), 0.0)
    with_training = PeriodInputs(schedule, {y: one_site(3e3, training_flops=2e15) for y in schedule.years})
    without = PeriodInputs(schedule, {y: one_site(3e3, training_flops=0.0) for y in schedule.years})
    m_train, _ = solved(with_training)
    m_free, cost_free = solved(without)
    assert buys(m_train)[2027] == 5
    assert buys(m_free)[2027] == 3
    assert cost_free == pytest.approx(4 * 133_000.0, rel=1e-9)
    for year in schedule.years:
        assert not hasattr(period_block(m_free, year), "training_requirement") or all(
            (v.value or 0.0) < 1e-9 for v in period_block(m_free, year).chips_training.values())


def test_halls_and_sites_persist_when_demand_falls():
    """Demand falls from 5 to 2 chips, chips last one period: the site stays open, its hall (1,000 USD per
    MW-year of building) and connection stay built and paid: 3 x (155,000 + 5) + 122,000 + 5."""
    schedule = PeriodSchedule((2027, 2030), 0.0)

    def priced(inputs):
        return replace(inputs, sites=inputs.sites.assign(building_capex_usd_per_mw_year=1_000.0))

    periods = PeriodInputs(schedule, {2027: priced(one_site(5e3, lifetime_years=3.0)),
                                      2030: priced(one_site(2e3, lifetime_years=3.0))})
    m, cost = solved(periods)
    assert buys(m) == {2027: 5, 2030: 2}
    assert m.hall_mw["A", "air", 2027].value == pytest.approx(5e-3)
    assert m.hall_mw["A", "air", 2030].value == pytest.approx(5e-3)
    assert period_block(m, 2030).open_site["A"].value > 0.5
    assert period_block(m, 2030).grid_mw["A"].value >= period_block(m, 2027).grid_mw["A"].value - 1e-9
    assert cost == pytest.approx(3 * (155_000 + 5) + 122_000 + 5, rel=1e-9)


def test_schedule_weights():
    schedule = PeriodSchedule((2027, 2029, 2031, 2033, 2035), 0.05)
    assert [len(schedule.years_of(y)) for y in schedule.years] == [2, 2, 2, 2, 1]
    assert schedule.weight(2027) == pytest.approx(1 + 1 / 1.05)
    assert schedule.weight(2035) == pytest.approx(1.05 ** -8)
    assert sum(schedule.weight(y) for y in schedule.years) == pytest.approx(sum(1.05 ** -i for i in range(9)))
    assert not schedule.serves(2027, 2029, 1.5) and schedule.serves(2027, 2027, 2.0)
    with pytest.raises(Exception):
        PeriodSchedule((2030, 2027), 0.05)
    assert math.isclose(PeriodSchedule((2030,), 0.05).weight(2030), 1.0)


def test_a_rule_stopping_a_chip_mid_horizon_stops_only_new_purchases():
    """Two towns; from 2030 chip Y may no longer be bought (purchasable False): the Y bought in 2027 keep
    serving, the growth of North's demand is met with X."""
    base = replace(two_towns(), chips=two_towns().chips.assign(lifetime_years=10.0))
    grown = replace(base, demand_tokens_per_s=base.demand_tokens_per_s * pd.Series(
        [1.3, 1.0], index=base.demand_tokens_per_s.index), chips=base.chips.assign(purchasable=[True, False]))
    schedule = PeriodSchedule((2027, 2030), 0.0)
    m, _ = solved(PeriodInputs(schedule, {2027: base, 2030: grown}))
    assert ("A", "Y", 2030) not in set(m.PURCHASES)
    assert round(m.buy["A", "Y", 2027].value) == 3 and round(m.buy["B", "Y", 2027].value) == 2
    assert round(period_block(m, 2030).chips["A", "Y"].value) == 3  # still serving
    assert round(m.buy["A", "X", 2030].value) == 3  # 13,000 = 3 x 3,000 + 4 x 1,000 (1 X bought in 2027)


def test_myopic_plan_opens_the_site_that_is_cheapest_now():
    """2027: North only, within reach of A (90,000 a year to open) and B (100,000); 2030: South too, within
    reach of B only. Foresight opens B for both (3 x 100,000 + 100,000 + chips); the rolling plan opens A in
    2027, then B as well in 2030, and A stays open: 3 x 90,000 + 190,000 + chips, 60,000 more."""
    from planner.myopic import solve_myopic

    periods = foresight_instance()
    _, full = solved(periods)
    m = build_periods_model(periods)
    rolling = solve_myopic(m, periods, EXACT)
    assert rolling.has_solution
    assert full == pytest.approx(3 * (100_000 + 92_000) + 100_000 + 92_000 + 54_000, rel=1e-9)
    assert rolling.objective * 1e6 - full == pytest.approx(60_000.0, rel=1e-9)
    assert period_block(m, 2027).open_site["A"].value > 0.5 and period_block(m, 2030).open_site["B"].value > 0.5


def test_the_year_inference_compute_overtakes_training():
    """Training needs 5 chips (5e15 FLOP/s) both years; serving 3 chips in 2027 and 6 in 2030: inference
    compute (at the chips' 1e15 training FLOP/s) is 3e15 < 5e15 first, then 6e15 >= 5e15."""
    from planner.extract_periods import extract_periods

    schedule = PeriodSchedule((2027, 2030), 0.0)
    periods = PeriodInputs(schedule, {2027: one_site(3e3, training_flops=5e15), 2030: one_site(6e3, training_flops=5e15)})
    m = build_periods_model(periods)
    outcome = solve(m, EXACT)
    plan = extract_periods(m, periods, lambda year, plan: plan, outcome, "hash")
    compute = plan.metadata["compute_by_year"]
    assert compute["2027"] == pytest.approx({"inference_flops": 3e15, "training_flops": 5e15})
    assert compute["2030"] == pytest.approx({"inference_flops": 6e15, "training_flops": 5e15})
    assert plan.metadata["inference_overtakes_training_year"] == 2030
    assert plan.metadata["cost_usd_by_year"]["2027"] == pytest.approx(100_000 + 8 * 11_000)


def test_time_sharing_counts_idle_inference_capacity_toward_training():
    """Training needs 2e15 FLOP/s; 3 serving chips of a class with peak/mean 2 idle half the time, and with
    a time-sharing share of 1 they give 3 x 0.5 x 1e15 = 1.5e15 off-peak: one training chip is enough
    (4 chips, 144,000 a year) instead of two (155,000)."""
    from planner.extract import extract
    from planner.verify import verify

    inputs = one_site(3e3, training_flops=2e15)
    shared = replace(inputs, training=replace(inputs.training, time_shared_flops_per_chip=pd.Series(
        {("X", "interactive"): 0.5e15}).rename_axis(["chip", "service_class"])))
    for case, chips, cost in ((inputs, 5, 155_000.0), (shared, 4, 144_000.0)):
        m = build_model(case)
        outcome = solve(m, EXACT)
        assert outcome.objective * 1e6 == pytest.approx(cost, rel=1e-9)
        plan = extract(m, case, outcome, "hash")
        assert plan.fleet["chips"].sum() == chips
        assert verify(plan, case).ok, verify(plan, case)
    assert plan.metadata["training"]["time_shared_flops"] == pytest.approx(1.5e15)


def foresight_instance() -> PeriodInputs:
    """The instance of ``test_myopic_plan_opens_the_site_that_is_cheapest_now``: full horizon 822,000, rolling
    plan 882,000."""
    base = replace(two_towns(), chips=two_towns().chips.assign(lifetime_years=10.0))
    sites = base.sites.assign(fixed_cost_usd_per_year=[9e4, 1e5])
    arcs = pd.DataFrame({"rtt_ms": [5.0, 5.0, 5.0]}, index=pd.MultiIndex.from_tuples(
        [("North", "interactive", "A"), ("North", "interactive", "B"), ("South", "interactive", "B")],
        names=["region", "service_class", "site"]))
    north_only = replace(base, sites=sites, serve_arcs=arcs.iloc[:2], demand_tokens_per_s=base.demand_tokens_per_s.iloc[:1])
    both = replace(base, sites=sites, serve_arcs=arcs)
    return PeriodInputs(PeriodSchedule((2027, 2030), 0.0), {2027: north_only, 2030: both})


def test_full_horizon_from_the_rolling_start_is_never_worse_than_the_rolling_plan():
    from planner.myopic import solve_from_rolling_start

    periods = foresight_instance()
    m = build_periods_model(periods)
    full, rolling = solve_from_rolling_start(m, periods, EXACT)
    assert rolling is not None and rolling.objective * 1e6 == pytest.approx(882_000.0, rel=1e-9)
    assert full.is_optimal and full.objective * 1e6 == pytest.approx(822_000.0, rel=1e-9)
    assert not any(v.fixed for v in m.component_data_objects(pyo.Var, descend_into=True))  # the rolling fixes undone
    assert period_block(m, 2027).open_site["B"].value > 0.5 and period_block(m, 2027).open_site["A"].value < 0.5


def test_rolling_start_hands_the_rolling_plan_over_with_the_lp_bound():
    """The start heuristic alone: the rolling plan's point, at the rolling plan's present value, and the LP
    relaxation's bound, at most the optimum."""
    from planner.highs import HighsInstance
    from planner.myopic import rolling_start, solve_myopic

    periods = foresight_instance()
    m = build_periods_model(periods)
    free = [v for v in m.component_data_objects(pyo.Var, descend_into=True) if not v.fixed]
    rolling = solve_myopic(m, periods, EXACT)
    values = {id(v): v.value for v in free}
    for var in free:
        var.unfix()
    instance = HighsInstance(m, {"threads": 1})
    start = rolling_start(values)(instance, replace(EXACT, mip_gap=1.0), time.perf_counter() + 60)
    assert start.objective == pytest.approx(rolling.objective, rel=1e-12)
    assert -math.inf < start.bound <= 0.822 + 1e-9


@pytest.mark.parametrize("demands", [(3e3, 5e3, 2e3), (6e3, 1e3, 4e3), (1e3, 1e3, 9e3)])
def test_decomposed_bound_never_exceeds_the_full_horizon_optimum(demands):
    """Chips last 4 years over 2027, 2030, 2033: what is carried over binds, so the bound may fall below the
    optimum, never above; one period alone it is the single-year optimum."""
    from planner.period_bound import decomposed_bound

    schedule = PeriodSchedule((2027, 2030, 2033), 0.05)
    periods = PeriodInputs(schedule, {y: one_site(d, lifetime_years=4.0) for y, d in zip(schedule.years, demands)})
    m, optimum = solved(periods)
    bound = decomposed_bound(build_periods_model(periods), periods, EXACT, time.perf_counter() + 60) * 1e6
    assert bound <= optimum * (1 + 1e-9)
    single = PeriodInputs(PeriodSchedule((2027,), 0.05), {2027: one_site(demands[0])})
    _, single_optimum = solved(single)
    assert decomposed_bound(build_periods_model(single), single, EXACT, time.perf_counter() + 60) * 1e6 \
        == pytest.approx(single_optimum, rel=1e-9)


def test_decomposed_bound_pays_each_year_at_its_cheapest_vintage():
    """Chips at 10,000 a year when bought in 2027 and 5,000 in 2030 (lifetime 10), 3,000 tokens/s both years
    (weights 3 and 1 at rate 0): the plan buys 3 chips in 2027 that serve both years, 532,000; the bound
    prices 2030's fleet at 2030's capex, 3 x 133,000 + (100,000 + 3 x 6,000) = 517,000."""
    from planner.period_bound import decomposed_bound

    early = one_site(3e3)
    late = replace(early, chips=early.chips.assign(capex_usd_per_year=5_000.0))
    periods = PeriodInputs(PeriodSchedule((2027, 2030), 0.0), {2027: early, 2030: late})
    _, optimum = solved(periods)
    m = build_periods_model(periods)
    bound = decomposed_bound(m, periods, EXACT, time.perf_counter() + 60) * 1e6
    assert optimum == pytest.approx(4 * 133_000, rel=1e-9)
    assert bound == pytest.approx(3 * 133_000 + 118_000, rel=1e-9)
    assert m.total_cost_musd.active and all(period_block(m, y).active for y in periods.years)  # m left as it was


def test_decomposed_bound_falls_back_to_the_box_bound_without_time():
    """No time for any year's LP: every year counts at its box bound, 0 here (all costs nonnegative), still
    a bound; with time, the costliest year first, it is the full bound."""
    from planner.period_bound import decomposed_bound

    schedule = PeriodSchedule((2027, 2030, 2033), 0.05)
    periods = PeriodInputs(schedule, {y: one_site(d, lifetime_years=4.0) for y, d in zip(schedule.years, (1e3, 2e3, 9e3))})
    m = build_periods_model(periods)
    assert decomposed_bound(m, periods, EXACT, time.perf_counter() - 1.0) == 0.0
    in_order = decomposed_bound(m, periods, EXACT, time.perf_counter() + 60)
    assert in_order > 0
    assert decomposed_bound(m, periods, EXACT, time.perf_counter() + 60, order=(2033, 2027, 2030)) \
        == pytest.approx(in_order, rel=1e-12)
