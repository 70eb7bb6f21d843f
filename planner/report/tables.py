"""The report's tables: plan tables in canonical units -> rows of display strings (the template escapes them).

A ``Table`` is a caption, column headers, rows of strings and an optional note; numeric columns are
right-aligned by the template.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from planner.report import units

PENALTY_COMPONENTS = frozenset({"unmet", "latency", "training"})
"""Cost terms that price quality or shortfall rather than money paid (unserved tokens, round-trip time, unmet
training compute)."""
COMPONENT_LABELS = {
    "siting": "site fixed costs (land, security, operations)", "fleet": "accelerators and servers (annuity + maintenance)",
    "building": "buildings, power and cooling plant", "cooling": "cooling technology premium", "grid": "grid connections",
    "energy": "electricity", "transfer_loss": "inter-regional transfer losses", "unmet": "unserved inference demand",
    "latency": "latency quality (round-trip time)", "training": "unmet training compute",
}


@dataclass(frozen=True)
class Table:
    caption: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    note: str = ""
    numeric: Sequence[bool] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _table(caption: str, columns: Sequence[str], rows: Iterable[Sequence[str]], note: str = "",
           numeric: Sequence[bool] | None = None) -> Table:
    rows = [list(map(str, r)) for r in rows]
    if numeric is None:
        numeric = [False] + [True] * (len(columns) - 1)
    return Table(caption, list(columns), rows, note, list(numeric))


def open_sites(sites: pd.DataFrame) -> pd.DataFrame:
    if sites.empty:
        return sites
    return sites[sites["is_open"].astype(bool)].sort_values("it_mw", ascending=False)


def sites_table(sites: pd.DataFrame) -> Table:
    rows = []
    for name, s in open_sites(sites).iterrows():
        limit_use = s["grid_mw"] / s["max_grid_mw"] if s.get("max_grid_mw", 0) else float("nan")
        rows.append([name, units.count(s["chips"]), units.power_mw(s["it_mw"]), units.power_mw(s["grid_mw"]),
                     units.power_mw(s["max_grid_mw"]), units.share(limit_use, 0), units.tokens_per_s(s["served_tokens_per_s"])])
    return _table("Sites opened", ["site", "chips", "IT load", "grid connection", "connection limit", "limit used",
                                   "served (peak)"], rows)


def candidate_sites_table(sites: pd.DataFrame) -> Table:
    closed = sites[~sites["is_open"].astype(bool)] if len(sites) else sites
    rows = [[name, units.power_mw(s["max_grid_mw"]), f"{s['lat']:.3f}, {s['lon']:.3f}"] for name, s in closed.iterrows()]
    return _table("Candidate sites not opened", ["site", "connection limit", "lat, lon"], rows,
                  numeric=[False, True, True])


def fleet_table(fleet: pd.DataFrame, chip_policy: dict) -> Table:
    if fleet.empty:
        return _table("Fleet by chip type", [], [])
    by_chip = fleet.groupby("chip").agg(chips=("chips", "sum"), it_mw=("it_mw", "sum"), sites=("site", "nunique"))
    by_chip = by_chip.sort_values("chips", ascending=False)
    total = float(by_chip["chips"].sum())
    rows = []
    for chip, r in by_chip.iterrows():
        policy = chip_policy.get(str(chip), {})
        status = _status_label(policy)
        rows.append([chip, units.count(r["chips"]), units.share(r["chips"] / total), units.power_mw(r["it_mw"]),
                     units.count(r["sites"]), units.tpp(policy.get("tpp", float("nan")) * r["chips"]), status])
    return _table("Fleet by chip type", ["chip", "chips", "share", "IT load", "sites", "TPP (total)",
                                         "export control"], rows, numeric=[False, True, True, True, True, True, False])


def _status_label(policy: dict) -> str:
    if not policy:
        return "n/a"
    if policy.get("is_uncontrolled"):
        return "not controlled"
    status = policy.get("status", "")
    return {"allowed": "controlled, no licence needed", "licensed_cap": "licensed, counts against the cap",
            "licensed_premium": "licensed at a price premium"}.get(status, status)


def fleet_by_site_table(fleet: pd.DataFrame, sites: pd.DataFrame) -> Table:
    if fleet.empty:
        return _table("Chips per site", [], [])
    pivot = fleet.pivot_table(index="site", columns="chip", values="chips", aggfunc="sum", fill_value=0)
    pivot = pivot.reindex([s for s in open_sites(sites).index if s in pivot.index])
    columns = list(pivot.columns)
    rows = [[site, *[units.count(v) if v else "-" for v in row]] for site, row in pivot.iterrows()]
    return _table("Chips per site and type", ["site", *columns], rows)


def power_cooling_table(sites: pd.DataFrame) -> Table:
    rows = []
    for name, s in open_sites(sites).iterrows():
        rows.append([name, str(s.get("cooling", "")) or "-", units.number(s.get("pue"), 2), units.power_mw(s["it_mw"]),
                     units.power_mw(s["grid_mw"]), units.number(s.get("energy_mwh_per_year", float("nan")) / 1e3, 1),
                     units.count(s.get("emissions_t_per_year", float("nan"))),
                     units.count(s.get("water_m3_per_year", float("nan")))])
    return _table("Power and cooling per site", ["site", "cooling", "PUE", "IT load", "grid draw",
                                                 "energy [GWh/year]", "CO2 [t/year]", "water [m3/year]"], rows,
                  numeric=[False, False, True, True, True, True, True, True])


def cost_tables(costs: pd.DataFrame, money_usd: float, penalty_usd: float) -> tuple[Table, Table]:
    """Money (what is paid) and penalties (what the objective charges for shortfalls and quality) apart."""
    table = costs.set_index("component")["usd_per_year"].astype(float)
    money = table[[c not in PENALTY_COMPONENTS for c in table.index]]
    penalties = table[[c in PENALTY_COMPONENTS for c in table.index]]

    def rows(part, total):
        out = [[COMPONENT_LABELS.get(c, c), units.money(v), units.share(v / total if total else float("nan"))]
               for c, v in part.sort_values(ascending=False).items()]
        return out + [["total", units.money(total), ""]]

    return (_table("Money: yearly cost of the plan", ["component", "per year", "share"], rows(money, money_usd),
                   note="Capital costs are annualised over their lifetimes at the scenario's discount rate."),
            _table("Penalties: shortfall and quality charges (not cash)", ["component", "per year", "share"],
                   rows(penalties, penalty_usd),
                   note="The optimiser weighs these against money; they are not paid by anyone."))


def grid_tables(zones: pd.DataFrame, lines: pd.DataFrame, places: dict[str, str] | None = None,
                top: int = 10) -> tuple[Table, Table]:
    zone_rows = [[z["zone"], units.power_mw(z["load_mw"]), units.power_mw(z["headroom_mw"]),
                  units.share(z["load_mw"] / z["headroom_mw"] if z["headroom_mw"] else float("nan"), 0)]
                 for _, z in zones.iterrows()]
    places = places or {}
    line_rows = [[str(l["line"]), places.get(str(l["line"]), ""), units.power_mw(abs(l["flow_mw"])), units.power_mw(l["limit_mw"]),
                  units.share(l["loading_share"], 0), "estimated" if bool(l.get("rating_is_estimate", False)) else "published"]
                 for _, l in lines.head(top).iterrows()]
    return (_table("Grid zones: new load against headroom", ["zone", "new load", "headroom", "used"], zone_rows),
            _table(f"Most loaded grid lines (top {top})", ["line", "where", "new flow", "headroom", "used", "rating"],
                   line_rows, numeric=[False, False, True, True, True, False],
                   note="Headroom: the rating left for new load after the scenario's base loading."))


def service_table(unmet: pd.DataFrame, serving: pd.DataFrame, budgets_ms: dict[str, float]) -> Table:
    if unmet.empty:
        return _table("Demand and service by class", [], [])
    by_class = unmet.groupby("service_class")[["demand_tokens_per_s", "unmet_tokens_per_s"]].sum()
    rows = []
    for q, r in by_class.iterrows():
        served = serving[serving["service_class"] == q]
        rows.append([q, units.tokens_per_s(r["demand_tokens_per_s"]),
                     units.tokens_per_s(r["demand_tokens_per_s"] - r["unmet_tokens_per_s"]),
                     units.share(r["unmet_tokens_per_s"] / r["demand_tokens_per_s"] if r["demand_tokens_per_s"] else float("nan"), 2),
                     units.ms(weighted_quantile(served["rtt_ms"], served["tokens_per_s"], 0.5)),
                     units.ms(weighted_quantile(served["rtt_ms"], served["tokens_per_s"], 0.95)),
                     units.ms(budgets_ms.get(str(q)))])
    return _table("Demand and service by class (peak hour)", ["class", "demand", "served", "unmet", "median RTT",
                                                              "95th pct RTT", "RTT budget"], rows)


def weighted_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    """Quantile of ``values`` weighted by ``weights`` (the RTT a served token sees)."""
    if len(values) == 0 or float(weights.sum()) <= 0:
        return float("nan")
    order = values.to_numpy(float).argsort()
    v, w = values.to_numpy(float)[order], weights.to_numpy(float)[order]
    cumulative = w.cumsum() / w.sum()
    return float(v[min((cumulative >= q).argmax(), len(v) - 1)])


def unmet_table(unmet: pd.DataFrame, reasons: list | None, top: int = 15) -> Table:
    """Unmet demand by region and class, with the reason where the plan states it (``unmet_reasons``)."""
    short = unmet[unmet["unmet_tokens_per_s"] > 1e-6].sort_values("unmet_tokens_per_s", ascending=False)
    why = {}
    for item in reasons or []:
        if isinstance(item, dict) and "region" in item and "service_class" in item:
            why[(str(item["region"]), str(item["service_class"]))] = str(item.get("reason", ""))
    rows = [[r["region"], r["service_class"], units.tokens_per_s(r["unmet_tokens_per_s"]),
             units.share(r["unmet_tokens_per_s"] / r["demand_tokens_per_s"] if r["demand_tokens_per_s"] else float("nan"), 1),
             why.get((str(r["region"]), str(r["service_class"])), "not stated by this plan")]
            for _, r in short.head(top).iterrows()]
    note = f"{len(short) - top} smaller shortfalls not shown." if len(short) > top else ""
    return _table("Unmet demand and why", ["region", "class", "unmet", "of demand", "reason"], rows, note,
                  numeric=[False, False, True, True, False])


def records_table(caption: str, records, note: str = "") -> Table:
    """A list of dicts (a plan.json section of unknown shape) as a table: union of keys, values as text."""
    if isinstance(records, dict):
        records = [{"name": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in records.items()]
    records = [r for r in (records or []) if isinstance(r, dict)]
    columns: list[str] = []
    for record in records:
        columns += [k for k in record if k not in columns]
    rows = [[_cell(r.get(c)) for c in columns] for r in records]
    numeric = [all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) for r in records) for c in columns]
    return _table(caption, columns, rows, note, numeric)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(_cell, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(value)
