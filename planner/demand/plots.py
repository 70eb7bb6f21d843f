"""Demand map (regions as points sized by peak demand on the country outline) and demand over the years by
service class. Matplotlib's object API only (no pyplot, no global backend switch), so they work headless
and inside notebooks alike. Matplotlib is the optional ``plot`` extra.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.geo.population import country_outline

MEGA = 1e6
MAX_MARKER_AREA_PT2 = 1500.0


def _figure(width_in: float, height_in: float):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ImportError("plots need matplotlib: pip install 'planner[plot]'") from error
    return Figure(figsize=(width_in, height_in), layout="constrained")


def _draw_outline(ax, country_iso3: str) -> None:
    outline = country_outline(country_iso3)
    if outline is None:
        return
    for polygon in getattr(outline, "geoms", [outline]):
        lon, lat = polygon.exterior.xy
        ax.fill(lon, lat, facecolor="#eeeeee", edgecolor="#888888", linewidth=0.6, zorder=0)


def demand_map(table: pd.DataFrame, regions: pd.DataFrame, country_iso3: str, year: int,
               path: str | Path | None = None):
    """Regions as circles (area proportional to peak tokens/s in ``year``, all classes); returns the Figure."""
    peak = table[table["year"] == year].groupby("region")["tokens_per_s_peak"].sum().reindex(regions.index)
    fig = _figure(7, 7)
    ax = fig.add_subplot()
    _draw_outline(ax, country_iso3)
    sizes = MAX_MARKER_AREA_PT2 * peak.to_numpy(float) / max(float(peak.max()), 1e-12)
    ax.scatter(regions["lon"], regions["lat"], s=sizes, color="#c0392b", alpha=0.55, edgecolor="k", linewidth=0.5)
    for name, row in regions.head(10).iterrows():
        ax.annotate(f"{name}\n{peak[name] / MEGA:.1f} M", (row["lon"], row["lat"]), fontsize=7, ha="center",
                    va="center")
    ax.set_aspect(1.0 / np.cos(np.deg2rad(float(regions["lat"].mean()))))
    ax.set_xlabel("longitude [deg]")
    ax.set_ylabel("latitude [deg]")
    ax.set_title(f"{country_iso3} {year}: peak demand by region (circle area ~ tokens/s; M tokens/s)")
    _save(fig, path)
    return fig


def demand_chart(totals: pd.DataFrame, path: str | Path | None = None, title: str = ""):
    """Stacked national peak demand (sum of regional peaks) by service class over the years; returns the Figure."""
    from planner.demand.forecast import TOTAL

    by_class = totals["tokens_per_s_peak"].unstack("service_class")
    classes = [c for c in by_class.columns if c != TOTAL]
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    years = by_class.index.to_numpy()
    ax.stackplot(years, *[by_class[c].to_numpy() / MEGA for c in classes], labels=classes, alpha=0.8)
    if TOTAL in by_class:
        coincident = totals.xs(TOTAL, level="service_class")["tokens_per_s_peak_coincident"] / MEGA
        ax.plot(years, coincident.to_numpy(), "k--", label="coincident national peak")
    ax.set_xlabel("year")
    ax.set_ylabel("peak demand [M tokens/s]")
    ax.set_xticks(years)
    ax.legend(loc="upper left")
    ax.set_title(title or "Peak inference demand by service class")
    _save(fig, path)
    return fig


def _save(fig, path: str | Path | None) -> None:
    if path is not None:
        fig.savefig(Path(path), dpi=150)
