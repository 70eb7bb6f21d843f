"""Base-year calibration: adoption from measured shares, tokens per user from observed volumes.

Adoption. The Microsoft AI diffusion data give AI users over the working-age (15-64) population by country
and half-year. Users over all people = that share x the working-age share. The logistic curve of a country
passes through its latest measurement (Q1 2026); its rate is fitted on the *other* countries' earlier
measurements (leave one country out), so each country's back-cast to H1 and H2 2025 is a check on data the
fit never saw (``leave_one_out``). The reference rate is the fit on all countries (``fit_adoption_rate``).

Tokens per user. The class figures of the demand are world means per AI user; a country's figure is that
times ``usage_intensity_relative_to_world``. A global provider's volume is apportioned to a country by the
country's usage share = intensity x (country users / world users), where intensity comes from a published
country split of usage (Anthropic AI usage index; ChatGPT visitor share). A provider carries only part of the
world's tokens (a labelled range), so each volume gives a range of tokens per AI user:

    tokens per user in country c = volume / world users x intensity_c / provider share of all tokens

``calibration_report`` sets the modelled base year beside every anchor, saying which it was calibrated on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from planner.demand import anchors as anchor_data
from planner.demand import curves
from planner.demand.forecast import ClassTokens, class_tokens_of, per_user_tokens_day
from planner.scenario.schema import AdoptionObservation, DemandConfig

WORLD = anchor_data.WORLD
RATE_BOUNDS = (0.02, 3.0)
WORLD_POPULATION_GROWTH_PER_YEAR = 0.009  # UN WPP 2024 medium variant, world growth 2025-2030 ~0.9%/yr


# ---------------------------------------------------------------- adoption


def backcast(iso3: str, rate: float, ceiling: float) -> pd.DataFrame:
    """Modelled against measured adoption (both over the working-age population) for every period of a country,
    the curve passing through its calibration period's measurement."""
    observed = anchor_data.calibration_observation(iso3)
    if observed is None:
        raise KeyError(f"no adoption measurement for {iso3} in the calibration period")
    table = anchor_data.adoption_observations().query("iso3 == @iso3").copy()
    anchor = observed.share_of_working_age * observed.working_age_share
    table["modelled"] = [curves.logistic(t, observed.date, anchor, ceiling, rate) / observed.working_age_share
                         for t in table["date"]]
    table["error_points"] = 100.0 * (table["modelled"] - table["share_of_working_age"])
    table["calibrated_on"] = np.isclose(table["date"], observed.date)
    return table.reset_index(drop=True)


def _held_out_arrays(iso3: str) -> tuple[np.ndarray, np.ndarray, AdoptionObservation]:
    """Dates and measured shares of the periods before the calibration period, and the calibration point."""
    observed = anchor_data.calibration_observation(iso3)
    table = anchor_data.adoption_observations().query("iso3 == @iso3 and date < @observed.date")
    return table["date"].to_numpy(float), table["share_of_working_age"].to_numpy(float), observed


def _held_out_sse(rate: float, ceilings: Mapping[str, float], series: Mapping[str, tuple]) -> float:
    """Sum of squared back-cast errors [percentage points^2] over the held-out periods (vectorised logistic)."""
    total = 0.0
    for iso3, (dates, shares, observed) in series.items():
        ceiling, wa = ceilings[iso3], observed.working_age_share
        anchor = observed.share_of_working_age * wa
        midpoint = observed.date + math.log(ceiling / anchor - 1.0) / rate
        modelled = ceiling / (1.0 + np.exp(-rate * (dates - midpoint))) / wa
        total += float((100.0 * (modelled - shares)) ** 2 @ np.ones(len(dates)))
    return total


def fit_adoption_rate(ceilings: Mapping[str, float], countries: Iterable[str] | None = None) -> float:
    """Logistic rate [1/year] that best back-casts the earlier measurements of ``countries`` (least squares in
    percentage points), each curve through its own latest measurement. Golden-section search on RATE_BOUNDS."""
    countries = list(anchor_data.adoption_countries() if countries is None else countries)
    countries = {iso3: _held_out_arrays(iso3) for iso3 in countries}
    lo, hi = RATE_BOUNDS
    golden = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = _held_out_sse(a, ceilings, countries), _held_out_sse(b, ceilings, countries)
    for _ in range(80):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = _held_out_sse(a, ceilings, countries)
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = _held_out_sse(b, ceilings, countries)
    return 0.5 * (lo + hi)


