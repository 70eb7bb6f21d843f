import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.roofline import DEFAULT_EFFICIENCY as EFF
from planner.roofline import load_model_card
from planner.roofline.kernel import (Architecture, Hardware, decode_tokens_per_s, forward_step, serving_point,
                                     smooth_roofline)
from planner.roofline.search import best_serving
from planner.roofline.training import training_point

pytestmark = pytest.mark.unit

LLAMA70 = Architecture.from_cards([load_model_card("Llama-3.1-70B")], ())
DSV3 = Architecture.from_cards([load_model_card("DeepSeek-V3")], ())


def hw(bandwidth=4.8e12, hbm=141e9, peak=989e12, link=450e9, domain=8.0, gemm=EFF.compute):
    return Hardware(peak_flops=np.float64(peak), hbm_bytes=np.float64(hbm),
                    hbm_bandwidth_bytes_per_s=np.float64(bandwidth), link_bytes_per_s=np.float64(link),
                    tdp_kw=np.float64(0.7), gemm_efficiency=np.float64(gemm), scaleup_domain_chips=np.float64(domain))


def test_batch1_decode_of_70b_is_memory_bound_at_eta_bw_over_weights():
    weights_bytes = 70.55e9 * 2.0
    stream_s = weights_bytes / (EFF.memory * 4.8e12)  # about 33 ms
    expected = 1.0 / (stream_s + EFF.step_overhead_s + 80 * EFF.fixed_per_layer_s)
    got = decode_tokens_per_s(hw(), LLAMA70, 2.0, 2.0, 1.0, 1.0, 1.0, 1024.0)
    assert got == pytest.approx(expected, rel=0.04)
    assert got < expected  # KV reads and element-wise operators only ever add time


def test_large_batch_decode_turns_compute_bound():
    b = 4096.0
    step = forward_step(hw(), LLAMA70, 1.0, 1.0, 1.0, 1.0, b, 0.0, 16.0, 0.0)
    assert step.compute_s > step.memory_s
    flops = b * 2 * 70.55e9
    assert step.period_s >= flops / (EFF.compute * 989e12)


def test_step_is_a_sum_of_operators_so_bandwidth_still_helps_a_compute_bound_step():
    # at a large batch the GEMMs are compute bound, but decode attention reads the KV cache from HBM and runs
    # as its own kernel: more bandwidth shortens the step (a single max(compute, memory) would not move)
    slow = forward_step(hw(bandwidth=3.35e12), LLAMA70, 1.0, 1.0, 1.0, 1.0, 1024.0, 0.0, 2000.0, 0.0)
    fast = forward_step(hw(bandwidth=4.8e12), LLAMA70, 1.0, 1.0, 1.0, 1.0, 1024.0, 0.0, 2000.0, 0.0)
    assert slow.compute_s > slow.memory_s
    assert fast.period_s < 0.97 * slow.period_s


def test_tensor_parallel_beyond_the_scaleup_domain_pays_the_scaleout_network():
    inside = forward_step(hw(domain=72.0), LLAMA70, 1.0, 1.0, 16.0, 1.0, 256.0, 0.0, 1000.0, 0.0)
    outside = forward_step(hw(domain=8.0), LLAMA70, 1.0, 1.0, 16.0, 1.0, 256.0, 0.0, 1000.0, 0.0)
    assert outside.network_s > 5 * inside.network_s


def test_moe_expert_imbalance_and_all_to_all_cost_time():
    from planner.roofline.kernel import expert_imbalance

    assert expert_imbalance(DSV3, 64.0, 8.0, EFF) > expert_imbalance(DSV3, 65536.0, 8.0, EFF) > 1.0
    one = forward_step(hw(), DSV3, 1.0, 1.0, 8.0, 1.0, 256.0, 0.0, 1000.0, 0.0)
    assert one.network_s > 0


