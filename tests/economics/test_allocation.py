"""The economics stage on hand-made result tables: each money component split by its own key, computed here
by hand; capacity without a flow paid by its class; plans over several years assessed year by year."""

from types import SimpleNamespace

import pandas as pd
import pytest

from planner.economics import EconomicsRates, assess

pytestmark = pytest.mark.unit


def tables(scale_cost: float = 1.0, scale_tokens: float = 1.0, year: int | None = None) -> SimpleNamespace:
    sites = pd.DataFrame({"is_open": [True, True], "it_mw": [10.0, 5.0], "grid_mw": [11.0, 5.5],
                          "energy_mwh_per_year": [50_000.0, 20_000.0], "emissions_t_per_year": [1000.0, 0.0]},
                         index=pd.Index(["A", "B"], name="site"))
    fleet = pd.DataFrame({"site": ["A", "A", "B"], "chip": ["X", "Y", "X"], "chips": [10, 10, 5],
                          "it_mw": [0.01, 0.02, 0.005], "average_it_mw": [0.007, 0.01, 0.0025]})
    allocation = pd.DataFrame({"site": ["A", "A", "A", "B"], "chip": ["X", "X", "Y", "X"],
                               "service_class": ["batch", "training", "interactive", "batch"],
                               "chips_serving": [6.0, 4.0, 10.0, 5.0]})
    serving = pd.DataFrame({"region": ["r1", "r2", "r1"], "service_class": ["batch", "batch", "interactive"],
                            "site": ["A", "B", "A"], "tokens_per_s": [2.0 * scale_tokens, 3.0 * scale_tokens,
                                                                     4.0 * scale_tokens], "rtt_ms": [1.0, 1.0, 1.0]})
    costs = pd.DataFrame({"component": ["fleet", "building", "energy", "unmet"],
                          "kind": ["cost", "cost", "cost", "penalty"],
                          "usd_per_year": [1000.0 * scale_cost, 300.0 * scale_cost, 700.0 * scale_cost, 5000.0]})
    out = dict(sites=sites, fleet=fleet, allocation=allocation, serving=serving, costs=costs,
               cooling_halls=pd.DataFrame(columns=["site", "cooling", "cooling_cost_usd_per_year"]), metadata={})
    if year is not None:
        out = {k: (v.assign(year=year) if isinstance(v, pd.DataFrame) else v) for k, v in out.items()}
    return SimpleNamespace(**out)


RATES = EconomicsRates(
    tokens_per_year_per_peak_rate=pd.Series({"batch": 100.0, "interactive": 50.0}),
    chip_usd_per_year=pd.Series({"X": 10.0, "Y": 20.0}), peak_kw=pd.Series({"X": 1.0, "Y": 2.0}),
    average_kw=pd.Series({("X", "batch"): 0.5, ("X", "training"): 1.0, ("Y", "interactive"): 1.0}),
    peak_flops=pd.DataFrame({"bf16_dense_flops": {"X": 1e15, "Y": 2e15}}))

# by hand: fleet by chips x yearly cost (60, 40, 200, 50 of 350); building by site peak IT (A 10, B 5 of 15) then
# by peak kW within A (6, 4, 20 of 30); energy by site energy (A 50,000, B 20,000 MWh) then average kW in A (3, 4, 10)
A_BATCH = 1000 * 60 / 350 + 300 * 10 / 15 * 6 / 30 + 700 * 50 / 70 * 3 / 17
A_TRAINING = 1000 * 40 / 350 + 300 * 10 / 15 * 4 / 30 + 700 * 50 / 70 * 4 / 17
A_INTERACTIVE = 1000 * 200 / 350 + 300 * 10 / 15 * 20 / 30 + 700 * 50 / 70 * 10 / 17
B_BATCH = 1000 * 50 / 350 + 300 * 5 / 15 + 700 * 20 / 70


