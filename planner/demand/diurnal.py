"""Daily load shape by local time, and the national coincident peak across time zones.

Each class's load over the local day follows a von Mises bump, f(h) ~ exp(k cos(2 pi (h - h_peak) / 24)),
normalised to a daily mean of 1; k is chosen so the busy hour is ``peak_to_mean_ratio`` times the mean
(e^k / I0(k) = ratio; k = 0 is flat). The MIP is single-period and sizes every region for its own local busy
hour (``tokens_per_s_peak`` = mean x ratio), so a site serving regions in different time zones holds the sum
of their peaks. The coincident national peak (the peak of the hourly sum across regions and classes) is
reported beside it: the ratio of the two is the diversity that time zones would allow a shared fleet.
"""

from __future__ import annotations

import numpy as np

SAMPLES_PER_DAY = 96  # 15-minute steps
MAX_CONCENTRATION = 200.0


def concentration(peak_to_mean_ratio: float) -> float:
    """The k of the von Mises bump whose maximum over its mean is ``peak_to_mean_ratio``."""
    if peak_to_mean_ratio <= 1.0:
        return 0.0
    target = np.log(peak_to_mean_ratio)
    lo, hi = 0.0, MAX_CONCENTRATION
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if mid - np.log(np.i0(mid)) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def daily_shape(local_hours: np.ndarray, peak_to_mean_ratio: float, peak_local_hour: float) -> np.ndarray:
    """Load over the daily mean at the given local hours [-]."""
    k = concentration(peak_to_mean_ratio)
    phase = 2.0 * np.pi * (np.asarray(local_hours) - peak_local_hour) / 24.0
    return np.exp(k * (np.cos(phase) - 1.0)) / (np.i0(k) * np.exp(-k))


def utc_profile(mean_tokens_per_s: np.ndarray, utc_offset_h: np.ndarray, peak_to_mean_ratio: float,
                peak_local_hour: float) -> np.ndarray:
    """National load of one class at each UTC sample of the day [tokens/s]: sum over regions of mean x shape."""
    utc_hours = np.arange(SAMPLES_PER_DAY) * 24.0 / SAMPLES_PER_DAY
    local = utc_hours[None, :] + np.asarray(utc_offset_h, float)[:, None]
    shape = daily_shape(local, peak_to_mean_ratio, peak_local_hour)
    return (np.asarray(mean_tokens_per_s, float)[:, None] * shape).sum(axis=0)
