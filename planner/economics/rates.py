"""The per-unit facts the economics stage needs beside a plan's tables: how many tokens a year a token/s of
peak serving is, what a chip costs a year, how much it draws, how fast it computes. The pipeline builds
them from the same reference facts ``verify`` checks the plan against; every field but the token rate is
optional and the stage falls back to allocation keys the tables carry (peak IT power) without it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

TRAINING_ROLE = "training"  # the allocation table's role for chips that train (planner.mip.inputs)


@dataclass(frozen=True)
class EconomicsRates:
    tokens_per_year_per_peak_rate: pd.Series
    """index service_class: generated tokens a year per token/s served at the class's peak (the year at the
    class's mean load: seconds per year / peak-to-mean ratio)."""
    peak_to_mean_ratio: pd.Series | None = None
    """index service_class: busy hour over the daily mean, whose load-duration curve turns a row's unserved
    peak into the tokens it loses (``planner.demand.load_duration``); None = a flat load (a row serves its
    served peak's share of its tokens)."""
    input_per_generated: pd.Series | None = None
    """index service_class: prompt and context tokens read per generated token [-] (the demand's ratio)."""
    chip_usd_per_year: pd.Series | None = None
    """index chip: capex annuity of a chip and its server share plus maintenance [USD/year]."""
    peak_kw: pd.Series | None = None
    """index chip: peak draw of one chip with its server share [kW]."""
    average_kw: pd.Series | None = None
    """index (chip, role): average draw of one chip in that role [kW]."""
    energy_usd_per_mwh: pd.Series | None = None
    """index site: delivered electricity price [USD/MWh]."""
    peak_flops: pd.DataFrame | None = None
    """index chip: dense peak FLOP/s per chip by format (columns ``bf16_dense_flops``, ``fp8_dense_flops``)."""
    prefill_time_share: pd.Series | None = None
    """index (chip, service_class): share of a serving chip's time spent on prefill (reading input tokens)
    rather than decode, from the roofline kernel [-]."""
