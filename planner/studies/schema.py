"""The study file schema: a base scenario, the runs to make from it, and the outputs to collect.

Strict like the scenario schema (unknown keys are rejected). Key paths are dotted scenario paths, list
indexes included (``service_classes.interactive.rtt_budget_ms``, ``sites.0.max_grid_mw``); whether a path
exists in the scenario is checked when the runs are built (``planner.studies.design``), with the study
file's own key path in the message.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Uniform(StrictModel):
    distribution: Literal["uniform"]
    low: float
    """Smallest value drawn."""
    high: float
    """Largest value drawn."""

    @model_validator(mode="after")
    def _ordered(self) -> "Uniform":
        if not self.low < self.high:
            raise ValueError("low must be below high")
        return self


class Triangular(StrictModel):
    distribution: Literal["triangular"]
    low: float
    """Lower end of the range (e.g. a knob's low case)."""
    mode: float
    """Most likely value (e.g. the central case)."""
    high: float
    """Upper end of the range (e.g. the high case)."""

    @model_validator(mode="after")
    def _ordered(self) -> "Triangular":
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("expected low <= mode <= high and low < high")
        return self


class Normal(StrictModel):
    distribution: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    """Standard deviation."""
    low: float | None = None
    """Draws below this are redrawn (a truncated normal); None = no lower limit."""
    high: float | None = None
    """Draws above this are redrawn; None = no upper limit."""

    @model_validator(mode="after")
    def _ordered(self) -> "Normal":
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError("low must be below high")
        return self


class LogNormal(StrictModel):
    distribution: Literal["lognormal"]
    median: float = Field(gt=0)
    """Median of the draws (exp of the underlying normal's mean)."""
    sigma: float = Field(gt=0)
    """Standard deviation of the log of the draws."""


class Choice(StrictModel):
    distribution: Literal["choice"]
    values: list[Any] = Field(min_length=1)
    """Values drawn from (any YAML value: numbers, names, null)."""
    weights: list[float] | None = None
    """Relative probability of each value; None = equally likely."""

    @model_validator(mode="after")
    def _weights_match(self) -> "Choice":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self


class KnobRange(StrictModel):
    distribution: Literal["knob_range"]
    """Triangular over the knob's shipped low / central / high range (``planner.demand.ranges``, sources in
    ``data/public_anchors/demand_anchors.yaml``), the central value being the base scenario's."""


Distribution = Annotated[Uniform | Triangular | Normal | LogNormal | Choice | KnobRange,
                         Field(discriminator="distribution")]


class MonteCarlo(StrictModel):
    draws: int = Field(ge=1, le=100_000)
    """Number of random draws (each one run)."""
    seed: int = Field(ge=0)
    """Seed of the random generator: the same seed draws the same values on any machine."""
    parameters: dict[str, Distribution] = Field(min_length=1)
    """Distribution of each scenario key path."""


class StudySolver(StrictModel):
    time_limit_s: float | None = Field(None, gt=0)
    """Wall-clock limit of each run's MIP solve [s]; None = the base scenario's solver.time_limit_s."""
    mip_gap: float | None = Field(None, ge=0, le=1)
    """Relative gap at which each run stops [-]; None = the base scenario's solver.mip_gap."""


DEFAULT_OUTPUTS = ("objective_usd", "bound_usd", "gap", "unmet_share", "chips_total", "controlled_chip_share",
                   "it_mw", "grid_mw", "sites_open", "chips_by_type", "verified")


class Study(StrictModel):
    """A policy study: runs made from one base scenario, and the outputs to collect from each plan.

    The runs are the points of ``grid`` (every combination) followed by those of ``cases``; with neither,
    the base alone. ``monte_carlo`` makes its draws for each of those points (so a grid of policies can be
    crossed with demand uncertainty)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    """Short name, used as the default output folder (letters, digits, '.', '_', '-')."""
    description: str = ""
    """What the study asks."""
    base: str = Field(min_length=1)
    """A shipped scenario name (india, great-britain) or a scenario path relative to the study file."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Values applied to the base for every run, by scenario key path (like ``--set``)."""
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(default_factory=dict)
    """Values of each key path; every combination is run."""
    cases: list[dict[str, Any]] = Field(default_factory=list)
    """Explicit runs, each a mapping of key paths to values (run after the grid's points)."""
    monte_carlo: MonteCarlo | None = None
    """Random draws of uncertain key paths, made for each grid point and case (or for the base alone)."""
    outputs: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTPUTS), min_length=1)
    """What to collect from each plan (see ``planner.studies.outputs``)."""
    solver: StudySolver = StudySolver()
    """Solver limits of every run (they become the runs' solver section)."""
