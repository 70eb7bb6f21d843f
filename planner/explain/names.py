"""The one place that knows the model's component names: which constraints and bounds are limits a user
can relax, what family of reason they belong to, their units, and which variables carry unmet demand.

Builders may rename or regroup components; a rename here is the whole fix for the explain stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from planner.mip.components.policy import TPP_SCALE
from planner.mip.components.training import FLOPS_SCALE


class Family(StrEnum):
    """Why demand goes unmet, coarsely: each limit belongs to one family."""

    LATENCY = "latency_budget"
    GRID = "grid"
    EXPORT_CAP = "export_cap"
    SUPPLY = "supply_limit"
    REDUNDANCY = "redundancy"
    WATER = "water"
    SOVEREIGNTY = "sovereignty_floor"
    OPENING = "site_opening"
    COMBINED = "combined"
    ECONOMIC = "cost"


class Side(StrEnum):
    ROW = "row"
    """A constraint; relaxing it moves its finite bound outwards."""
    COLUMN_UPPER = "column_upper"
    """A variable's upper bound."""


@dataclass(frozen=True)
class Limit:
    kind: str
    """Name of the limit in plan.json (``marginal_values.constraint``)."""
    component: str
    """Pyomo component (constraint or variable) that holds it."""
    side: Side
    family: Family
    unit: str
    """Unit of the limit itself (slack and relaxation)."""
    units_per_model_unit: float = 1.0
    """Canonical units in one unit of the model's row or bound (1e6 TPP in one model TPP unit)."""
    priced: bool = True
    """Report its marginal value (False where the row's dual has no unit a user can relax)."""
    reported_binding: bool = True
    """List it among binding constraints (False for rows that only repeat a listed bound)."""


LIMITS: tuple[Limit, ...] = (
    Limit("zone_headroom", "zone_headroom", Side.ROW, Family.GRID, "MW"),  # nodal
    Limit("zone_headroom", "zone_supply_mw", Side.COLUMN_UPPER, Family.GRID, "MW"),  # zonal
    Limit("line_headroom", "line_limit_forward", Side.ROW, Family.GRID, "MW"),
    Limit("line_headroom", "line_limit_reverse", Side.ROW, Family.GRID, "MW"),
    Limit("transfer_capacity", "transfer_forward_mw", Side.COLUMN_UPPER, Family.GRID, "MW"),
    Limit("transfer_capacity", "transfer_reverse_mw", Side.COLUMN_UPPER, Family.GRID, "MW"),
    Limit("site_connection", "grid_mw", Side.COLUMN_UPPER, Family.GRID, "MW"),
    Limit("site_connection", "site_power_limit", Side.ROW, Family.GRID, "MW", reported_binding=False),
    Limit("site_it_limit", "it_under_chosen_cooling", Side.ROW, Family.GRID, "MW", priced=False,
          reported_binding=False),
    Limit("site_it_limit", "it_cooled_mw", Side.COLUMN_UPPER, Family.GRID, "MW", priced=False, reported_binding=False),
    Limit("site_it_limit", "avg_it_cooled_mw", Side.COLUMN_UPPER, Family.GRID, "MW", priced=False,
          reported_binding=False),
    Limit("site_contingency", "site_contingency_limit", Side.ROW, Family.GRID, "MW"),
    Limit("export_cap", "export_tpp_cap", Side.ROW, Family.EXPORT_CAP, "TPP", TPP_SCALE),
    Limit("chip_supply", "chip_supply_limit", Side.ROW, Family.SUPPLY, "chips"),
    Limit("site_water", "site_water_limit", Side.ROW, Family.WATER, "m3/year"),
    Limit("sovereignty_floor", "sovereignty_floor", Side.ROW, Family.SOVEREIGNTY, "ktokens/s", priced=False),
    Limit("max_site_share", "serve_ktokens_per_s", Side.COLUMN_UPPER, Family.REDUNDANCY, "ktokens/s", priced=False,
          reported_binding=False),
    Limit("max_site_share", "serve_at_open_site", Side.ROW, Family.REDUNDANCY, "ktokens/s", priced=False,
          reported_binding=False),
    Limit("max_site_share", "region_served_by_open_sites", Side.ROW, Family.REDUNDANCY, "ktokens/s", priced=False,
          reported_binding=False),
    Limit("training_compute", "training_requirement", Side.ROW, Family.ECONOMIC, "PFLOP/s",
          1e15 / FLOPS_SCALE, reported_binding=False),
)

DEMAND_BALANCE = "demand_balance"
"""Rows sum_s serve[r,q,s] + unmet[r,q] = demand[r,q] (ktokens/s), indexed (region, service_class)."""
SERVE = "serve_ktokens_per_s"
UNMET = "unmet_ktokens_per_s"
"""Unmet peak demand per (region, service_class) [ktokens/s]."""
TRAINING_SHORTFALLS = ("unmet_training_eflops", "run_shortfall_eflops")
"""Training compute left unmet; strict mode holds these at zero with unmet serving demand."""
OPEN_SITE = "open_site"
COOLING_CHOICE = "cool"
"""Binary per (site, cooling technology)."""
TRAINING_SITE = "is_training_site"
CHIPS_SERVING = "chips_serving"

FAMILY_ORDER = (Family.GRID, Family.EXPORT_CAP, Family.SUPPLY, Family.REDUNDANCY, Family.WATER, Family.SOVEREIGNTY)
"""Families whose limits the explain stage lifts to test them, and their precedence in an IIS."""


def limits_in(model) -> list[tuple[Limit, object]]:
    """(limit, component) for every limit the built model has."""
    found = []
    for limit in LIMITS:
        component = model.component(limit.component)
        if component is not None:
            found.append((limit, component))
    return found


def family_of_component(name: str) -> Family | None:
    return next((limit.family for limit in LIMITS if limit.component == name), None)


def index_name(index) -> str:
    """'GB', 'line 12' or 'Mumbai/interactive' for a component index (None for scalar components)."""
    if index is None:
        return "national"
    if isinstance(index, tuple):
        return "/".join(map(str, index))
    return str(index)


def member_name(component: str, index) -> str:
    """``zone_headroom[GB]``, ``chip_split[Slough/H100-SXM]``; a scalar component by its name alone."""
    return component if index is None else f"{component}[{index_name(index)}]"
