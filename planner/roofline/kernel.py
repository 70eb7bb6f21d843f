"""The roofline kernel: step times, memory fit, throughput and power, vectorised with numpy broadcasting.

Every function takes arrays that broadcast against each other (chips x models x precisions x parallelism x
batch sizes, in whatever layout the caller builds) and returns arrays of the broadcast shape. No I/O.

Formulas (see docs in ../shared reference "roofline.md", restated here):
- forward FLOPs per token: 2 N_act + a x ctx, a = attention FLOPs per context token (GQA 4 L H d_h;
  MLA absorbed in decode, un-absorbed in prefill);
- bytes per step: weights touched (MoE: expected distinct experts for the step's tokens) + KV read;
  the KV cache is stored at its own precision, not the weight precision;
- time = smooth max of compute and memory time, (t_c^k + t_m^k)^(1/k), plus tensor-parallel all-reduces,
  pipeline point-to-point sends and a fixed per-layer launch cost;
- pipeline parallelism: pp micro-batches in flight; weights are re-read per micro-batch, so PP adds
  capacity but not weight bandwidth;
- serving with continuous batching and chunked prefill: each step decodes B tokens and prefills
  B x s_in / s_out prompt tokens (steady state), so TPOT = step latency and the output rate is B / period;
  or disaggregated prefill/decode pools, whichever gives more tokens per chip-second for the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency

ACTIVATION_BYTES = 2.0  # activations and all-reduce payloads travel in BF16
SCALEUP_DOMAIN_CHIPS = 8  # pipeline stages beyond one 8-chip node talk over the scale-out network


@dataclass(frozen=True)
class Hardware:
    """Chip specs as broadcastable arrays (canonical units)."""

    peak_flops: np.ndarray
    hbm_bytes: np.ndarray
    hbm_bandwidth_bytes_per_s: np.ndarray
    link_bytes_per_s: np.ndarray  # one direction of the scale-up link
    tdp_kw: np.ndarray


@dataclass(frozen=True)
class Architecture:
    """Model architecture as broadcastable arrays (see ``ModelCard`` for the meaning of each)."""

    layers: np.ndarray
    hidden_size: np.ndarray
    intermediate_size: np.ndarray
    vocab_size: np.ndarray
    total_params: np.ndarray
    active_params: np.ndarray
    always_touched_params: np.ndarray
    expert_params: np.ndarray
    moe_layers: np.ndarray
    experts: np.ndarray
    top_k: np.ndarray
    kv_elements_per_token: np.ndarray
    attn_decode_flops_per_ctx: np.ndarray
    attn_prefill_flops_per_ctx: np.ndarray

    @classmethod
    def from_cards(cls, cards, shape: tuple[int, ...] = (-1,)) -> Architecture:
        """Stack cards along one axis, reshaped to ``shape`` (e.g. (1, -1, 1) for the model axis)."""
        def col(get):
            return np.asarray([float(get(c)) for c in cards]).reshape(shape)

        return cls(
            layers=col(lambda c: c.layers), hidden_size=col(lambda c: c.hidden_size),
            intermediate_size=col(lambda c: c.intermediate_size), vocab_size=col(lambda c: c.vocab_size),
            total_params=col(lambda c: c.total_params), active_params=col(lambda c: c.active_params),
            always_touched_params=col(lambda c: c.always_touched_params),
            expert_params=col(lambda c: c.expert_params),
            moe_layers=col(lambda c: c.moe.moe_layers if c.moe else 0),
            experts=col(lambda c: c.moe.experts if c.moe else 1),
            top_k=col(lambda c: c.moe.top_k if c.moe else 1),
            kv_elements_per_token=col(lambda c: c.kv_elements_per_token),
            attn_decode_flops_per_ctx=col(lambda c: c.attn_decode_flops_per_ctx),
            attn_prefill_flops_per_ctx=col(lambda c: c.attn_prefill_flops_per_ctx),
        )

    def take(self, index) -> Architecture:
        return Architecture(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


@dataclass(frozen=True)
class StepTime:
    """One forward step of a model replica. ``period_s``: time between steps (throughput);
    ``latency_s``: time a token takes through all pipeline stages; the rest: busy times for power."""

    period_s: np.ndarray
    latency_s: np.ndarray
    compute_s: np.ndarray
    memory_s: np.ndarray
    network_s: np.ndarray


def smooth_roofline(compute_s, memory_s, sharpness: float):
    """(t_c^k + t_m^k)^(1/k): equals the hard max far from the ridge, 2^(1/k) x max at it."""
    hi = np.maximum(compute_s, memory_s)
    safe = np.where(hi > 0, hi, 1.0)
    ratio_c, ratio_m = compute_s / safe, memory_s / safe
    return hi * (ratio_c**sharpness + ratio_m**sharpness) ** (1.0 / sharpness)


def touched_params(arch: Architecture, tokens):
    """Expected parameters one step reads: always-touched + distinct experts hit by ``tokens`` tokens."""
    miss = np.power(1.0 - arch.top_k / arch.experts, tokens)
    hit_experts = arch.experts * (1.0 - miss)
    return arch.always_touched_params + arch.moe_layers * hit_experts * arch.expert_params


def allreduce_s(tokens, arch: Architecture, layers, tp, link_bytes_per_s, eff: Efficiency):
    """Two ring all-reduces per layer over ``tp`` chips of ``tokens`` x hidden activations."""
    hops = 2.0 * (tp - 1.0)
    payload = (hops / tp) * tokens * arch.hidden_size * ACTIVATION_BYTES
    return layers * 2.0 * (eff.collective_latency_s * hops + payload / (eff.link * link_bytes_per_s))


def forward_step(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, decode_tokens, prefill_tokens,
                 decode_ctx, prefill_ctx, eff: Efficiency = DEFAULT_EFFICIENCY) -> StepTime:
    """One step decoding ``decode_tokens`` sequences (mean context ``decode_ctx``) while prefilling
    ``prefill_tokens`` prompt tokens (mean causal context ``prefill_ctx``) on a TP x PP replica."""
    n = tp * pp
    tokens = decode_tokens + prefill_tokens
    flops = (decode_tokens * (2.0 * arch.active_params + arch.attn_decode_flops_per_ctx * decode_ctx)
             + prefill_tokens * (2.0 * arch.active_params + arch.attn_prefill_flops_per_ctx * prefill_ctx))
    kv_token_bytes = arch.kv_elements_per_token * kv_bytes
    kv_traffic = decode_tokens * decode_ctx * kv_token_bytes + prefill_tokens * kv_token_bytes
    # Per micro-batch and stage: 1/pp of the tokens through 1/pp of the layers, split over tp chips.
    weights_mb = touched_params(arch, tokens / pp) * weight_bytes / pp
    compute_mb = flops / (pp * pp * tp * eff.compute * hw.peak_flops)
    memory_mb = (weights_mb + kv_traffic / (pp * pp)) / (tp * eff.memory * hw.hbm_bandwidth_bytes_per_s)
    layers_stage = arch.layers / pp
    network_mb = allreduce_s(tokens / pp, arch, layers_stage, tp, hw.link_bytes_per_s, eff)
    stage = smooth_roofline(compute_mb, memory_mb, eff.ridge_sharpness) + network_mb
    stage = stage + eff.fixed_per_layer_s * layers_stage
    period = pp * stage
    p2p_link = np.where(n > SCALEUP_DOMAIN_CHIPS, eff.scaleout_bandwidth_bytes_per_s, hw.link_bytes_per_s)
    p2p = eff.collective_latency_s + (tokens / pp) * arch.hidden_size * ACTIVATION_BYTES / (eff.link * p2p_link)
    latency = period + (pp - 1.0) * p2p
    return StepTime(period_s=period, latency_s=latency, compute_s=pp * compute_mb, memory_s=pp * memory_mb,
                    network_s=pp * network_mb + (pp - 1.0) * p2p)


def memory_needed_bytes_per_chip(arch: Architecture, weight_bytes, kv_bytes, tp, pp, sequences, ctx, step_tokens):
    """Weights + KV cache of ``sequences`` at mean context ``ctx`` + one layer's activations and the logits."""
    n = tp * pp
    weights = arch.total_params * weight_bytes / n
    kv = sequences * ctx * arch.kv_elements_per_token * kv_bytes / n
    per_token = (4.0 * arch.hidden_size + 2.0 * arch.intermediate_size / tp) * ACTIVATION_BYTES
    activations = step_tokens / pp * per_token + sequences / pp * arch.vocab_size / tp * 4.0
    return weights + kv + activations


