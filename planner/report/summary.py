"""The executive summary in plain language: what to build, where, when, at what cost, the main risks and
binding limits, and what the plan assumes. Each sentence is built from the plan's tables and metadata; a
sentence whose data the plan lacks is left out rather than guessed."""

from __future__ import annotations

import math

import pandas as pd

from planner.report import units
from planner.report.tables import PENALTY_COMPONENTS, open_sites

SITE_LIMIT_WARNING_SHARE = 0.95
LINE_WARNING_SHARE = 0.8
ZONE_WARNING_SHARE = 0.9
CAP_WARNING_SHARE = 0.9
UNMET_WARNING_SHARE = 0.001
SINGLE_SITE_WARNING_SHARE = 0.5


def money_and_penalties(plan) -> tuple[float, float]:
    """(money, penalties) per year: plan.json's own split when it has one, else from the cost components."""
    meta = plan.metadata
    if isinstance(meta.get("cost_usd_per_year"), (int, float)) and isinstance(meta.get("penalty_usd_per_year"), (int, float)):
        return float(meta["cost_usd_per_year"]), float(meta["penalty_usd_per_year"])
    if plan.costs.empty:
        return math.nan, math.nan
    costs = plan.costs.set_index("component")["usd_per_year"].astype(float)
    penalty = float(costs[[c in PENALTY_COMPONENTS for c in costs.index]].sum())
    return float(costs.sum()) - penalty, penalty


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def what_to_build(plan, year: int | None) -> str:
    opened = open_sites(plan.sites)
    if opened.empty:
        return "The plan opens no site."
    named = [f"{name} ({units.power_mw(row['it_mw'])})" for name, row in opened.iterrows()]
    chips = plan.chips_by_type()
    total = float(chips.sum())
    mix = [f"{chip} {n / total:.0%}" for chip, n in chips.head(4).items()] if total else []
    when = f" in service in {year}" if year else ""
    return (f"Open {len(opened)} of {len(plan.sites)} candidate sites{when}: {_list(named)} of IT load. "
            f"Equip them with {units.count(total)} accelerators ({_list(mix)}), drawing "
            f"{units.power_mw(opened['it_mw'].sum())} of IT load and {units.power_mw(opened['grid_mw'].sum())} "
            f"from the grid including cooling.")


def cost_sentence(plan) -> str:
    money, penalty = money_and_penalties(plan)
    if not math.isfinite(money):
        return "The solver found no plan, so there is no cost."
    costs = plan.costs.set_index("component")["usd_per_year"].astype(float)
    paid = costs[[c not in PENALTY_COMPONENTS for c in costs.index]].sort_values(ascending=False)
    parts = [f"{c} {v / money:.0%}" for c, v in paid.head(3).items() if money > 0]
    text = f"It costs {units.money(money, per_year=True)} in money ({_list(parts)})"
    if penalty > 0:
        text += (f", plus {units.money(penalty, per_year=True)} of penalties that are not cash (latency quality "
                 f"and any unserved demand), for an objective of {units.money(money + penalty, per_year=True)}")
    return text + "."


def service_sentence(plan) -> str:
    demand, unmet = plan.demand_tokens_per_s, plan.unmet_tokens_per_s
    if not (math.isfinite(demand) and demand > 0):
        return ""
    text = f"It serves {1 - unmet / demand:.1%} of the busy-hour demand of {units.tokens_per_s(demand)}"
    training = plan.metadata.get("training")
    if isinstance(training, dict) and training.get("sustained_flops"):
        text += (f", and provides {units.flops(training.get('provided_flops'))} of training compute for "
                 f"{units.flops(training.get('sustained_flops'))} needed on average, the largest run at "
                 f"{training.get('largest_run_site') or 'no site'}")
    return text + "."


