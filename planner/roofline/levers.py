"""Efficiency levers (the scenario's ``efficiency`` section) applied to the workload profiles the kernel serves.

A lever changes what the kernel computes for a class, never the MIP: the number format, speculative decoding
(drafted tokens, acceptance rate, draft model or multi-token prediction), distillation (a share of the
requests moved to a smaller model card), the model mix itself (mixture-of-experts against dense), and prefix
caching of repeated prompt context. Levers set for every class apply first, a class's own levers win.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import replace

from planner.errors import Problem
from planner.roofline.cards import list_model_cards
from planner.roofline.precision import Precision
from planner.roofline.workloads import WorkloadProfile

MTP = "mtp"  # draft_model value: the target's own multi-token prediction head
LEVERS = ("precision", "speculative_tokens", "acceptance_rate", "draft_model", "distilled_share", "distilled_model",
          "model_mix", "cached_input_share")
SHARE_TOLERANCE = 1e-6


def levers_for(efficiency, service_class: str) -> dict:
    """The levers set for ``service_class``: the section's own, then the class's overrides."""
    if efficiency is None:
        return {}
    chosen = {name: getattr(efficiency, name) for name in LEVERS if getattr(efficiency, name) is not None}
    own = efficiency.classes.get(service_class)
    if own is not None:
        chosen |= {name: getattr(own, name) for name in LEVERS if getattr(own, name) is not None}
    return chosen


def _distilled(mix: Mapping[str, float], share: float, model: str) -> dict[str, float]:
    """``share`` of the requests to ``model``, the rest in the mix's proportions."""
    out = {name: value * (1.0 - share) for name, value in mix.items()}
    out[model] = out.get(model, 0.0) + share
    return out


def apply_levers(profile: WorkloadProfile, levers: Mapping) -> WorkloadProfile:
    """``profile`` with the levers applied (see the module docstring); unset levers keep the profile's."""
    changes: dict = {}
    if "precision" in levers:
        changes["precision"] = Precision(levers["precision"])
    for name in ("speculative_tokens", "acceptance_rate", "cached_input_share"):
        if name in levers:
            changes[name] = float(levers[name])
    if "draft_model" in levers:
        changes["draft_model"] = None if levers["draft_model"] == MTP else str(levers["draft_model"])
    mix = dict(levers.get("model_mix") or profile.model_mix)
    share = float(levers.get("distilled_share") or 0.0)
    if share > 0 and levers.get("distilled_model"):
        mix = _distilled(mix, share, str(levers["distilled_model"]))
    if mix != dict(profile.model_mix):
        changes["model_mix"] = {name: value for name, value in mix.items() if value > 0}
    return replace(profile, **changes) if changes else profile


def _card_problem(source: str, key_path: str, name: object, cards: list[str]) -> Problem | None:
    if isinstance(name, str) and name in cards:
        return None
    close = difflib.get_close_matches(str(name), cards, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"known: {', '.join(cards)}"
    return Problem(source, key_path, f"no such model card; {hint}", name)


def _block_problems(block, path: str, source: str, cards: list[str]) -> Iterator[Problem]:
    if block.draft_model is not None and block.draft_model != MTP:
        problem = _card_problem(source, f"{path}draft_model", block.draft_model, cards + [MTP])
        if problem:
            yield problem
    if block.distilled_model is not None:
        problem = _card_problem(source, f"{path}distilled_model", block.distilled_model, cards)
        if problem:
            yield problem
    if block.model_mix is not None:
        for name, value in block.model_mix.items():
            problem = _card_problem(source, f"{path}model_mix.{name}", name, cards)
            if problem:
                yield problem
            if value < 0:
                yield Problem(source, f"{path}model_mix.{name}", "share must be >= 0", value)
        total = sum(block.model_mix.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            yield Problem(source, f"{path}model_mix", "shares must sum to 1", total)


def lever_problems(efficiency, source: str = "scenario") -> list[Problem]:
    """Every problem of the ``efficiency`` section that needs the shipped model cards, with its key path."""
    cards = list_model_cards()
    problems = list(_block_problems(efficiency, "efficiency.", source, cards))
    for service_class, block in efficiency.classes.items():
        problems += _block_problems(block, f"efficiency.classes.{service_class}.", source, cards)
    blocks = [("efficiency.", efficiency)] + [(f"efficiency.classes.{q}.", b) for q, b in efficiency.classes.items()]
    for path, block in blocks:
        if (block.distilled_share or 0) > 0 and block.distilled_model is None and efficiency.distilled_model is None:
            problems.append(Problem(source, f"{path}distilled_model", "distilled_share needs the model card that "
                                    "takes that share (distilled_model)", None))
    return problems
