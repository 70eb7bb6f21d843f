"""The report's charts as inline PNG (base64 data URIs): matplotlib's object API only (no pyplot, no global
backend switch), so they render headless and in notebooks alike.

Each function takes tidy tables in canonical units and converts to display units on its axes only.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

DPI = 110
MONEY_COLOUR = "#2c6e9b"
PENALTY_COLOUR = "#c0392b"
CLASS_COLOURS = {"interactive": "#1f77b4", "agentic": "#ff7f0e", "batch": "#2ca02c", "training": "#7f3c8d"}
CHIP_PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
                "#ccb974", "#64b5cd", "#1b9e77", "#d95f02")


def figure(width_in: float, height_in: float):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ImportError("the report needs matplotlib and jinja2: pip install 'planner[report]'") from error
    return Figure(figsize=(width_in, height_in), layout="constrained", dpi=DPI)


def to_data_uri(fig) -> str:
    """PNG of ``fig`` as a ``data:`` URI, so the HTML carries its images inline."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})  # no URL inside the image either
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chip_colours(chips) -> dict[str, str]:
    """A stable colour per chip name (sorted order), shared by the map and the charts."""
    return {chip: CHIP_PALETTE[i % len(CHIP_PALETTE)] for i, chip in enumerate(sorted(map(str, chips)))}


