"""Throughput coefficients for the MIP: tokens/s, power and tokens/J per (chip, service class), and
sustained training FLOP/s per chip.

Convention: ``tokens_per_s_per_chip`` counts generated tokens (visible output + reasoning), the unit of the
demand forecast; the prefill of the class's input tokens is included in the time. A chip that cannot serve
every model in the class's mix within memory (any TP x PP up to 8 x 8) and the TTFT/TPOT targets gets 0:
it is not scored for that class, and the MIP must not assign it. ``avg_power_kw_per_chip`` includes the
chip's share of host power (not cooling: PUE is a site property); NaN where the catalog has no TDP.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from planner.resources import data_path
from planner.roofline.cards import ModelCard, load_model_card
from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.growth import grown_card
from planner.roofline.kernel import Architecture, Hardware
from planner.roofline.precision import BYTES_PER_ELEMENT, FALLBACK, PEAK_COLUMN, Precision
from planner.roofline.search import best_serving
from planner.roofline.training import best_training
from planner.roofline.workloads import WorkloadProfile
from planner.yaml_load import safe_load

PCIE_FALLBACK_BIDIR_BYTES_PER_S = 64.0e9
"""Assumption for chips whose catalog row has no scale-up link: PCIe Gen4 x16, 32 GB/s per direction."""
FP4_MIN_SPEEDUP = 1.999
"""FP4 is chosen only where its dense peak is (at least) twice the FP8 peak: a native FP4 tensor path."""
DEFAULT_SCALEUP_DOMAIN_CHIPS = 8.0
"""Assumption for chips whose catalog row gives no scale-up domain: one 8-accelerator server."""

COEFFICIENT_COLUMNS = ["tokens_per_s_per_chip", "avg_power_kw_per_chip", "power_avg_kw_per_chip",
                       "power_peak_kw_per_chip", "tokens_per_joule", "replica_chips", "batch_size", "precision",
                       "prefill_time_share"]


def _peak(row: pd.Series, precision: Precision) -> float:
    value = row.get(PEAK_COLUMN[precision], np.nan)
    return float(value) if pd.notna(value) else np.nan


def effective_precision(chips: pd.DataFrame, wanted: Precision) -> list[Precision]:
    """Per chip, the requested format or the next wider one it supports (e.g. FP8 -> BF16 on A100).

    A narrower format is used only where the chip computes it faster than the next wider one, and FP4 only
    where it has a native double-rate path (FP4 peak >= 2 x FP8 peak, as on Blackwell and CDNA4): FP4 listed
    at the FP8 rate (MX formats on some parts) runs FP8, as submitters do. A chip with no figure for the
    requested format or any wider one keeps the request and is not scored (its peak is NaN)."""
    chosen = []
    for _, row in chips.iterrows():
        options = [p for p in FALLBACK[wanted] if pd.notna(_peak(row, p))]
        while len(options) > 1 and not _peak(row, options[0]) > _peak(row, options[1]) * (
                FP4_MIN_SPEEDUP if options[0] is Precision.FP4 else 1.0):
            options = options[1:]
        chosen.append(options[0] if options else wanted)
    return chosen


def kv_precision(chips: pd.DataFrame, weights: list[Precision]) -> list[Precision]:
    """KV cache format: FP8 where the chip computes in FP8 and weights are FP8 or narrower, else BF16."""
    has_fp8 = chips.get("fp8_dense_flops", pd.Series(np.nan, index=chips.index)).notna().to_numpy()
    narrow = np.array([p in (Precision.FP8, Precision.FP4) for p in weights])
    return [Precision.FP8 if a and b else Precision.BF16 for a, b in zip(has_fp8, narrow, strict=True)]


def _column(chips: pd.DataFrame, name: str, default: float) -> pd.Series:
    if name not in chips.columns:
        return pd.Series(default, index=chips.index, dtype=float)
    return chips[name].astype(float).fillna(default)


def hardware(chips: pd.DataFrame, precisions: list[Precision], shape: tuple[int, ...] = (-1,),
             eff: Efficiency = DEFAULT_EFFICIENCY, attention: list[Precision] | None = None) -> Hardware:
    """Catalog rows -> broadcastable arrays at each chip's chosen GEMM precision. Attention runs at the KV
    cache's precision (``attention``, default: ``kv_precision``), never narrower than FP8."""
    attention = kv_precision(chips, precisions) if attention is None else attention
    rows = [chips.iloc[i] for i in range(len(chips))]
    peak = np.array([_peak(r, p) for r, p in zip(rows, precisions, strict=True)], dtype=float)
    attn = np.array([_peak(r, p) for r, p in zip(rows, attention, strict=True)], dtype=float)
    gemm = np.array([eff.gemm(p) for p in precisions], dtype=float)
    link = _column(chips, "scaleup_bandwidth_bytes_per_s", PCIE_FALLBACK_BIDIR_BYTES_PER_S) / 2.0
    return Hardware(
        peak_flops=peak.reshape(shape),
        hbm_bytes=chips["hbm_bytes"].to_numpy(dtype=float).reshape(shape),
        hbm_bandwidth_bytes_per_s=chips["hbm_bandwidth_bytes_per_s"].to_numpy(dtype=float).reshape(shape),
        link_bytes_per_s=link.to_numpy(dtype=float).reshape(shape),
        tdp_kw=chips["tdp_kw"].to_numpy(dtype=float).reshape(shape),
        attention_flops=np.where(np.isnan(attn), peak, attn).reshape(shape),
        gemm_efficiency=gemm.reshape(shape),
        scaleup_domain_chips=_column(chips, "scaleup_domain_chips", DEFAULT_SCALEUP_DOMAIN_CHIPS)
        .to_numpy(dtype=float).reshape(shape),
        scaleout_bytes_per_s=_column(chips, "scaleout_bandwidth_bytes_per_s", eff.scaleout_bandwidth_bytes_per_s)
        .to_numpy(dtype=float).reshape(shape),
    )


