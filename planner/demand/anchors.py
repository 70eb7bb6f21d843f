"""The observed facts demand is calibrated on (``data/public_anchors/demand_anchors.yaml``, drawn from
``public_anchors.csv``): adoption by country and date, working-age shares, country usage splits, global token
volumes, chat intensity, reasoning and prompt lengths, and the low / central / high ranges of the growth knobs.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.scenario.schema import AdoptionObservation
from planner.yaml_load import safe_load

ANCHORS_FILE = ("public_anchors", "demand_anchors.yaml")
WORLD = "WLD"


@lru_cache(maxsize=1)
def load_anchors() -> dict:
    """The whole anchors file as a mapping (read once)."""
    path = data_path(*ANCHORS_FILE)
    raw = safe_load(path.read_text(encoding="utf-8"))
    missing = [k for k in ("adoption", "working_age_share", "usage_intensity", "volumes", "chat", "knob_ranges")
               if not isinstance(raw, dict) or k not in raw]
    if missing:
        raise DataError([Problem("data/" + "/".join(ANCHORS_FILE), k, "section missing") for k in missing])
    return raw


def adoption_observations() -> pd.DataFrame:
    """One row per measured (country, period): iso3, period, date [decimal year], share_of_working_age."""
    adoption = load_anchors()["adoption"]
    rows = [{"iso3": iso3, "period": period, "date": float(adoption["periods"][period]),
             "share_of_working_age": float(share)}
            for iso3, by_period in adoption["share_of_working_age"].items() for period, share in by_period.items()]
    return pd.DataFrame(rows).sort_values(["iso3", "date"], ignore_index=True)


def adoption_countries() -> list[str]:
    return list(load_anchors()["adoption"]["share_of_working_age"])


def adoption_source_url() -> str:
    return str(load_anchors()["adoption"]["source_url"])


def working_age_share(iso3: str) -> float:
    """People aged 15-64 over all people (the world figure where the country is not listed) [-]."""
    shares = load_anchors()["working_age_share"]
    return float(shares.get(iso3, shares["default"]))


def calibration_observation(iso3: str) -> AdoptionObservation | None:
    """The latest measurement (the calibration period) of a country, or None if it has none."""
    adoption = load_anchors()["adoption"]
    period = adoption["calibration_period"]
    share = adoption["share_of_working_age"].get(iso3, {}).get(period)
    if share is None:
        return None
    return AdoptionObservation(share_of_working_age=float(share), date=float(adoption["periods"][period]),
                               working_age_share=working_age_share(iso3))


def knob_ranges() -> dict[str, dict]:
    return dict(load_anchors()["knob_ranges"])
