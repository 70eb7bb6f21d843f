"""The one definition of reasoning and input tokens, shared by the demand forecast and the workload profiles.

A request reads ``input`` prompt and context tokens and writes ``visible`` output tokens the consumer sees,
after ``reasoning`` hidden thinking tokens. With r = reasoning tokens per visible token (the field
``reasoning_tokens_per_visible_token`` in both ``data/workloads/service_classes.yaml`` and the scenario's
``demand.classes``):

    generated = visible x (1 + r)          (what the decode phase produces; the unit of tokens_per_s)
    input     = visible x input_per_visible (what the prefill phase reads; input_tokens_per_s)

so r = 0 is a plain answer and r = 1 spends as many tokens thinking as answering.
"""

from __future__ import annotations


def generated_per_visible(reasoning_tokens_per_visible_token: float) -> float:
    """Generated (visible + reasoning) tokens per visible output token [-]."""
    if reasoning_tokens_per_visible_token < 0:
        raise ValueError("reasoning tokens per visible token must be >= 0")
    return 1.0 + reasoning_tokens_per_visible_token


def generated_tokens(visible_tokens: float, reasoning_tokens_per_visible_token: float):
    """Tokens decoded for ``visible_tokens`` of output (numbers or arrays)."""
    return visible_tokens * generated_per_visible(reasoning_tokens_per_visible_token)


def input_per_generated(input_tokens_per_visible_token: float, reasoning_tokens_per_visible_token: float) -> float:
    """Prompt and context tokens read per generated token [-] (what a roofline sizes prefill with)."""
    return input_tokens_per_visible_token / generated_per_visible(reasoning_tokens_per_visible_token)
