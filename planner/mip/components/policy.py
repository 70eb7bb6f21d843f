"""Export-control limits: the national TPP cap, per-chip supply limits and a sovereignty floor.

Prohibited chips never reach the MIP (``planner.chips`` leaves them out of the chip set, which fixes their
count to zero); price multipliers are already in each chip's yearly capex.
"""

from __future__ import annotations

import pyomo.core as pyo

from planner.mip.inputs import TOKENS_SCALE, ModelInputs

TPP_SCALE = 1e6  # the cap constraint counts TPP in millions


def add_policy(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    """export_tpp_cap, chip_supply_limit and sovereignty_floor; each only when the scenario sets it."""
    _add_tpp_cap(m, inputs)
    _add_supply_limits(m, inputs)
    _add_sovereignty_floor(m, inputs)


def _add_tpp_cap(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    cap = inputs.policy.tpp_cap
    capped = inputs.chips.index[inputs.chips["counts_against_cap"]]
    if cap is None or capped.empty:
        return
    tpp = inputs.chips["tpp"] / TPP_SCALE
    m.export_tpp_cap = pyo.Constraint(
        expr=sum(tpp[k] * m.chips[s, k] for s, k in m.SITE_CHIPS if k in capped) <= cap / TPP_SCALE,
        doc="sum over capped chips of tpp[k] * chips[s,k] <= national TPP cap [million TPP]")


def _add_supply_limits(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    limits = inputs.policy.chip_supply_limit
    limited = [k for k in limits.index if k in set(m.CHIPS)]
    if not limited:
        return
    m.SUPPLY_LIMITED_CHIPS = pyo.Set(initialize=limited, ordered=True, doc="chips with an allocation")
    m.chip_supply_limit = pyo.Constraint(
        m.SUPPLY_LIMITED_CHIPS, rule=lambda m, k: sum(m.chips[s, c] for s, c in m.SITE_CHIPS if c == k)
        <= float(limits[k]), doc="sum_s chips[s,k] <= supply_limit[k] [chips]")


def _add_sovereignty_floor(m: pyo.ConcreteModel, inputs: ModelInputs) -> None:
    share = inputs.policy.min_uncontrolled_share
    if share <= 0:
        return
    thr = inputs.throughput_tokens_per_s / TOKENS_SCALE
    uncontrolled = inputs.chips["is_uncontrolled"]
    capacity = {key: thr[key] * m.chips_serving[key] for key in m.CAPACITY}
    m.sovereignty_floor = pyo.Constraint(
        expr=sum(v for (s, k, q), v in capacity.items() if uncontrolled[k]) >= share * sum(capacity.values()),
        doc="serving capacity on uncontrolled chips >= min_uncontrolled_share x all serving capacity")
