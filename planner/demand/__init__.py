"""Agent-density demand forecast: inference tokens/s by region, year and service class; national training
compute; elasticities; map and chart (``planner.demand.plots``). See docs/demand.md for the method."""

from planner.demand.checks import check_demand, demand_problems
from planner.demand.forecast import DEMAND_COLUMNS, TOTAL, forecast, national_totals, served_classes
from planner.demand.sensitivity import SENSITIVITY_COLUMNS, default_knobs, sensitivity
from planner.demand.training import TrainingDemand, training_demand

__all__ = ["DEMAND_COLUMNS", "SENSITIVITY_COLUMNS", "TOTAL", "TrainingDemand", "check_demand", "default_knobs",
           "demand_problems", "forecast", "national_totals", "sensitivity", "served_classes", "training_demand"]