def cost_breakdown(costs: pd.DataFrame, penalties: set[str]):
    """Horizontal bars of yearly cost per component [M USD/year]; penalties (not cash) in red."""
    table = costs.assign(musd=costs["usd_per_year"] / 1e6).sort_values("musd")
    table = table[table["musd"].abs() > 0]
    fig = figure(6.4, 0.35 * max(len(table), 3) + 1.0)
    ax = fig.add_subplot()
    colours = [PENALTY_COLOUR if c in penalties else MONEY_COLOUR for c in table["component"]]
    ax.barh(table["component"], table["musd"], color=colours)
    for y, value in enumerate(table["musd"]):
        ax.annotate(f"{value:,.0f}", (value, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel("M USD per year")
    ax.set_title("Yearly cost by component (blue: money, red: penalties, not cash)", fontsize=10)
    ax.margins(x=0.15)
    return fig


def capacity_by_chip_and_class(allocation: pd.DataFrame, colours: dict[str, str]):
    """Stacked bars: chips assigned to each service class (and training), by chip type."""
    pivot = allocation.pivot_table(index="service_class", columns="chip", values="chips_serving", aggfunc="sum",
                                   fill_value=0.0)
    order = [c for c in CLASS_COLOURS if c in pivot.index] + [c for c in pivot.index if c not in CLASS_COLOURS]
    pivot = pivot.reindex(order)
    fig = figure(6.4, 3.4)
    ax = fig.add_subplot()
    bottom = np.zeros(len(pivot))
    for chip in pivot.columns:
        values = pivot[chip].to_numpy(float) / 1e3
        ax.bar(pivot.index, values, bottom=bottom, label=chip, color=colours.get(chip))
        bottom += values
    ax.set_ylabel("thousand chips")
    ax.set_title("Chips by service class and type", fontsize=10)
    ax.legend(fontsize=8, ncols=min(len(pivot.columns), 4))
    return fig


def training_vs_inference(allocation: pd.DataFrame, fleet: pd.DataFrame):
    """IT load split between inference classes and training [MW], from chips x per-chip power."""
    mw_per_chip = (fleet["it_mw"] / fleet["chips"]).groupby(fleet["chip"]).mean()
    table = allocation.assign(mw=allocation["chips_serving"] * allocation["chip"].map(mw_per_chip))
    by_use = table.groupby("service_class")["mw"].sum()
    inference = by_use.drop("training", errors="ignore")
    inference = inference.reindex([c for c in CLASS_COLOURS if c in inference.index]
                                  + [c for c in inference.index if c not in CLASS_COLOURS])
    fig = figure(6.4, 2.4)
    ax = fig.add_subplot()
    left = 0.0
    for label, value in [*inference.items(), ("training", by_use.get("training", 0.0))]:
        if value <= 0:
            continue
        ax.barh(["IT load"], [value], left=left, color=CLASS_COLOURS.get(label, "#999999"), label=f"{label} {value:,.0f} MW")
        left += value
    ax.set_xlabel("MW of IT load")
    ax.set_title("Training versus inference (by service class)", fontsize=10)
    ax.set_yticks([])
    fig.legend(fontsize=8, loc="outside lower center", ncols=4)
    return fig


def policy_exposure(chip_mix: pd.DataFrame, tpp_cap: float | None):
    """Left: share of chips (and of TPP) by export-control status. Right: TPP licensed under the national
    cap against the cap. ``chip_mix``: chips, tpp (per chip), status per chip type."""
    fig = figure(7.2, 2.8)
    left, right = fig.subplots(1, 2, width_ratios=[1.4, 1])
    by_status = chip_mix.assign(total_tpp=chip_mix["chips"] * chip_mix["tpp"]).groupby("status")[["chips", "total_tpp"]].sum()
    shares = by_status / by_status.sum()
    bottom = np.zeros(2)
    palette = {"not controlled": "#55a868", "controlled, no licence needed": "#4c72b0",
               "licensed, under the cap": "#dd8452", "licensed at a premium": "#c44e52"}
    for status, row in shares.iterrows():
        values = row.to_numpy(float) * 100
        left.bar(["chips", "TPP"], values, bottom=bottom, label=str(status), color=palette.get(str(status)))
        bottom += values
    left.set_ylabel("% of fleet")
    left.set_title("Fleet by export-control status", fontsize=10)
    left.legend(fontsize=7)
    used = float((chip_mix["chips"] * chip_mix["tpp"])[chip_mix["status"] == "licensed_cap"].sum())
    if tpp_cap:
        right.bar(["cap", "used"], [tpp_cap / 1e6, used / 1e6], color=["#cccccc", "#dd8452"])
        right.set_title(f"National TPP cap: {used / tpp_cap:.0%} used", fontsize=10)
    else:
        by_kind = (chip_mix["chips"] * chip_mix["tpp"]).groupby(chip_mix["status"] != "not controlled").sum()
        right.bar(["controlled", "not controlled"], [by_kind.get(True, 0.0) / 1e6, by_kind.get(False, 0.0) / 1e6],
                  color=["#dd8452", "#55a868"])
        right.set_title("Fleet TPP (no national cap)", fontsize=10)
    right.set_ylabel("million TPP")
    return fig


def latency_distribution(serving: pd.DataFrame, budgets_ms: dict[str, float]):
    """Per class: share of served tokens/s by round-trip time (cumulative), with each class's budget."""
    fig = figure(6.4, 3.2)
    ax = fig.add_subplot()
    for service_class, group in serving.groupby("service_class"):
        group = group.sort_values("rtt_ms")
        weights = group["tokens_per_s"].to_numpy(float)
        if weights.sum() <= 0:
            continue
        cumulative = np.cumsum(weights) / weights.sum() * 100
        colour = CLASS_COLOURS.get(str(service_class), "#555555")
        ax.step(np.r_[0, group["rtt_ms"].to_numpy(float)], np.r_[0, cumulative], where="post", color=colour,
                label=str(service_class))
        budget = budgets_ms.get(str(service_class))
        if budget is not None and budget <= 2 * max(float(group["rtt_ms"].max()), 1.0):
            ax.axvline(budget, color=colour, linestyle=":", linewidth=1)
    ax.set_xlabel("round-trip time region -> site [ms] (dotted: class budget)")
    ax.set_ylabel("% of served tokens/s")
    ax.set_ylim(0, 102)
    ax.set_title("Latency served per class (cumulative distribution)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def yearly_series(values: dict, ylabel: str, title: str):
    """Bars per year (e.g. cost by year of a multi-year plan)."""
    years = sorted(values, key=lambda y: str(y))
    fig = figure(6.4, 2.8)
    ax = fig.add_subplot()
    ax.bar([str(y) for y in years], [float(values[y]) / 1e6 for y in years], color=MONEY_COLOUR)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    return fig