def test_components_are_split_by_their_own_keys():
    economics = assess(tables(), RATES)
    rows = economics.rows.set_index(["site", "chip", "role"])["usd_per_year"]
    assert rows[("A", "X", "batch")] == pytest.approx(A_BATCH)
    assert rows[("A", "X", "training")] == pytest.approx(A_TRAINING)
    assert rows[("A", "Y", "interactive")] == pytest.approx(A_INTERACTIVE)
    assert rows[("B", "X", "batch")] == pytest.approx(B_BATCH)
    assert rows.sum() == pytest.approx(2000.0)  # money only: the 5,000 of penalty is nowhere
    cost = economics.metadata["cost_per_million_tokens_usd"]
    assert cost["by_class"]["batch"] == pytest.approx((A_BATCH + B_BATCH) / (200 + 300) * 1e6)
    assert cost["by_class"]["interactive"] == pytest.approx(A_INTERACTIVE / 200 * 1e6)
    assert cost["national"] == pytest.approx((2000 - A_TRAINING) / 700 * 1e6)
    assert cost["by_region"]["r2"] == pytest.approx(B_BATCH / 300 * 1e6)
    assert economics.metadata["training_cost_usd_per_year"] == pytest.approx(A_TRAINING)
    # energy of site A shared by average draw; tokens per joule over the facility energy
    energy = economics.metadata["energy_and_carbon"]
    assert energy["training"]["energy_gwh_per_year"] == pytest.approx(50 * 4 / 17)
    assert energy["by_site"]["B"]["tokens_per_joule"] == pytest.approx(300 / (20_000 * 3.6e9))
    assert energy["national"]["co2_t_per_year"] == pytest.approx(1000 * 13 / 17)
    balance = economics.metadata["compute_balance"]
    assert balance["training"]["bf16_peak_flops"] == pytest.approx(4e15)
    assert balance["inference"]["bf16_peak_flops"] == pytest.approx(11e15 + 20e15)


def test_capacity_without_a_flow_is_paid_by_its_class():
    plan = tables()
    plan.allocation = pd.concat([plan.allocation, pd.DataFrame(
        {"site": ["B"], "chip": ["X"], "service_class": ["interactive"], "chips_serving": [5.0]})], ignore_index=True)
    economics = assess(plan, RATES)
    rows = economics.rows
    spare = float(rows.loc[(rows["site"] == "B") & (rows["role"] == "interactive"), "usd_per_year"].iloc[0])
    assert spare > 0
    interactive = rows.loc[rows["role"] == "interactive", "usd_per_year"].sum()
    cost = economics.metadata["cost_per_million_tokens_usd"]
    assert cost["by_class"]["interactive"] == pytest.approx(interactive / 200 * 1e6)
    assert economics.serving["usd_per_year"].sum() == pytest.approx(rows.loc[rows["role"] != "training",
                                                                              "usd_per_year"].sum())


def test_years_are_assessed_one_by_one():
    first, later = tables(year=2030), tables(scale_cost=1.5, scale_tokens=2.0, year=2035)
    plan = SimpleNamespace(**{name: pd.concat([getattr(first, name), getattr(later, name)])
                              for name in ("fleet", "allocation", "serving", "costs", "cooling_halls")},
                           sites=pd.concat([first.sites, later.sites]), metadata={})
    economics = assess(plan, RATES)
    single = (2000 - A_TRAINING) / 700 * 1e6
    by_year = economics.metadata["cost_per_million_tokens_usd"]["by_year"]
    assert by_year["2030"] == pytest.approx(single)
    assert by_year["2035"] == pytest.approx(single * 1.5 / 2.0)
    tokens = {"2030": 700.0, "2035": 1400.0}
    national = economics.metadata["cost_per_million_tokens_usd"]["national"]
    assert national == pytest.approx(sum(by_year[y] * t for y, t in tokens.items()) / sum(tokens.values()))
    assert economics.metadata["output_tokens_served_per_year"] == pytest.approx(2100.0 / 2)
    assert set(economics.metadata["compute_balance"]["by_year"]) == {"2030", "2035"}
    assert set(economics.metadata["energy_and_carbon"]["by_year"]) == {"2030", "2035"}


def test_money_by_year_from_cost_usd_by_year_when_the_costs_table_has_no_year():
    first, later = tables(year=2030), tables(year=2035)
    plan = SimpleNamespace(**{name: pd.concat([getattr(first, name), getattr(later, name)])
                              for name in ("fleet", "allocation", "serving", "cooling_halls")},
                           sites=pd.concat([first.sites, later.sites]), costs=tables().costs,
                           metadata={"cost_usd_by_year": {"2030": 1.0e9, "2035": 3.0e9}})
    by_year = assess(plan, RATES).metadata["cost_per_million_tokens_usd"]["by_year"]
    single = (2000 - A_TRAINING) / 700 * 1e6
    assert by_year["2030"] == pytest.approx(single / 4)
    assert by_year["2035"] == pytest.approx(single * 3 / 4)


def test_a_class_left_wholly_unmet_is_listed_without_a_cost():
    plan = tables()
    plan.unmet = pd.DataFrame({"region": ["r1", "r1", "r2", "r3"], "service_class": ["batch", "interactive", "batch",
                                                                                   "agentic"],
                               "demand_tokens_per_s": [2.0, 4.0, 3.0, 5.0], "unmet_tokens_per_s": [0.0, 0.0, 0.0, 5.0]})
    meta = assess(plan, RATES).metadata
    assert meta["cost_per_million_tokens_usd"]["by_class"]["agentic"] is None
    assert meta["cost_per_million_tokens_usd"]["by_region"]["r3"] is None
    assert meta["cost_per_million_tokens_usd"]["by_class"]["batch"] > 0
