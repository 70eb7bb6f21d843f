"""Tokens a plan serves in a year: a (region, class) row's demand tokens less the tokens its unserved peak
loses on the class's load-duration curve (the curve that prices unmet demand), shared over its sites by what
each serves at the peak; unchanged where all demand is met."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planner.demand.diurnal import concentration
from planner.demand.load_duration import lost_share, tokens_lost_share
from planner.economics import EconomicsRates, assess
from planner.units import SECONDS_PER_YEAR

pytestmark = pytest.mark.unit

RATIO = 2.5  # busy hour 2.5 x the daily mean
DEMAND_PEAK = 1000.0  # tokens/s at the busy hour
RATE = SECONDS_PER_YEAR / RATIO  # tokens a year per token/s of peak: the year at the mean load


def hand_lost_share(unmet_share: float, ratio: float) -> float:
    """The load above the capacity left, integrated over the day by hand (midpoint rule on a 10-second grid):
    the daily shape is a von Mises bump exp(k (cos phi - 1)) with peak 1 and mean 1 / ratio."""
    k = concentration(ratio)
    phi = 2 * np.pi * (np.arange(8640) + 0.5) / 8640
    load = np.exp(k * (np.cos(phi) - 1))
    assert load.mean() == pytest.approx(1 / ratio, rel=1e-6)
    return float(ratio * np.maximum(load - (1 - unmet_share), 0.0).mean())


def plan_tables(unmet_tokens_per_s: float, served=(600.0, 300.0)) -> SimpleNamespace:
    """One class and region, two sites serving ``served`` tokens/s at the peak, one chip each."""
    sites = pd.DataFrame({"is_open": [True, True], "it_mw": [2.0, 1.0], "grid_mw": [2.0, 1.0],
                          "energy_mwh_per_year": [10_000.0, 5_000.0], "emissions_t_per_year": [100.0, 50.0]},
                         index=pd.Index(["A", "B"], name="site"))
    fleet = pd.DataFrame({"site": ["A", "B"], "chip": ["X", "X"], "chips": [2, 1], "it_mw": [2.0, 1.0]})
    allocation = pd.DataFrame({"site": ["A", "B"], "chip": ["X", "X"], "service_class": ["chat", "chat"],
                               "chips_serving": [2.0, 1.0]})
    serving = pd.DataFrame({"region": ["r", "r"], "service_class": ["chat", "chat"], "site": ["A", "B"],
                            "tokens_per_s": list(served), "rtt_ms": [1.0, 1.0]})
    unmet = pd.DataFrame({"region": ["r"], "service_class": ["chat"], "demand_tokens_per_s": [DEMAND_PEAK],
                          "unmet_tokens_per_s": [unmet_tokens_per_s]})
    costs = pd.DataFrame({"component": ["fleet", "energy", "unmet"], "kind": ["cost", "cost", "penalty"],
                          "usd_per_year": [3000.0, 1500.0, 9999.0]})
    return SimpleNamespace(sites=sites, fleet=fleet, allocation=allocation, serving=serving, unmet=unmet,
                           costs=costs, cooling_halls=pd.DataFrame(columns=["site", "cooling"]), metadata={})


RATES = EconomicsRates(tokens_per_year_per_peak_rate=pd.Series({"chat": RATE}),
                       peak_to_mean_ratio=pd.Series({"chat": RATIO}), input_per_generated=pd.Series({"chat": 4.0}))


def test_a_tenth_of_the_peak_unserved_loses_only_the_top_of_the_day():
    """Busy hour 2.5 x the mean, a tenth of the peak unserved: 2.12% of the year's tokens lost, so the plan
    serves 97.88% of its 1,000 x 31,536,000 / 2.5 = 1.2614e10 demand tokens, 1.2347e10, not the 90% (1.1353e10)
    that served peak x seconds / peak-to-mean counts; the sites share them 2:1 as they do at the peak."""
    lost = hand_lost_share(0.1, RATIO)
    assert lost == pytest.approx(0.0212, abs=5e-4)
    demand_tokens = DEMAND_PEAK * SECONDS_PER_YEAR / RATIO
    assert demand_tokens == pytest.approx(1.26144e10)
    economics = assess(plan_tables(100.0), RATES)
    served = economics.serving.set_index("site")["tokens_per_year"]
    assert served.sum() == pytest.approx((1 - lost) * demand_tokens, rel=1e-4)
    assert served.sum() == pytest.approx(1.2347e10, rel=5e-4)
    assert served["A"] == pytest.approx(2 * served["B"], rel=1e-12)
    assert economics.serving["input_tokens_per_year"].sum() == pytest.approx(4 * served.sum(), rel=1e-12)
    meta = economics.metadata
    assert meta["output_tokens_served_per_year"] == pytest.approx(served.sum(), rel=1e-12)
    # the same lost share plan.json reports as tokens_lost_share
    assert 1 - served.sum() / demand_tokens == pytest.approx(
        tokens_lost_share(plan_tables(100.0).unmet, RATES.peak_to_mean_ratio), rel=1e-9)
    assert meta["cost_per_million_tokens_usd"]["national"] == pytest.approx(4500.0 / served.sum() * 1e6, rel=1e-9)
    national = meta["energy_and_carbon"]["national"]
    assert national["tokens_per_joule"] == pytest.approx(served.sum() / (15_000.0 * 3.6e9), rel=1e-9)
    assert national["co2_t_per_million_tokens"] == pytest.approx(150.0 / served.sum() * 1e6, rel=1e-9)


def test_with_all_demand_met_the_count_is_the_served_peak_over_the_peak_to_mean():
    economics = assess(plan_tables(0.0, served=(700.0, 300.0)), RATES)
    tokens = economics.serving["tokens_per_year"].to_numpy()
    assert tokens == pytest.approx(np.array([700.0, 300.0]) * RATE, rel=1e-12)
    without_unmet_table = assess(SimpleNamespace(**{**vars(plan_tables(0.0, served=(700.0, 300.0))),
                                                    "unmet": pd.DataFrame()}), RATES)
    assert without_unmet_table.serving["tokens_per_year"].to_numpy() == pytest.approx(tokens, rel=1e-12)
    assert economics.metadata["cost_per_million_tokens_usd"]["national"] == pytest.approx(
        4500.0 / (1000.0 * RATE) * 1e6, rel=1e-9)


def test_a_flat_load_loses_the_share_of_the_peak_unserved():
    """Without a daily shape (no peak-to-mean ratio, or ratio 1) a tenth of the peak unserved is a tenth of the
    tokens: the served peak x seconds / peak-to-mean count."""
    flat = EconomicsRates(tokens_per_year_per_peak_rate=pd.Series({"chat": RATE}))
    tokens = assess(plan_tables(100.0), flat).serving["tokens_per_year"].sum()
    assert tokens == pytest.approx(900.0 * RATE, rel=1e-12)
    assert float(lost_share(0.1, 1.0)) == pytest.approx(0.1)


def test_each_year_of_a_build_out_counts_its_own_unmet_rows():
    """2029 leaves a tenth of the peak unserved, 2030 meets it all: only 2029's tokens follow the curve."""
    years = [SimpleNamespace(**{k: (v.assign(year=y) if isinstance(v, pd.DataFrame) and k != "sites" else v)
                                for k, v in vars(plan_tables(u)).items()}) for y, u in ((2029, 100.0), (2030, 0.0))]
    both = SimpleNamespace(**{k: (pd.concat([getattr(p, k) for p in years], ignore_index=True)
                                  if k not in ("sites", "metadata") else getattr(years[0], k))
                              for k in vars(years[0])})
    both.sites = pd.concat([plan_tables(0.0).sites.assign(year=y) for y in (2029, 2030)])
    both.serving.loc[both.serving["year"] == 2030, "tokens_per_s"] = [700.0, 300.0]
    by_year = assess(both, RATES).metadata["output_tokens_served_by_year"]
    assert by_year["2029"] == pytest.approx((1 - float(lost_share(0.1, RATIO))) * DEMAND_PEAK * RATE, rel=1e-9)
    assert by_year["2030"] == pytest.approx(1000.0 * RATE, rel=1e-12)
