"""Rebuild the trimmed grid tables in this folder from the reference data folder.

Usage: python data/grid/build_grid_data.py SOURCE_DATA_DIR
where SOURCE_DATA_DIR holds ``grid_europe/`` and ``transmission_zonal/`` (see PROVENANCE.md).
The planner itself never runs this; it reads the CSV files written next to this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
INDIA_ZONES = {"INDNO": "NR", "INDWE": "WR", "INDSO": "SR", "INDEA": "ER", "INDNE": "NER"}

# HVDC links touching GB, matched by hand (endpoint coordinates) to raw/links_p_nom.csv; NaN where the
# list has no entry (the rating is then unknown to this dataset, not zero).
GB_LINK_NAMES = {
    14814: ("BritNed", 1000.0, "raw/links_p_nom.csv"),
    5558: ("NemoLink (under construction in the map extract)", float("nan"), "not in raw/links_p_nom.csv"),
    14826: ("IFA (Interconnexion France Angleterre)", 2000.0, "raw/links_p_nom.csv"),
    5581: ("Moyle pole 1 (GB - Northern Ireland)", 250.0, "raw/links_p_nom.csv: Moyle 500 MW over two poles"),
    5580: ("Moyle pole 2 (GB - Northern Ireland)", 250.0, "raw/links_p_nom.csv: Moyle 500 MW over two poles"),
    8009: ("Western HVDC Link (Hunterston - Flintshire Bridge)", 2200.0, "raw/links_p_nom.csv"),
    14815: ("East West Interconnector (GB - Ireland)", 500.0, "raw/links_p_nom.csv"),
    14804: ("North Sea Link (GB - Norway)", float("nan"), "not in raw/links_p_nom.csv"),
    8708: ("Caithness - Moray link, leg 1", float("nan"), "not in raw/links_p_nom.csv"),
    8706: ("Caithness - Moray link, leg 2", float("nan"), "not in raw/links_p_nom.csv"),
}


def build_gb(src: Path) -> None:
    grid = src / "grid_europe"
    buses = pd.read_csv(grid / "buses_GBR.csv")
    lines = pd.read_csv(grid / "lines_GBR.csv")
    lines = lines[(lines.country0 == "GBR") & (lines.country1 == "GBR")]
    gb_ids = set(buses.bus_id[buses.ne_adm0_a3 == "GBR"])
    lines = lines[lines.bus0.isin(gb_ids) & lines.bus1.isin(gb_ids)]
    buses = buses[buses.bus_id.isin(gb_ids)]
    transformers = pd.read_csv(grid / "raw" / "transformers.csv", quotechar="'")
    transformers = transformers[transformers.bus0.isin(gb_ids) & transformers.bus1.isin(gb_ids)]
    links = pd.read_csv(grid / "links_GBR.csv")
    link_buses = set(links.bus0) | set(links.bus1)
    extra = pd.read_csv(grid / "buses_clean.csv")
    extra = extra[extra.bus_id.isin(link_buses - gb_ids)]

    out_buses = pd.concat([buses, extra]).rename(
        columns={"bus_id": "bus", "voltage": "voltage_kv", "ne_adm0_a3": "country"})
    out_buses["dc"] = out_buses["dc"].eq("t")
    out_buses[["bus", "station_id", "lat", "lon", "voltage_kv", "dc", "symbol", "country"]].sort_values(
        "bus").to_csv(HERE / "gb_buses.csv", index=False)
    lines.rename(columns={"line_id": "line", "voltage": "voltage_kv"})[
        ["line", "bus0", "bus1", "voltage_kv", "circuits", "length_km", "line_type", "s_nom_mva_est"]
    ].sort_values("line").to_csv(HERE / "gb_lines.csv", index=False)
    transformers.rename(columns={"transformer_id": "transformer"}).sort_values("transformer").to_csv(
        HERE / "gb_transformers.csv", index=False)
    links = links.rename(columns={"link_id": "link"})
    links["name"] = links.link.map(lambda k: GB_LINK_NAMES[k][0])
    links["p_nom_mw"] = links.link.map(lambda k: GB_LINK_NAMES[k][1])
    links["p_nom_source"] = links.link.map(lambda k: GB_LINK_NAMES[k][2])
    links["under_construction"] = links.under_construction.eq("t")
    links[["link", "name", "bus0", "bus1", "length_km", "country0", "country1", "under_construction", "p_nom_mw",
           "p_nom_source"]].to_csv(HERE / "gb_links.csv", index=False)
    types = pd.read_csv(grid / "pypsa_line_types.csv")
    types = types[types.name.isin(set(lines.line_type))]
    types.rename(columns={"x_per_length": "x_ohm_per_km", "r_per_length": "r_ohm_per_km", "i_nom": "i_nom_ka"})[
        ["name", "x_ohm_per_km", "r_ohm_per_km", "i_nom_ka", "references"]].to_csv(HERE / "line_types.csv", index=False)


def build_india(src: Path) -> None:
    zonal = src / "transmission_zonal"
    nodes = pd.read_csv(zonal / "gtd_nodes.csv")
    nodes["code"] = nodes.node.str.replace("-", "", regex=False)
    nodes = nodes[nodes.code.isin(INDIA_ZONES)]
    zones = pd.DataFrame({
        "zone": nodes.code.map(INDIA_ZONES), "gtd_node": nodes.code, "name": nodes.Node_Verbose,
        "lat": nodes.Centroid_Lat, "lon": nodes.Centroid_Lon,
        "largest_city_lat": nodes.Pop_Lat, "largest_city_lon": nodes.Pop_Lon,
    })
    zones.sort_values("zone").to_csv(HERE / "india_zones.csv", index=False)
    flows = pd.read_csv(zonal / "gtd_regional_existing.csv")
    flows = flows[flows.from_region.isin(INDIA_ZONES) & flows.to_region.isin(INDIA_ZONES)]
    costs = pd.read_csv(zonal / "gtd_costs_losses.csv").set_index("Technology")
    out = pd.DataFrame({
        "line": flows.pathway, "bus0": flows.from_region.map(INDIA_ZONES), "bus1": flows.to_region.map(INDIA_ZONES),
        "flow_max_mw": flows.max_flow, "flow_max_reverse_mw": flows.min_flow,
        "length_km": flows.pathway.map(costs["KM distance"]), "source": flows.source_2,
    })
    out.sort_values("line").to_csv(HERE / "india_lines.csv", index=False)


def build_gtd(src: Path) -> None:
    """Every country the GTD splits into sub-national zones: its zones and its internal corridors."""
    zonal = src / "transmission_zonal"
    nodes = pd.read_csv(zonal / "gtd_nodes.csv")
    nodes = nodes[nodes.region_code != "XX"]
    nodes = nodes[nodes.groupby("iso").iso.transform("size") >= 2]
    zones = pd.DataFrame({
        "country": nodes.iso, "zone": nodes.region_code, "gtd_node": nodes.node.str.replace("-", "", regex=False),
        "name": nodes.Node_Verbose.fillna(nodes.country + " - " + nodes.region_code),
        "lat": nodes.Centroid_Lat, "lon": nodes.Centroid_Lon,
        "largest_city_lat": nodes.Pop_Lat, "largest_city_lon": nodes.Pop_Lon,
    })
    zones.sort_values(["country", "zone"]).to_csv(HERE / "gtd_zones.csv", index=False)
    flows = pd.read_csv(zonal / "gtd_regional_existing.csv")
    known = set(zones.gtd_node)
    flows = flows[(flows.from_country == flows.to_country) & flows.from_region.isin(known)
                  & flows.to_region.isin(known) & ((flows.max_flow > 0) | (flows.min_flow > 0))]
    costs = pd.read_csv(zonal / "gtd_costs_losses.csv").set_index("Technology")
    out = pd.DataFrame({
        "country": flows.from_country, "line": flows.pathway, "bus0": flows.from_region.str[3:],
        "bus1": flows.to_region.str[3:], "flow_max_mw": flows.max_flow, "flow_max_reverse_mw": flows.min_flow,
        "length_km": flows.pathway.map(costs["KM distance"]),
        "source": flows.source_2.where(flows.source_2.fillna("-") != "-", flows.source_1),
    })
    out.sort_values(["country", "line"]).to_csv(HERE / "gtd_lines.csv", index=False)


if __name__ == "__main__":
    source = Path(sys.argv[1])
    build_gb(source)
    build_india(source)
    build_gtd(source)
