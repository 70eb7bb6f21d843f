"""Efficiency levers through the roofline kernel: each moves cost per token the way its physics says, on
every FP8-capable chip of the catalog and every service class."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner.catalog import load_catalog
from planner.roofline import load_workloads, serving_coefficients
from planner.roofline.kernel import accepted_tokens_per_step
from planner.roofline.levers import apply_levers
from planner.units import HOURS_PER_YEAR, SECONDS_PER_YEAR, capital_recovery_factor

pytestmark = pytest.mark.unit

USD_PER_MWH = 100.0  # assumption for the test: any positive tariff


@pytest.fixture(scope="module")
def fp8_chips() -> pd.DataFrame:
    catalog = load_catalog()
    return catalog[catalog["fp8_dense_flops"].notna() & catalog["price_usd"].notna() & catalog["tdp_kw"].notna()]


@pytest.fixture(scope="module")
def profiles():
    return load_workloads()


def usd_per_million_tokens(chips: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Chip annuity and energy over the tokens a chip serves in a year; inf where it cannot serve."""
    chip = table.index.get_level_values("chip")
    price = chips["price_usd"].reindex(chip).to_numpy() * 1.4
    yearly = price * (chips["lifetime_years"].reindex(chip).map(lambda n: capital_recovery_factor(0.08, n)).to_numpy()
                      + 0.03)
    energy = table["power_avg_kw_per_chip"].to_numpy() / 1000 * HOURS_PER_YEAR * USD_PER_MWH
    tokens = table["tokens_per_s_per_chip"].to_numpy() * SECONDS_PER_YEAR
    return pd.Series(np.where(tokens > 0, (yearly + energy) / np.maximum(tokens, 1e-300) * 1e6, np.inf),
                     index=table.index)


def coefficients(chips, profiles, levers: dict) -> pd.DataFrame:
    return serving_coefficients(chips, {q: apply_levers(p, levers) for q, p in profiles.items()})


def test_fp8_never_costs_more_per_token_than_bf16_on_an_fp8_chip(fp8_chips, profiles):
    bf16 = usd_per_million_tokens(fp8_chips, coefficients(fp8_chips, profiles, {"precision": "bf16"}))
    fp8_table = coefficients(fp8_chips, profiles, {"precision": "fp8"})
    fp8 = usd_per_million_tokens(fp8_chips, fp8_table)
    # a chip whose FP8 is no faster than its BF16 (Gaudi3's catalog figures) runs BF16: the same cost
    runs_fp8 = fp8_table["precision"] == "fp8"
    assert runs_fp8.sum() >= 27 and (fp8[~runs_fp8] == bf16[~runs_fp8]).all()
    assert np.isfinite(fp8).sum() >= 20  # most chip-class pairs are served, so the comparison has content
    assert (fp8 <= bf16 * (1 + 1e-9)).all(), (fp8 / bf16)[fp8 > bf16]
    cheaper = fp8[runs_fp8 & np.isfinite(bf16)] < bf16[runs_fp8 & np.isfinite(bf16)]
    assert cheaper.mean() > 0.9  # and is cheaper almost everywhere it runs


@pytest.mark.parametrize("draft", ["mtp", "Llama-3.2-1B"])
def test_higher_acceptance_never_raises_cost(fp8_chips, profiles, draft):
    chips = fp8_chips.loc[["H100-SXM", "B200", "MI300X"]]
    costs = [usd_per_million_tokens(chips, coefficients(chips, profiles, {
        "speculative_tokens": 3, "acceptance_rate": a, "draft_model": draft})) for a in (0.0, 0.4, 0.7, 0.9)]
    for lower, higher in zip(costs, costs[1:]):
        assert (higher <= lower * (1 + 1e-9)).all()
    assert (costs[-1] < costs[0]).all()


def test_expected_accepted_tokens_follow_leviathan_et_al():
    # E[tokens per step] = (1 - a^(d+1)) / (1 - a): Leviathan, Kalman, Matias (ICML 2023), eq. 1
    assert accepted_tokens_per_step(4, 0.8) == pytest.approx((1 - 0.8**5) / 0.2)
    assert accepted_tokens_per_step(3, 0.0) == pytest.approx(1.0)
    assert accepted_tokens_per_step(0, 0.9) == pytest.approx(1.0)
    assert accepted_tokens_per_step(2, 1.0) == pytest.approx(3.0)


def test_drafting_that_is_never_accepted_only_costs(fp8_chips, profiles):
    chips = fp8_chips.loc[["H100-SXM"]]
    plain = coefficients(chips, profiles, {})
    wasted = coefficients(chips, profiles, {"speculative_tokens": 3, "acceptance_rate": 0.0,
                                            "draft_model": "Llama-3.2-1B"})
    assert (wasted["tokens_per_s_per_chip"] < plain["tokens_per_s_per_chip"]).all()


def test_prefix_caching_cuts_prefill_and_never_costs(fp8_chips, profiles):
    chips = fp8_chips.loc[["H100-SXM", "B200"]]
    plain = coefficients(chips, profiles, {})
    cached = coefficients(chips, profiles, {"cached_input_share": 0.8})
    assert (cached["tokens_per_s_per_chip"] >= plain["tokens_per_s_per_chip"]).all()
    assert (cached["prefill_time_share"] < plain["prefill_time_share"]).all()
    agentic = ("B200", "agentic")  # 20,000-token prompts: caching most of them is a large gain
    assert cached.loc[agentic, "tokens_per_s_per_chip"] > 1.5 * plain.loc[agentic, "tokens_per_s_per_chip"]


def test_distillation_moves_requests_to_the_smaller_card(profiles):
    interactive = profiles["interactive"]
    distilled = apply_levers(interactive, {"distilled_share": 0.5, "distilled_model": "Llama-3.2-1B"})
    assert distilled.model_mix["Llama-3.2-1B"] == pytest.approx(0.5)
    assert distilled.model_mix["Llama-3.3-70B"] == pytest.approx(interactive.model_mix["Llama-3.3-70B"] * 0.5)
    assert sum(distilled.model_mix.values()) == pytest.approx(1.0)
    chips = load_catalog().loc[["H100-SXM"]]
    rate = {name: serving_coefficients(chips, {"interactive": p}).iloc[0]["tokens_per_s_per_chip"]
            for name, p in (("plain", interactive), ("distilled", distilled))}
    assert rate["distilled"] > rate["plain"]


def test_moe_card_serves_more_tokens_per_chip_than_a_dense_card_of_similar_size(profiles):
    # DeepSeek-V3: 671B parameters, 37B active per token; Llama-3.1-405B: dense, all 405B active
    chips = load_catalog().loc[["B200", "H200-SXM"]]
    batch = profiles["batch"]
    moe = serving_coefficients(chips, {"batch": apply_levers(batch, {"model_mix": {"DeepSeek-V3": 1.0}})})
    dense = serving_coefficients(chips, {"batch": apply_levers(batch, {"model_mix": {"Llama-3.1-405B": 1.0}})})
    assert (moe["tokens_per_s_per_chip"] > 2 * dense["tokens_per_s_per_chip"]).all()


def test_levers_left_unset_keep_the_profile(profiles):
    for profile in profiles.values():
        assert apply_levers(profile, {}) == profile
    mtp = apply_levers(replace(profiles["batch"], draft_model="Llama-3.2-1B"), {"draft_model": "mtp"})
    assert mtp.draft_model is None