def leave_one_out(ceilings: Mapping[str, float]) -> pd.DataFrame:
    """Back-cast errors of each country with the rate fitted on all the other countries."""
    countries = anchor_data.adoption_countries()
    frames = []
    for iso3 in countries:
        rate = fit_adoption_rate(ceilings, [c for c in countries if c != iso3])
        frames.append(backcast(iso3, rate, ceilings[iso3]).assign(rate_per_year=rate))
    return pd.concat(frames, ignore_index=True)


def adoption_ceilings(default: float, by_country: Mapping[str, float] | None = None) -> dict[str, float]:
    """Ceiling per country in the adoption data: the given ones, else ``default``."""
    by_country = dict(by_country or {})
    return {iso3: float(by_country.get(iso3, default)) for iso3 in anchor_data.adoption_countries()}


def reference_ceilings() -> dict[str, float]:
    """Ceilings of the shipped scenarios (base.yaml for countries without a scenario of their own)."""
    from planner.resources import scenarios_dir
    from planner.scenario.load import read_raw

    base = read_raw(scenarios_dir() / "base.yaml")["demand"]["adoption_saturation_share"]
    by_country = {}
    for path in sorted(scenarios_dir().glob("*.yaml")):
        raw = read_raw(path)
        if "country_iso3" in raw:
            by_country[raw["country_iso3"]] = raw.get("demand", {}).get("adoption_saturation_share", base)
    return adoption_ceilings(base, by_country)


# ---------------------------------------------------------------- users and usage split


def world_adoption_at(date: float, rate: float, ceiling: float) -> float:
    """World AI users over all people [-], the world curve through its latest measurement."""
    observed = anchor_data.calibration_observation(WORLD)
    anchor = observed.share_of_working_age * observed.working_age_share
    return curves.logistic(date, observed.date, anchor, ceiling, rate)


def world_users_at(date: float, rate: float, ceiling: float) -> float:
    population = float(anchor_data.load_anchors()["world_population"]) * (
        1.0 + WORLD_POPULATION_GROWTH_PER_YEAR) ** (date - 2025.5)
    return population * world_adoption_at(date, rate, ceiling)


def usage_intensity_estimates(iso3: str, country_adoption_at, rate: float, ceiling: float,
                              country_population: float) -> dict[str, float]:
    """Tokens per AI user relative to the world from each published country split [-].

    ``country_adoption_at(date)`` gives the country's users over all people."""
    split = anchor_data.load_anchors()["usage_intensity"]
    estimates = {}
    aui = split.get("anthropic_usage_index", {}).get(iso3)
    if aui:
        date = float(aui["date"])
        country_wa = country_adoption_at(date) / anchor_data.working_age_share(iso3)
        world_wa = world_adoption_at(date, rate, ceiling) / anchor_data.working_age_share(WORLD)
        estimates["anthropic_usage_index"] = float(aui["value"]) / (country_wa / world_wa)
    visitors = split.get("chatgpt_visitor_share", {}).get(iso3)
    if visitors:
        date = float(visitors["date"])
        user_share = country_population * country_adoption_at(date) / world_users_at(date, rate, ceiling)
        estimates["chatgpt_visitor_share"] = float(visitors["value"]) / user_share
    return estimates


def central_intensity(estimates: Mapping[str, float]) -> float:
    """Geometric mean of the estimates (1 = the world mean where there are none)."""
    if not estimates:
        return 1.0
    return float(np.exp(np.mean(np.log(list(estimates.values())))))


# ---------------------------------------------------------------- tokens per user


def tokens_per_user_day(demand: DemandConfig, plan_year: int, shapes: Mapping[str, ClassTokens],
                        date: float) -> tuple[float, float]:
    """(output, input) tokens per AI user per day at ``date``, enterprise use included (the providers'
    volumes include it); output counts visible plus reasoning tokens."""
    output = read = 0.0
    for q, shape in shapes.items():
        generated, inp = per_user_tokens_day(demand, plan_year, q, shape, date)
        scale = 1.0 / (1.0 - demand.classes[q].enterprise_share)
        output += generated * scale
        read += inp * scale
    return output, read


def _weekly_users_at(date: float) -> float:
    """ChatGPT weekly users at ``date``, log-linear through the two published figures."""
    points = anchor_data.load_anchors()["chat"]["chatgpt_weekly_users"]
    (t0, u0), (t1, u1) = [(float(p["date"]), float(p["value"])) for p in points[:2]]
    return u0 * (u1 / u0) ** ((date - t0) / (t1 - t0))


