"""Issue study: a tighter cap on controlled chips never lowers the cost of the India plan."""

import pytest

import planner
from planner.studies import export_cap_study, is_monotone_in_cap

pytestmark = [pytest.mark.solver, pytest.mark.slow]


@pytest.fixture(scope="module")
def study():
    scenario = planner.load_scenario("india", ["regions.count=8"])
    return export_cap_study(scenario, shares=(None, 1.0, 0.5, 0.0), options=planner.SolveOptions(mip_gap=1e-4))


def test_tighter_cap_never_lowers_cost(study):
    assert is_monotone_in_cap(study)
    assert study["objective_usd"].iloc[-1] > study["objective_usd"].iloc[0]
    assert study["verified"].all()


def test_zero_cap_buys_only_uncontrolled_chips(study):
    zero = study.iloc[-1]
    controlled = [c for c in study.columns if c.startswith("chips_") and c != "chips_H20"]
    assert zero["tpp_cap"] == 0.0 and zero["chips_H20"] > 0
    assert all(zero[c] == 0 for c in controlled)


def test_monotonicity_check_catches_a_violation(study):
    broken = study.copy()
    broken.loc[broken.index[-1], "objective_usd"] = broken["bound_usd"].iloc[0] * 0.5
    assert not is_monotone_in_cap(broken)
