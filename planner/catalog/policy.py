"""Export-control policy: classify chips under a rule pack and resolve what a destination may buy.

Classification is a pure function of a chip's specs and a pack's thresholds (``classify``). Resolution
(``resolve_policy``) applies, per chip and in this order: (1) a chip designed in the destination itself is
allowed (not an export; pack key ``domestic_chips_allowed``); (2) the first per-chip override naming the
destination; (3) the first treatment of the destination's entry whose classes include the chip's class
(``uncontrolled`` for none) and whose ``when`` criterion it meets. A country the pack does not list gets the
pack's ``other_countries`` treatment. With no pack named, the pack in force on the date is used.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from planner.catalog.countries import is_country, suggest_country
from planner.catalog.policy_load import default_policy_dir, load_rule_packs_from
from planner.catalog.policy_schema import (
    UNCONTROLLED, ChipMetrics, ChipStatus, CountryTreatment, Criterion, RulePack, Treatment,
)
from planner.errors import DataError, Problem

__all__ = [
    "ChipMetrics", "ChipStatus", "PolicyResolution", "RulePack", "UNCONTROLLED", "chip_metrics", "classify",
    "classify_catalog", "load_rule_packs", "pack_in_force", "resolve_policy", "select_pack",
]

RESOLUTION_COLUMNS = ("eccn_class", "is_controlled", "status", "price_multiplier", "tpp",
                      "performance_density", "note")


@dataclass(frozen=True, eq=False)
class PolicyResolution:
    """What ``country_iso3`` may buy on ``on_date`` under ``pack``: per-chip status and the national budget.

    ``tpp_cap`` bounds sum(tpp x count) over chips whose status is ``licensed_cap`` (None: no cap) over
    ``tpp_cap_period_years``; ``chips`` is indexed by ``chip`` with the columns in ``RESOLUTION_COLUMNS``.
    """

    country_iso3: str
    on_date: dt.date
    pack: str
    tier: str | None
    tpp_cap: float | None
    chips: pd.DataFrame
    destination: str
    tpp_cap_period_years: tuple[int, int] | None = None
    low_volume_tpp_per_consignee_per_year: float | None = None
    pack_title: str = ""


def load_rule_packs(directory: Path | None = None) -> dict[str, RulePack]:
    """Every rule pack in ``directory`` (default ``data/policy``), validated; DataError names file and key."""
    if directory is None:
        return dict(_default_packs())
    return load_rule_packs_from(Path(directory))


@lru_cache(maxsize=1)
def _default_packs() -> dict[str, RulePack]:
    return load_rule_packs_from(default_policy_dir())


def chip_metrics(row: Mapping) -> ChipMetrics:
    """The specs classification reads, from one catalog row."""
    return ChipMetrics(
        tpp=float(row["tpp"]), performance_density=float(row["performance_density"]),
        dram_bandwidth_bytes_per_s=float(row["hbm_bandwidth_bytes_per_s"]),
        scaleup_bandwidth_bytes_per_s=float(row["scaleup_bandwidth_bytes_per_s"]),
        is_datacenter=bool(row["is_datacenter"]))


def describe(criterion: Criterion) -> str:
    """The criterion as the rule text would say it, e.g. 'TPP >= 1600 and PD >= 5.92'."""
    parts = [(criterion.tpp_min, "TPP >= {}"), (criterion.tpp_below, "TPP < {}"),
             (criterion.pd_min, "PD >= {}"), (criterion.pd_below, "PD < {}"),
             (criterion.scaleup_bandwidth_min_gb_per_s, "chip-to-chip I/O >= {} GB/s"),
             (criterion.dram_bandwidth_below_gb_per_s, "DRAM bandwidth < {} GB/s")]
    text = [template.format(f"{bound:g}") for bound, template in parts if bound is not None]
    if criterion.is_datacenter is not None:
        text.append("datacentre chip" if criterion.is_datacenter else "non-datacentre chip")
    return " and ".join(text)


def classify(chip: ChipMetrics, pack: RulePack) -> tuple[str | None, str]:
    """(export class or None, why): the first class of the pack with a criterion the specs meet."""
    for rule in pack.classification:
        for criterion in rule.any_of:
            if criterion.matches(chip):
                why = f"{rule.eccn_class}: {describe(criterion)}"
                assumed = criterion.assumed_unknowns(chip)
                if assumed:
                    why += f" (unknown {', '.join(assumed)} assumed to meet the threshold)"
                return rule.eccn_class, why
    return None, "not controlled: below every threshold of the pack"


def classify_catalog(catalog: pd.DataFrame, pack: RulePack) -> pd.DataFrame:
    """``eccn_class`` and ``class_note`` per chip of the catalog under ``pack``."""
    rows = {chip: classify(chip_metrics(row), pack) for chip, row in catalog.iterrows()}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["eccn_class", "class_note"])
    frame["eccn_class"] = pd.Series([rows[c][0] for c in frame.index], index=frame.index, dtype=object)
    frame.index.name = "chip"
    return frame


def pack_in_force(packs: Mapping[str, RulePack], on_date: dt.date) -> RulePack:
    """The single pack in force on ``on_date``; DataError when none is, or packs of two lineages are."""
    hits = [pack for pack in packs.values() if pack.in_force(on_date)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        first = min((p.effective_from for p in packs.values()), default=None)
        message = f"no rule pack is in force on {on_date}; the packs start on {first}"
    else:
        message = f"packs of several lineages are in force ({', '.join(p.name for p in hits)}); name one"
    raise DataError([Problem("rule packs", "date", message, str(on_date))])


def select_pack(packs: Mapping[str, RulePack], on_date: dt.date, name: str | None = None) -> RulePack:
    """The named pack (any date: what-if studies) or, with no name, the pack in force on ``on_date``."""
    return pack_in_force(packs, on_date) if name is None else _named_pack(packs, name)


def _named_pack(packs: Mapping[str, RulePack], name: str) -> RulePack:
    if name in packs:
        return packs[name]
    close = difflib.get_close_matches(name, list(packs), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"known packs: {', '.join(sorted(packs))}"
    raise DataError([Problem("rule packs", "pack", f"unknown rule pack; {hint}", name)])


def _destination(pack: RulePack, country: str) -> tuple[str, CountryTreatment]:
    for dest in pack.destinations:
        if country in dest.countries:
            return dest.name, dest
    return "other_countries", pack.other_countries


def _treatment(entry: CountryTreatment, eccn_class: str | None, chip: ChipMetrics) -> Treatment:
    key = eccn_class or UNCONTROLLED
    for rule in entry.treatment:
        if key in rule.classes and (rule.when is None or rule.when.matches(chip)):
            return rule
    raise AssertionError(f"pack coverage check missed class {key}")  # the loader guarantees coverage


def _chip_status(chip: str, row: Mapping, pack: RulePack, country: str,
                 dest: tuple[str, CountryTreatment]) -> dict[str, object]:
    metrics = chip_metrics(row)
    eccn_class, why = classify(metrics, pack)
    status, multiplier = None, 1.0
    if pack.domestic_chips_allowed and row["origin_country"] == country:
        status, reason = ChipStatus.ALLOWED, f"designed in {country}: not an export"
    else:
        override = next((o for o in pack.chip_overrides
                         if chip in o.chips and (o.all_countries or country in o.countries)), None)
        rule = override or _treatment(dest[1], eccn_class, metrics)
        status, multiplier = rule.status, rule.price_multiplier
        reason = f"override: {override.note}" if override else f"{dest[0]}: {rule.note or status.value}"
    return {"eccn_class": eccn_class, "is_controlled": eccn_class is not None, "status": status.value,
            "price_multiplier": multiplier, "tpp": float(row["tpp"]),
            "performance_density": float(row["performance_density"]), "note": f"{why}; {reason}"}


def check_country(country_iso3: str) -> str:
    """The ISO3 code, upper-cased, or DataError with a suggestion."""
    code = str(country_iso3).strip().upper()
    if not is_country(code):
        raise DataError([Problem("country", "country_iso3", f"unknown country code; {suggest_country(code)}",
                                 country_iso3)])
    return code


def resolve_policy(catalog: pd.DataFrame, country_iso3: str, on_date: dt.date, pack: str | None = None,
                   *, packs: Mapping[str, RulePack] | None = None) -> PolicyResolution:
    """Per-chip status, class and price multiplier for a destination on a date (or under a named pack).

    A named ``pack`` applies whatever the date (for what-if studies); ``packs`` defaults to ``data/policy``.
    """
    country = check_country(country_iso3)
    packs = load_rule_packs() if packs is None else packs
    chosen = select_pack(packs, on_date, pack)
    dest = _destination(chosen, country)
    rows = {chip: _chip_status(str(chip), row, chosen, country, dest) for chip, row in catalog.iterrows()}
    chips = pd.DataFrame.from_dict(rows, orient="index").loc[:, list(RESOLUTION_COLUMNS)]
    chips["eccn_class"] = pd.Series([rows[c]["eccn_class"] for c in chips.index], index=chips.index, dtype=object)
    chips.index.name = "chip"
    entry = dest[1]
    return PolicyResolution(
        country_iso3=country, on_date=on_date, pack=chosen.name, tier=entry.tier, tpp_cap=entry.tpp_cap,
        chips=chips, destination=dest[0], tpp_cap_period_years=entry.tpp_cap_period_years,
        low_volume_tpp_per_consignee_per_year=entry.low_volume_tpp_per_consignee_per_year,
        pack_title=chosen.title)
