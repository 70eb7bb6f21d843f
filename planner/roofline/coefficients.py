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

import numpy as np
import pandas as pd

from planner.roofline.cards import ModelCard, load_model_card
from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.kernel import Architecture, Hardware, training_point
from planner.roofline.precision import BYTES_PER_ELEMENT, FALLBACK, PEAK_COLUMN, Precision
from planner.roofline.search import best_serving
from planner.roofline.workloads import WorkloadProfile

PCIE_FALLBACK_BIDIR_BYTES_PER_S = 64.0e9
"""Assumption for chips whose catalog row has no scale-up link: PCIe Gen4 x16, 32 GB/s per direction."""

COEFFICIENT_COLUMNS = ["tokens_per_s_per_chip", "avg_power_kw_per_chip", "tokens_per_joule", "replica_chips",
                       "batch_size", "precision"]


def effective_precision(chips: pd.DataFrame, wanted: Precision) -> list[Precision]:
    """Per chip, the requested format or the next wider one it supports (e.g. FP8 -> BF16 on A100)."""
    chosen = []
    for _, row in chips.iterrows():
        options = [p for p in FALLBACK[wanted] if pd.notna(row.get(PEAK_COLUMN[p], np.nan))]
        chosen.append(options[0] if options else Precision.BF16)
    return chosen


def kv_precision(chips: pd.DataFrame, weights: list[Precision]) -> list[Precision]:
    """KV cache format: FP8 where the chip computes in FP8 and weights are FP8 or narrower, else BF16."""
    has_fp8 = chips.get("fp8_dense_flops", pd.Series(np.nan, index=chips.index)).notna().to_numpy()
    narrow = np.array([p in (Precision.FP8, Precision.FP4) for p in weights])
    return [Precision.FP8 if a and b else Precision.BF16 for a, b in zip(has_fp8, narrow, strict=True)]


def hardware(chips: pd.DataFrame, precisions: list[Precision], shape: tuple[int, ...] = (-1,)) -> Hardware:
    """Catalog rows -> broadcastable arrays at each chip's chosen precision."""
    peak = np.array([chips.iloc[i][PEAK_COLUMN[p]] for i, p in enumerate(precisions)], dtype=float)
    link = chips["scaleup_bandwidth_bytes_per_s"].astype(float).fillna(PCIE_FALLBACK_BIDIR_BYTES_PER_S) / 2.0
    return Hardware(
        peak_flops=peak.reshape(shape),
        hbm_bytes=chips["hbm_bytes"].to_numpy(dtype=float).reshape(shape),
        hbm_bandwidth_bytes_per_s=chips["hbm_bandwidth_bytes_per_s"].to_numpy(dtype=float).reshape(shape),
        link_bytes_per_s=link.to_numpy(dtype=float).reshape(shape),
        tdp_kw=chips["tdp_kw"].to_numpy(dtype=float).reshape(shape),
    )


def _class_rows(chips, profile: WorkloadProfile, cards: dict[str, ModelCard], eff: Efficiency) -> pd.DataFrame:
    weights = effective_precision(chips, profile.precision)
    kv = kv_precision(chips, weights)
    names = [m for m, share in profile.model_mix.items() if share > 0]
    shares = np.array([profile.model_mix[m] for m in names])
    hw = hardware(chips, weights, (-1, 1))
    arch = Architecture.from_cards([cards[m] for m in names], (1, -1))
    wb = np.array([BYTES_PER_ELEMENT[p] for p in weights]).reshape(-1, 1)
    kvb = np.array([BYTES_PER_ELEMENT[p] for p in kv]).reshape(-1, 1)
    best = best_serving(hw, arch, wb, kvb, profile.input_tokens, profile.generated_tokens, profile.ttft_s,
                        profile.tpot_s, eff=eff)
    load = eff.server_load_factor if profile.online else 1.0
    rate = best.tokens_per_s_per_chip * load  # (chips, models)
    feasible = np.all(rate > 0, axis=1)
    seconds_per_token = shares / np.where(rate > 0, rate, 1.0)  # chip-seconds per generated token, by model
    total_s = seconds_per_token.sum(axis=1)
    tokens = np.where(feasible, 1.0 / total_s, 0.0)
    energy = (seconds_per_token * np.nan_to_num(best.chip_power_kw, nan=0.0)).sum(axis=1)
    chip_kw = np.where(feasible, energy / total_s, np.nan)
    tdp = chips["tdp_kw"].to_numpy(dtype=float)
    power = np.where(feasible, chip_kw * load + tdp * eff.idle_power_fraction * (1 - load), np.nan)
    power = power + eff.host_power_fraction * tdp
    dominant = int(np.argmax(shares))
    return pd.DataFrame({
        "chip": chips.index, "service_class": profile.name,
        "tokens_per_s_per_chip": tokens,
        "avg_power_kw_per_chip": power,
        "tokens_per_joule": tokens / (power * 1000.0),
        "replica_chips": np.where(feasible, best.replica_chips.max(axis=1), 0),
        "batch_size": np.where(feasible, best.batch_size[:, dominant], 0),
        "precision": [str(p) for p in weights],
    })


def serving_coefficients(chips: pd.DataFrame, workloads: Mapping[str, WorkloadProfile],
                         eff: Efficiency = DEFAULT_EFFICIENCY) -> pd.DataFrame:
    """Coefficient table indexed by (chip, service_class); see the module docstring for the conventions.

    ``replica_chips`` is the largest replica (TP x PP) among the class's models; ``batch_size`` is that of the
    class's largest-share model; the mix rate is the harmonic combination sum(share / rate)^-1.
    """
    names = {m for p in workloads.values() for m, share in p.model_mix.items() if share > 0}
    cards = {m: load_model_card(m) for m in sorted(names)}
    frames = [_class_rows(chips, profile, cards, eff) for profile in workloads.values()]
    table = pd.concat(frames, ignore_index=True).set_index(["chip", "service_class"])
    return table[COEFFICIENT_COLUMNS]


REFERENCE_TRAINING = {"model": "Llama-3.1-405B", "tp": 8, "pp": 16, "dp": 64, "seq_len": 8192,
                      "global_batch_tokens": 16 * 2**20}
"""The reference run behind default training FLOP/s: Llama 3 405B pre-training (Llama 3 paper, Table 4)."""


def training_flops_per_chip(chips: pd.DataFrame, mfu: float | None = None,
                            eff: Efficiency = DEFAULT_EFFICIENCY) -> pd.Series:
    """Sustained BF16 model FLOP/s per chip. With ``mfu`` given: mfu x BF16 dense peak. Otherwise the
    kernel's MFU for the reference run, which depends on the chip's link bandwidth."""
    peak = chips["bf16_dense_flops"].astype(float)
    if mfu is not None:
        return (peak * mfu).rename("train_flops_per_s_per_chip")
    ref = REFERENCE_TRAINING
    hw = hardware(chips, [Precision.BF16] * len(chips))
    arch = Architecture.from_cards([load_model_card(ref["model"])])
    point = training_point(hw, arch, ref["tp"], ref["pp"], ref["dp"], ref["seq_len"], ref["global_batch_tokens"],
                           eff=eff)
    return pd.Series(point.model_flops_per_s_per_chip, index=chips.index, name="train_flops_per_s_per_chip")
