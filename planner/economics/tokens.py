"""Levelised cost of a token: allocated money per serving flow, divided by the tokens it carries in a year.

A (region, class) row of demand ``D`` tokens/s at its class's peak asks for ``D x seconds per year /
peak-to-mean`` generated (output) tokens a year. With ``U`` of that peak unserved the plan loses the share of
them that lies above the capacity left on the class's load-duration curve (``planner.demand.load_duration``,
the curve that prices unmet demand and ``tokens_lost_share``) and serves the rest: every token of the daily
profile below ``D - U``. Those served tokens are shared over the row's serving flows (sites) in proportion to
what each serves at the peak; the prompt tokens read for them are the demand's input ratio times that. The
cost of the capacity serving a class at a site is shared over that site's flows of the class by tokens;
capacity that serves no flow (spare, redundancy) is paid by the class's other flows, so every allocated
dollar lands on some token.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.demand.load_duration import row_lost_shares
from planner.economics.rates import TRAINING_ROLE, EconomicsRates

TOKENS_PER_MILLION = 1e6


def served_tokens_per_year(serving: pd.DataFrame, unmet: pd.DataFrame | None, rates: EconomicsRates) -> pd.Series:
    """Generated tokens a year of each serving flow: its (region, class)'s demand tokens less the tokens its
    unserved peak loses on the class's load-duration curve, shared over the row's flows by their peak tokens/s.
    A flow whose (region, class) the unmet table lacks (or a plan without one) counts its peak rate x seconds
    per year / peak-to-mean, which is also what a row with all its demand met gets."""
    rate = serving["service_class"].map(rates.tokens_per_year_per_peak_rate).astype(float)
    peak_count = serving["tokens_per_s"].astype(float) * rate
    if unmet is None or unmet.empty or serving.empty:
        return peak_count
    keys = ["region", "service_class"] + (["year"] if "year" in serving and "year" in unmet else [])
    demand_tokens = (unmet["demand_tokens_per_s"].astype(float)
                     * unmet["service_class"].map(rates.tokens_per_year_per_peak_rate).astype(float))
    served = pd.Series((demand_tokens * (1.0 - row_lost_shares(unmet, rates.peak_to_mean_ratio))).to_numpy(),
                       index=pd.MultiIndex.from_frame(unmet[keys])).groupby(level=keys).sum()
    flows = serving["tokens_per_s"].astype(float)
    row_flows = flows.groupby([serving[k] for k in keys]).transform("sum")
    row_served = pd.Series(served.reindex(pd.MultiIndex.from_frame(serving[keys])).to_numpy(), index=serving.index)
    tokens = row_served * flows / row_flows.where(row_flows > 0)
    return tokens.where(tokens.notna(), peak_count)


def with_tokens_per_year(serving: pd.DataFrame, rates: EconomicsRates,
                         unmet: pd.DataFrame | None = None) -> pd.DataFrame:
    """The serving table with ``tokens_per_year`` (generated, ``served_tokens_per_year``) and
    ``input_tokens_per_year`` columns."""
    out = serving.copy()
    out["tokens_per_year"] = served_tokens_per_year(out, unmet, rates)
    if rates.input_per_generated is not None:
        ratio = out["service_class"].map(rates.input_per_generated).astype(float).fillna(0.0)
        out["input_tokens_per_year"] = out["tokens_per_year"] * ratio
    return out


def _spread(amount: pd.Series, serving: pd.DataFrame) -> pd.Series:
    """Share ``amount`` (index (site, service_class)) over the serving rows by tokens; what a (site, class)
    with no flow holds goes to the class's flows, and what a class with no flow holds to all flows."""
    tokens = serving["tokens_per_year"]
    pair = pd.MultiIndex.from_frame(serving[["site", "service_class"]])
    pair_tokens = tokens.groupby([serving["site"], serving["service_class"]]).sum()
    placed = amount.reindex(pair_tokens.index, fill_value=0.0)
    share = tokens.to_numpy() / pair_tokens.reindex(pair).to_numpy()
    result = pd.Series(placed.reindex(pair).to_numpy() * share, index=serving.index).fillna(0.0)
    orphan = amount.drop(pair_tokens.index[pair_tokens > 0], errors="ignore").groupby(level="service_class").sum()
    class_tokens = tokens.groupby(serving["service_class"]).transform("sum")
    served_classes = set(serving.loc[tokens > 0, "service_class"])
    for service_class, value in orphan.items():
        if service_class in served_classes:
            mask = serving["service_class"] == service_class
            result[mask] += value * tokens[mask] / class_tokens[mask]
        elif tokens.sum() > 0:
            result += value * tokens / tokens.sum()
    return result