def test_speculative_decoding_raises_throughput_with_acceptance_and_not_without():
    base = serving_point(hw(), LLAMA70, 1.0, 1.0, 2.0, 1.0, 16.0, 1000.0, 300.0)
    good = serving_point(hw(), LLAMA70, 1.0, 1.0, 2.0, 1.0, 16.0, 1000.0, 300.0, speculative_tokens=2.0,
                         acceptance_rate=0.8)
    useless = serving_point(hw(), LLAMA70, 1.0, 1.0, 2.0, 1.0, 16.0, 1000.0, 300.0, speculative_tokens=2.0,
                            acceptance_rate=0.0)
    assert good.tokens_per_s_per_chip > 1.2 * base.tokens_per_s_per_chip
    assert useless.tokens_per_s_per_chip < base.tokens_per_s_per_chip


def test_smooth_roofline_blends_only_near_the_ridge():
    assert smooth_roofline(1.0, 0.01, 4.0) == pytest.approx(1.0, rel=1e-6)
    assert smooth_roofline(1.0, 1.0, 4.0) == pytest.approx(2 ** 0.25)


def test_tensor_parallel_adds_allreduce_time():
    one = forward_step(hw(), LLAMA70, 2.0, 2.0, 1.0, 1.0, 8.0, 0.0, 1000.0, 0.0)
    two = forward_step(hw(), LLAMA70, 2.0, 2.0, 2.0, 1.0, 8.0, 0.0, 1000.0, 0.0)
    assert two.network_s > 0 == one.network_s
    assert two.period_s > one.period_s / 2  # splitting over 2 chips does not halve the time


def test_kv_cache_precision_is_separate_from_weights():
    fp4_weights_fp8_kv = forward_step(hw(), LLAMA70, 0.5625, 1.0, 1.0, 1.0, 64.0, 0.0, 8000.0, 0.0)
    fp4_weights_fp4_kv = forward_step(hw(), LLAMA70, 0.5625, 0.5625, 1.0, 1.0, 64.0, 0.0, 8000.0, 0.0)
    assert fp4_weights_fp8_kv.memory_s > fp4_weights_fp4_kv.memory_s


def test_moe_step_reads_more_weights_as_batch_grows():
    small = forward_step(hw(), DSV3, 1.0, 1.0, 8.0, 1.0, 1.0, 0.0, 1000.0, 0.0)
    large = forward_step(hw(), DSV3, 1.0, 1.0, 8.0, 1.0, 64.0, 0.0, 1000.0, 0.0)
    assert large.memory_s > 5 * small.memory_s


def test_model_that_does_not_fit_is_rejected_not_scored():
    point = serving_point(hw(hbm=80e9), LLAMA70, 2.0, 2.0, 1.0, 1.0, 1.0, 100.0, 100.0)
    assert not point.fits
    best = best_serving(hw(hbm=80e9), LLAMA70, 2.0, 2.0, 100.0, 100.0, np.inf, np.inf, max_replica_chips=1)
    assert best.tokens_per_s_per_chip == 0 and best.replica_chips == 0


def test_training_mfu_falls_with_a_larger_pipeline_bubble():
    arch = Architecture.from_cards([load_model_card("Llama-3.1-405B")], ())
    few = training_point(hw(), arch, 8, 16, 128, 8192, 16 * 2**20)
    many = training_point(hw(), arch, 8, 16, 64, 8192, 16 * 2**20)
    assert 0 < few.mfu < many.mfu < EFF.compute


def test_full_recomputation_costs_time_and_lora_saves_it():
    arch = Architecture.from_cards([load_model_card("Llama-2-70B")], ())
    selective = training_point(hw(), arch, 8, 1, 1, 8192, 8 * 8192)
    full = training_point(hw(), arch, 8, 1, 1, 8192, 8 * 8192, recompute=1.0)
    lora = training_point(hw(), arch, 8, 1, 1, 8192, 8 * 8192, lora=True)
    assert full.step_s > selective.step_s > lora.step_s
    assert full.hardware_flops_per_s_per_chip > full.model_flops_per_s_per_chip


