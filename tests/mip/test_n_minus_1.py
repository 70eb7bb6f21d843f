"""N-1 redundancy as spare capacity per site, on the two-towns instance (see ``known_answers``).

With rho = 0.5 for interactive: losing A (10,000 tokens/s served) must leave 8,000 of the 16,000 served,
so B needs 2,000 tokens/s of spare: 2 X (2 x (10,000 + 1,000 idle energy) = 22,000 USD/year) beats 1 Y
(27,000); losing B (6,000) leaves 10,000 >= 8,000. Optimum 346,000 + 22,000 = 368,000.
"""

from dataclasses import replace

import pandas as pd
import pytest

from known_answers import TWO_TOWNS_OPTIMUM_USD, two_towns
from planner.extract import extract
from planner.mip.build import build_model
from planner.solve import SolveOptions, solve
from planner.verify import verify

pytestmark = pytest.mark.solver

EXACT = SolveOptions(mip_gap=0.0, time_limit_s=60)


def with_n_minus_1(share: float | None):
    inputs = two_towns()
    return replace(inputs, n_minus_1_share=None if share is None else pd.Series({"interactive": share}))


def solved(inputs):
    m = build_model(inputs)
    outcome = solve(m, EXACT)
    assert outcome.is_optimal
    return m, outcome, extract(m, inputs, outcome, "hash")


def test_hand_optimum_with_spare_capacity():
    inputs = with_n_minus_1(0.5)
    m, outcome, plan = solved(inputs)
    assert outcome.objective * 1e6 == pytest.approx(TWO_TOWNS_OPTIMUM_USD + 22_000, rel=1e-9)
    spare = pd.DataFrame(plan.metadata["n_minus_1"]["spare_chips"])
    assert spare.groupby("site")["chips"].sum().to_dict() == pytest.approx({"B": 2.0})
    assert verify(plan, inputs).ok, verify(plan, inputs)


@pytest.mark.parametrize("share", [0.3, 1.0])
def test_n_minus_1_never_costs_less_than_none(share):
    _, plain, _ = solved(with_n_minus_1(None))
    inputs = with_n_minus_1(share)
    _, redundant, plan = solved(inputs)
    assert redundant.objective >= plain.objective - 1e-9
    assert verify(plan, inputs).ok, verify(plan, inputs)


def test_verify_catches_missing_spare():
    inputs = with_n_minus_1(0.5)
    _, _, plan = solved(inputs)
    stripped = replace(plan, metadata={**plan.metadata, "n_minus_1": {"share": {"interactive": 0.5}, "spare_chips": []}})
    problems = [p.key_path for p in verify(stripped, inputs).violations]
    assert any(p.startswith("n_minus_1[A:interactive]") for p in problems), problems