def serving_costs(rows: pd.DataFrame, serving: pd.DataFrame, rates: EconomicsRates,
                  unmet: pd.DataFrame | None = None) -> pd.DataFrame:
    """The serving table (with tokens per year, given the plan's ``unmet`` table) and the money each flow
    carries: ``usd_per_year`` and, where the kernel's prefill share is known, ``input_usd_per_year`` (the
    prefill part of it)."""
    serving = with_tokens_per_year(serving, rates, unmet).reset_index(drop=True)
    inference = rows[rows["role"] != TRAINING_ROLE]
    keys = [inference["site"], inference["role"].rename("service_class")]
    cost = inference["usd_per_year"].groupby(keys).sum()
    serving["usd_per_year"] = _spread(cost, serving) if len(serving) else []
    if rates.prefill_time_share is not None and "input_tokens_per_year" in serving:
        share = rates.prefill_time_share.reindex(pd.MultiIndex.from_frame(inference[["chip", "role"]])).fillna(0.0)
        prefill = (inference["usd_per_year"] * share.to_numpy()).groupby(keys).sum()
        serving["input_usd_per_year"] = _spread(prefill, serving) if len(serving) else []
    return serving


def usd_per_million(usd: float, tokens: float) -> float | None:
    return float(usd / tokens * TOKENS_PER_MILLION) if tokens > 0 and math.isfinite(usd) else None


def _grouped(serving: pd.DataFrame, by: str, known: list[str] = ()) -> dict[str, float | None]:
    """Per group; a ``known`` group with no tokens served (all its demand unmet) is None."""
    sums = serving.groupby(by)[["usd_per_year", "tokens_per_year"]].sum()
    out = {str(k): usd_per_million(row.usd_per_year, row.tokens_per_year) for k, row in sums.iterrows()}
    return out | {str(k): None for k in known if str(k) not in out}


def cost_per_million_tokens(serving: pd.DataFrame, classes: list[str] = (), regions: list[str] = ()) -> dict:
    """{"national", "by_class", "by_region"[, "by_year"]}: all-in USD per million generated (output) tokens;
    ``classes`` and ``regions`` with demand but no tokens served are listed as None."""
    out = {"national": usd_per_million(float(serving["usd_per_year"].sum()), float(serving["tokens_per_year"].sum())),
           "by_class": _grouped(serving, "service_class", classes), "by_region": _grouped(serving, "region", regions)}
    if "year" in serving:
        out["by_year"] = _grouped(serving, "year")
    return out


def _split(part: pd.DataFrame) -> dict[str, float | None]:
    input_usd = float(part["input_usd_per_year"].sum())
    return {"input": usd_per_million(input_usd, float(part["input_tokens_per_year"].sum())),
            "output": usd_per_million(float(part["usd_per_year"].sum()) - input_usd,
                                      float(part["tokens_per_year"].sum()))}


def input_output_split(serving: pd.DataFrame, classes: list[str] = ()) -> dict | None:
    """USD per million input and per million output tokens, the cost split by the kernel's prefill share of
    chip time (how an API prices them); None without the kernel's share."""
    if "input_usd_per_year" not in serving:
        return None
    by_class = {str(q): _split(part) for q, part in serving.groupby("service_class")}
    return {"national": _split(serving),
            "by_class": by_class | {str(q): {"input": None, "output": None} for q in classes if str(q) not in by_class}}
