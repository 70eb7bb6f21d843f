"""Models and software over a build-out: how the served models' per-token compute and the serving stack's
efficiency move between planning years, both applied through the roofline kernel.

- Model growth: a served model of year t does ``compute_factor`` times the per-token work of its card (the
  cards stand for what is served in the first planning year). The factor follows frontier training compute
  under a stated rule, per-token compute ~ training compute ^ exponent (default exponent 0.5: the
  compute-optimal argument, parameters ~ C^0.5 when parameters and tokens grow alike, Hoffmann et al. 2022;
  an assumption). ``grown_card`` grows a card at constant shape: depth and width each by factor^(1/3), so
  parameters (weights read, FLOPs per token) grow by the factor and the KV cache per token by factor^(2/3);
  vocabulary, context length, head size and expert counts stay.
- Software: the serving stack's gain per year (better kernels, scheduling, decoding methods) divides the work
  of every forward step (``Efficiency.software_speedup``); no public anchor gives its rate, so it is an
  assumption with a low / central / high range (data/trends/models.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from planner.resources import data_path
from planner.roofline.cards import ModelCard
from planner.yaml_load import safe_load

TREND_FILE = "models.yaml"
SOFTWARE_CASES = ("none", "low", "central", "high")


@dataclass(frozen=True)
class ModelTrend:
    """The shipped trend figures (data/trends/models.yaml)."""

    training_compute_growth_per_year: float
    inference_compute_exponent: float
    software_gain_per_year: dict[str, float]


@lru_cache(maxsize=1)
def load_model_trend() -> ModelTrend:
    raw = safe_load(data_path("trends", TREND_FILE).read_text(encoding="utf-8"))
    gains = {str(case): float(value) for case, value in raw["software_gain_per_year"].items()}
    return ModelTrend(training_compute_growth_per_year=float(raw["training_compute_growth_per_year"]),
                      inference_compute_exponent=float(raw["inference_compute_exponent"]),
                      software_gain_per_year={"none": 0.0, **gains})


def compute_factor(years_after_first: float, training_growth_per_year: float, exponent: float) -> float:
    """Per-token compute of a served model ``years_after_first`` years on, per unit of the card's:
    (training compute growth) ^ (exponent x years)."""
    return float(training_growth_per_year ** (exponent * years_after_first))


def software_speedup(years_after_first: float, gain_per_year: float) -> float:
    """Serving work per token of the first planning year per unit of that of ``years_after_first`` years on."""
    return float((1.0 + gain_per_year) ** years_after_first)


def grown_card(card: ModelCard, factor: float) -> ModelCard:
    """``card`` with ``factor`` times the parameters at constant shape (see the module docstring)."""
    if factor == 1.0:
        return card
    side = factor ** (1.0 / 3.0)
    mla = None if card.mla is None else replace(card.mla, kv_lora_rank=card.mla.kv_lora_rank * side,
                                                q_lora_rank=card.mla.q_lora_rank * side)
    moe = None if card.moe is None else replace(card.moe, moe_layers=card.moe.moe_layers * side,
                                                expert_intermediate_size=card.moe.expert_intermediate_size * side)
    return replace(card, total_params=card.total_params * factor, active_params=card.active_params * factor,
                   layers=card.layers * side, hidden_size=card.hidden_size * side,
                   intermediate_size=card.intermediate_size * side, heads=card.heads * side,
                   kv_heads=card.kv_heads * side, mla=mla, moe=moe)


@dataclass(frozen=True)
class PeriodGrowth:
    """What one planning year's kernel run serves: cards grown ``compute_factor`` times, the software stack
    ``software_speedup`` times the first year's (1 and 1 in the first planning year)."""

    compute_factor: float = 1.0
    software_speedup: float = 1.0


def period_growth(trends, years_after_first: float) -> PeriodGrowth:
    """The scenario's ``model_trends`` section (None: the shipped trends) ``years_after_first`` years on."""
    shipped = load_model_trend()
    growth = getattr(trends, "training_compute_growth_per_year", None) or shipped.training_compute_growth_per_year
    exponent = getattr(trends, "inference_compute_exponent", None)
    exponent = shipped.inference_compute_exponent if exponent is None else exponent
    gain = getattr(trends, "software_gain_per_year", None)
    if gain is None:
        gain = shipped.software_gain_per_year[getattr(trends, "software_efficiency", "central")]
    return PeriodGrowth(compute_factor=compute_factor(years_after_first, growth, exponent),
                        software_speedup=software_speedup(years_after_first, gain))
