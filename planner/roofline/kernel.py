"""The roofline kernel: step times, memory fit, throughput and power, vectorised with numpy broadcasting.

Every function takes arrays that broadcast against each other (chips x models x precisions x parallelism x
batch sizes, in whatever layout the caller builds) and returns arrays of the broadcast shape. No I/O.
The model (docs/roofline.md has the derivations and sources):

- a step is a sequence of operators, each timed by its own smooth roofline (t_c^k + t_m^k)^(1/k) and summed
  (kernels run one after another, so a memory-bound attention kernel does not hide behind a compute-bound
  GEMM): dense GEMMs (weights always read), routed-expert GEMMs (distinct experts hit, load imbalance of the
  busiest expert-parallel rank), attention (decode: KV-cache reads; prefill: flash attention at its own
  efficiency and precision), non-GEMM element-wise operators (norms, activations, residuals, rotary);
- collectives with a latency per hop: tensor-parallel all-reduces over the chip's scale-up domain (8-GPU
  boards, 72-GPU NVLink racks) or the scale-out network beyond it, expert-parallel all-to-alls for MoE
  layers, pipeline point-to-point sends; plus a launch cost per layer and a host/scheduler cost per step;
- pipeline parallelism: pp micro-batches in flight; weights are re-read per micro-batch;
- serving with continuous batching and chunked prefill (each step decodes B tokens and prefills
  B x s_in / s_out prompt tokens in steady state) or disaggregated prefill/decode pools, whichever gives more
  tokens per chip-second; latencies are p99 estimates (long prompts for TTFT, a tail factor for TPOT).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency

ACTIVATION_BYTES = 2.0  # activations and collective payloads travel in BF16


@dataclass(frozen=True)
class Hardware:
    """Chip specs as broadcastable arrays (canonical units)."""

    peak_flops: np.ndarray  # dense peak at the GEMM (weight) precision
    hbm_bytes: np.ndarray
    hbm_bandwidth_bytes_per_s: np.ndarray
    link_bytes_per_s: np.ndarray  # one direction of the scale-up link, per chip
    tdp_kw: np.ndarray
    attention_flops: np.ndarray | float = np.nan  # dense peak at the attention precision; NaN: as peak_flops
    gemm_efficiency: np.ndarray | float = np.nan  # achieved fraction of peak_flops; NaN: Efficiency.compute
    scaleup_domain_chips: np.ndarray | float = 8.0  # chips that share the scale-up fabric
    scaleout_bytes_per_s: np.ndarray | float = np.nan  # per chip, one direction; NaN: Efficiency default


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

    @property
    def routed_active_params(self):
        """Routed-expert parameters one token passes through (top-k experts in every MoE layer)."""
        return self.moe_layers * self.top_k * self.expert_params

    @property
    def is_moe(self):
        return self.moe_layers > 0


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
    lo = np.minimum(compute_s, memory_s)
    ratio = lo / (hi + 1e-300)  # one power of the smaller share: hi (1 + r^k)^(1/k); 0 where both are 0
    if sharpness == 4.0:  # the default: two square roots instead of two fractional powers (kernel speed)
        square = ratio * ratio
        return hi * np.sqrt(np.sqrt(1.0 + square * square))
    return hi * (1.0 + ratio**sharpness) ** (1.0 / sharpness)


def _or(value, default):
    """``value`` where it is a number, ``default`` where it is NaN (optional hardware fields)."""
    return np.where(np.isnan(value), default, value)


def gemm_efficiency(hw: Hardware, eff: Efficiency):
    return _or(np.asarray(hw.gemm_efficiency, dtype=float), eff.compute)


def touched_params(arch: Architecture, tokens):
    """Expected parameters one step reads: always-touched + distinct experts hit by ``tokens`` tokens."""
    log_miss = np.log1p(-np.minimum(arch.top_k / arch.experts, 1.0 - 1e-12))  # per model: cheap
    hit_experts = arch.experts * -np.expm1(tokens * log_miss)  # E (1 - (1 - k/E)^tokens)
    return arch.always_touched_params + arch.moe_layers * hit_experts * arch.expert_params


def expert_imbalance(arch: Architecture, tokens, ep, eff: Efficiency):
    """Load of the busiest expert-parallel rank relative to the mean (>= 1).

    Routed copies per rank are a sum of Poisson counts (mean m = tokens x k / ep); the largest of ep ranks sits
    about sqrt(2 ln ep) standard deviations above the mean, and real routers add a skew over uniform routing
    (``Efficiency.expert_skew``)."""
    ranks = np.maximum(ep, 1.0)
    scale = np.sqrt(2.0 * np.log(ranks) * ranks / arch.top_k)  # small shape (models x TP)
    spread = scale / np.sqrt(np.maximum(tokens, 1e-9))
    skew = 1.0 + eff.expert_skew * (ep > 1)
    return np.where(arch.is_moe, (1.0 + np.minimum(spread, ep - 1.0)) * skew, 1.0)


def _link(hw: Hardware, group, eff: Efficiency):
    """Per-chip bandwidth and hop latency of a collective over ``group`` chips: scale-up inside the domain."""
    inside = group <= hw.scaleup_domain_chips
    scaleout = _or(np.asarray(hw.scaleout_bytes_per_s, dtype=float), eff.scaleout_bandwidth_bytes_per_s)
    bandwidth = np.where(inside, hw.link_bytes_per_s, np.minimum(hw.link_bytes_per_s, scaleout))
    latency = np.where(inside, eff.collective_latency_s, eff.scaleout_latency_s)
    return eff.link * bandwidth, latency


def allreduce_s(tokens, arch: Architecture, count, tp, hw: Hardware, eff: Efficiency):
    """``count`` ring all-reduces over ``tp`` chips of ``tokens`` x hidden activations."""
    bandwidth, latency = _link(hw, tp, eff)
    hops = 2.0 * (tp - 1.0)
    per_token = count * (hops / tp) * arch.hidden_size * ACTIVATION_BYTES / bandwidth  # small shape first
    return count * latency * hops + per_token * tokens


def alltoall_s(tokens, arch: Architecture, count, ep, hw: Hardware, eff: Efficiency):
    """``count`` all-to-alls (dispatch or combine) of routed token copies over ``ep`` chips."""
    bandwidth, latency = _link(hw, ep, eff)
    active = count * (ep > 1)
    per_token = active * arch.top_k * arch.hidden_size * ACTIVATION_BYTES * (ep - 1.0) / (ep * ep * bandwidth)
    return active * latency * (ep - 1.0) + per_token * tokens


@dataclass(frozen=True)
class _Ops:
    """Per-operator (compute, memory) seconds of one stage of one micro-batch."""

    compute_s: np.ndarray
    memory_s: np.ndarray
    total_s: np.ndarray


def _operators(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, decode_tokens, prefill_tokens,
               decode_ctx, prefill_ctx, eff: Efficiency) -> _Ops:
    """Dense GEMMs, routed experts, attention and element-wise operators of one stage (1/pp of the layers)
    for one micro-batch (1/pp of the tokens), split over ``tp`` chips (experts over ``tp`` ranks, EP = TP)."""
    k = eff.ridge_sharpness
    peak = hw.peak_flops * gemm_efficiency(hw, eff)
    attention_peak = _or(np.asarray(hw.attention_flops, dtype=float), hw.peak_flops)
    bandwidth = eff.memory * hw.hbm_bandwidth_bytes_per_s
    share = 1.0 / (pp * tp)  # of the model's layers and of each layer's work, per chip
    dec, pre = decode_tokens / pp, prefill_tokens / pp
    tokens = dec + pre
    # per-chip coefficients on the small (chip x model x parallelism) shape first, token counts last: the
    # batch axis is the largest, so each full-shape array costs one multiply
    per_flop = share / peak
    per_byte = share / bandwidth
    dense_c = (2.0 * (arch.active_params - arch.routed_active_params) * per_flop) * tokens
    dense_m = arch.always_touched_params * weight_bytes * per_byte
    expert_c = (2.0 * arch.routed_active_params * per_flop) * (tokens * expert_imbalance(arch, tokens, tp, eff))
    expert_m = (touched_params(arch, tokens) - arch.always_touched_params) * (weight_bytes * per_byte)
    kv_token_bytes = arch.kv_elements_per_token * kv_bytes
    attn_dec_c = (arch.attn_decode_flops_per_ctx * decode_ctx * share / (eff.attention_decode * attention_peak)) * dec
    attn_dec_m = (decode_ctx * kv_token_bytes * per_byte) * dec
    attn_pre_c = (arch.attn_prefill_flops_per_ctx * prefill_ctx * share
                  / (eff.attention_compute * attention_peak)) * pre
    attn_pre_m = ((prefill_ctx + 1.0) * kv_token_bytes * per_byte) * pre
    # norms and residuals are replicated on every TP rank
    elementwise_m = (arch.layers / pp * (eff.nongemm_activation_reads * arch.hidden_size
                                         + 3.0 * arch.intermediate_size / tp) * ACTIVATION_BYTES / bandwidth) * tokens
    total = (smooth_roofline(dense_c, dense_m, k) + smooth_roofline(expert_c, expert_m, k)
             + smooth_roofline(attn_dec_c, attn_dec_m, k) + smooth_roofline(attn_pre_c, attn_pre_m, k)
             + elementwise_m)
    return _Ops(compute_s=dense_c + expert_c + attn_dec_c + attn_pre_c,
                memory_s=dense_m + expert_m + attn_dec_m + attn_pre_m + elementwise_m, total_s=total)


def _stage_network_s(hw: Hardware, arch: Architecture, tokens_mb, layers_stage, tp, eff: Efficiency):
    """Tensor-parallel collectives of one stage: two all-reduces per dense layer; an MoE layer replaces the
    FFN all-reduce by an expert-parallel dispatch and combine (all-to-all)."""
    moe_share = arch.moe_layers / arch.layers
    allreduces = layers_stage * (2.0 - moe_share)
    alltoalls = layers_stage * moe_share * 2.0
    return (allreduce_s(tokens_mb, arch, allreduces, tp, hw, eff)
            + alltoall_s(tokens_mb, arch, alltoalls, tp, hw, eff))


def forward_step(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, decode_tokens, prefill_tokens,
                 decode_ctx, prefill_ctx, eff: Efficiency = DEFAULT_EFFICIENCY) -> StepTime:
    """One step decoding ``decode_tokens`` sequences (mean context ``decode_ctx``) while prefilling
    ``prefill_tokens`` prompt tokens (mean causal context ``prefill_ctx``) on a TP x PP replica."""
    ops = _operators(hw, arch, weight_bytes, kv_bytes, tp, pp, decode_tokens, prefill_tokens, decode_ctx,
                     prefill_ctx, eff)
    tokens_mb = (decode_tokens + prefill_tokens) / pp
    layers_stage = arch.layers / pp
    network_mb = _stage_network_s(hw, arch, tokens_mb, layers_stage, tp, eff)
    stage = ops.total_s + network_mb + eff.fixed_per_layer_s * layers_stage
    period = pp * stage * (1.0 + eff.pipeline_serving_imbalance * (pp - 1.0)) + eff.step_overhead_s
    n = tp * pp
    bandwidth, latency = _link(hw, n, eff)
    p2p = latency + (arch.hidden_size * ACTIVATION_BYTES / bandwidth) * tokens_mb
    latency_s = period + (pp - 1.0) * p2p
    speedup = eff.software_speedup  # less work per step: every time shrinks alike, the busy shares stay
    return StepTime(period_s=period / speedup, latency_s=latency_s / speedup, compute_s=pp * ops.compute_s / speedup,
                    memory_s=pp * ops.memory_s / speedup, network_s=(pp * network_mb + (pp - 1.0) * p2p) / speedup)


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
    inverse = 1.0 / np.where(step.period_s > 0, step.period_s, 1.0)
    u_c = np.minimum(step.compute_s * inverse, 1.0)  # busy times are >= 0
    u_m = np.minimum(step.memory_s * inverse, 1.0)
    u_n = np.minimum(step.network_s * inverse, 1.0)
    share = (eff.idle_power_fraction + eff.compute_power_fraction * u_c + eff.memory_power_fraction * u_m
             + eff.network_power_fraction * u_n)
    return hw.tdp_kw * np.minimum(share, 1.0)


@dataclass(frozen=True)
class ServingPoint:
    """Steady-state serving of one (chip, model, precision, parallelism, batch) configuration.

    Latencies are p99 estimates, the percentile MLPerf and the service classes state their limits at."""

    tokens_per_s_per_chip: np.ndarray  # generated tokens
    tpot_s: np.ndarray
    ttft_s: np.ndarray
    fits: np.ndarray
    chip_power_kw: np.ndarray
    peak_chip_power_kw: np.ndarray
    prefill_time_share: np.ndarray | float = 0.0
    """Share of the chip time spent reading the prompt (prefill) rather than generating (decode) [-]."""


PREFILL_CHUNK_TOKENS = 8192.0
"""Tokens per step of a dedicated prefill replica (disaggregated serving); large enough to be compute bound."""


def accepted_tokens_per_step(draft_tokens, acceptance_rate):
    """Expected tokens a speculative verify step keeps: (1 - a^(d+1)) / (1 - a) for d drafted tokens each
    accepted with probability a (Leviathan, Kalman and Matias 2023, "Fast Inference from Transformers via
    Speculative Decoding", ICML, eq. 1: the draft stops at the first rejection and the target model adds one
    token of its own); 1 without drafting, d + 1 when every draft is accepted."""
    d = np.asarray(draft_tokens, dtype=float)
    a = np.asarray(acceptance_rate, dtype=float)
    accepted = np.where(d > 0, (1.0 - a ** (d + 1.0)) / np.maximum(1.0 - a, 1e-9), 1.0)
    return np.where((d > 0) & (a >= 1.0), d + 1.0, accepted)


def _drafting(hw: Hardware, arch: Architecture, draft: Architecture | None, weight_bytes, kv_bytes, tp, pp, batch,
              decode_ctx, draft_tokens, eff: Efficiency) -> StepTime:
    """Device time of drafting ``draft_tokens`` tokens per sequence before each verify step.

    A draft model runs one decode step per drafted token on the same replica (Leviathan et al. 2023: the cost
    coefficient c is its step time over the target's); multi-token prediction (``draft`` None) runs one extra
    transformer block of the target per drafted token (DeepSeek-V3's MTP module, arXiv 2412.19437 section
    2.2), i.e. 1/layers of a target decode step. The engine step's host overhead is paid once per verify step,
    not per drafted token."""
    model = arch if draft is None else draft
    step = forward_step(hw, model, weight_bytes, kv_bytes, tp, pp, batch, 0.0, decode_ctx, 0.0, eff)
    scale = draft_tokens / (arch.layers if draft is None else 1.0)
    device_s = np.maximum(step.period_s - eff.step_overhead_s / eff.software_speedup, 0.0)
    return StepTime(period_s=scale * device_s, latency_s=scale * device_s, compute_s=scale * step.compute_s,
                    memory_s=scale * step.memory_s, network_s=scale * step.network_s)


def _plus(step: StepTime, extra: StepTime | None) -> StepTime:
    if extra is None:
        return step
    return StepTime(**{f.name: getattr(step, f.name) + getattr(extra, f.name) for f in fields(StepTime)})


def serving_point(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, batch, input_tokens,
                  output_tokens, eff: Efficiency = DEFAULT_EFFICIENCY, input_p99_tokens=None,
                  speculative_tokens=0.0, acceptance_rate=0.0, ttft_limit_s=np.inf,
                  tpot_limit_s=np.inf, draft: Architecture | None = None, cached_input_share=0.0) -> ServingPoint:
    """Best of two serving modes for ``batch`` decoding sequences on a TP x PP replica.

    Co-located: continuous batching with chunked prefill; each step decodes ``batch`` tokens and prefills
    batch x s_in / s_out prompt tokens, so prefill work lengthens TPOT. Disaggregated: replicas of the
    same shape do prefill only (``PREFILL_CHUNK_TOKENS`` per step) and hand the KV cache over; decode
    replicas run pure decode steps. Throughput counts the chip-time of both pools. The mode is the faster of
    those that meet ``ttft_limit_s`` / ``tpot_limit_s`` (p99), as a deployment under those limits would choose.

    Speculative decoding: each step drafts ``speculative_tokens`` tokens per sequence (with the ``draft`` model,
    or multi-token prediction heads when ``draft`` is None; see ``_drafting``), verifies them in one target step
    of batch x (1 + d) tokens and keeps ``accepted_tokens_per_step`` of them.

    Prefix caching: ``cached_input_share`` of each prompt is a prefix whose KV cache is already held (system
    prompts, agent history re-sent each turn), so prefill computes only the rest, attending to the whole
    prompt; decode still reads the whole context. The cached prefixes are taken to live in host or pooled
    memory, not in the replica's HBM (assumption: LMCache/Mooncake-style KV stores).
    """
    s_p99 = input_tokens if input_p99_tokens is None else input_p99_tokens
    d = np.asarray(speculative_tokens, dtype=float)
    accepted = accepted_tokens_per_step(d, acceptance_rate)
    verified = batch * (1.0 + d)  # tokens each decode step pushes through the model
    decode_ctx = input_tokens + output_tokens / 2.0
    h = np.asarray(cached_input_share, dtype=float)
    computed_input = input_tokens * (1.0 - h)  # prompt tokens prefill computes
    prefill_ctx = input_tokens * (1.0 + h) / 2.0  # their mean causal context, the cached prefix included
    n = tp * pp
    drafting = (_drafting(hw, arch, draft, weight_bytes, kv_bytes, tp, pp, batch, decode_ctx, d, eff)
                if np.any(d > 0) else None)
    prefill_tokens = batch * accepted * computed_input / output_tokens
    mixed = _plus(forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, verified, prefill_tokens, decode_ctx,
                               prefill_ctx, eff), drafting)
    first = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, 0.0, s_p99 * (1.0 - h), 0.0,
                         s_p99 * (1.0 + h) / 2.0, eff)
    decode = _plus(forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, verified, 0.0, decode_ctx, 0.0, eff),
                   drafting)
    chunk = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, 0.0, PREFILL_CHUNK_TOKENS, 0.0, prefill_ctx, eff)
    colocated_rate = batch * accepted / (mixed.period_s * n)
    decode_chip_s = n * decode.period_s / (batch * accepted)
    chip_s_per_token = decode_chip_s + n * chunk.period_s / PREFILL_CHUNK_TOKENS * (computed_input / output_tokens)
    disaggregated_rate = 1.0 / chip_s_per_token
    # p99 TPOT: the per-query mean step interval with the tail of step lengths; p99 TTFT: the prefill of a p99
    # prompt after waiting for the step in progress (co-located) or behind the prefill queue (disaggregated).
    tpot_split = decode.latency_s * eff.tpot_tail_factor / accepted
    tpot_mixed = mixed.latency_s * eff.tpot_tail_factor / accepted
    ttft_split = first.latency_s + chunk.period_s
    ttft_mixed = first.latency_s + mixed.period_s
    ok_split = (tpot_split <= tpot_limit_s) & (ttft_split <= ttft_limit_s)
    ok_mixed = (tpot_mixed <= tpot_limit_s) & (ttft_mixed <= ttft_limit_s)
    use_split = ok_split & ((disaggregated_rate > colocated_rate) | ~ok_mixed)
    use_split = use_split | (~ok_split & ~ok_mixed & (disaggregated_rate > colocated_rate))
    needed = memory_needed_bytes_per_chip(arch, weight_bytes, kv_bytes, tp, pp, batch, decode_ctx,
                                          np.where(use_split, np.maximum(verified, PREFILL_CHUNK_TOKENS),
                                                   verified + prefill_tokens))
    if draft is not None and drafting is not None:
        needed = needed + (d > 0) * memory_needed_bytes_per_chip(draft, weight_bytes, kv_bytes, tp, pp, batch,
                                                                 decode_ctx, batch)
    decode_share = decode_chip_s / chip_s_per_token
    decode_kw, chunk_kw, mixed_kw = (chip_power_kw(hw, s, eff) for s in (decode, chunk, mixed))
    split_power = decode_share * decode_kw + (1.0 - decode_share) * chunk_kw
    tpot = np.where(use_split, tpot_split, tpot_mixed)
    ttft = np.where(use_split, ttft_split, ttft_mixed)
    # prefill's share of chip time: the prefill pool's (disaggregated), or what prefill adds to a step (co-located)
    mixed_prefill = np.clip(1.0 - decode.period_s / mixed.period_s, 0.0, 1.0)
    return ServingPoint(
        tokens_per_s_per_chip=np.where(use_split, disaggregated_rate, colocated_rate),
        tpot_s=tpot,
        ttft_s=ttft,
        fits=fits(hw, needed, eff),
        chip_power_kw=np.where(use_split, split_power, mixed_kw),
        peak_chip_power_kw=np.maximum(np.where(use_split, np.maximum(decode_kw, chunk_kw), mixed_kw),
                                      chip_power_kw(hw, first, eff)),
        prefill_time_share=np.where(use_split, 1.0 - decode_share, mixed_prefill),
    )


def decode_tokens_per_s(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, tp, pp, batch, context,
                        eff: Efficiency = DEFAULT_EFFICIENCY):
    """Pure decode (no prefill) tokens/s per replica at ``batch`` sequences of mean ``context``."""
    step = forward_step(hw, arch, weight_bytes, kv_bytes, tp, pp, batch, 0.0, context, 0.0, eff)
    return batch / step.period_s
