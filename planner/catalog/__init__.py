"""Accelerator catalog and export-control policy.

``load_catalog`` gives chip specs in canonical units with the derived export metrics (TPP, performance
density); ``resolve_chip`` maps any known name to a chip id; ``policy.resolve_policy`` says, for a destination
and date, which chips are allowed, licensed (under a TPP cap or at a price premium) or prohibited.
"""

from planner.catalog.accelerators import Cooling, load_aliases, load_catalog, resolve_chip
from planner.catalog.policy import ChipStatus, PolicyResolution, load_rule_packs, resolve_policy

__all__ = [
    "ChipStatus", "Cooling", "PolicyResolution", "load_aliases", "load_catalog", "load_rule_packs",
    "resolve_chip", "resolve_policy",
]
