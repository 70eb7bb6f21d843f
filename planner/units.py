"""Canonical units and the conversions used at the edges (loaders, reports, CLI output).

Inside the planner: MW (kW for per-device power), MWh, USD, km, ms, FLOP/s, bytes/s, tokens/s, years.
"""

from __future__ import annotations

HOURS_PER_YEAR = 8760.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = HOURS_PER_YEAR * SECONDS_PER_HOUR

KW_PER_MW = 1000.0
KG_PER_T = 1000.0
W_PER_KW = 1000.0
TERA = 1e12
GIGA = 1e9
MEGA = 1e6

EARTH_RADIUS_KM = 6371.0088


def tflops_to_flops(tflops: float) -> float:
    return tflops * TERA


def tb_s_to_bytes_per_s(tb_s: float) -> float:
    return tb_s * TERA


def gb_to_bytes(gb: float) -> float:
    return gb * GIGA


def watts_to_kw(watts: float) -> float:
    return watts / W_PER_KW


def capital_recovery_factor(rate: float, lifetime_years: float) -> float:
    """Annuity factor that turns an upfront cost into an equal yearly payment over ``lifetime_years``."""
    if lifetime_years <= 0:
        raise ValueError("lifetime_years must be positive")
    if rate == 0:
        return 1.0 / lifetime_years
    growth = (1.0 + rate) ** lifetime_years
    return rate * growth / (growth - 1.0)