def _class_rows(chips, profile: WorkloadProfile, cards: dict[str, ModelCard], eff: Efficiency) -> pd.DataFrame:
    weights = effective_precision(chips, profile.precision)
    kv = kv_precision(chips, weights)
    names = [m for m, share in profile.model_mix.items() if share > 0]
    shares = np.array([profile.model_mix[m] for m in names])
    hw = hardware(chips, weights, (-1, 1), eff, kv)
    arch = Architecture.from_cards([cards[m] for m in names], (1, -1))
    wb = np.array([BYTES_PER_ELEMENT[p] for p in weights]).reshape(-1, 1)
    kvb = np.array([BYTES_PER_ELEMENT[p] for p in kv]).reshape(-1, 1)
    draft = None if not profile.draft_model else Architecture.from_cards([cards[profile.draft_model]] * len(names),
                                                                         (1, -1))
    best = best_serving(hw, arch, wb, kvb, profile.input_tokens, profile.generated_tokens, profile.ttft_s,
                        profile.tpot_s, eff=eff, speculative_tokens=profile.speculative_tokens,
                        acceptance_rate=profile.acceptance_rate, draft=draft,
                        cached_input_share=profile.cached_input_share)
    load = eff.server_load_factor if profile.online else 1.0
    rate = np.nan_to_num(best.tokens_per_s_per_chip) * load  # (chips, models)
    feasible = np.all(rate > 0, axis=1)
    seconds_per_token = shares / np.where(rate > 0, rate, 1.0)  # chip-seconds per generated token, by model
    total_s = seconds_per_token.sum(axis=1)
    tokens = np.where(feasible, 1.0 / total_s, 0.0)
    energy = (seconds_per_token * np.nan_to_num(best.chip_power_kw, nan=0.0)).sum(axis=1)
    prefill = (seconds_per_token * np.nan_to_num(best.prefill_time_share, nan=0.0)).sum(axis=1)
    chip_kw = np.where(feasible, energy / total_s, np.nan)
    tdp = chips["tdp_kw"].to_numpy(dtype=float)
    # online classes idle part of the time (load headroom): the chip then draws its idle share
    average = np.where(feasible, chip_kw * load + tdp * eff.idle_power_fraction * (1 - load), np.nan)
    average = average + eff.host_power_fraction * tdp
    peak_chip = np.nanmax(np.where(rate > 0, best.peak_chip_power_kw, np.nan), axis=1, initial=0.0)
    peak = np.where(feasible, peak_chip + eff.host_peak_power_fraction * tdp, np.nan)
    dominant = int(np.argmax(shares))
    return pd.DataFrame({
        "chip": chips.index, "service_class": profile.name,
        "tokens_per_s_per_chip": tokens,
        "avg_power_kw_per_chip": average,
        "power_avg_kw_per_chip": average,
        "power_peak_kw_per_chip": peak,
        "tokens_per_joule": tokens / (average * 1000.0),
        "replica_chips": np.where(feasible, best.replica_chips.max(axis=1), 0),
        "batch_size": np.where(feasible, best.batch_size[:, dominant], 0),
        "precision": [str(p) for p in weights],
        "prefill_time_share": np.where(feasible, prefill / total_s, np.nan),
    })


