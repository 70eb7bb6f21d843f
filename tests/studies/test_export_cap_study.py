"""The shipped export-cap study (data/studies/export-cap.yaml) on a small India: a tighter cap on controlled
chips never lowers the cost, and a zero cap buys only uncontrolled chips."""

import pytest

from planner.resources import data_path
from planner.studies import design, is_monotone_in_cap, pareto_front, read_study, run_study

pytestmark = [pytest.mark.solver, pytest.mark.slow]

SHARES = [1.0, 0.5, 0.0]  # of the shipped grid's six shares, plus its no-cap case


@pytest.fixture(scope="module")
def table(client, tmp_path_factory):
    path = data_path("studies", "export-cap.yaml")
    study = read_study(path)
    assert set(SHARES) <= set(study.grid["policy.tpp_cap_share"])
    small = study.model_copy(update={"set": {**study.set, "regions.count": 4},
                                     "grid": {"policy.tpp_cap_share": SHARES},
                                     "solver": study.solver.model_copy(update={"time_limit_s": 120})})
    return run_study(design(small, path), tmp_path_factory.mktemp("cap"), client=client).table


def test_every_run_is_proven_and_verified(table):
    assert len(table) == 4 and (table["state"] == "optimal").all() and table["verified"].all()


def test_tighter_cap_never_lowers_cost(table):
    assert is_monotone_in_cap(table)
    no_cap, zero_cap = table[table["tpp_cap"] > 1e11], table[table["tpp_cap"] == 0.0]
    assert zero_cap["objective_usd"].iloc[0] > no_cap["objective_usd"].iloc[0]


def test_zero_cap_buys_only_uncontrolled_chips(table):
    zero = table[table["tpp_cap"] == 0.0].iloc[0]
    assert zero["chips_H20"] > 0 and zero["controlled_chip_share"] == 0.0 and zero["capped_tpp"] == 0.0
    capped = table[table["tpp_cap"] < 1e11]
    assert (capped["capped_tpp"] <= capped["tpp_cap"] * (1 + 1e-9)).all()


def test_monotonicity_check_catches_a_violation(table):
    broken = table.copy()
    tightest = broken["tpp_cap"].idxmin()
    broken.loc[tightest, "objective_usd"] = broken["bound_usd"].max() * 0.5
    assert not is_monotone_in_cap(broken)


def test_cost_against_controlled_share_front(table):
    front = pareto_front(table, {"objective_usd": "min", "controlled_chip_share": "min"})
    # the cheapest plan and the plan without controlled chips are both on the front
    assert table["objective_usd"].idxmin() in front.index
    assert (front["controlled_chip_share"] == 0.0).any()
    assert front["objective_usd"].is_monotonic_increasing and front["controlled_chip_share"].is_monotonic_decreasing
