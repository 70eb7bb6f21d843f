"""The national map: Natural Earth outlines (geopandas) under the plan's demand regions, sites, served links
and grid lines, in a local equal-area projection so circles and pies keep their shape.

Demand regions are circles with area proportional to peak demand; opened sites are pies with area
proportional to IT MW and wedges by chip type (share of the site's IT MW); served links are lines with width
by tokens/s; grid lines are coloured by the share of their headroom the plan's new flow uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.report.figures import figure
from planner.resources import data_path

LAND, COUNTRY, BORDER = "#f2f2ee", "#e3e6dc", "#9a9a9a"
MAX_SITE_RADIUS_SHARE = 0.035   # of the map's larger extent, for the largest site
MAX_REGION_RADIUS_SHARE = 0.05  # of the map's larger extent, for the largest region
MARGIN_SHARE = 0.06
IDLE_LINE_SHARE = 0.01  # lines whose new flow is under 1% of their headroom are drawn grey


@dataclass(frozen=True)
class GridSegments:
    """Grid branches to draw: one row per line with lon0, lat0, lon1, lat1, loading_share (NaN: no flow)."""

    lines: pd.DataFrame
    label: str
    is_zonal: bool = False

    def places(self, regions: pd.DataFrame | None, only=None) -> dict[str, str]:
        """A readable location per line: its two zones (zonal grids), or its voltage and the nearest demand
        region to its midpoint (nodal grids, whose bus ids mean nothing to a reader)."""
        lines = self.lines if only is None else self.lines.loc[self.lines.index.intersection([str(o) for o in only])]
        if self.is_zonal:
            return {line: f"{r.bus0} - {r.bus1}" for line, r in lines.iterrows()}
        out = {}
        mid_lat = (lines["lat0"] + lines["lat1"]) / 2
        mid_lon = (lines["lon0"] + lines["lon1"]) / 2
        for line in lines.index:
            near = ""
            if regions is not None and len(regions):
                d2 = (regions["lat"] - mid_lat[line]) ** 2 + ((regions["lon"] - mid_lon[line]) * math.cos(math.radians(mid_lat[line]))) ** 2
                near = f" near {d2.idxmin()}"
            kv = lines.at[line, "voltage_kv"]
            out[line] = (f"{kv:.0f} kV" if np.isfinite(kv) else "line") + near
        return out


def _outlines():
    """Every country's outline (``ADM0_A3``, geometry): the 1:50M file, else 1:110M, read once by geo.outlines."""
    from planner.geo.outlines import OUTLINE_FILES, outlines

    for scale in ("50m", "110m"):
        if data_path(*OUTLINE_FILES[scale]).exists():
            return outlines(scale).reset_index()
    raise FileNotFoundError("no Natural Earth outline file in data/boundaries")


def _projection(lon: float, lat: float) -> str:
    return f"+proj=laea +lat_0={lat:.4f} +lon_0={lon:.4f} +units=km +ellps=WGS84"


