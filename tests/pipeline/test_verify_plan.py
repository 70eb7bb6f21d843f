"""``planner verify`` on a written plan: it passes as written; each hand-broken table is flagged by name; and a
consistent hand edit (served demand moved to another site with spare capacity in budget, every dependent
table updated) still passes, so the check is physics, not a checksum of the solver's output."""

import json
import textwrap
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

import planner
from planner.cli import cli
from planner.pipeline import prepare, reference_for
from planner.verify import verify

pytestmark = [pytest.mark.solver, pytest.mark.slow]

SMALL = """
name: small-india
country_iso3: IND
year: 2030
regions: {count: 3, rural_area_share: 0.5}
demand:
  adoption_share: 0.002
  agents_per_capita: 1
  classes:
    interactive: {tokens_per_agent_day: 0, tokens_per_user_day: 4000, peak_to_mean_ratio: 2.5, peak_local_hour: 14}
service_classes:
  interactive: {rtt_budget_ms: 30, max_site_share: 0.6}
chips: {candidates: [H100-SXM, B200]}
sites:
  - {name: Navi-Mumbai, lat: 19.03681, lon: 73.01582, max_grid_mw: 300}
  - {name: Pune, lat: 18.51957, lon: 73.85535, max_grid_mw: 300}
  - {name: Noida, lat: 28.58, lon: 77.33, max_grid_mw: 300}
  - {name: Chennai, lat: 13.08784, lon: 80.27847, max_grid_mw: 300}
costs:
  energy_usd_per_mwh: 90
  building_capex_usd_per_mw: 10000000
  grid_connection_capex_usd_per_mw: 500000
  site_fixed_cost_usd_per_year: 1000000
  unmet_penalty_usd_per_mtok: 300  # high: even the top of the busy hour is served, so integer chips leave spare room
  latency_cost_usd_per_mtok_per_ms: 0.0005
grid: {network: india_zonal, zone_headroom_mw: {NR: 1800, WR: 1500, SR: 1400, ER: 600, NER: 80}, max_site_mw: 800}
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("verify")
    path = directory / "small.yaml"
    path.write_text(textwrap.dedent(SMALL))
    scenario = planner.load_scenario(path)
    prepared = prepare(scenario)
    result = planner.solve_prepared(prepared, planner.SolveOptions(mip_gap=0.0, time_limit_s=60))
    assert result.metadata["verification"]["ok"], result.metadata["verification"]
    target = result.to_dir(directory / "plan")
    return planner.Plan.from_dir(target), reference_for(prepared), target


def flagged(plan, reference) -> set[str]:
    return {v.key_path.split("[")[0] for v in verify(plan, reference).violations}


def test_written_plan_passes_the_command(written):
    _, _, target = written
    result = CliRunner().invoke(cli, ["verify", str(target)])
    assert result.exit_code == 0, result.output
    assert "checks passed" in result.output


def test_smaller_grid_connection_fails_the_command_naming_the_check(written, tmp_path):
    plan, _, _ = written
    sites = plan.sites.copy()
    site = sites.index[sites["is_open"]][0]
    sites.loc[site, "grid_mw"] *= 0.9
    target = replace(plan, sites=sites).to_dir(tmp_path / "edited")
    result = CliRunner().invoke(cli, ["verify", str(target)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(line.startswith(f"power[{site}]") and "exceeds the grid connection" in line for line in lines)
    assert any(line.startswith("cost[grid]") for line in lines)
    document = json.loads(CliRunner().invoke(cli, ["verify", str(target), "--json"]).output)
    assert not document["ok"] and {"power", "cost"} <= {v["check"] for v in document["violations"]}


def test_fewer_chips_at_a_site_is_flagged(written):
    plan, reference = written[:2]
    fleet = plan.fleet.copy()
    fleet.loc[fleet.index[0], "chips"] -= 1
    assert {"chip_split", "power", "cost"} <= flagged(replace(plan, fleet=fleet), reference)


def test_changed_cost_figure_is_flagged(written):
    plan, reference = written[:2]
    costs = plan.costs.copy()
    costs.loc[costs["component"] == "energy", "usd_per_year"] *= 1.01
    assert flagged(replace(plan, costs=costs), reference) == {"cost"}


def test_cost_relabelled_as_penalty_is_flagged(written):
    plan, reference = written[:2]
    costs = plan.costs.copy()
    costs.loc[costs["component"] == "fleet", "kind"] = "penalty"
    assert flagged(replace(plan, costs=costs), reference) == {"cost"}


def test_served_pair_beyond_its_budget_is_flagged(written):
    plan, reference = written[:2]
    serving, rtt = plan.serving.copy(), reference_rtt(reference)
    budget = reference.classes.at["interactive", "rtt_budget_ms"]
    row, far = next((i, site) for i, region in serving["region"].items() for site in rtt.columns
                    if rtt.at[region, site] > budget)
    serving.loc[row, "site"] = far
    assert "latency" in flagged(replace(plan, serving=serving), reference)


def test_dropped_cooling_hall_is_flagged(written):
    plan, reference = written[:2]
    halls = plan.cooling_halls.iloc[1:]
    assert "cooling_split" in flagged(replace(plan, cooling_halls=halls), reference)


def test_consistent_edit_moving_served_demand_still_passes(written):
    plan, reference = written[:2]
    spare = _spare_tokens_per_s(plan, reference)
    rtt = reference_rtt(reference)
    budget = reference.classes["rtt_budget_ms"]
    served = plan.serving.set_index(["region", "site"])["tokens_per_s"]
    move = None
    for row in plan.serving.itertuples():
        share_room = (reference.classes.at[row.service_class, "max_site_share"]
                      * reference.demand[row.region, row.service_class])
        for site, room in spare.items():
            room = min(room, share_room - served.get((row.region, site), 0.0))
            if site != row.site and room > 1.0 and rtt.at[row.region, site] <= budget[row.service_class]:
                move = (row, site, min(room, row.tokens_per_s) / 2)
                break
        if move:
            break
    assert move, "the fixture plan should leave spare capacity in reach of some served pair"
    row, site, delta = move
    serving = plan.serving.copy()
    serving.loc[row.Index, "tokens_per_s"] -= delta
    target = (serving["region"] == row.region) & (serving["site"] == site)
    if target.any():
        serving.loc[target, "tokens_per_s"] += delta
    else:
        serving = pd.concat([serving, pd.DataFrame([{"region": row.region, "service_class": row.service_class,
                                                     "site": site, "tokens_per_s": delta,
                                                     "rtt_ms": rtt.at[row.region, site]}])], ignore_index=True)
    sites = plan.sites.copy()
    sites.loc[row.site, "served_tokens_per_s"] -= delta
    sites.loc[site, "served_tokens_per_s"] += delta
    latency_rate = reference.classes.at[row.service_class, "latency_usd_per_tokens_per_s_ms_year"]
    extra_usd = latency_rate * delta * (rtt.at[row.region, site] - row.rtt_ms)
    costs = plan.costs.copy()
    costs.loc[costs["component"] == "latency", "usd_per_year"] += extra_usd
    edited = replace(plan, serving=serving, sites=sites, costs=costs, objective_usd=plan.objective_usd + extra_usd)
    result = verify(edited, reference)
    assert result.ok, str(result)
    assert extra_usd != 0  # the edit moved money, and verify followed it from first principles


def reference_rtt(reference) -> pd.DataFrame:
    from planner.geo.latency import rtt_matrix_ms

    return rtt_matrix_ms(reference.regions[["lat", "lon"]], reference.sites[["lat", "lon"]])


def _spare_tokens_per_s(plan, reference) -> pd.Series:
    """Per open site: interactive tokens/s the chips assigned to it could still serve (integer rounding leaves
    some); moving demand there changes no chip's role, so power and energy stay as written."""
    alloc = plan.allocation[plan.allocation["service_class"] == "interactive"]
    alloc = alloc.assign(thr=[reference.throughput.get((k, "interactive"), 0.0) for k in alloc["chip"]])
    capacity = (alloc["chips_serving"] * alloc["thr"]).groupby(alloc["site"]).sum()
    served = plan.serving.groupby("site")["tokens_per_s"].sum()
    return (capacity - served.reindex(capacity.index, fill_value=0.0)).sort_values(ascending=False)


def test_every_connection_covers_the_peak_draw_from_catalog_tdp(written):
    """Peak draw recomputed here from the catalog: chips x TDP x 1.82 (DGX H100 maximum) x the PUE of the
    technologies the site uses; the connection covers it at the most demanding PUE."""
    from planner.catalog import load_catalog

    plan = written[0]
    tdp = load_catalog()["tdp_kw"]
    for site, chips in plan.fleet.groupby("site"):
        peak_it_mw = float((chips["chips"] * chips["chip"].map(tdp) * 1.82).sum()) / 1000
        halls = plan.cooling_halls[plan.cooling_halls["site"] == site]
        assert halls["it_mw"].sum() == pytest.approx(peak_it_mw, rel=1e-9)
        assert plan.sites.at[site, "grid_mw"] >= (halls["it_mw"] * halls["pue"]).sum() * (1 - 1e-9)
        assert plan.sites.at[site, "grid_mw"] >= peak_it_mw * halls["pue"].min() * (1 - 1e-9)
