"""The CLI summary's economics block, read from plan.json's economics entries (display units here)."""

from __future__ import annotations

import math

REGIONS_SHOWN = 6  # regions listed in the summary (cheapest and dearest); plan.json has them all


def _usd(value) -> str:
    return f"{value:,.3f}" if isinstance(value, (int, float)) and math.isfinite(value) else "n/a"


def _named(values: dict, limit: int | None = None) -> str:
    items = [(k, v) for k, v in values.items() if isinstance(v, (int, float))]
    if limit is not None and len(items) > limit:
        items = sorted(items, key=lambda kv: kv[1])
        items = items[:limit // 2] + [("...", None)] + items[-(limit - limit // 2):]
    return ", ".join(k if v is None else f"{k} {_usd(v)}" for k, v in items)


def _cost_lines(meta: dict) -> list[str]:
    cost = meta.get("cost_per_million_tokens_usd") or {}
    tokens = meta.get("output_tokens_served_per_year")
    lines = ["", "Cost per token (money only, no penalties; USD per million generated tokens):"]
    served = f" on {tokens:,.4g} tokens/year" if isinstance(tokens, (int, float)) else ""
    lines.append(f"  national: {_usd(cost.get('national'))}{served}; inference "
                 f"{meta.get('inference_cost_usd_per_year', math.nan) / 1e9:,.3f} bn USD/year, training "
                 f"{meta.get('training_cost_usd_per_year', math.nan) / 1e9:,.3f} bn USD/year")
    split = (meta.get("cost_per_million_tokens_split_usd") or {}).get("national")
    if split:
        lines.append(f"  split by prefill / decode time: input {_usd(split.get('input'))}, "
                     f"output {_usd(split.get('output'))}")
    for key, label, limit in (("by_class", "by class", None), ("by_year", "by year", None),
                              ("by_region", "by region", REGIONS_SHOWN)):
        if cost.get(key):
            lines.append(f"  {label}: {_named(cost[key], limit)}")
    return lines


def _energy_lines(meta: dict) -> list[str]:
    national = (meta.get("energy_and_carbon") or {}).get("national")
    if not national:
        return []
    per_token = national.get("co2_t_per_million_tokens")
    per_token_text = f"{per_token * 1e3:,.3g} kg CO2 per million tokens" if per_token is not None else "n/a"
    joule = national.get("tokens_per_joule")
    return [f"  energy (inference): {joule:,.3g} tokens/J at the meter; {national['average_mw']:,.1f} MW average, "
            f"{national['energy_gwh_per_year']:,.1f} GWh/year; {national['co2_t_per_year']:,.4g} t CO2/year, "
            f"{per_token_text}" if joule is not None else "  energy (inference): no tokens served"]


def _balance_lines(meta: dict) -> list[str]:
    balance = meta.get("compute_balance") or {}
    parts = []
    for role in ("inference", "training"):
        part = balance.get(role)
        if not part:
            continue
        flops = part.get("bf16_peak_flops")
        share = part.get("share_of_bf16_peak_flops")
        flops_text = f"{flops / 1e18:,.1f} EFLOP/s BF16 peak" + (f" ({share:.0%})" if share is not None else "") \
            if flops is not None else f"{part['chips']:,.0f} chips"
        mw_share = part.get("share_of_average_facility_mw")
        parts.append(f"{role} {flops_text} on {part['average_facility_mw']:,.1f} MW"
                     + (f" ({mw_share:.0%})" if mw_share is not None else ""))
    return ["  compute balance: " + "; ".join(parts)] if parts else []


def economics_lines(plan) -> list[str]:
    """The summary block, or nothing for a plan without economics (older plan folders, no solution)."""
    meta = plan.metadata
    if not isinstance(meta.get("cost_per_million_tokens_usd"), dict):
        return []
    return _cost_lines(meta) + _energy_lines(meta) + _balance_lines(meta)
