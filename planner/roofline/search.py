"""Search over parallelism and batch size: the best feasible serving configuration per leading index.

Inputs broadcast over any leading shape (chips x models, or one row per measurement); the search adds
three trailing axes (tensor parallel, pipeline parallel, batch) and reduces them with an argmax over
throughput among configurations that fit in memory and meet the TTFT and TPOT targets.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.kernel import Architecture, Hardware, serving_point

TENSOR_PARALLEL = np.array([1, 2, 4, 8, 16, 32, 64])
PIPELINE_PARALLEL = np.array([1, 2, 4, 8])
BATCH_SIZES = np.unique(np.round(np.geomspace(1, 8192, 53)))  # 2^(1/4) steps
MAX_REPLICA_CHIPS = 64


@dataclass(frozen=True)
class BestServing:
    tokens_per_s_per_chip: np.ndarray  # 0 where nothing is feasible
    replica_chips: np.ndarray
    tensor_parallel: np.ndarray
    pipeline_parallel: np.ndarray
    batch_size: np.ndarray
    tpot_s: np.ndarray
    ttft_s: np.ndarray
    chip_power_kw: np.ndarray
    peak_chip_power_kw: np.ndarray
    prefill_time_share: np.ndarray


def _expand(obj, extra: int):
    """Append ``extra`` singleton axes to every array field of a frozen dataclass (or to an array)."""
    if hasattr(obj, "__dataclass_fields__"):
        return type(obj)(**{f.name: _expand(getattr(obj, f.name), extra) for f in fields(obj)})
    arr = np.asarray(obj, dtype=float)
    return arr.reshape(arr.shape + (1,) * extra)


def best_serving(hw: Hardware, arch: Architecture, weight_bytes, kv_bytes, input_tokens, output_tokens,
                 ttft_s, tpot_s, max_replica_chips=MAX_REPLICA_CHIPS,
                 eff: Efficiency = DEFAULT_EFFICIENCY, input_p99_tokens=None, speculative_tokens=0.0,
                 acceptance_rate=0.0, draft: Architecture | None = None, cached_input_share=0.0) -> BestServing:
    """The throughput-maximising (TP, PP, batch) per leading index under memory and p99 latency limits.

    ``max_replica_chips`` caps TP x PP (e.g. a measured system's accelerator count). MoE layers shard their
    experts over the TP group (expert parallelism, EP = TP) with all-to-all dispatch and combine. ``draft``
    (broadcasting like ``arch``) and ``cached_input_share``: speculative decoding and prefix caching, see
    ``serving_point``."""
    hw3, arch3 = _expand(hw, 3), _expand(arch, 3)
    draft3 = None if draft is None else _expand(draft, 3)
    cached = _expand(cached_input_share, 3)
    p99 = input_tokens if input_p99_tokens is None else input_p99_tokens
    wb, kvb, s_in, s_out, ttft, tpot, cap, s99, spec, acc = (
        _expand(x, 3) for x in (weight_bytes, kv_bytes, input_tokens, output_tokens, ttft_s, tpot_s,
                                max_replica_chips, p99, speculative_tokens, acceptance_rate))
    tp = TENSOR_PARALLEL.reshape(-1, 1, 1).astype(float)
    pp = PIPELINE_PARALLEL.reshape(1, -1, 1).astype(float)
    batch = BATCH_SIZES.reshape(1, 1, -1)
    point = serving_point(hw3, arch3, wb, kvb, tp, pp, batch, s_in, s_out, eff, input_p99_tokens=s99,
                          speculative_tokens=spec, acceptance_rate=acc, ttft_limit_s=ttft, tpot_limit_s=tpot,
                          draft=draft3, cached_input_share=cached)
    allowed = (tp <= eff.max_tensor_parallel) & (tp * pp <= np.minimum(cap, MAX_REPLICA_CHIPS))
    ok = point.fits & (point.tpot_s <= tpot) & (point.ttft_s <= ttft) & allowed
    score = np.where(ok, point.tokens_per_s_per_chip, 0.0)
    lead = score.shape[:-3]
    flat = score.reshape(lead + (-1,))
    best = np.argmax(flat, axis=-1)[..., None]

    def pick(values):
        full = np.broadcast_to(values, score.shape).reshape(lead + (-1,))
        return np.take_along_axis(full, best, axis=-1)[..., 0]

    found = pick(score) > 0
    grid = np.broadcast_arrays(tp, pp, batch, score)[:3]
    return BestServing(
        tokens_per_s_per_chip=pick(score),
        replica_chips=np.where(found, pick(grid[0] * grid[1]), 0).astype(int),
        tensor_parallel=np.where(found, pick(grid[0]), 0).astype(int),
        pipeline_parallel=np.where(found, pick(grid[1]), 0).astype(int),
        batch_size=np.where(found, pick(grid[2]), 0).astype(int),
        tpot_s=np.where(found, pick(point.tpot_s), np.nan),
        ttft_s=np.where(found, pick(point.ttft_s), np.nan),
        chip_power_kw=np.where(found, pick(point.chip_power_kw), np.nan),
        peak_chip_power_kw=np.where(found, pick(point.peak_chip_power_kw), np.nan),
        prefill_time_share=np.where(found, pick(point.prefill_time_share), np.nan),
    )
