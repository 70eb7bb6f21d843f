"""The load-duration curve that prices unmet demand: tokens lost when a share of the peak goes unserved."""

import math

import numpy as np
import pytest

from planner.demand.diurnal import concentration
from planner.demand.load_duration import (CHORD_ABS_TOL, CHORD_REL_TOL, lost_share, marginal_lost_share,
                                          tokens_lost_share, unmet_breakpoints, unmet_segments)

pytestmark = pytest.mark.unit


def test_flat_load_loses_tokens_in_proportion_to_the_peak_unserved():
    u = np.linspace(0, 1, 11)
    assert lost_share(u, 1.0) == pytest.approx(u)
    assert unmet_segments(1.0) == [(1.0, 1.0)]


@pytest.mark.parametrize("ratio", [1.5, 2.5, 4.0])
def test_nothing_served_loses_every_token_and_nothing_unserved_loses_none(ratio):
    assert lost_share([0.0, 1.0], ratio) == pytest.approx([0.0, 1.0], abs=1e-9)


@pytest.mark.parametrize("ratio", [1.5, 2.5, 4.0])
def test_a_sliver_of_the_peak_is_lost_only_around_the_busy_hour(ratio):
    """Hand result near the peak: s = exp(k (cos phi - 1)) ~ 1 - k phi^2 / 2, so the load exceeds 1 - u for
    |phi| < a = sqrt(2u / k), and lost_share = ratio / (2 pi) * integral of (u - k phi^2 / 2) over |phi| < a
    = ratio * 2 u a / (3 pi)."""
    u, k = 1e-3, concentration(ratio)
    hand = ratio * 2 * u * math.sqrt(2 * u / k) / (3 * math.pi)
    assert float(lost_share(u, ratio)) == pytest.approx(hand, rel=0.02)
    assert float(lost_share(u, ratio)) < 0.1 * u  # far less than the linear (mean-rate) pricing


def test_the_old_linear_pricing_overstates_a_tenth_of_the_peak_five_times():
    """India's interactive class (busy hour 2.5 x the mean) with a tenth of its peak unserved loses 2.1% of
    its tokens, not 10%."""
    assert float(lost_share(0.1, 2.5)) == pytest.approx(0.0212, abs=5e-4)


@pytest.mark.parametrize("ratio", [1.5, 2.5, 4.0])
def test_chords_fill_in_order_and_stay_within_their_tolerance_above_the_curve(ratio):
    segments = unmet_segments(ratio)
    widths, slopes = np.array(segments).T
    assert widths.sum() == pytest.approx(1.0) and np.all(widths > 0)
    assert np.all(np.diff(slopes) > 0)  # convex: the cheap chords come first, so no binaries are needed
    assert (widths * slopes).sum() == pytest.approx(1.0, abs=1e-9)
    u = np.linspace(0, 1, 2001)
    chord = np.interp(u, unmet_breakpoints(ratio), lost_share(np.array(unmet_breakpoints(ratio)), ratio))
    exact = lost_share(u, ratio)
    assert np.all(chord >= exact - 1e-12)
    assert np.all(chord - exact <= np.maximum(CHORD_REL_TOL * exact, CHORD_ABS_TOL) + 1e-9)


@pytest.mark.parametrize("u", [0.05, 0.3, 0.8, 1.0])
def test_marginal_share_is_the_derivative_of_the_tokens_lost_in_the_demand(u):
    """One more token/s of peak with the served capacity held: a finite difference of D lost_share(1 - C/D)."""
    ratio, demand = 2.5, 1000.0
    capacity, step = demand * (1 - u), 1e-3 * demand
    lost = [d * float(lost_share(1 - capacity / d, ratio)) for d in (demand, demand + step)]
    assert marginal_lost_share(u, ratio) == pytest.approx((lost[1] - lost[0]) / step, rel=0.03, abs=2e-3)


def test_tokens_lost_share_weighs_each_row_by_its_yearly_tokens():
    """Batch (flat) 1,000 tokens/s peak with 500 unserved loses 500 of its 1,000 mean; chat (busy hour 2.5 x
    the mean) 2,500 peak = 1,000 mean with a tenth of the peak unserved loses 2.12% of its 1,000: 521.2 of
    2,000 tokens/s on average, 26.1%."""
    import pandas as pd

    unmet = pd.DataFrame({"service_class": ["batch", "chat"], "demand_tokens_per_s": [1000.0, 2500.0],
                          "unmet_tokens_per_s": [500.0, 250.0]})
    share = tokens_lost_share(unmet, pd.Series({"batch": 1.0, "chat": 2.5}))
    assert share == pytest.approx((500 + 1000 * float(lost_share(0.1, 2.5))) / 2000)
    assert share == pytest.approx(0.2606, abs=5e-4)
    assert tokens_lost_share(unmet.iloc[:0], None) == 0.0
