"""Fit the kernel's few global factors on measurement rows, and leave-one-group-out cross-validation.

Each factor is fitted on one kind of row, in dependency order (GEMM profiles -> inference tokens/s ->
energy -> training), by a bounded one-dimensional search per factor (golden section in log space, two sweeps)
minimising the mean of the clipped absolute log error |ln(predicted / measured)| (clipped at ln 2 so that a
few rows the physics cannot explain, such as an immature software stack, do not drag the fit). No factor is
per chip, per model or per round. The MLPerf Server/Offline load factor is the median measured Server/Offline
ratio of the same systems among the fitted rows.

Cross-validation: for each group (a catalog chip, or a model card), refit every factor on the rows outside the
group and predict the group's rows; report median and p90 absolute percentage error per fold and overall.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.precision import Precision
from planner.roofline.validate import map_rows, predict, row_group, row_records, summarise

ERROR_CLIP = math.log(2.0)
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class Factor:
    name: str
    group: str  # which rows fit it
    low: float
    high: float
    get: Callable[[Efficiency], float]
    set: Callable[[Efficiency, float], Efficiency]
    prior: float  # value used when no row of its group is in the fit (a published figure, never a fit)


def _with_precision(eff: Efficiency, precision: Precision, value: float) -> Efficiency:
    table = dict(eff.precision_gemm_efficiency)
    ratio_fp4 = table[Precision.FP4] / table[Precision.FP8]  # FP4 stays a fixed fraction of FP8 (assumption)
    table[precision] = value
    if precision is Precision.FP8:
        table[Precision.INT8] = value
        table[Precision.FP4] = value * ratio_fp4
    return replace(eff, precision_gemm_efficiency=table)


FACTORS = (
    # priors: Vidur H100/A100 GEMM profiles as published (0.70 of BF16 peak, 0.85 of HBM), FP8 at 0.8 of the BF16
    # share, 2 ms per engine step, DGX H100 host share 0.5 under load, Llama 3 405B residual 0.85, FP8 training 0.8
    Factor("compute", "gemm", 0.4, 0.95, lambda e: e.compute, lambda e, v: replace(e, compute=v), 0.70),
    Factor("memory", "gemm", 0.5, 0.98, lambda e: e.memory, lambda e, v: replace(e, memory=v), 0.85),
    Factor("fp8_gemm_efficiency", "inference", 0.3, 1.0, lambda e: e.precision_gemm_efficiency[Precision.FP8],
           lambda e, v: _with_precision(e, Precision.FP8, v), 0.80),
    Factor("step_overhead_s", "inference", 1e-4, 3e-2, lambda e: e.step_overhead_s,
           lambda e, v: replace(e, step_overhead_s=v), 2e-3),
    Factor("host_power_fraction", "energy", 0.05, 1.5, lambda e: e.host_power_fraction,
           lambda e, v: replace(e, host_power_fraction=v), 0.5),
    Factor("train_system", "training", 0.4, 1.0, lambda e: e.train_system, lambda e, v: replace(e, train_system=v),
           0.85),
    Factor("train_fp8_gemm_efficiency", "training", 0.3, 1.0, lambda e: e.train_fp8_gemm_efficiency,
           lambda e, v: replace(e, train_fp8_gemm_efficiency=v), 0.80),
)
SERVER_LOAD_PRIOR = 0.90
"""Server/Offline ratio used when no matched pair is in the fit (MLPerf v4.1 H100 rows, earlier calibration)."""


def _loss(rows: list, chips: pd.DataFrame, eff: Efficiency) -> float:
    predictions = predict(rows, chips, eff)
    errors = []
    for i, row, _ in rows:
        value = predictions[i]
        ok = value is not None and np.isfinite(value) and value > 0
        errors.append(min(abs(math.log(value / float(row["value"]))), ERROR_CLIP) if ok else ERROR_CLIP)
    return float(np.mean(errors)) if errors else 0.0


def _golden(loss: Callable[[float], float], low: float, high: float, iterations: int = 12) -> float:
    a, b = math.log(low), math.log(high)
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = loss(math.exp(c)), loss(math.exp(d))
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = loss(math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = loss(math.exp(d))
    return math.exp((a + b) / 2.0)


def server_load_factor(rows: list) -> float | None:
    """Median measured Server/Offline tokens/s of the same system (hardware, count, model, system notes)."""
    by_key: dict[tuple, dict[str, float]] = {}
    for _, row, m in rows:
        if row_group(row, m) != "inference" or m.params.get("load") not in (None, 1.0):
            continue
        scenario = str(row["scenario"])
        kind = "Server" if scenario.endswith("Server") else "Offline" if scenario.endswith("Offline") else None
        if kind is None:
            continue
        system = str(row.get("notes", "")).split("software=")[0]
        key = (str(row["hardware"]), float(row["n_accelerators"]), str(row["model"]), system)
        by_key.setdefault(key, {})[kind] = float(row["value"])
    ratios = [v["Server"] / v["Offline"] for v in by_key.values() if {"Server", "Offline"} <= set(v)]
    return float(np.median(ratios)) if ratios else None


def fit(rows: list, chips: pd.DataFrame, start: Efficiency = DEFAULT_EFFICIENCY, sweeps: int = 2) -> tuple[
        Efficiency, dict]:
    """(fitted Efficiency, {factor: {"value", "rows"}}) from mapped rows (``validate.map_rows`` output)."""
    eff, report = start, {}
    load = server_load_factor(rows)
    eff = replace(eff, server_load_factor=SERVER_LOAD_PRIOR if load is None else load)
    report["server_load_factor"] = {"value": eff.server_load_factor,
                                    "rows": sum(1 for _, r, m in rows if row_group(r, m) == "inference")}
    for group in ("gemm", "inference", "energy", "training"):
        subset = [(i, r, m) for i, r, m in rows if row_group(r, m) == group]
        factors = [f for f in FACTORS if f.group == group]
        if not subset:  # nothing to fit on: the published prior, so no fold sees a fit of its own rows
            for factor in factors:
                eff = factor.set(eff, factor.prior)
        for _ in range(sweeps if subset else 0):
            for factor in factors:
                value = _golden(lambda v, f=factor: _loss(subset, chips, f.set(eff, v)), factor.low, factor.high)
                eff = factor.set(eff, value)
        for factor in factors:
            report[factor.name] = {"value": factor.get(eff), "rows": len(subset),
                                   "row_ids": [int(i) for i, *_ in subset]}
    return eff, report


def group_of(row, m, by: str) -> str:
    if by == "chip":
        return m.chip
    return m.card.name if m.card is not None else "(operator profiles)"


def cross_validate(measurements: pd.DataFrame, chips: pd.DataFrame, by: str = "chip",
                   start: Efficiency = DEFAULT_EFFICIENCY, progress: Callable[[str], None] | None = None,
                   sweeps: int = 1) -> dict:
    """Leave-one-group-out: refit on the other groups, predict the held-out one. ``by``: chip | model.

    Each fold refits every factor over its whole search range (one coordinate sweep by default)."""
    if by not in ("chip", "model"):
        raise ValueError("--cv takes chip or model")
    mapped, unmapped = map_rows(measurements, chips)
    groups = sorted({group_of(r, m, by) for _, r, m in mapped})
    out_rows, folds = [], []
    for g in groups:
        held = [(i, r, m) for i, r, m in mapped if group_of(r, m, by) == g]
        rest = [(i, r, m) for i, r, m in mapped if group_of(r, m, by) != g]
        eff, _ = fit(rest, chips, start, sweeps=sweeps)
        records = row_records(held, predict(held, chips, eff))
        for rec in records:
            rec["fold"] = g
        out_rows.extend(records)
        folds.append({"group": g, **_by_kind(records)})
        if progress is not None:
            progress(g)
    return {"by": by, "n_rows": int(len(measurements)), "n_mapped": len(out_rows),
            "unmapped": [{"row": int(i), "reason": reason} for i, _, reason in unmapped],
            "folds": folds, "overall": _by_kind(out_rows), "rows": out_rows}


KINDS = ("inference", "energy", "training", "gemm")


def _by_kind(records: list[dict]) -> dict:
    summary = {"all": summarise(r["abs_pct_error"] for r in records)}
    for kind in KINDS:
        summary[kind] = summarise(r["abs_pct_error"] for r in records if r["group"] == kind)
    summary["unscored"] = sum(1 for r in records if r["predicted"] is None)
    return summary