def _country_population(iso3: str, date: float, growth_per_year: float, base_year: int | None) -> float:
    from planner.geo.population import countries

    table = countries()
    population = float(table.loc[iso3, "population"]) if iso3 in table.index else float("nan")
    return population * (1.0 + growth_per_year) ** (date - ((base_year or 2018) + 0.5))


def calibration_report(demand: DemandConfig, country_iso3: str, plan_year: int,
                       workloads: Mapping[str, str]) -> dict:
    """The modelled base year beside the anchors: adoption, tokens per user, and every anchor with
    ``{quantity, observed, modelled, source_url, calibrated_on, unit}`` (``observed`` is a [low, high] pair
    for the volume anchors, which give ranges)."""
    raw = anchor_data.load_anchors()
    shapes = class_tokens_of(demand, dict(workloads))
    base = curves.base_year(plan_year, demand)
    base_date = base + curves.MID_YEAR
    wa = (demand.adoption_observed.working_age_share if demand.adoption_observed is not None
          else anchor_data.working_age_share(country_iso3))
    rate, world_ceiling = demand.adoption_growth_per_year, demand.adoption_saturation_share

    def country_adoption(date: float) -> float:
        return curves.adoption_at(date, plan_year, demand)

    population = _country_population(country_iso3, base_date, demand.population_growth_per_year,
                                     demand.population_base_year)
    rows = _adoption_rows(country_iso3, country_adoption, wa)
    estimates = usage_intensity_estimates(country_iso3, country_adoption, rate, world_ceiling, population)
    rows += _volume_rows(raw, demand, plan_year, shapes, rate, world_ceiling, estimates)
    rows += _chat_and_growth_rows(raw, demand, plan_year, shapes, rate, world_ceiling, workloads)
    output, read = tokens_per_user_day(demand, plan_year, shapes, base_date)
    in_base = [r for r in rows if r.get("kind") == "adoption" and base <= r["date"] < base + 1]
    modelled = float(np.mean([r["modelled"] for r in in_base])) if in_base else country_adoption(base_date) / wa
    return {
        "country_iso3": country_iso3, "base_year": base,
        "adoption_share_modelled": modelled,
        "adoption_share_observed": float(np.mean([r["observed"] for r in in_base])) if in_base else None,
        "adoption_basis": "AI users over the working-age (15-64) population in the base year: the mean over the "
                          "base year's measured periods (model at the same dates), else mid-year",
        "adoption_share_of_all_people_modelled": country_adoption(base_date),
        "output_tokens_per_user_day": output, "input_tokens_per_user_day": read,
        "usage_intensity_relative_to_world": demand.usage_intensity_relative_to_world,
        "usage_intensity_estimates": estimates,
        "anchors": [{k: v for k, v in r.items() if k not in ("kind", "date")} for r in rows],
    }


def _adoption_rows(iso3: str, country_adoption, wa: float) -> list[dict]:
    table = anchor_data.adoption_observations().query("iso3 == @iso3")
    calibration = anchor_data.calibration_observation(iso3)
    return [{"kind": "adoption", "date": float(r.date),
             "quantity": f"AI users over the working-age population, {r.period}", "unit": "share",
             "observed": float(r.share_of_working_age), "modelled": country_adoption(float(r.date)) / wa,
             "calibrated_on": calibration is not None and math.isclose(float(r.date), calibration.date),
             "source_url": anchor_data.adoption_source_url()} for r in table.itertuples()]


def _volume_rows(raw: dict, demand: DemandConfig, plan_year: int, shapes, rate: float, ceiling: float,
                 estimates: Mapping[str, float]) -> list[dict]:
    chat = raw["chat"]
    rows = []
    lo_x, hi_x = (min(estimates.values()), max(estimates.values())) if estimates else (1.0, 1.0)
    for name, volume in raw["volumes"].items():
        if "provider_share_of_tokens" not in volume:
            continue
        date = float(volume["date"])
        per_day = _volume_tokens_per_day(name, volume, chat, shapes)
        per_world_user = per_day / world_users_at(date, rate, ceiling)
        share = volume["provider_share_of_tokens"]
        output, read = tokens_per_user_day(demand, plan_year, shapes, date)
        rows.append({"kind": "volume", "date": date,
                     "quantity": f"tokens (input + output) per AI user-day implied by {volume['quantity']}",
                     "unit": "tokens/user/day",
                     "observed": [per_world_user * lo_x / float(share["high"]),
                                  per_world_user * hi_x / float(share["low"])],
                     "modelled": output + read, "calibrated_on": False, "source_url": volume["source_url"]})
    return rows