def risks(plan, budgets_ms: dict[str, float] | None = None) -> list[str]:
    """The main risks and binding limits, most important first."""
    found: list[str] = []
    verification = plan.metadata.get("verification") or {}
    if verification and not verification.get("ok", True):
        found.append(f"The independent re-check FAILED with {len(verification.get('violations', []))} violation(s): "
                     "do not act on this plan before they are resolved (appendix C).")
    status = str(plan.status)
    if status != "optimal":
        found.append(f"The solver stopped with status '{status}': the plan may not be the cheapest one.")
    elif math.isfinite(plan.gap) and plan.gap > 0.01:
        found.append(f"The plan is proven within {plan.gap:.1%} of the cheapest possible, not exactly optimal.")
    found += _unmet_risks(plan)
    found += _site_limit_risks(plan)
    found += _grid_risks(plan)
    found += _policy_risks(plan)
    found += _binding_from_plan(plan)
    opened = open_sites(plan.sites)
    served = float(opened["served_tokens_per_s"].sum()) if len(opened) else 0.0
    if served > 0 and len(opened) > 0:
        top = opened["served_tokens_per_s"].idxmax()
        top_share = float(opened.at[top, "served_tokens_per_s"]) / served
        if top_share > SINGLE_SITE_WARNING_SHARE:
            found.append(f"{top} serves {top_share:.0%} of all inference: an outage there is a national outage "
                         "for the classes it serves.")
    return found


def _unmet_risks(plan) -> list[str]:
    if plan.unmet.empty:
        return []
    by_class = plan.unmet.groupby("service_class")[["demand_tokens_per_s", "unmet_tokens_per_s"]].sum()
    out = []
    for q, row in by_class.iterrows():
        share = row["unmet_tokens_per_s"] / row["demand_tokens_per_s"] if row["demand_tokens_per_s"] else 0.0
        if share > UNMET_WARNING_SHARE:
            out.append(f"{share:.1%} of {q} demand ({units.tokens_per_s(row['unmet_tokens_per_s'])}) goes unserved "
                       "(see 'Unmet demand and why').")
    return out


def _site_limit_risks(plan) -> list[str]:
    opened = open_sites(plan.sites)
    if opened.empty or "max_grid_mw" not in opened:
        return []
    full = opened[opened["grid_mw"] >= SITE_LIMIT_WARNING_SHARE * opened["max_grid_mw"]]
    if full.empty:
        return []
    names = [f"{s} ({units.power_mw(r['grid_mw'])} of {units.power_mw(r['max_grid_mw'])})" for s, r in full.iterrows()]
    return [f"Site grid connections at their limit, which binds the plan: {_list(names)}."]


def _grid_risks(plan) -> list[str]:
    out = []
    zones = plan.grid_zones
    if len(zones):
        tight = zones[(zones["headroom_mw"] > 0) & (zones["load_mw"] >= ZONE_WARNING_SHARE * zones["headroom_mw"])]
        for _, z in tight.iterrows():
            out.append(f"Grid zone {z['zone']} uses {z['load_mw'] / z['headroom_mw']:.0%} of its headroom "
                       f"({units.power_mw(z['load_mw'])} of {units.power_mw(z['headroom_mw'])}).")
    lines = plan.grid_lines
    if len(lines):
        loaded = lines[lines["loading_share"] >= LINE_WARNING_SHARE]
        if len(loaded):
            estimated = int(loaded.get("rating_is_estimate", pd.Series(False, index=loaded.index)).astype(bool).sum())
            note = f" ({estimated} with estimated, not published, ratings)" if estimated else ""
            out.append(f"{len(loaded)} grid line(s) carry at least {LINE_WARNING_SHARE:.0%} of their headroom in new "
                       f"flow, the most loaded {lines.iloc[0]['line']} at {lines.iloc[0]['loading_share']:.0%}{note}.")
    return out


