"""Workload profiles per service class (``data/workloads/service_classes.yaml``).

A profile says what a request of the class looks like (input tokens, visible output tokens, hidden reasoning
tokens per visible token), the latency targets it is served under (TTFT, TPOT: read as p99 limits, the
percentile MLPerf states them at), the weight precision, optional speculative decoding (``speculative_tokens``,
``acceptance_rate``), and which models serve it in what share. Tokens counted by the demand forecast are
generated tokens, with the one definition of reasoning shared with the demand (``planner.demand.tokens``):
``generated_tokens = output_tokens x (1 + reasoning_tokens_per_visible_token)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from planner.demand.tokens import generated_per_visible, generated_tokens
from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.roofline.cards import list_model_cards
from planner.roofline.precision import Precision
from planner.vocabulary import ServiceClass  # noqa: F401  (re-exported for planner.roofline)
from planner.yaml_load import safe_load

WORKLOADS_FILE = ("workloads", "service_classes.yaml")


@dataclass(frozen=True)
class WorkloadProfile:
    name: str
    input_tokens: float
    output_tokens: float
    reasoning_tokens_per_visible_token: float
    ttft_s: float
    tpot_s: float
    precision: Precision
    model_mix: Mapping[str, float] = field(default_factory=dict)
    online: bool = True
    """Online classes see random arrivals and keep latency headroom (``Efficiency.server_load_factor``)."""
    description: str = ""
    speculative_tokens: float = 0.0
    """Drafted tokens verified per decode step (multi-token prediction or a draft model); 0 = off."""
    acceptance_rate: float = 0.0
    """Probability that each drafted token is accepted (i.i.d. estimate), in [0, 1)."""
    draft_model: str | None = None
    """Model card of the draft model that proposes the drafted tokens; None = multi-token prediction heads."""
    cached_input_share: float = 0.0
    """Share of each prompt served from a prefix (KV) cache instead of being prefilled, in [0, 1)."""

    @property
    def generated_tokens(self) -> float:
        """Tokens decoded per request: the visible output plus hidden reasoning."""
        return generated_tokens(self.output_tokens, self.reasoning_tokens_per_visible_token)

    @property
    def reasoning_multiplier(self) -> float:
        """Generated tokens per visible output token, 1 + r [-]."""
        return generated_per_visible(self.reasoning_tokens_per_visible_token)

    @property
    def input_tokens_per_output_token(self) -> float:
        """Prompt and context tokens per visible output token [-] (the demand's per-class input ratio)."""
        return self.input_tokens / self.output_tokens


_REASONING = "reasoning_tokens_per_visible_token"
_NUMBERS = ("input_tokens", "output_tokens", _REASONING, "ttft_s", "tpot_s")


def parse_workload(name: str, raw: object, file: str, known_models: set[str]) -> WorkloadProfile:
    """Validate one profile; collects every problem before raising ``DataError``."""
    if not isinstance(raw, dict):
        raise DataError([Problem(file, name, "a workload profile must be a mapping", raw)])
    problems: list[Problem] = []
    values = {}
    for key in _NUMBERS:
        value = raw.get(key)
        number = not isinstance(value, bool) and isinstance(value, (int, float))
        if key == _REASONING and (not number or value < 0):
            hint = (f" (reasoning_multiplier {raw['reasoning_multiplier']} is 1 + that: give "
                    f"{_REASONING} instead)" if "reasoning_multiplier" in raw else "")
            problems.append(Problem(file, f"{name}.{key}", "must be a number >= 0, hidden reasoning tokens per "
                                    f"visible output token{hint}", value))
        elif key != _REASONING and (not number or not value > 0):
            problems.append(Problem(file, f"{name}.{key}", "must be a positive number", value))
        values[key] = value
    try:
        precision = Precision(str(raw.get("precision")).lower())
    except ValueError:
        precision = None
        problems.append(Problem(file, f"{name}.precision", f"must be one of {[p.value for p in Precision]}",
                                raw.get("precision")))
    mix = raw.get("model_mix")
    if not isinstance(mix, dict) or not mix:
        problems.append(Problem(file, f"{name}.model_mix", "must map model card names to shares", mix))
        mix = {}
    for model, share in mix.items():
        if model not in known_models:
            problems.append(Problem(file, f"{name}.model_mix.{model}", "no such model card", model))
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
            problems.append(Problem(file, f"{name}.model_mix.{model}", "share must be >= 0", share))
    shares = [s for s in mix.values() if isinstance(s, (int, float))]
    if shares and abs(sum(shares) - 1.0) > 1e-6:
        problems.append(Problem(file, f"{name}.model_mix", "shares must sum to 1", sum(shares)))
    speculative = _speculative(raw, name, file, problems)
    if problems:
        raise DataError(problems, f"invalid workload profile {name!r} in {file}")
    return WorkloadProfile(name=name, **{k: float(values[k]) for k in _NUMBERS}, precision=precision,
                           model_mix={m: float(s) for m, s in mix.items()}, online=bool(raw.get("online", True)),
                           description=str(raw.get("description", "")), **speculative)


def _speculative(raw: dict, name: str, file: str, problems: list[Problem]) -> dict:
    """Optional speculative decoding (``speculative_tokens`` >= 0, ``acceptance_rate`` in [0, 1), ``draft_model``)
    and prefix caching (``cached_input_share`` in [0, 1))."""
    tokens, rate = raw.get("speculative_tokens", 0.0), raw.get("acceptance_rate", 0.0)
    draft, cached = raw.get("draft_model"), raw.get("cached_input_share", 0.0)
    if draft is not None and str(draft) not in set(list_model_cards()):
        problems.append(Problem(file, f"{name}.draft_model", "no such model card", draft))
        draft = None
    if isinstance(cached, bool) or not isinstance(cached, (int, float)) or not 0 <= cached < 1:
        problems.append(Problem(file, f"{name}.cached_input_share", "must be in [0, 1)", cached))
        cached = 0.0
    if isinstance(tokens, bool) or not isinstance(tokens, (int, float)) or tokens < 0:
        problems.append(Problem(file, f"{name}.speculative_tokens", "must be a number >= 0", tokens))
        tokens = 0.0
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        problems.append(Problem(file, f"{name}.acceptance_rate", "must be in [0, 1)", rate))
        rate = 0.0
    return {"speculative_tokens": float(tokens), "acceptance_rate": float(rate),
            "draft_model": None if draft is None else str(draft), "cached_input_share": float(cached)}


def load_workloads(names: Iterable[str] | None = None) -> dict[str, WorkloadProfile]:
    """Load the shipped service-class profiles, all of them or the ``names`` asked for."""
    file = "data/" + "/".join(WORKLOADS_FILE)
    raw = safe_load(data_path(*WORKLOADS_FILE).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise DataError([Problem(file, "", "must be a mapping of service class -> profile", raw)])
    wanted = list(raw) if names is None else list(names)
    missing = [n for n in wanted if n not in raw]
    if missing:
        raise DataError([Problem(file, n, f"no such service class; known: {', '.join(raw)}", n) for n in missing])
    known = set(list_model_cards())
    profiles, problems = {}, []
    for name in wanted:
        try:
            profiles[name] = parse_workload(name, raw[name], file, known)
        except DataError as error:
            problems.extend(error.problems)
    if problems:
        raise DataError(problems, f"invalid workload profiles in {file}")
    return profiles