def _project(crs: str, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def _extent(country, points_lon, points_lat) -> tuple[float, float, float, float]:
    """lon/lat box: the country outline's main landmass bounds widened to every plotted point."""
    lons, lats = list(points_lon), list(points_lat)
    if country is not None and not country.empty:
        minx, miny, maxx, maxy = country.total_bounds
        if len(lons):  # outlying territories far from every point (e.g. overseas islands) do not widen the map
            pad = 5.0
            minx, maxx = max(minx, min(lons) - pad), min(maxx, max(lons) + pad)
            miny, maxy = max(miny, min(lats) - pad), min(maxy, max(lats) + pad)
        lons += [minx, maxx]
        lats += [miny, maxy]
    return min(lons), max(lons), min(lats), max(lats)


LABEL_WIDTH_SHARE, LABEL_HEIGHT_SHARE = 0.11, 0.04  # of the map's larger extent, a two-line site label


def _label_spot(x: float, y: float, radius: float, span: float, placed: list) -> tuple[tuple[float, float], str, str]:
    """Where a site's label goes: the first corner of its pie (upper right, lower right, upper left, lower
    left) whose box overlaps no label placed before; ``placed`` gains the chosen box."""
    width, height, corner = LABEL_WIDTH_SHARE * span, LABEL_HEIGHT_SHARE * span, 0.72 * radius
    options = [((x + corner, y + corner), "left", "bottom"), ((x + corner, y - corner), "left", "top"),
               ((x - corner, y + corner), "right", "bottom"), ((x - corner, y - corner), "right", "top")]

    def box(option):
        (lx, ly), ha, va = option
        x0 = lx if ha == "left" else lx - width
        y0 = ly if va == "bottom" else ly - height
        return x0, y0, x0 + width, y0 + height

    def free(b):
        return all(b[2] <= p[0] or b[0] >= p[2] or b[3] <= p[1] or b[1] >= p[3] for p in placed)

    choice = next((o for o in options if free(box(o))), options[0])
    placed.append(box(choice))
    return choice


def _literal(text) -> str:
    """A label matplotlib draws as written: a "$" would start mathtext."""
    return str(text).replace("$", r"\$")


def _loading_colours():
    """Yellow-orange-red without its near-white start, so lightly loaded lines stay visible."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    return ListedColormap(colormaps["YlOrRd"](np.linspace(0.3, 1.0, 256)), name="loading")


def _pie(ax, x: float, y: float, radius: float, shares: pd.Series, colours: dict[str, str]) -> None:
    from matplotlib.patches import Wedge

    start = 90.0
    for chip, value in shares.items():
        sweep = 360.0 * float(value)
        if sweep <= 0:
            continue
        ax.add_patch(Wedge((x, y), radius, start, start + sweep, facecolor=colours.get(chip, "#999999"),
                           edgecolor="white", linewidth=0.5, zorder=6))
        start += sweep
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), radius, fill=False, edgecolor="#333333", linewidth=0.8, zorder=7))


def national_map(*, country_iso3: str, title: str, regions: pd.DataFrame | None, demand: pd.Series,
                 sites: pd.DataFrame, fleet: pd.DataFrame, serving: pd.DataFrame, colours: dict[str, str],
                 grid: GridSegments | None = None):
    """The map Figure. ``regions``: index region, lat, lon (None: no region layer); ``demand``: peak tokens/s
    per region; ``sites``: the plan's sites table; ``fleet``/``serving``: the plan's tables."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Patch

    outlines = _outlines()
    country = outlines[outlines["ADM0_A3"] == country_iso3]
    point_lon = list(sites["lon"]) + (list(regions["lon"]) if regions is not None else [])
    point_lat = list(sites["lat"]) + (list(regions["lat"]) if regions is not None else [])
    lon0, lon1, lat0, lat1 = _extent(country, point_lon, point_lat)
    crs = _projection((lon0 + lon1) / 2, (lat0 + lat1) / 2)
    corners_x, corners_y = _project(crs, [lon0, lon1, lon0, lon1, (lon0 + lon1) / 2, (lon0 + lon1) / 2],
                                    [lat0, lat0, lat1, lat1, lat0, lat1])
    xmin, xmax, ymin, ymax = corners_x.min(), corners_x.max(), corners_y.min(), corners_y.max()
    span = max(xmax - xmin, ymax - ymin)
    margin = MARGIN_SHARE * span

    fig = figure(7.6, 7.6 * min(max((ymax - ymin) / max(xmax - xmin, 1e-9), 0.6), 1.5))
    ax = fig.add_subplot()
    ax.set_facecolor("#dfeaf2")
    from shapely.geometry import box

    view = box(lon0 - 15, max(lat0 - 15, -89), lon1 + 15, min(lat1 + 15, 89))
    nearby = outlines[outlines.intersects(view)].copy()
    nearby["geometry"] = nearby.intersection(view)
    nearby.to_crs(crs).plot(ax=ax, color=LAND, edgecolor=BORDER, linewidth=0.4, zorder=0)
    if not country.empty:
        country.to_crs(crs).plot(ax=ax, color=COUNTRY, edgecolor="#666666", linewidth=0.8, zorder=1)

    handles = []
    drawn = grid.lines[(grid.lines["lon0"] != grid.lines["lon1"]) | (grid.lines["lat0"] != grid.lines["lat1"])] \
        if grid is not None else None  # transformers inside one substation have no length to draw
    if drawn is not None and not drawn.empty:
        x0, y0 = _project(crs, drawn["lon0"], drawn["lat0"])
        x1, y1 = _project(crs, drawn["lon1"], drawn["lat1"])
        segments = np.stack([np.c_[x0, y0], np.c_[x1, y1]], axis=1)
        loading = drawn["loading_share"].to_numpy(float)
        idle = ~np.isfinite(loading) | (loading < IDLE_LINE_SHARE)
        idle_style = {"colors": "#7d7d7d", "linewidths": 1.3, "linestyles": "--"} if grid.is_zonal else \
            {"colors": "#b9b9b9", "linewidths": 0.5}
        if idle.any():
            ax.add_collection(LineCollection(segments[idle], zorder=2, **idle_style))
        handles.append(Line2D([], [], color=idle_style["colors"], linewidth=idle_style["linewidths"],
                              linestyle=idle_style.get("linestyles", "-"),
                              label=("grid corridor between zones" if grid.is_zonal else "grid line")
                              + f" (grey: new flow under {IDLE_LINE_SHARE:.0%} of headroom)"))
        if (~idle).any():
            order = np.argsort(loading[~idle])
            collection = LineCollection(segments[~idle][order], array=np.clip(loading[~idle][order], 0, 1) * 100,
                                        cmap=_loading_colours(), linewidths=1.8, zorder=3)
            collection.set_clim(0, 100)
            ax.add_collection(collection)
            bar = fig.colorbar(collection, ax=ax, shrink=0.5, pad=0.01)
            bar.set_label(f"{grid.label}: new flow, % of line headroom (grey: under {IDLE_LINE_SHARE:.0%})", fontsize=8)

    if regions is not None and len(regions):
        region_x, region_y = _project(crs, regions["lon"], regions["lat"])
        located = pd.DataFrame({"x": region_x, "y": region_y}, index=regions.index)
        site_x, site_y = _project(crs, sites["lon"], sites["lat"])
        site_xy = pd.DataFrame({"x": site_x, "y": site_y}, index=sites.index)
        links = serving.groupby(["region", "site"])["tokens_per_s"].sum()
        links = links[links.index.get_level_values("region").isin(located.index)
                      & links.index.get_level_values("site").isin(site_xy.index)]
        if len(links):
            top = float(links.max())
            link_segments = [[(located.at[r, "x"], located.at[r, "y"]), (site_xy.at[s, "x"], site_xy.at[s, "y"])]
                             for r, s in links.index]
            widths = 0.4 + 3.0 * links.to_numpy(float) / top
            ax.add_collection(LineCollection(link_segments, colors="#3b6ea5", linewidths=widths, alpha=0.45, zorder=4))
            handles.append(Line2D([], [], color="#3b6ea5", alpha=0.6, linewidth=2, label="served link (width ~ tokens/s)"))
        peak = demand.reindex(regions.index).fillna(0.0).to_numpy(float)
        largest = max(float(peak.max()), 1e-12)
        for x, y, value in zip(region_x, region_y, peak):
            radius = MAX_REGION_RADIUS_SHARE * span * math.sqrt(max(value, 0.0) / largest)
            ax.add_patch(Circle((x, y), radius, facecolor="#e07b6a", edgecolor="#a04030", alpha=0.35, linewidth=0.6, zorder=5))
        handles.append(Patch(facecolor="#e07b6a", edgecolor="#a04030", alpha=0.5, label="demand region (area ~ peak tokens/s)"))

    opened = sites[sites["is_open"].astype(bool)].sort_values("it_mw", ascending=False) if len(sites) else sites
    closed = sites.drop(opened.index)
    if len(closed):
        cx, cy = _project(crs, closed["lon"], closed["lat"])
        ax.scatter(cx, cy, marker="x", color="#777777", s=18, linewidths=1, zorder=6)
        handles.append(Line2D([], [], marker="x", color="#777777", linestyle="", label="candidate site, not opened"))
    if len(opened):
        ox, oy = _project(crs, opened["lon"], opened["lat"])
        largest_mw = max(float(opened["it_mw"].max()), 1e-9)
        mix = fleet.pivot_table(index="site", columns="chip", values="it_mw", aggfunc="sum", fill_value=0.0)
        placed: list[tuple[float, float, float, float]] = []
        for (name, row), x, y in zip(opened.iterrows(), ox, oy):
            radius = MAX_SITE_RADIUS_SHARE * span * math.sqrt(max(float(row["it_mw"]), 0.0) / largest_mw)
            radius = max(radius, 0.006 * span)
            shares = mix.loc[name] / mix.loc[name].sum() if name in mix.index and mix.loc[name].sum() > 0 else pd.Series(dtype=float)
            _pie(ax, x, y, radius, shares, colours)
            (lx, ly), ha, va = _label_spot(x, y, radius, span, placed)
            ax.annotate(f"{_literal(name)}\n{row['it_mw']:,.0f} MW", (x, y), xytext=(lx, ly),
                        textcoords="data", ha=ha, va=va, fontsize=7.5, zorder=8,
                        arrowprops={"arrowstyle": "-", "linewidth": 0.6, "color": "#333333", "shrinkA": 0, "shrinkB": 0},
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.75, "linewidth": 0})
        used = sorted({c for c in fleet["chip"]}) if len(fleet) else []
        handles += [Patch(facecolor=colours[c], label=f"{c} (share of site MW)") for c in used if c in colours]

    ax.set_xlim(xmin - margin, xmax + margin)
    ax.set_ylim(ymin - margin, ymax + margin)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontsize=11)
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="lower left", framealpha=0.85)
    ax.annotate("Outlines: Natural Earth (public domain). Pie area ~ IT MW.", (1, 0), xycoords="axes fraction",
                xytext=(-4, 4), textcoords="offset points", ha="right", va="bottom", fontsize=6.5, color="#555555")
    return fig