def _volume_tokens_per_day(name: str, volume: Mapping, chat: Mapping, shapes) -> float:
    if "tokens_per_day" in volume:
        return float(volume["tokens_per_day"])
    from planner.roofline.workloads import load_workloads

    interactive = load_workloads(["interactive"])["interactive"]
    messages_per_day = float(chat["chatgpt_messages_per_week"]["value"]) / 7.0
    return float(volume["api_tokens_per_minute"]) * 1440.0 + messages_per_day * (
        interactive.input_tokens + interactive.generated_tokens)


def _chat_and_growth_rows(raw: dict, demand: DemandConfig, plan_year: int, shapes, rate: float, ceiling: float,
                          workloads: Mapping[str, str]) -> list[dict]:
    from planner.roofline.workloads import load_workloads

    rows = []
    chat = raw["chat"]["chatgpt_messages_per_week"]
    if "interactive" in shapes:
        date = float(chat["date"])
        profile = load_workloads([workloads["interactive"]])[workloads["interactive"]]
        visible = curves.visible_tokens_per_adopter_day_at(date, plan_year, demand, demand.classes["interactive"])
        rows.append({"kind": "chat", "date": date, "quantity": "chat messages per AI user-day (world mean; "
                     "ChatGPT messages per weekly user)", "unit": "messages/user/day",
                     "observed": float(chat["value"]) / 7.0 / _weekly_users_at(date),
                     "modelled": visible / demand.usage_intensity_relative_to_world / profile.output_tokens,
                     "calibrated_on": True, "source_url": chat["source_url"]})
    growth = raw["volumes"].get("google_growth")
    if growth:
        world = demand.model_copy(update={"usage_intensity_relative_to_world": 1.0})

        def world_tokens(date: float) -> float:
            return world_users_at(date, rate, ceiling) * sum(tokens_per_user_day(world, plan_year, shapes, date))

        t0, t1 = float(growth["from_date"]), float(growth["to_date"])
        rows.append({"kind": "growth", "date": t1, "quantity": f"growth of world tokens, {growth['quantity']}",
                     "unit": "ratio", "observed": float(growth["ratio"]),
                     "modelled": world_tokens(t1) / world_tokens(t0),
                     "calibrated_on": False, "source_url": growth["source_url"]})
    return rows


REFERENCE_PLAN_YEAR = 2030


def country_demand(iso3: str, overrides: Iterable[str] = ()) -> tuple[DemandConfig, str, int, dict[str, str]]:
    """The shared defaults (base.yaml's demand section) for a country in the adoption data: its latest
    measurement, its usage intensity (geometric mean of the published country splits, 1 where there are none),
    world population growth. Returns (demand, iso3, plan year, service class -> workload)."""
    from planner.errors import Problem, ScenarioError
    from planner.resources import scenarios_dir
    from planner.scenario.load import parse_override, read_raw

    observed = anchor_data.calibration_observation(iso3)
    if observed is None:
        raise ScenarioError([Problem("--country", "country", "no adoption measurement for this country; known: "
                                     f"{', '.join(anchor_data.adoption_countries())}", iso3)])
    base = read_raw(scenarios_dir() / "base.yaml")
    tree = {"demand": {**base["demand"], "adoption_observed": observed.model_dump(),
                       "population_growth_per_year": WORLD_POPULATION_GROWTH_PER_YEAR}}
    problems = []
    for text in overrides:
        try:
            path, value = parse_override(text)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        if path[0] != "demand":
            problems.append(Problem("--set", text, "only demand.* values apply to --country", text))
            continue
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    if problems:
        raise ScenarioError(problems)
    try:
        demand = DemandConfig.model_validate(tree["demand"])
    except ValueError as error:
        raise ScenarioError([Problem("--set", "demand", str(error).splitlines()[0], None)]) from None
    overridden = any(o.startswith("demand.usage_intensity_relative_to_world=") for o in overrides)
    if iso3 != WORLD and not overridden:
        population = _country_population(iso3, 2026.0, demand.population_growth_per_year, demand.population_base_year)
        estimates = usage_intensity_estimates(
            iso3, lambda t: curves.adoption_at(t, REFERENCE_PLAN_YEAR, demand), demand.adoption_growth_per_year,
            demand.adoption_saturation_share, population)
        demand = demand.model_copy(update={"usage_intensity_relative_to_world": central_intensity(estimates)})
    workloads = {q: q for q in base["service_classes"] if q in demand.classes}
    return demand, iso3, REFERENCE_PLAN_YEAR, workloads
