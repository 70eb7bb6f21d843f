"""Tokens lost when serving capacity falls short of the peak: the load-duration curve of the daily shape.

A class's load over the day is ``D * s(t)``: ``D`` the peak the MIP plans for, ``s = daily_shape / ratio``
(``diurnal.py``; at most 1, mean ``1 / ratio`` with ``ratio = peak_to_mean_ratio``). Capacity ``D * (1 - u)``
(a share ``u`` of the peak left unserved) loses ``D * mean_t max(0, s(t) - (1 - u))`` tokens/s on average, so
the share of the class's yearly tokens lost is

    lost_share(u) = ratio * mean_t max(0, s(t) - 1 + u),

0 at u = 0, 1 at u = 1 (nothing served loses every token), increasing and convex: the first token/s short of
the peak is lost only in the busiest minutes of the day, the last one all day long. A flat load (ratio 1)
loses exactly u. The MIP prices unmet peak demand on the chords of this curve between ``unmet_breakpoints``
(convex, so the chords fill in order without binaries); the chords lie above the curve by at most
``CHORD_REL_TOL`` of it (or ``CHORD_ABS_TOL`` of the year's tokens near u = 0).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from planner.demand.diurnal import daily_shape

if TYPE_CHECKING:
    import pandas as pd

SAMPLES = 4096  # points of the day at which the shape is sampled (21 s apart)
GRID = 1000  # the breakpoints are multiples of 1 / GRID of the peak
CHORD_REL_TOL = 0.01
CHORD_ABS_TOL = 1e-4


@lru_cache(maxsize=64)
def _sorted_shape(ratio: float) -> np.ndarray:
    hours = (np.arange(SAMPLES) + 0.5) * 24.0 / SAMPLES
    shape = np.sort(daily_shape(hours, ratio, 12.0) / ratio)  # the curve does not depend on the busy hour
    shape.flags.writeable = False
    return shape


def lost_share(unmet_share, ratio: float) -> np.ndarray:
    """Share of a class's yearly tokens lost with ``unmet_share`` of its peak unserved [-]."""
    u = np.clip(np.asarray(unmet_share, dtype=float), 0.0, 1.0)
    if ratio <= 1.0:
        return u
    s = _sorted_shape(ratio)
    above_sum = np.concatenate([np.cumsum(s[::-1])[::-1], [0.0]])  # sum of s[i:] for each i
    threshold = 1.0 - u
    first_above = np.searchsorted(s, threshold, side="right")
    excess = above_sum[first_above] - threshold * (s.size - first_above)  # sum of max(0, s - threshold)
    return ratio * excess / s.size


@lru_cache(maxsize=64)
def unmet_breakpoints(ratio: float) -> tuple[float, ...]:
    """Shares of the peak at which the chords of ``lost_share`` meet: each chord within the tolerance."""
    if ratio <= 1.0:
        return (0.0, 1.0)
    u = np.linspace(0.0, 1.0, GRID + 1)
    lost = lost_share(u, ratio)
    allowed = np.maximum(CHORD_REL_TOL * lost, CHORD_ABS_TOL)
    points, start = [0], 0
    while start < GRID:  # longest chord that fits; a longer chord of a convex curve never fits better
        lo, hi = start + 1, GRID
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if _chord_fits(u, lost, allowed, start, mid) else (lo, mid - 1)
        points.append(lo)
        start = lo
    return tuple(float(u[i]) for i in points)


def _chord_fits(u: np.ndarray, lost: np.ndarray, allowed: np.ndarray, start: int, end: int) -> bool:
    part = slice(start, end + 1)
    chord = lost[start] + (lost[end] - lost[start]) * (u[part] - u[start]) / (u[end] - u[start])
    return bool(np.all(chord - lost[part] <= allowed[part]))


def unmet_segments(ratio: float) -> list[tuple[float, float]]:
    """(width, slope) of each chord, in order: ``width`` a share of the peak, ``slope`` the share of the
    yearly tokens lost per share of the peak unserved on that chord (increasing; widths sum to 1)."""
    points = np.array(unmet_breakpoints(ratio))
    lost = lost_share(points, ratio)
    widths = np.diff(points)
    return [(float(w), float(d / w)) for w, d in zip(widths, np.diff(lost))]


def marginal_lost_share(unmet_share: float, ratio: float) -> float:
    """Share of one more token/s-year of demand (the whole daily profile scaled up by one token/s of peak)
    that is lost when the capacity serving it stays as it is and ``unmet_share`` of the peak already goes
    unserved: d/dD [D lost_share(1 - C/D)] = lost_share(u) + lost_share'(u) (1 - u), on the model's chords
    (1 with nothing served; the chord slope near u = 0, where only the busiest minutes are lost)."""
    u = min(max(float(unmet_share), 0.0), 1.0)
    points = np.array(unmet_breakpoints(ratio))
    segments = unmet_segments(ratio)
    j = min(int(np.searchsorted(points, u, side="right")) - 1, len(segments) - 1)
    chord = float(lost_share(points[j], ratio)) + segments[j][1] * (u - points[j])
    return chord + segments[j][1] * (1.0 - u)


def row_lost_shares(unmet: pd.DataFrame, ratios: pd.Series | None) -> np.ndarray:
    """Per row of ``unmet`` (columns service_class, demand_tokens_per_s (peak), unmet_tokens_per_s): the share
    of the row's yearly tokens its unserved peak loses on its class's curve (``ratios``: index service_class,
    peak-to-mean; None or a missing class = a flat load) [-]. The row serves the rest: every token of the
    daily profile below the capacity left, so ``1 - share`` of its yearly tokens."""
    ratio = _ratios(unmet, ratios)
    demand = unmet["demand_tokens_per_s"].to_numpy(dtype=float)
    share = np.divide(unmet["unmet_tokens_per_s"].to_numpy(dtype=float), demand, out=np.zeros_like(demand),
                      where=demand > 0)
    return np.array([float(lost_share(u, r)) for u, r in zip(share, ratio)])


def _ratios(unmet: pd.DataFrame, ratios: pd.Series | None) -> np.ndarray:
    if ratios is None:
        return np.ones(len(unmet))
    return unmet["service_class"].map(ratios).astype(float).fillna(1.0).to_numpy(dtype=float)


def tokens_lost_share(unmet: pd.DataFrame, ratios: pd.Series | None) -> float:
    """Share of the year's generated tokens that the plan's unserved peaks lose, over every region and class:
    ``unmet`` has columns service_class, demand_tokens_per_s (peak), unmet_tokens_per_s [-]."""
    if unmet.empty:
        return 0.0
    yearly = unmet["demand_tokens_per_s"].to_numpy(dtype=float) / _ratios(unmet, ratios)  # in proportion to the mean
    lost = row_lost_shares(unmet, ratios)
    return float((yearly * lost).sum() / yearly.sum()) if yearly.sum() > 0 else 0.0