def grid_segments(network_name: str | None, grid_lines: pd.DataFrame) -> GridSegments | None:
    """The plan's grid lines with endpoint coordinates from the shipped network; None without a network."""
    if not network_name:
        return None
    from planner.geo.grid_limits import load_network

    try:
        network = load_network(network_name)
    except (KeyError, FileNotFoundError):
        return None
    lines = network.lines[["bus0", "bus1"]].copy()
    lines.index = lines.index.map(str)
    buses = network.buses[["lat", "lon"]].copy()
    buses["voltage_kv"] = network.buses["voltage_kv"] if "voltage_kv" in network.buses else np.nan
    buses.index = buses.index.map(str)
    table = pd.DataFrame({
        "bus0": lines["bus0"].map(str), "bus1": lines["bus1"].map(str),
        "voltage_kv": lines["bus0"].map(str).map(buses["voltage_kv"]).astype(float),
        "lon0": lines["bus0"].map(str).map(buses["lon"]), "lat0": lines["bus0"].map(str).map(buses["lat"]),
        "lon1": lines["bus1"].map(str).map(buses["lon"]), "lat1": lines["bus1"].map(str).map(buses["lat"]),
    }, index=lines.index).dropna(subset=["lon0", "lat0", "lon1", "lat1"])
    if len(grid_lines):
        loading = grid_lines.assign(line=grid_lines["line"].map(str)).set_index("line")["loading_share"]
        table["loading_share"] = loading.reindex(table.index).to_numpy(float)
    else:
        table["loading_share"] = np.nan
    return GridSegments(table, network.name, is_zonal=str(network.kind) == "zonal")
