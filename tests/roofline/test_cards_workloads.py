import pytest

from planner.errors import DataError
from planner.roofline import list_model_cards, load_model_card, load_workloads
from planner.roofline.cards import parse_model_card
from planner.roofline.workloads import parse_workload

pytestmark = pytest.mark.unit

REQUIRED = ["Llama-2-70B", "Llama-3.1-8B", "Llama-3.1-70B", "Llama-3.1-405B", "Llama-3.3-70B", "Mixtral-8x7B",
            "DeepSeek-V3", "DeepSeek-R1", "Llama-3.2-1B"]


def test_required_cards_load_with_sources():
    assert set(REQUIRED) <= set(list_model_cards())
    for name in REQUIRED:
        card = load_model_card(name)
        assert card.sources and all(s.startswith("https://") for s in card.sources)
        assert card.active_params <= card.total_params


def test_kv_bytes_per_token_match_reference_figures():
    # Llama-3-70B in BF16: 320 KiB/token; DeepSeek-V3 MLA: 61 x 576 x 2 bytes, about 69 KiB.
    assert load_model_card("Llama-3.1-70B").kv_elements_per_token * 2 == 320 * 1024
    assert load_model_card("DeepSeek-V3").kv_elements_per_token * 2 / 1024 == pytest.approx(68.6, abs=0.1)


def test_moe_touch_counts_distinct_experts():
    card = load_model_card("DeepSeek-V3")
    assert card.touched_params(1) == pytest.approx(37e9, rel=0.03)  # one token touches its top-k: the active set
    assert card.touched_params(64) > 10 * card.touched_params(1)  # a batch hits most experts
    assert card.touched_params(1e6) == pytest.approx(card.total_params, rel=1e-6)
    mixtral = load_model_card("Mixtral-8x7B")
    assert mixtral.touched_params(1) == pytest.approx(mixtral.active_params, rel=0.01)


def test_bad_card_reports_every_problem():
    with pytest.raises(DataError) as info:
        parse_model_card({"name": "x", "total_params": -1, "attention": "rnn", "layers": 0, "colour": "red"}, "m.yaml")
    keys = {p.key_path for p in info.value.problems}
    assert {"total_params", "attention", "layers", "colour", "sources", "hidden_size"} <= keys


def test_unknown_card_is_a_data_error():
    with pytest.raises(DataError):
        load_model_card("GPT-9")


def test_workloads_cover_the_three_classes():
    profiles = load_workloads()
    assert set(profiles) == {"interactive", "agentic", "batch"}
    for p in profiles.values():
        assert sum(p.model_mix.values()) == pytest.approx(1.0)
        assert p.generated_tokens >= p.output_tokens
    assert set(load_workloads(["batch"])) == {"batch"}


def test_bad_workload_reports_every_problem():
    raw = {"input_tokens": 0, "output_tokens": 10, "reasoning_tokens_per_visible_token": -0.5, "ttft_s": 1, "tpot_s": 0.1,
           "precision": "fp3", "model_mix": {"Nope": 0.5}}
    with pytest.raises(DataError) as info:
        parse_workload("w", raw, "f.yaml", {"Llama-3.1-8B"})
    keys = {p.key_path for p in info.value.problems}
    assert {"w.input_tokens", "w.reasoning_tokens_per_visible_token", "w.precision", "w.model_mix.Nope", "w.model_mix"} <= keys


def test_unknown_service_class():
    with pytest.raises(DataError):
        load_workloads(["nightly"])


def test_speculative_decoding_is_an_optional_validated_workload_option():
    base = {"input_tokens": 100, "output_tokens": 50, "reasoning_tokens_per_visible_token": 0, "ttft_s": 1,
            "tpot_s": 0.05, "precision": "fp8", "model_mix": {"Llama-3.1-8B": 1.0}}
    plain = parse_workload("x", base, "f.yaml", set(list_model_cards()))
    assert plain.speculative_tokens == 0 and plain.acceptance_rate == 0
    spec = parse_workload("x", {**base, "speculative_tokens": 2, "acceptance_rate": 0.7}, "f.yaml",
                          set(list_model_cards()))
    assert spec.speculative_tokens == 2 and spec.acceptance_rate == 0.7
    with pytest.raises(DataError) as error:
        parse_workload("x", {**base, "speculative_tokens": -1, "acceptance_rate": 1.5}, "f.yaml",
                       set(list_model_cards()))
    paths = {p.key_path for p in error.value.problems}
    assert paths == {"x.speculative_tokens", "x.acceptance_rate"}