def policy_exposure(plan) -> dict:
    """Controlled share of chips and TPP, and TPP used against the national cap (None without a cap)."""
    chip_policy = plan.metadata.get("chip_policy") or {}
    chips = plan.chips_by_type()
    if chips.empty:
        return {}
    tpp = pd.Series({c: float((chip_policy.get(str(c)) or {}).get("tpp", math.nan)) for c in chips.index})
    controlled = pd.Series({c: not bool((chip_policy.get(str(c)) or {}).get("is_uncontrolled", False)) for c in chips.index})
    capped = pd.Series({c: bool((chip_policy.get(str(c)) or {}).get("counts_against_cap", False)) for c in chips.index})
    known = bool(chip_policy)
    total_tpp = float((chips * tpp).sum())
    policy = plan.metadata.get("policy") or {}
    return {"known": known, "controlled_chip_share": float(chips[controlled].sum() / chips.sum()),
            "controlled_tpp_share": float((chips * tpp)[controlled].sum() / total_tpp) if total_tpp else math.nan,
            "tpp_used_under_cap": float((chips * tpp)[capped].sum()), "tpp_cap": policy.get("tpp_cap"),
            "pack": policy.get("pack"), "date": policy.get("date"), "tier": policy.get("tier")}


def _policy_risks(plan) -> list[str]:
    exposure = policy_exposure(plan)
    if not exposure or not exposure["known"]:
        return []
    out = []
    cap = exposure["tpp_cap"]
    if cap:
        use = exposure["tpp_used_under_cap"] / cap
        if use >= CAP_WARNING_SHARE:
            out.append(f"The national TPP cap binds: the plan uses {use:.0%} of {units.tpp(cap)}.")
    if exposure["controlled_chip_share"] > 0.5:
        out.append(f"{exposure['controlled_chip_share']:.0%} of the chips are US export-controlled (rule pack "
                   f"'{exposure['pack']}' on {exposure['date']}): a tighter rule would change the fleet.")
    return out


def _binding_from_plan(plan, top: int = 5) -> list[str]:
    binding = plan.metadata.get("binding_constraints")
    if not isinstance(binding, list) or not binding:
        return []
    names = []
    for item in binding[:top]:
        if isinstance(item, dict):
            names.append(" ".join(str(item[k]) for k in ("constraint", "name") if item.get(k) is not None) or str(item))
        else:
            names.append(str(item))
    more = f" and {len(binding) - top} more" if len(binding) > top else ""
    return [f"Binding constraints reported by the solver: {_list(names)}{more}."]


def _demand_sentence(scenario) -> str:
    from planner.demand.curves import adoption_share, agents_per_adopter_at

    year, d = scenario.year, scenario.demand
    adoption = adoption_share(year, year, d)
    agents = agents_per_adopter_at(year + 0.5, year, d)
    return (f"Demand: {adoption:.0%} of people use AI services in {year}, with {agents:.2g} AI agent(s) per user "
            f"(growing {d.agents_growth_per_year:.0%} a year).")


def _budgets_sentence(scenario) -> str:
    classes = ", ".join(f"{q} {cfg.rtt_budget_ms:g} ms" for q, cfg in scenario.service_classes.items())
    return f"Round-trip budgets: {classes}."


def _money_sentence(scenario) -> str:
    c = scenario.costs
    return (f"Money: {c.discount_rate:.0%} discount rate; buildings at {units.money(c.building_capex_usd_per_mw)} "
            f"per MW; electricity at {c.energy_usd_per_mwh:g} USD/MWh; unserved tokens priced at "
            f"{c.unmet_penalty_usd_per_mtok:g} USD per million.")


def _policy_sentence(scenario, policy: dict | None) -> str:
    pack = (policy or {}).get("pack") or scenario.policy.rules or "in force"
    cap = (policy or {}).get("tpp_cap")
    cap_text = f"a national cap of {units.tpp(cap)}" if cap else "no national TPP cap"
    return f"Export rules: US rule pack '{pack}' in force on {scenario.effective_policy_date}, {cap_text}."


def assumption_sentences(scenario, policy: dict | None = None) -> list[str]:
    """The few assumptions that move the plan most, read from the validated scenario (and the rule pack the
    plan resolved, ``policy`` metadata). A sentence whose fields the scenario lacks (an older or newer schema)
    is left out; appendix A lists every value regardless."""
    if scenario is None:
        return []
    out = []
    for sentence in (_demand_sentence, _budgets_sentence, _money_sentence):
        try:
            out.append(sentence(scenario))
        except (AttributeError, TypeError, ValueError, ImportError):
            continue
    try:
        out.append(_policy_sentence(scenario, policy))
    except (AttributeError, TypeError, ValueError):
        pass
    return out
