"""Training step time from the same operator model as serving: 3D/4D parallelism, recomputation, LoRA.

One optimizer step of a data-parallel replica runs m = GBS / (dp x micro-batch) micro-batches through a
pp-stage interleaved 1F1B pipeline. Per micro-batch and stage: forward GEMMs at the training precision,
backward at twice the forward (input and weight gradients; LoRA: input gradients only, the frozen base
weights get none), recomputation (selective: attention re-run in the backward pass; full: the whole forward
again), flash attention forward + backward, element-wise operators, tensor-parallel collectives (two per
layer per pass) and pipeline sends. The bubble adds (pp - 1) / v stage times; data-parallel gradient
reduce-scatter and parameter all-gather over the scale-out network are hidden up to ``dp_overlap``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.kernel import (ACTIVATION_BYTES, Architecture, Hardware, _link, _stage_network_s,
                                     chip_power_kw, gemm_efficiency, smooth_roofline, StepTime)

RECOMPUTE_SELECTIVE, RECOMPUTE_FULL = 0.0, 1.0
TENSOR_PARALLEL = np.array([1, 2, 4, 8, 16, 32, 64])
PIPELINE_PARALLEL = np.array([1, 2, 4, 8, 16, 32, 64])
OPTIMIZER_BYTES_PER_PARAM = 12.0  # FP32 master weights + Adam first and second moments
ACTIVATION_BYTES_PER_TOKEN_HIDDEN = 34.0
"""Stored activations per layer per token in units of hidden size, selective recomputation with sequence
parallelism: 34 s b h / t bytes (Korthikanti et al. 2022, arXiv 2205.05198, eq. 5)."""


@dataclass(frozen=True)
class TrainingPoint:
    model_flops_per_s_per_chip: np.ndarray
    mfu: np.ndarray
    tokens_per_s_per_chip: np.ndarray
    hardware_flops_per_s_per_chip: np.ndarray
    step_s: np.ndarray
    fits: np.ndarray
    chip_power_kw: np.ndarray


def training_flops_per_token(arch: Architecture, seq_len):
    """PaLM convention: 6 N + 12 L H d_h s (forward + backward, attention over the full sequence)."""
    return 6.0 * arch.active_params + 3.0 * arch.attn_prefill_flops_per_ctx * seq_len


def _passes(lora, recompute):
    """GEMM passes per micro-batch relative to one forward: 1 + backward (2, LoRA 1) + full recompute (1)."""
    return 1.0 + np.where(lora, 1.0, 2.0) + np.where(recompute == RECOMPUTE_FULL, 1.0, 0.0)


def training_memory_bytes_per_chip(arch: Architecture, weight_bytes, tp, pp, dp, cp, seq_len, micro_batch,
                                   lora, recompute):
    """Weights (+ gradients and optimizer states sharded over DP unless LoRA) + stored activations."""
    shard = arch.total_params / (tp * pp)
    states = np.where(lora, shard * weight_bytes, shard * (weight_bytes + 2.0 + OPTIMIZER_BYTES_PER_PARAM / dp))
    tokens = seq_len / cp * micro_batch
    per_layer = np.where(recompute == RECOMPUTE_FULL, 2.0 * tokens * arch.hidden_size / tp,
                         ACTIVATION_BYTES_PER_TOKEN_HIDDEN * tokens * arch.hidden_size / tp)
    # 1F1B: the first stage holds pp micro-batches of its layers/pp layers = all layers' worth of one micro-batch
    working = tokens * (4.0 * arch.hidden_size + 2.0 * arch.intermediate_size / tp) * ACTIVATION_BYTES * 4.0
    return states + arch.layers * per_layer + working + tokens * arch.vocab_size / tp * 4.0


def training_point(hw: Hardware, arch: Architecture, tp, pp, dp, seq_len, global_batch_tokens, cp=1,
                   interleave=None, eff: Efficiency = DEFAULT_EFFICIENCY, lora=False,
                   recompute=RECOMPUTE_SELECTIVE, weight_bytes=2.0, micro_batch=1.0) -> TrainingPoint:
    """One training step of ``dp`` x ``tp`` x ``pp`` x ``cp`` chips (arrays broadcast)."""
    v = eff.pipeline_interleave if interleave is None else interleave
    lora, recompute = np.asarray(lora, dtype=bool), np.asarray(recompute, dtype=float)
    microbatches = np.maximum(global_batch_tokens / (dp * seq_len * micro_batch), 1.0)
    tokens_mb = seq_len / cp * micro_batch  # tokens one chip's stage handles per micro-batch
    share = 1.0 / (pp * tp)
    peak = hw.peak_flops * gemm_efficiency(hw, eff)
    bf16_peak = np.asarray(hw.attention_flops, dtype=float)
    bf16_peak = np.where(np.isnan(bf16_peak), hw.peak_flops, bf16_peak)
    bandwidth = eff.memory * hw.hbm_bandwidth_bytes_per_s
    passes = _passes(lora, recompute)
    gemm_c = 2.0 * arch.active_params * tokens_mb * share / peak
    gemm_m = arch.total_params * weight_bytes * share / bandwidth
    gemm = passes * smooth_roofline(gemm_c, gemm_m, eff.ridge_sharpness)
    # causal flash attention: forward = half the full-sequence FLOPs; backward 2.5x forward; recomputed once
    attn_fwd = arch.attn_prefill_flops_per_ctx * (seq_len / 2.0) * tokens_mb * share / (eff.attention_compute
                                                                                         * bf16_peak)
    attention = attn_fwd * (3.5 + 1.0)
    collectives = (passes - np.where(lora, 0.0, 1.0)) * _stage_network_s(hw, arch, tokens_mb, arch.layers / pp,
                                                                          tp, eff)
    bandwidth_p2p, latency_p2p = _link(hw, tp * pp, eff)
    p2p = 2.0 * (latency_p2p + tokens_mb * arch.hidden_size * ACTIVATION_BYTES / bandwidth_p2p) * (pp > 1)
    stage = (gemm + attention) * (1.0 + eff.train_nongemm_overhead) + collectives + p2p
    pipeline = stage * (microbatches + (pp - 1.0) / v)
    trainable = np.where(lora, 0.0, arch.total_params / (tp * pp))
    dp_bandwidth, dp_latency = _link(hw, tp * pp * dp * cp, eff)
    dp_sync = (2.0 * 2.0 * trainable * (dp - 1.0) / np.maximum(dp, 1.0) / dp_bandwidth
               + 2.0 * dp_latency * np.log2(np.maximum(dp, 1.0)))
    step = (pipeline + (1.0 - eff.dp_overlap) * dp_sync) / eff.train_system
    tokens_per_chip = microbatches * tokens_mb / (tp * pp)  # per chip per step (cp shards the sequence)
    per_token = training_flops_per_token(arch, seq_len)
    model_flops = tokens_per_chip * per_token / step
    hardware_per_token = per_token + np.where(recompute == RECOMPUTE_FULL, 2.0 * arch.active_params, 0.0)
    needed = training_memory_bytes_per_chip(arch, weight_bytes, tp, pp, dp, cp, seq_len, micro_batch, lora,
                                            recompute)
    # busy times for power: GEMM and attention compute, weight/element-wise traffic, collectives
    busy = StepTime(period_s=step, latency_s=step, compute_s=microbatches * (passes * gemm_c + attention),
                    memory_s=microbatches * (passes * gemm_m + eff.train_nongemm_overhead * (gemm + attention)),
                    network_s=microbatches * (collectives + p2p) + dp_sync)
    return TrainingPoint(model_flops_per_s_per_chip=model_flops, mfu=model_flops / bf16_peak,
                         tokens_per_s_per_chip=tokens_per_chip / step,
                         hardware_flops_per_s_per_chip=tokens_per_chip * hardware_per_token / step, step_s=step,
                         fits=needed <= eff.hbm_usable_fraction * hw.hbm_bytes,
                         chip_power_kw=chip_power_kw(hw, busy, eff))


@dataclass(frozen=True)
class BestTraining:
    point: TrainingPoint
    tensor_parallel: np.ndarray
    pipeline_parallel: np.ndarray
    data_parallel: np.ndarray
    recompute: np.ndarray


def best_training(hw: Hardware, arch: Architecture, chips, seq_len, global_batch_seqs,
                  eff: Efficiency = DEFAULT_EFFICIENCY, lora=False, weight_bytes=2.0, cp=1.0,
                  fixed_tp=np.nan, fixed_pp=np.nan, fixed_recompute=np.nan) -> BestTraining:
    """The fastest (TP, PP, recomputation) per leading index that fits memory, with DP = chips / (TP x PP x CP)
    no larger than the global batch (one sequence per micro-batch). Inputs broadcast over a leading shape;
    ``fixed_*`` (NaN: free) pin a choice a run states. A run whose stated choice does not fit memory is
    still scored at it (the measurement shows it ran)."""
    def lead(x):
        arr = np.asarray(x, dtype=float)
        return arr.reshape(arr.shape + (1, 1, 1))

    hw3 = Hardware(**{k: lead(getattr(hw, k)) for k in hw.__dataclass_fields__})
    arch3 = Architecture(**{k: lead(getattr(arch, k)) for k in arch.__dataclass_fields__})
    n, seq, gbs, wb, cp3 = lead(chips), lead(seq_len), lead(global_batch_seqs), lead(weight_bytes), lead(cp)
    f_tp, f_pp, f_rc = lead(fixed_tp), lead(fixed_pp), lead(fixed_recompute)
    lo = np.asarray(lora, dtype=bool).reshape(np.shape(lora) + (1, 1, 1))
    tp = np.union1d(TENSOR_PARALLEL, np.unique(f_tp[np.isfinite(f_tp)])).reshape(-1, 1, 1).astype(float)
    pp = np.union1d(PIPELINE_PARALLEL, np.unique(f_pp[np.isfinite(f_pp)])).reshape(1, -1, 1).astype(float)
    rc = np.array([RECOMPUTE_SELECTIVE, RECOMPUTE_FULL]).reshape(1, 1, -1)
    dp = np.floor(n / (tp * pp * cp3))
    point = training_point(hw3, arch3, tp, pp, np.maximum(dp, 1.0), seq, gbs * seq, cp=cp3, eff=eff, lora=lo,
                           recompute=rc, weight_bytes=wb)
    pinned = np.isfinite(f_tp) | np.isfinite(f_pp) | np.isfinite(f_rc)
    chosen = ((np.isnan(f_tp) | (tp == f_tp)) & (np.isnan(f_pp) | (pp == f_pp)) & (np.isnan(f_rc) | (rc == f_rc)))
    ok = (point.fits | pinned) & chosen & (dp >= 1) & (dp <= gbs) & (pp <= arch3.layers)
    ok = ok & ((tp <= eff.max_tensor_parallel) | pinned)
    score = np.where(ok, point.tokens_per_s_per_chip, 0.0)
    shape = score.shape
    flat = score.reshape(shape[:-3] + (-1,))
    best = np.argmax(flat, axis=-1)[..., None]

    def pick(values):
        full = np.broadcast_to(values, shape).reshape(shape[:-3] + (-1,))
        return np.take_along_axis(full, best, axis=-1)[..., 0]

    found = pick(score) > 0
    chosen = TrainingPoint(**{k: np.where(found, pick(getattr(point, k)), np.nan)
                              for k in TrainingPoint.__dataclass_fields__ if k != "fits"}, fits=found)
    return BestTraining(point=chosen, tensor_parallel=pick(tp), pipeline_parallel=pick(pp), data_parallel=pick(dp),
                        recompute=pick(rc))