def serving_coefficients(chips: pd.DataFrame, workloads: Mapping[str, WorkloadProfile],
                         eff: Efficiency = DEFAULT_EFFICIENCY, model_compute_factor: float = 1.0) -> pd.DataFrame:
    """Coefficient table indexed by (chip, service_class); see the module docstring for the conventions.

    ``replica_chips`` is the largest replica (TP x PP) among the class's models; ``batch_size`` is that of the
    class's largest-share model; the mix rate is the harmonic combination sum(share / rate)^-1.
    ``power_avg_kw_per_chip`` (energy) and ``power_peak_kw_per_chip`` (connection sizing) are kW per chip
    including its share of server/host power, at the class's operating point; ``avg_power_kw_per_chip`` is
    the same average under its earlier name. ``prefill_time_share`` is the share of a chip's serving time
    spent reading prompts rather than generating, over the class's model mix (it splits cost between input and
    output tokens). ``model_compute_factor``: every served card grown to that many times its per-token compute
    (``planner.roofline.growth.grown_card``; build-out years after the first).
    """
    names = {m for p in workloads.values() for m, share in p.model_mix.items() if share > 0}
    names |= {p.draft_model for p in workloads.values() if p.draft_model}
    cards = {m: grown_card(load_model_card(m), model_compute_factor) for m in sorted(names)}
    frames = [_class_rows(chips, profile, cards, eff) for profile in workloads.values()]
    table = pd.concat(frames, ignore_index=True).set_index(["chip", "service_class"])
    return table[COEFFICIENT_COLUMNS]


REFERENCE_TRAINING_FILE = ("workloads", "reference_training.yaml")


@lru_cache(maxsize=1)
def reference_training() -> dict:
    """The reference run behind default training FLOP/s (model card, chips, sequence length, batch), from data."""
    return safe_load(data_path(*REFERENCE_TRAINING_FILE).read_text(encoding="utf-8"))


def _reference_training(chips: pd.DataFrame, eff: Efficiency):
    ref = reference_training()
    precision = [Precision.BF16] * len(chips)
    hw = hardware(chips, precision, eff=eff, attention=precision)
    arch = Architecture.from_cards([load_model_card(ref["model"])] * len(chips))
    return best_training(hw, arch, ref["chips"], ref["seq_len"], ref["global_batch_seqs"], eff=eff)


def training_flops_per_chip(chips: pd.DataFrame, mfu: float | None = None,
                            eff: Efficiency = DEFAULT_EFFICIENCY) -> pd.Series:
    """Sustained BF16 model FLOP/s per chip. With ``mfu`` given: mfu x BF16 dense peak. Otherwise the
    kernel's model FLOP/s for the reference run (NaN where the chip cannot hold it or has no BF16 figure)."""
    peak = chips["bf16_dense_flops"].astype(float)
    if mfu is not None:
        return (peak * mfu).rename("train_flops_per_s_per_chip")
    best = _reference_training(chips, eff)
    return pd.Series(best.point.model_flops_per_s_per_chip, index=chips.index, name="train_flops_per_s_per_chip")


def training_power_kw_per_chip(chips: pd.DataFrame, eff: Efficiency = DEFAULT_EFFICIENCY) -> pd.DataFrame:
    """Average and peak kW per chip (incl. its share of host power) while running the reference training job.

    Peak: training drives chips to their power limit on compute-bound steps, so peak = TDP + host peak share."""
    best = _reference_training(chips, eff)
    tdp = chips["tdp_kw"].to_numpy(dtype=float)
    average = best.point.chip_power_kw + eff.host_power_fraction * tdp
    peak = tdp * (1.0 + eff.host_peak_power_fraction)
    return pd.DataFrame({"power_avg_kw_per_chip": average, "power_peak_kw_per_chip": peak}, index=chips.index)
