"""Closed vocabularies shared across stages (enums used by the scenario, the roofline and the MIP)."""

from __future__ import annotations

from enum import StrEnum


class ServiceClass(StrEnum):
    """Inference service classes, from most to least latency-sensitive."""

    INTERACTIVE = "interactive"
    AGENTIC = "agentic"
    BATCH = "batch"
