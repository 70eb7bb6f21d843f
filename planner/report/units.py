"""Display units for the report: canonical values in (USD, MW, tokens/s, FLOP/s) -> short human strings.

Conversions happen here and nowhere else in the report; every function accepts NaN/None and returns "n/a".
"""

from __future__ import annotations

import math

NOT_AVAILABLE = "n/a"


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def money(usd, per_year: bool = False) -> str:
    """1.23e9 -> '1.23 bn USD'; 4.5e6 -> '4.5 M USD'; small values in k USD."""
    if not _finite(usd):
        return NOT_AVAILABLE
    usd = float(usd)
    suffix = "/year" if per_year else ""
    if abs(usd) >= 1e9:
        return f"{usd / 1e9:,.2f} bn USD{suffix}"
    if abs(usd) >= 1e6:
        return f"{usd / 1e6:,.1f} M USD{suffix}"
    if abs(usd) >= 1e3:
        return f"{usd / 1e3:,.0f} k USD{suffix}"
    return f"{usd:,.0f} USD{suffix}"


def power_mw(mw) -> str:
    if not _finite(mw):
        return NOT_AVAILABLE
    mw = float(mw)
    return f"{mw / 1e3:,.2f} GW" if abs(mw) >= 1e4 else f"{mw:,.1f} MW"


def tokens_per_s(value) -> str:
    if not _finite(value):
        return NOT_AVAILABLE
    value = float(value)
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn tokens/s"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M tokens/s"
    if abs(value) >= 1e3:
        return f"{value / 1e3:,.1f} k tokens/s"
    return f"{value:,.1f} tokens/s"


def flops(value) -> str:
    """FLOP/s -> EFLOP/s or PFLOP/s."""
    if not _finite(value):
        return NOT_AVAILABLE
    value = float(value)
    return f"{value / 1e18:,.2f} EFLOP/s" if abs(value) >= 1e17 else f"{value / 1e15:,.1f} PFLOP/s"


def share(value, digits: int = 1) -> str:
    return f"{float(value):.{digits}%}" if _finite(value) else NOT_AVAILABLE


def count(value) -> str:
    return f"{float(value):,.0f}" if _finite(value) else NOT_AVAILABLE


def number(value, digits: int = 2) -> str:
    return f"{float(value):,.{digits}f}" if _finite(value) else NOT_AVAILABLE


def tpp(value) -> str:
    """Total processing performance (TOPS x bit length, the export-control metric) in millions."""
    if not _finite(value):
        return NOT_AVAILABLE
    return f"{float(value) / 1e6:,.1f} M TPP"


def usd_per_mtok(value) -> str:
    return f"{float(value):,.3f} USD per million tokens" if _finite(value) else NOT_AVAILABLE


def ms(value) -> str:
    return f"{float(value):,.1f} ms" if _finite(value) else NOT_AVAILABLE