@settings(max_examples=30, deadline=None)
@given(bw=st.floats(1e12, 8e12), factor=st.floats(1.0, 3.0), tpot=st.floats(0.02, 0.5))
def test_more_bandwidth_never_lowers_decode_throughput(bw, factor, tpot):
    slow = best_serving(hw(bandwidth=bw), LLAMA70, 1.0, 1.0, 1000.0, 300.0, np.inf, tpot)
    fast = best_serving(hw(bandwidth=bw * factor), LLAMA70, 1.0, 1.0, 1000.0, 300.0, np.inf, tpot)
    assert fast.tokens_per_s_per_chip >= slow.tokens_per_s_per_chip * (1 - 1e-12)


@settings(max_examples=30, deadline=None)
@given(tpot=st.floats(0.005, 0.5), tighter=st.floats(0.1, 1.0))
def test_tighter_tpot_never_raises_throughput(tpot, tighter):
    loose = best_serving(hw(), DSV3, 1.0, 1.0, 2000.0, 500.0, np.inf, tpot, max_replica_chips=16)
    tight = best_serving(hw(), DSV3, 1.0, 1.0, 2000.0, 500.0, np.inf, tpot * tighter, max_replica_chips=16)
    assert tight.tokens_per_s_per_chip <= loose.tokens_per_s_per_chip


@settings(max_examples=25, deadline=None)
@given(domain=st.sampled_from([1.0, 2.0, 4.0, 8.0, 16.0, 32.0]), factor=st.sampled_from([2.0, 4.0, 9.0]),
       tpot=st.floats(0.01, 0.3))
def test_larger_scaleup_domain_never_lowers_tensor_parallel_throughput(domain, factor, tpot):
    small = best_serving(hw(hbm=40e9, domain=domain), LLAMA70, 1.0, 1.0, 1000.0, 300.0, np.inf, tpot,
                         max_replica_chips=64)
    large = best_serving(hw(hbm=40e9, domain=domain * factor), LLAMA70, 1.0, 1.0, 1000.0, 300.0, np.inf, tpot,
                         max_replica_chips=64)
    assert large.tokens_per_s_per_chip >= small.tokens_per_s_per_chip * (1 - 1e-12)


@settings(max_examples=40, deadline=None)
@given(ratio=st.floats(2.0, 4.0), bw=st.floats(1e12, 8e12), tp=st.sampled_from([1.0, 2.0, 8.0]),
       batch=st.sampled_from([1.0, 16.0, 256.0, 4096.0]), moe=st.booleans())
def test_fp4_never_beats_fp8_by_more_than_the_ratio_of_their_peaks(ratio, bw, tp, batch, moe):
    """Same configuration (parallelism and batch), FP4 weights on a chip whose FP4 peak is ``ratio`` x FP8 (the
    kernel picks FP4 only at ratio >= 2, ``coefficients.FP4_MIN_SPEEDUP``)."""
    from planner.roofline.precision import BYTES_PER_ELEMENT, Precision

    arch = DSV3 if moe else LLAMA70
    fp8 = Hardware(peak_flops=np.float64(1979e12), hbm_bytes=np.float64(1e15), hbm_bandwidth_bytes_per_s=np.float64(bw),
                   link_bytes_per_s=np.float64(450e9), tdp_kw=np.float64(0.7), attention_flops=np.float64(1979e12),
                   gemm_efficiency=np.float64(EFF.gemm(Precision.FP8)))
    fp4 = Hardware(**{**fp8.__dict__, "peak_flops": np.float64(1979e12 * ratio),
                      "gemm_efficiency": np.float64(EFF.gemm(Precision.FP4))})
    args = (tp, 1.0, batch, 1000.0, 300.0)
    slow = serving_point(fp8, arch, BYTES_PER_ELEMENT[Precision.FP8], 1.0, *args)
    fast = serving_point(fp4, arch, BYTES_PER_ELEMENT[Precision.FP4], 1.0, *args)
    assert fast.tokens_per_s_per_chip <= slow.tokens_per_s_per_chip * ratio * (1 + 1e-9)
