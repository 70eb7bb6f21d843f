"""Served models and serving software over the planning years (planner.roofline.growth) and their path
through the roofline kernel."""

from dataclasses import replace

import numpy as np
import pytest

from planner.catalog.accelerators import load_catalog
from planner.roofline import load_model_card, load_workloads, serving_coefficients
from planner.roofline.efficiency import DEFAULT_EFFICIENCY
from planner.roofline.growth import PeriodGrowth, grown_card, load_model_trend, period_growth
from planner.roofline.kernel import Architecture, chip_power_kw, forward_step
from planner.roofline.coefficients import hardware
from planner.roofline.precision import Precision


@pytest.fixture(scope="module")
def chips():
    return load_catalog().loc[["H100-SXM", "B200"]]


def test_grown_dense_card_has_the_factor_in_parameters_and_its_two_thirds_in_kv():
    card = load_model_card("Llama-3.3-70B")
    grown = grown_card(card, 8.0)
    assert grown.total_params == pytest.approx(8 * card.total_params)
    assert grown.active_params == pytest.approx(8 * card.active_params)
    assert grown.layers == pytest.approx(2 * card.layers) and grown.hidden_size == pytest.approx(2 * card.hidden_size)
    assert grown.kv_elements_per_token == pytest.approx(4 * card.kv_elements_per_token)  # depth x KV heads
    assert grown_card(card, 1.0) is card


def test_grown_moe_card_keeps_its_routing_and_grows_every_part_alike():
    card = load_model_card("DeepSeek-V3")
    grown = grown_card(card, 27.0)
    assert grown.moe.experts == card.moe.experts and grown.moe.top_k == card.moe.top_k
    assert grown.routed_expert_params_total == pytest.approx(27 * card.routed_expert_params_total)
    assert grown.always_touched_params == pytest.approx(27 * card.always_touched_params)
    assert grown.expert_params == pytest.approx(9 * card.expert_params)


def test_software_speedup_divides_every_step_time_and_keeps_power():
    chip = load_catalog().loc[["H100-SXM"]]
    hw = hardware(chip, [Precision.FP8])
    arch = Architecture.from_cards([load_model_card("Llama-3.1-8B")])
    faster = replace(DEFAULT_EFFICIENCY, software_speedup=2.5)
    args = (hw, arch, 1.0, 1.0, 1.0, 1.0, 64.0, 512.0, 2000.0, 256.0)
    base, quick = forward_step(*args, DEFAULT_EFFICIENCY), forward_step(*args, faster)
    for name in ("period_s", "latency_s", "compute_s", "memory_s", "network_s"):
        assert np.asarray(getattr(quick, name)) == pytest.approx(np.asarray(getattr(base, name)) / 2.5)
    assert chip_power_kw(hw, quick) == pytest.approx(chip_power_kw(hw, base))


def test_software_speedup_at_least_multiplies_every_class_rate(chips):
    """The same serving configuration runs faster and so stays within its latency limits: every class gains
    at least the speed-up (more where shorter steps admit larger batches)."""
    workloads = load_workloads()
    base = serving_coefficients(chips, workloads)["tokens_per_s_per_chip"]
    quick = serving_coefficients(chips, workloads, replace(DEFAULT_EFFICIENCY, software_speedup=1.5))
    served = base > 0
    assert served.all()
    assert (quick["tokens_per_s_per_chip"][served] >= 1.5 * base[served] * (1 - 1e-9)).all()


def test_grown_models_cost_more_chip_time_and_outgrow_every_replica(chips):
    workloads = load_workloads()
    base = serving_coefficients(chips, workloads)["tokens_per_s_per_chip"]
    grown = serving_coefficients(chips, workloads, model_compute_factor=2.0)["tokens_per_s_per_chip"]
    assert (grown < base).all()
    # ten thousand times a 2025 card does not fit 64 chips of 80-192 GB: nothing can serve it
    huge = serving_coefficients(chips, workloads, model_compute_factor=1e4)["tokens_per_s_per_chip"]
    assert (huge == 0).all()


def test_period_growth_follows_the_shipped_trends_and_the_scenario_overrides():
    trend = load_model_trend()
    assert period_growth(None, 0) == PeriodGrowth(1.0, 1.0)
    two = period_growth(None, 2)
    assert two.compute_factor == pytest.approx(trend.training_compute_growth_per_year ** (2 * 0.5))
    assert two.software_speedup == pytest.approx((1 + trend.software_gain_per_year["central"]) ** 2)

    class Trends:
        training_compute_growth_per_year = 9.0
        inference_compute_exponent = 0.5
        software_efficiency = "high"
        software_gain_per_year = None

    overridden = period_growth(Trends(), 3)
    assert overridden.compute_factor == pytest.approx(27.0)
    assert overridden.software_speedup == pytest.approx((1 + trend.software_gain_per_year["high"]) ** 3)
    Trends.inference_compute_exponent, Trends.software_efficiency = 0.0, "none"
    assert period_growth(Trends(), 5) == PeriodGrowth(1.0, 1.0)
    Trends.software_gain_per_year = 1.0  # the explicit gain wins over the case
    assert period_growth(Trends(), 2).software_speedup == pytest.approx(4.0)
