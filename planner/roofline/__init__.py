"""Roofline performance kernel: accelerator specs x model architectures -> throughput coefficients.

Public interface: model cards, workload profiles, the serving coefficient table for the MIP, sustained
training FLOP/s, and the validator against published measurements.
"""

from planner.roofline.cards import AttentionType, ModelCard, list_model_cards, load_model_card
from planner.roofline.coefficients import serving_coefficients, training_flops_per_chip, training_power_kw_per_chip
from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.precision import Precision
from planner.roofline.workloads import ServiceClass, WorkloadProfile, load_workloads

__all__ = [
    "DEFAULT_EFFICIENCY", "AttentionType", "Efficiency", "ModelCard", "Precision", "ServiceClass", "WorkloadProfile",
    "list_model_cards", "load_model_card", "load_workloads", "serving_coefficients", "training_flops_per_chip",
    "training_power_kw_per_chip",
]
