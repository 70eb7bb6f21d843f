"""One definition of chip power and cost: peak (TDP x peak overhead, or the kernel's) for connections, average per
role for energy, and each chip's own catalog lifetime in its annuity."""

import pandas as pd
import pytest

import planner
from planner.catalog import load_catalog
from planner.catalog.policy import resolve_policy
from planner.chips import average_kw_per_chip, peak_kw_per_chip, purchasable_chips

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def india():
    scenario = planner.load_scenario("india")
    catalog = load_catalog()
    policy = resolve_policy(catalog, scenario.country_iso3, scenario.effective_policy_date, scenario.policy.rules)
    return scenario, catalog, policy


def test_peak_and_average_power_from_tdp(india):
    scenario, catalog, policy = india
    chips = purchasable_chips(catalog, policy, scenario)
    tdp = catalog.loc[chips.index, "tdp_kw"]
    assert chips["peak_kw"].to_numpy() == pytest.approx((tdp * 1.82).to_numpy())  # DGX H100: 10.2 kW / 5.6 kW
    average = average_kw_per_chip(chips, catalog["tdp_kw"], pd.DataFrame(), ["interactive", "training"], 0.35)
    assert average.xs("training", level="role").to_numpy() == pytest.approx((tdp * 1.35).to_numpy())
    assert (chips["rack_kw"] == chips["peak_kw"] * 32).all()


def test_kernel_power_replaces_the_tdp_fallback(india):
    scenario, catalog, policy = india
    chips = purchasable_chips(catalog, policy, scenario).loc[["H100-SXM", "B200"]]
    kernel = pd.DataFrame({"power_peak_kw_per_chip": [1.0, 1.1, 1.5], "power_avg_kw_per_chip": [0.6, 0.9, 2.0]},
                          index=pd.MultiIndex.from_tuples([("H100-SXM", "interactive"), ("H100-SXM", "batch"),
                                                           ("B200", "interactive")], names=["chip", "service_class"]))
    peak = peak_kw_per_chip(chips, kernel)
    assert peak.to_dict() == pytest.approx({"H100-SXM": 1.1, "B200": 1.5})  # largest over the classes
    average = average_kw_per_chip(chips.assign(peak_kw=peak), catalog["tdp_kw"], kernel,
                                  ["interactive", "batch", "training"], 0.35)
    assert average["H100-SXM", "interactive"] == pytest.approx(0.6)
    assert average["B200", "interactive"] == pytest.approx(1.5)  # an average never above the peak
    assert average["B200", "batch"] == pytest.approx(1.0 * 1.35)  # no kernel figure: the TDP fallback


def test_each_chip_is_annualised_over_its_catalog_lifetime(india):
    scenario, catalog, policy = india
    catalog = catalog.copy()
    catalog.loc["B200", "lifetime_years"] = 3.0
    chips = purchasable_chips(catalog, policy, scenario)
    rate, maintenance = scenario.costs.discount_rate, scenario.chips.maintenance_share_per_year
    for chip, years in (("B200", 3.0), ("MI300X", 5.0)):
        crf = rate / (1 - (1 + rate) ** -years)
        assert chips.at[chip, "capex_usd_per_year"] == pytest.approx(chips.at[chip, "capex_usd"] * (crf + maintenance))
    fixed = purchasable_chips(catalog, policy, scenario.model_copy(update={
        "chips": scenario.chips.model_copy(update={"lifetime_years": 5.0})}))
    assert fixed.at["B200", "lifetime_years"] == 5.0