def fits(hw: Hardware, needed_bytes_per_chip, eff: Efficiency = DEFAULT_EFFICIENCY):
    return needed_bytes_per_chip <= eff.hbm_usable_fraction * hw.hbm_bytes


def chip_power_kw(hw: Hardware, step: StepTime, eff: Efficiency = DEFAULT_EFFICIENCY):
    """Average chip power from the busy shares of compute, memory and network (GenZ's split)."""
    period = np.where(step.period_s > 0, step.period_s, 1.0)
    u_c = np.clip(step.compute_s / period, 0.0, 1.0)
    u_m = np.clip(step.memory_s / period, 0.0, 1.0)
    u_n = np.clip(step.network_s / period, 0.0, 1.0)
    share = (eff.idle_power_fraction + eff.compute_power_fraction * u_c + eff.memory_power_fraction * u_m
             + eff.network_power_fraction * u_n)
    return hw.tdp_kw * share


@dataclass(frozen=True)
class ServingPoint:
    """Steady-state serving of one (chip, model, precision, parallelism, batch) configuration."""

    tokens_per_s_per_chip: np.ndarray  # generated tokens
    tpot_s: np.ndarray
    ttft_s: np.ndarray
    fits: np.ndarray
    chip_power_kw: np.ndarray


PREFILL_CHUNK_TOKENS = 8192.0
"""Tokens per step of a dedicated prefill replica (disaggregated serving); large enough to be compute bound."""


