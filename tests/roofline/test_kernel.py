import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.roofline import DEFAULT_EFFICIENCY as EFF
from planner.roofline import load_model_card
from planner.roofline.kernel import (Architecture, Hardware, decode_tokens_per_s, forward_step, serving_point,
                                     smooth_roofline, training_point)
from planner.roofline.search import best_serving

pytestmark = pytest.mark.unit

LLAMA70 = Architecture.from_cards([load_model_card("Llama-3.1-70B")], ())
DSV3 = Architecture.from_cards([load_model_card("DeepSeek-V3")], ())


def hw(bandwidth=4.8e12, hbm=141e9, peak=989e12, link=450e9):
    return Hardware(peak_flops=np.float64(peak), hbm_bytes=np.float64(hbm),
                    hbm_bandwidth_bytes_per_s=np.float64(bandwidth), link_bytes_per_s=np.float64(link),
                    tdp_kw=np.float64(0.7))


def test_batch1_decode_of_70b_is_memory_bound_at_eta_bw_over_weights():
    weights_bytes = 70.55e9 * 2.0
    expected = EFF.memory * 4.8e12 / weights_bytes  # about 29 tokens/s
    got = decode_tokens_per_s(hw(), LLAMA70, 2.0, 2.0, 1.0, 1.0, 1.0, 1024.0)
    assert got == pytest.approx(expected, rel=0.04)
    assert got < expected  # KV read and launch overheads only ever add time


def test_large_batch_decode_turns_compute_bound():
    b = 4096.0
    step = forward_step(hw(), LLAMA70, 1.0, 1.0, 1.0, 1.0, b, 0.0, 16.0, 0.0)
    assert step.compute_s > step.memory_s
    flops = b * 2 * 70.55e9
    assert step.period_s >= flops / (EFF.compute * 989e12)


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
