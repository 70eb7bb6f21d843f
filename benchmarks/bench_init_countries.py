"""`planner init` + `planner solve` for every country in the shipped country table with at least three
GeoNames cities: per country the status, yearly cost, unmet share (of the peak and of the year's tokens),
time, and the reason for any failure.

    python benchmarks/bench_init_countries.py [--countries KEN,BRA,...] [--regions N] [--time-limit S] [--json]

Success = a verified plan within its gap that loses less than 5% of the year's demand tokens (plan.json
``tokens_lost_share``, the load-duration curve's count: a plan that leaves only the top of the busy hour
unserved serves every token below it, so the unserved share of the peak overstates what is lost), or with its
unmet share explained: the explain stage names a reason (its family, and the binding constraints where it
finds them) for the region-classes holding at least ``EXPLAINED_SHARE`` of the unmet tokens. Both counts are
printed, with the unmet tokens by reason family.
Regions are capped (default 6) to keep the run to minutes per hundred countries on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import planner
from planner.errors import PlannerError
from planner.geo.population import cities, countries
from planner.scenario.generate import generate_scenario

UNMET_OK_SHARE = 0.05  # of the year's demand tokens lost
EXPLAINED_SHARE = 0.99  # of the unmet tokens/s, in region-classes with a named reason


def explained_share(result) -> float:
    """Share of the plan's unmet tokens/s in region-classes the explain stage names a reason for."""
    if result.unmet_tokens_per_s <= 0:
        return 1.0
    named = {(r["region"], r["service_class"]) for r in result.metadata.get("unmet_reasons") or []
             if r.get("kind") and r.get("reason")}
    unmet = result.unmet
    has_reason = [(str(a), str(b)) in named for a, b in zip(unmet["region"], unmet["service_class"])]
    return float(unmet.loc[has_reason, "unmet_tokens_per_s"].sum()) / result.unmet_tokens_per_s


def unmet_by_family(result) -> dict[str, float]:
    """Unmet tokens/s per reason family of the explain stage (empty when the plan has no explanation)."""
    totals: dict[str, float] = {}
    for reason in result.metadata.get("unmet_reasons") or []:
        if reason.get("kind"):
            totals[reason["kind"]] = totals.get(reason["kind"], 0.0) + float(reason["tokens_per_s"])
    return totals


def unmet_reason(result) -> str:
    """Why demand is unmet: the explain stage's reason for the largest unmet share, else read from the tables."""
    reasons = result.metadata.get("unmet_reasons") or []
    if reasons:
        return max(reasons, key=lambda r: r["tokens_per_s"])["reason"]
    zones, sites = result.grid_zones, result.sites
    if len(zones) and ((zones["load_mw"] >= zones["headroom_mw"] - 1e-3)).any():
        return "the grid's zone headroom is used up"
    opened = sites[sites["is_open"].astype(bool)] if "is_open" in sites else sites
    if len(sites) and (sites["grid_mw"] >= sites["max_grid_mw"] - 1e-3).sum() >= len(opened) > 0:
        return "every opened site is at its connection limit"
    if (opened["served_tokens_per_s"] > 0).sum() < 2:
        return "one site serves, and no site may carry more than a share of a region (redundancy rule)"
    return "no site within some regions' round-trip budget"


def run_country(iso3: str, regions: int, time_limit_s: float, folder: Path) -> dict:
    started = time.perf_counter()
    row = {"country": iso3}
    try:
        _, text = generate_scenario(iso3)
        path = folder / f"{iso3}.yaml"
        path.write_text(text, encoding="utf-8")
        overrides = [f"solver.time_limit_s={time_limit_s}"]
        scenario = planner.load_scenario(path, overrides)
        if scenario.regions.count > regions:
            scenario = planner.load_scenario(path, [*overrides, f"regions.count={regions}"])
        result = planner.plan(scenario)
        verified = result.metadata.get("verification", {}).get("ok", False)
        unmet = result.unmet_tokens_per_s / result.demand_tokens_per_s if result.demand_tokens_per_s else 0.0
        lost = float(result.metadata.get("tokens_lost_share", unmet))
        solved = verified and result.status.value == "optimal"
        families = unmet_by_family(result)
        explained = explained_share(result) >= EXPLAINED_SHARE
        row |= {"status": str(result.status), "cost_bn_usd": result.objective_usd / 1e9, "gap": result.gap,
                "unmet_share": unmet, "tokens_lost_share": lost, "verified": verified,
                "low_unmet": solved and lost < UNMET_OK_SHARE,
                "explained": solved and lost >= UNMET_OK_SHARE and explained,
                "unmet_by_family": {k: v / result.demand_tokens_per_s for k, v in families.items()},
                "reason": "" if lost < UNMET_OK_SHARE else
                f"{lost:.0%} of the year's tokens lost ({unmet:.0%} of the peak): {unmet_reason(result)}"}
        row["ok"] = row["low_unmet"] or row["explained"]
    except PlannerError as error:
        row |= {"status": "error", "ok": False, "reason": str(error).splitlines()[-1].strip()}
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", default=None, help="comma-separated ISO3 codes (default: every one)")
    parser.add_argument("--regions", type=int, default=6)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = args.countries.split(",") if args.countries else [
        iso3 for iso3 in countries().index if len(cities(iso3)) >= 3]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for iso3 in chosen:
            row = run_country(iso3, args.regions, args.time_limit, Path(folder))
            rows.append(row)
            print(json.dumps(row) if args.json else
                  f"{iso3}  {row.get('status', ''):>10}  {row.get('cost_bn_usd', float('nan')):8.3f} bn USD  "
                  f"unmet {row.get('unmet_share', float('nan')):6.1%} of the peak, "
                  f"{row.get('tokens_lost_share', float('nan')):6.1%} of the tokens  {row['seconds']:6.1f} s  "
                  f"{row['reason']}",
                  flush=True)
    summarise(rows)


def summarise(rows: list[dict]) -> None:
    n = max(len(rows), 1)
    low = sum(r.get("low_unmet", False) for r in rows)
    explained = sum(r.get("explained", False) for r in rows)
    errors = sum(r["status"] == "error" for r in rows)
    print(f"{low} of {len(rows)} countries planned and verified losing < 5% of the year's demand tokens "
          f"({low / n:.1%}; tokens_lost_share, the load-duration curve's count)")
    print(f"{explained} more losing >= 5%, every unmet token given a named reason by the explain stage")
    print(f"{low + explained} of {len(rows)} succeed ({(low + explained) / n:.1%}); {errors} errors "
          f"(each with its message), {len(rows) - low - explained - errors} others")
    by_family: dict[str, list[str]] = {}
    for r in rows:
        if r.get("explained"):
            main = max(r["unmet_by_family"], key=r["unmet_by_family"].get)
            by_family.setdefault(main, []).append(r["country"])
    for family, names in sorted(by_family.items(), key=lambda kv: -len(kv[1])):
        print(f"  largest unmet reason '{family}': {len(names)} countries ({', '.join(names)})")


if __name__ == "__main__":
    main()