def serving_point(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, batch, input_tokens,
                  output_tokens, eff: Efficiency = DEFAULT_EFFICIENCY) -> ServingPoint:
    """Best of two serving modes for ``batch`` decoding sequences on a TP x PP replica.

    Co-located: continuous batching with chunked prefill; each step decodes ``batch`` tokens and prefills
    batch x s_in / s_out prompt tokens, so prefill work lengthens TPOT. Disaggregated: replicas of the
    same shape do prefill only (``PREFILL_CHUNK_TOKENS`` per step) and hand the KV cache over; decode
    replicas run pure decode steps. Throughput counts the chip-time of both pools.
    """
    decode_ctx = input_tokens + output_tokens / 2.0
    n = tp * pp
    prefill_tokens = batch * input_tokens / output_tokens
    mixed = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, batch, prefill_tokens, decode_ctx,
                         input_tokens / 2.0, eff)
    first = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, 0.0, input_tokens, 0.0, input_tokens / 2.0, eff)
    decode = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, batch, 0.0, decode_ctx, 0.0, eff)
    chunk = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, 0.0, PREFILL_CHUNK_TOKENS, 0.0,
                         input_tokens / 2.0, eff)
    colocated_rate = batch / (mixed.period_s * n)
    chip_s_per_token = n * decode.period_s / batch + n * chunk.period_s / PREFILL_CHUNK_TOKENS * (
        input_tokens / output_tokens)
    disaggregated_rate = 1.0 / chip_s_per_token
    use_split = disaggregated_rate > colocated_rate
    needed = memory_needed_bytes_per_chip(arch, weight_bytes, kv_bytes, tp, pp, batch, decode_ctx,
                                          np.where(use_split, np.maximum(batch, PREFILL_CHUNK_TOKENS),
                                                   batch + prefill_tokens))
    decode_share = n * decode.period_s / batch / chip_s_per_token
    split_power = (decode_share * chip_power_kw(hw, decode, eff)
                   + (1.0 - decode_share) * chip_power_kw(hw, chunk, eff))
    return ServingPoint(
        tokens_per_s_per_chip=np.where(use_split, disaggregated_rate, colocated_rate),
        tpot_s=np.where(use_split, decode.latency_s, mixed.latency_s),
        ttft_s=first.latency_s + np.where(use_split, first.latency_s, mixed.latency_s),
        fits=fits(hw, needed, eff),
        chip_power_kw=np.where(use_split, split_power, chip_power_kw(hw, mixed, eff)),
    )


def decode_tokens_per_s(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, batch, context,
                        eff: Efficiency = DEFAULT_EFFICIENCY):
    """Pure decode (no prefill) tokens/s per replica at ``batch`` sequences of mean ``context``."""
    step = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, batch, 0.0, context, 0.0, eff)
    return batch / step.period_s


@dataclass(frozen=True)
class TrainingPoint:
    model_flops_per_s_per_chip: np.ndarray
    mfu: np.ndarray
    tokens_per_s_per_chip: np.ndarray


def training_flops_per_token(arch: Architecture, seq_len):
    """PaLM convention: 6 N + 12 L H d_h s (forward + backward, attention over the full sequence)."""
    return 6.0 * arch.active_params + 3.0 * arch.attn_prefill_flops_per_ctx * seq_len


def training_point(hw: Hardware, arch: Architecture, tp, pp, dp, seq_len, global_batch_tokens, cp=1,
                   interleave=None, eff: Efficiency = DEFAULT_EFFICIENCY) -> TrainingPoint:
    """3D-parallel BF16 training step (interleaved 1F1B pipeline, micro-batch of one sequence).

    Stage time per micro-batch = (dense GEMMs at ``compute`` + attention at ``attention_compute``)
    x (1 + non-GEMM overhead) + four exposed TP collectives per layer; the pipeline bubble adds
    (pp - 1)/v stage times per step. Context-parallel ring exchanges are assumed overlapped.
    """
    v = eff.pipeline_interleave if interleave is None else interleave
    microbatches = global_batch_tokens / (dp * seq_len)
    tokens_mb = seq_len / cp  # tokens one chip's stage handles per micro-batch
    dense = 6.0 * arch.active_params * tokens_mb / (pp * tp * eff.compute * hw.peak_flops)
    attention = 3.0 * arch.attn_prefill_flops_per_ctx * seq_len * tokens_mb / (
        pp * tp * eff.attention_compute * hw.peak_flops)
    comm = 2.0 * allreduce_s(tokens_mb, arch, arch.layers / pp, tp, hw.link_bytes_per_s, eff)
    stage = (dense + attention) * (1.0 + eff.train_nongemm_overhead) + comm
    step = stage * (microbatches + (pp - 1.0) / v) / eff.train_system
    tokens_per_chip = microbatches * seq_len / (tp * pp * cp)
    model_flops = tokens_per_chip * training_flops_per_token(arch, seq_len) / step
    return TrainingPoint(model_flops_per_s_per_chip=model_flops, mfu=model_flops / hw.peak_flops,
                         tokens_per_s_per_chip=tokens_per_chip / step)
