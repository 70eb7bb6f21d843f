"""The kernel's efficiency factors: few, physical, and documented with where each value comes from.

They are global (not per chip, model or MLPerf round) so that chips and models absent from the calibration
file are predicted from their specs alone. ``DEFAULT_EFFICIENCY`` is what every public function uses unless
an ``Efficiency`` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Efficiency:
    compute: float = 0.70
    """Fraction of dense peak a large GEMM sustains. Vidur GEMM profiles (data/calibration): 0.68-0.70 on
    H100 SXM, 0.70-0.77 on A100 SXM at 1k-4k tokens; the reference notes 0.68-0.76."""
    memory: float = 0.85
    """Fraction of peak HBM bandwidth a weight-streaming GEMM sustains. Vidur profiles at 1-16 tokens:
    0.90-0.92 on H100 (HBM3), 0.75-0.79 on A100 (HBM2e); one global value between them."""
    ridge_sharpness: float = 4.0
    """Exponent k of the smooth roofline t = (t_c^k + t_m^k)^(1/k): near the ridge point compute and
    memory phases do not overlap perfectly. k = 4 reproduces the Vidur 64- and 256-token GEMM times
    (measured/hard-max about 1.1 with the factors above; 2^(1/4) = 1.19 exactly at the ridge)."""
    attention_compute: float = 0.55
    """Fraction of peak for attention kernels in training (FlashAttention-2/3 forward+backward reach
    about 50-60% of H100 BF16 peak, arXiv 2407.08608)."""
    link: float = 0.70
    """Fraction of the scale-up link bandwidth collectives achieve (reference: 0.65-0.8 for NCCL rings)."""
    collective_latency_s: float = 1.0e-6
    """Latency per ring hop of an all-reduce on NVLink-class links (NCCL/TRT-LLM small-message all-reduce
    on 8 GPUs is about 10-15 us = 2(n-1) hops)."""
    fixed_per_layer_s: float = 10.0e-6
    """Launch and synchronisation time per layer per step (reference: 10-30 us; CUDA graphs at the low end)."""
    hbm_usable_fraction: float = 0.90
    """Share of HBM that weights, KV cache and activations may use; the rest is runtime and fragmentation."""
    scaleout_bandwidth_bytes_per_s: float = 50.0e9
    """Per-chip scale-out (400 Gb/s InfiniBand/RoCE NIC per accelerator, the common HGX build), used by
    pipeline stages that leave the 8-chip scale-up domain."""
    max_tensor_parallel: int = 8
    """Largest tensor-parallel group considered: one 8-accelerator node/scale-up domain."""
    server_load_factor: float = 0.90
    """Share of its offline throughput a system sustains under Poisson arrivals while meeting p99 latency
    limits (MLPerf Server). Fitted once: the median Server/Offline ratio of the v4.1 H100 rows is 0.90."""
    host_power_fraction: float = 0.50
    """Non-accelerator system power (CPUs, NICs, fans, PSU losses) per accelerator, as a fraction of its TDP.
    DGX H100: 10.2 kW max system power vs 8 x 0.7 kW GPUs -> 0.82 at peak; about 0.5 under inference load
    (assumption)."""
    idle_power_fraction: float = 0.30
    """Chip power = TDP x (idle + c u_c + m u_m + n u_n), GenZ's split (0.3, 0.4, 0.2, 0.1)."""
    compute_power_fraction: float = 0.40
    memory_power_fraction: float = 0.20
    network_power_fraction: float = 0.10
    train_nongemm_overhead: float = 0.10
    """Time on memory-bound training ops (norms, activations, rotary, optimizer) relative to GEMM time
    (assumption from operator breakdowns of Megatron-style training, about 5-15%)."""
    train_system: float = 0.85
    """Residual training efficiency at scale (stragglers, data-parallel synchronisation, checkpoint and
    host jitter). Fitted once on Llama 3 405B (8k-16k H100) MFU; not applied to inference."""
    pipeline_interleave: int = 8
    """Virtual pipeline stages per rank (interleaved 1F1B) assumed when a run does not say."""


DEFAULT_EFFICIENCY = Efficiency()
