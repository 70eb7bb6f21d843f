"""National training demand from a programme description: the sustained compute the country trains with, and
the largest run's rate, which must sit at one site (a synchronous run cannot be split across distant campuses).

    frontier FLOP/s    = largest_run_compute_flop x runs_per_year / (1 - fine_tuning_share) / seconds per year
    sustained FLOP/s   = frontier FLOP/s + research_compute_flops
    largest-run FLOP/s = largest_run_compute_flop / (largest_run_days x seconds per day)

The frontier part is national flagship pre-training with its fine-tuning and experiments; the research part is
public research compute (a national AI research resource, shared GPU programmes) stated as delivered model
FLOP/s. The sustained figure is the yearly average; it can be below the largest run's rate (one three-month
run a year), and the MIP enforces both. The reference nations' programmes are in their scenario files.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.scenario.schema import Scenario, TrainingConfig
from planner.units import SECONDS_PER_DAY, SECONDS_PER_YEAR


@dataclass(frozen=True)
class TrainingDemand:
    """What the MIP's training builder must provide."""

    sustained_flops: float
    """National training compute, yearly average [FLOP/s] (pre-training, fine-tuning, experiments, research)."""
    largest_run_flops: float
    """Rate of the largest single run, which must sit at one site [FLOP/s]."""


def frontier_flops(cfg: TrainingConfig) -> float:
    """Yearly average of the frontier programme: pre-training runs plus fine-tuning [FLOP/s]."""
    return cfg.largest_run_compute_flop * cfg.runs_per_year / (1.0 - cfg.fine_tuning_share) / SECONDS_PER_YEAR


def training_demand(scenario: Scenario) -> TrainingDemand:
    """The scenario's training requirement; zero when it has no ``demand.training`` section."""
    cfg = scenario.demand.training
    if cfg is None:
        return TrainingDemand(sustained_flops=0.0, largest_run_flops=0.0)
    return TrainingDemand(sustained_flops=frontier_flops(cfg) + cfg.research_compute_flops,
                          largest_run_flops=cfg.largest_run_compute_flop / (cfg.largest_run_days * SECONDS_PER_DAY))
