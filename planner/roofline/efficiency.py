"""The kernel's efficiency factors: few, physical, and documented with where each value comes from.

They are global (not per chip, model or MLPerf round) so that chips and models absent from the calibration
file are predicted from their specs alone. Factors marked FITTED are re-fitted by
``planner.roofline.fit`` (and by every cross-validation fold); the values here are the fit on the whole
calibration file (``planner roofline validate ... --fit`` prints them with the rows they were fitted on).
Everything else is a labelled assumption or a published figure. ``DEFAULT_EFFICIENCY`` is what every public
function uses unless an ``Efficiency`` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.roofline.precision import Precision


@dataclass(frozen=True)
class Efficiency:
    compute: float = 0.6975
    """FITTED (GEMM rows). Fraction of dense BF16 peak a large GEMM sustains (Vidur profiles: 0.68-0.70 on
    H100 SXM, 0.70-0.77 on A100 SXM at 1k-4k tokens)."""
    memory: float = 0.8881
    """FITTED (GEMM rows). Fraction of peak HBM bandwidth a weight-streaming GEMM sustains (Vidur profiles at
    1-16 tokens: 0.90-0.92 on H100 HBM3, 0.75-0.79 on A100 HBM2e)."""
    ridge_sharpness: float = 4.0
    """Exponent k of the per-operator smooth roofline (t_c^k + t_m^k)^(1/k): near the ridge compute and memory
    phases of one kernel do not overlap perfectly. k = 4 reproduces the Vidur 64- and 256-token GEMM times
    (a free fit on the 14 GEMM rows gives 5.4 with the same median error; 4 keeps the kernel on square roots)."""
    precision_gemm_efficiency: dict = field(default_factory=lambda: {
        Precision.BF16: 1.0, Precision.FP8: 0.6956, Precision.INT8: 0.6956, Precision.FP4: 0.5217})
    """GEMM efficiency at a precision relative to ``compute``. FP8 is FITTED (inference rows): scaling,
    conversion and the smaller tiles of FP8 GEMMs reach a lower share of their doubled peak. FP4 is a labelled
    assumption: block-scale dequantisation; B200 Llama-3.3-70B measured FP4 gains of +13-35 % over FP8 at
    matched interactivity against a 2x peak (SemiAnalysis InferenceX, ../shared reference section 5), i.e.
    0.55-0.7 of the FP8 efficiency where compute bound."""
    attention_compute: float = 0.55
    """Fraction of peak for prefill/training attention kernels (FlashAttention-2/3 forward+backward reach
    about 50-60% of H100 BF16 peak, arXiv 2407.08608)."""
    attention_decode: float = 0.30
    """Fraction of peak for decode attention FLOPs (small per-head GEMVs; assumption: split-KV decode kernels
    run memory bound and reach a small share of tensor peak)."""
    nongemm_activation_reads: float = 16.0
    """Element-wise traffic per token per layer in units of hidden x 2 bytes (two RMSNorms, residual adds,
    rotary, softmax/scale: about 8 reads and writes of the hidden vector each way; assumption from operator
    counts of a Llama block), plus 3 x intermediate/tp for the SwiGLU activation."""
    step_overhead_s: float = 7.60e-3
    """FITTED (inference rows). Host-side time per engine step (scheduling, sampling, detokenisation,
    input preparation) that the device does not overlap."""
    pipeline_serving_imbalance: float = 0.10
    """Serving pipeline stall per extra stage: with continuous batching the pp micro-batches in flight differ in
    length and prefill share, so stages wait on the slowest (assumption: 10% per extra stage; serving engines
    document pipeline parallelism as slower than tensor parallelism inside one node)."""
    link: float = 0.70
    """Fraction of the link bandwidth collectives achieve (reference: 0.65-0.8 for NCCL rings)."""
    collective_latency_s: float = 1.0e-6
    """Latency per ring hop inside the scale-up domain (NCCL/TRT-LLM small-message all-reduce on 8 GPUs is
    about 10-15 us = 2(n-1) hops)."""
    scaleout_latency_s: float = 5.0e-6
    """Latency per hop over the scale-out network (InfiniBand/RoCE RDMA, a few microseconds per message)."""
    fixed_per_layer_s: float = 4.0e-6
    """Launch and synchronisation time per layer per step (reference: 10-30 us without CUDA graphs; serving
    engines capture graphs, assumption 4 us)."""
    software_speedup: float = 1.0
    """Serving work per token of the calibrated software stack per unit of the one modelled: every forward
    step's FLOPs, bytes, messages and overheads are divided by it, so busy shares, power and the roofline stay
    as they are (1: the stack of the calibration measurements; build-out plans raise it per planning year,
    ``planner.roofline.growth``)."""
    hbm_usable_fraction: float = 0.90
    """Share of HBM that weights, KV cache and activations may use; the rest is runtime and fragmentation."""
    scaleout_bandwidth_bytes_per_s: float = 50.0e9
    """Per-chip scale-out where the catalog does not say: one 400 Gb/s NIC per accelerator (HGX H100/H200/B200
    builds, ../shared reference section 4)."""
    expert_skew: float = 0.15
    """Extra load of the busiest expert over uniform routing (assumption: trained routers with auxiliary
    balancing losses keep expert loads within about 10-20% of uniform at large batch)."""
    tpot_tail_factor: float = 1.10
    """p99 of per-query mean TPOT over the mean step interval (assumption: step lengths vary with the prefill
    chunks and sequence lengths in the batch)."""
    server_load_factor: float = 0.9364
    """FITTED (inference rows). Share of its offline throughput a system sustains under Poisson arrivals
    while meeting p99 latency limits (MLPerf Server): the median Server/Offline ratio of the fitted rows."""
    host_power_fraction: float = 0.4754
    """FITTED (energy rows). Non-accelerator system power (CPUs, NICs, fans, PSU losses) per accelerator, as a
    fraction of its TDP, under load. DGX H100: 10.2 kW max for 8 x 0.7 kW GPUs -> 0.82 at peak."""
    host_peak_power_fraction: float = 0.82
    """Non-accelerator share at peak, for connection sizing: DGX H100 10.2 kW max system power over
    8 x 0.7 kW GPUs (NVIDIA DGX H100 datasheet) -> 0.82."""
    idle_power_fraction: float = 0.30
    """Chip power = TDP x (idle + c u_c + m u_m + n u_n), GenZ's split (0.3, 0.4, 0.2, 0.1), capped at TDP."""
    compute_power_fraction: float = 0.40
    memory_power_fraction: float = 0.20
    network_power_fraction: float = 0.10
    train_nongemm_overhead: float = 0.10
    """Time on memory-bound training ops (norms, activations, rotary, optimizer) relative to GEMM time
    (assumption from operator breakdowns of Megatron-style training, about 5-15%)."""
    train_system: float = 0.9838
    """FITTED (training rows). Residual training efficiency at scale (stragglers, data-parallel synchronisation
    not hidden, checkpoints, host jitter); not applied to inference."""
    train_fp8_gemm_efficiency: float = 0.9540
    """FITTED (training rows). FP8 GEMM efficiency relative to ``compute`` in training (Transformer Engine
    FP8 at training shapes: 8k-token GEMMs, delayed scaling), fitted separately from serving's FP8 factor
    because training GEMMs are larger and more regular; FP4 training keeps the serving FP4/FP8 ratio."""
    dp_overlap: float = 0.8
    """Share of the data-parallel gradient reduce-scatter / parameter all-gather hidden behind compute
    (assumption: Megatron distributed optimizer overlaps both with backward/forward passes)."""
    pipeline_interleave: int = 4
    """Virtual pipeline stages per rank (interleaved 1F1B) assumed when a run does not say."""
    max_tensor_parallel: int = 72
    """Largest tensor-parallel group the search considers (a 72-GPU NVLink rack); the chip's scale-up domain
    sets the bandwidth, so groups beyond it pay the scale-out network."""

    def gemm(self, precision: Precision) -> float:
        """Achieved fraction of the dense peak of ``precision`` for a large serving GEMM."""
        return self.compute * self.precision_gemm_efficiency[Precision(precision)]

    def train_gemm(self, precision: Precision) -> float:
        """Achieved fraction of the dense peak of ``precision`` for a training GEMM."""
        table = self.precision_gemm_efficiency
        relative = {Precision.BF16: 1.0, Precision.FP8: self.train_fp8_gemm_efficiency,
                    Precision.INT8: self.train_fp8_gemm_efficiency,
                    Precision.FP4: self.train_fp8_gemm_efficiency * table[Precision.FP4] / table[Precision.FP8]}
        return self.compute * relative[Precision(precision)]


DEFAULT_EFFICIENCY = Efficiency()
