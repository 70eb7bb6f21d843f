"""Predict published measurements with the kernel and report the error.

Reads any CSV in the format of ``data/calibration/measured_throughput_calibration.csv``
(workload, model, hardware, n_accelerators, precision, scenario, metric, value, unit, source, ...),
maps each row to a kernel configuration (model card, catalog chip, precision, dataset token mix, latency
limits, parallelism) and predicts it from specs alone. Rows it cannot map are returned with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.roofline.cards import ModelCard, list_model_cards, load_model_card
from planner.roofline.coefficients import hardware, kv_precision
from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.kernel import Architecture, smooth_roofline, training_point
from planner.roofline.precision import BYTES_PER_ELEMENT, PEAK_COLUMN, Precision, parse_precision
from planner.roofline.search import best_serving

REQUIRED_COLUMNS = ("workload", "model", "hardware", "n_accelerators", "precision", "scenario", "metric", "value")
SERVING_METRICS = ("output_tokens_per_s_system", "output_tokens_per_joule_system")
TRAINING_METRICS = ("train_tokens_per_s_system", "model_tflops_per_accelerator",
                    "achieved_tflops_per_accelerator", "mfu")
KERNEL_METRICS = ("gemm_time_ms",)
DEFAULT_TRAINING = {"tp": 8, "cp": 1, "seq": 8192, "batch_tokens": 16 * 2**20}
"""Parallelism assumed for a training row whose notes do not state it (Llama 3 405B recipe)."""


@dataclass(frozen=True)
class RowMapping:
    """Everything the kernel needs to predict one row."""

    kind: str  # serving | training | gemm
    chip: str
    card: ModelCard | None
    precision: Precision
    params: dict = field(default_factory=dict)


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


def _aliases() -> dict[str, str]:
    raw = yaml.safe_load(data_path("calibration", "hardware_aliases.yaml").read_text(encoding="utf-8"))
    return {_norm(k): v for k, v in raw.items()}


def resolve_hardware(name: str, chips: pd.DataFrame) -> str | None:
    """Catalog alias table first (``planner.catalog.resolve_chip``), then our own, then the id itself."""
    try:
        from planner.catalog import resolve_chip

        chip = resolve_chip(name)
        if chip in chips.index:
            return chip
    except Exception:  # noqa: BLE001 - any failure falls through to our alias table
        pass
    chip = _aliases().get(_norm(name))
    if chip in chips.index:
        return chip
    by_norm = {_norm(c): c for c in chips.index}
    return by_norm.get(_norm(name))


def resolve_model(name: str) -> ModelCard | None:
    """Longest card name that prefixes the measurement's model name ('Llama-2-70B-Chat' -> Llama-2-70B)."""
    text = _norm(name)
    matches = [c for c in list_model_cards() if text.startswith(_norm(c))]
    return load_model_card(max(matches, key=len)) if matches else None


def _yaml(name: str) -> dict:
    return yaml.safe_load(data_path("calibration", name).read_text(encoding="utf-8"))


def _row_precision(row, chip_row: pd.Series, mlperf: bool) -> Precision:
    """MLPerf closed submitters on FP8-capable chips quantise 'fp16' weights to FP8 (calibration notes)."""
    reported = parse_precision(str(row["precision"]))
    if mlperf and reported is Precision.BF16 and pd.notna(chip_row.get("fp8_dense_flops")):
        return Precision.FP8
    if pd.isna(chip_row.get(PEAK_COLUMN[reported])):
        return Precision.BF16
    return reported


def _serving_params(row, card: ModelCard, datasets: dict, limits: dict) -> dict | str:
    scenario = str(row["scenario"])
    m = re.match(r"TRTLLM-maxthroughput-ISL(\d+)-OSL(\d+)", scenario)
    if m:
        return {"s_in": float(m[1]), "s_out": float(m[2]), "ttft": np.inf, "tpot": np.inf, "load": 1.0}
    m = re.match(r"MLPerf-v[\d.]+-(Offline|Server|Interactive)$", scenario)
    if not m:
        return f"scenario {scenario!r} is not a known inference scenario"
    if card.name not in datasets:
        return f"no MLPerf dataset length mix for {card.name} in data/calibration/mlperf_datasets.yaml"
    mix = datasets[card.name]
    params = {"s_in": float(mix["input_tokens"]), "s_out": float(mix["output_tokens"]), "ttft": np.inf,
              "tpot": np.inf, "load": 1.0}
    if m[1] != "Offline":
        limit = limits.get(card.name, {}).get(m[1])
        if limit is None:
            return f"no {m[1]} latency limits for {card.name} in data/calibration/mlperf_scenarios.yaml"
        params.update(ttft=float(limit["ttft_s"]), tpot=float(limit["tpot_s"]), load=None)
    return params


def _training_params(row, card: ModelCard) -> dict:
    notes = str(row.get("notes", ""))
    params = dict(DEFAULT_TRAINING)
    for key, pattern in (("tp", r"\bTP(\d+)"), ("cp", r"\bCP(\d+)"), ("pp", r"\bPP(\d+)"), ("dp", r"\bDP(\d+)"),
                         ("seq", r"\bseq(\d+)")):
        found = re.search(pattern, notes)
        if found:
            params[key] = int(found[1])
    found = re.search(r"(\d+)M tok/batch", notes)
    if found:
        params["batch_tokens"] = int(found[1]) * 2**20
    n = int(float(row["n_accelerators"]))
    params.setdefault("pp", max(1, min(16, int(2 ** np.ceil(np.log2(card.total_params * 16 / (8 * 40e9)))))))
    params.setdefault("dp", max(1, n // (params["tp"] * params["pp"] * params["cp"])))
    return params


def map_row(row, chips: pd.DataFrame, datasets: dict, limits: dict) -> RowMapping | str:
    """A ``RowMapping`` for the row, or the reason it cannot be predicted."""
    chip = resolve_hardware(str(row["hardware"]), chips)
    if chip is None:
        return f"hardware {row['hardware']!r} is not in the catalog or the alias table"
    metric, scenario = str(row["metric"]), str(row["scenario"])
    try:
        n = float(row["n_accelerators"])
    except (TypeError, ValueError):
        return f"n_accelerators {row['n_accelerators']!r} is not a number"
    if metric in KERNEL_METRICS:
        shape = re.search(r"\((\d+)x(\d+),\s*(\w+)\)", str(row["model"]))
        tokens = re.search(r"tokens(\d+)", scenario)
        if not (shape and tokens):
            return "GEMM row without '(KxN, dtype)' in model or 'tokens<T>' in scenario"
        return RowMapping("gemm", chip, None, parse_precision(shape[3]),
                       {"k": float(shape[1]), "n": float(shape[2]), "tokens": float(tokens[1])})
    card = resolve_model(str(row["model"]))
    if card is None:
        return f"model {row['model']!r} has no architecture card in models/"
    try:
        precision = _row_precision(row, chips.loc[chip], scenario.startswith("MLPerf"))
    except ValueError as error:
        return str(error)
    if metric in SERVING_METRICS:
        params = _serving_params(row, card, datasets, limits)
        if isinstance(params, str):
            return params
        params["n"] = n
        return RowMapping("serving", chip, card, precision, params)
    if metric in TRAINING_METRICS:
        if n < 1:
            return "training row without an accelerator count"
        return RowMapping("training", chip, card, Precision.BF16, {**_training_params(row, card), "n": n})
    return f"metric {metric!r} is not predicted (known: {', '.join(SERVING_METRICS + TRAINING_METRICS + KERNEL_METRICS)})"


def _predict_serving(maps: list[RowMapping], chips: pd.DataFrame, metrics: list[str], eff: Efficiency) -> np.ndarray:
    sub = chips.loc[[m.chip for m in maps]]
    weights = [m.precision for m in maps]
    kv = kv_precision(sub, weights)
    hw = hardware(sub, weights)
    arch = Architecture.from_cards([m.card for m in maps])
    get = lambda key: np.array([m.params[key] for m in maps], dtype=float)  # noqa: E731
    best = best_serving(hw, arch, np.array([BYTES_PER_ELEMENT[p] for p in weights]),
                        np.array([BYTES_PER_ELEMENT[p] for p in kv]), get("s_in"), get("s_out"), get("ttft"),
                        get("tpot"), max_replica_chips=get("n"), eff=eff)
    load = np.array([eff.server_load_factor if m.params["load"] is None else m.params["load"] for m in maps])
    system_tokens = best.tokens_per_s_per_chip * load * get("n")
    tdp = sub["tdp_kw"].to_numpy(dtype=float)
    system_kw = get("n") * (best.chip_power_kw + eff.host_power_fraction * tdp)
    per_joule = system_tokens / (system_kw * 1000.0)
    out = np.where(np.array(metrics) == "output_tokens_per_joule_system", per_joule, system_tokens)
    return np.where(best.tokens_per_s_per_chip > 0, out, np.nan)


def _predict_training(m: RowMapping, metric: str, chips: pd.DataFrame, eff: Efficiency) -> float:
    hw = hardware(chips.loc[[m.chip]], [Precision.BF16])
    arch = Architecture.from_cards([m.card])
    p = m.params
    point = training_point(hw, arch, p["tp"], p["pp"], p["dp"], p["seq"], p["batch_tokens"], cp=p["cp"], eff=eff)
    if metric == "mfu":
        return float(point.mfu[0])
    if metric == "train_tokens_per_s_system":
        return float(point.tokens_per_s_per_chip[0] * p["n"])
    return float(point.model_flops_per_s_per_chip[0] / 1e12)


def _predict_gemm(m: RowMapping, chips: pd.DataFrame, eff: Efficiency) -> float:
    row = chips.loc[m.chip]
    p, b = m.params, BYTES_PER_ELEMENT[m.precision]
    flops = 2.0 * p["tokens"] * p["k"] * p["n"]
    traffic = (p["k"] * p["n"] + p["tokens"] * (p["k"] + p["n"])) * b
    t = smooth_roofline(flops / (eff.compute * row[PEAK_COLUMN[m.precision]]),
                        traffic / (eff.memory * row["hbm_bandwidth_bytes_per_s"]), eff.ridge_sharpness)
    return float(t) * 1e3


def read_measurements(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError([Problem(str(path), "", f"cannot read CSV: {error}")]) from error
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError([Problem(str(path), c, "missing column") for c in missing])
    return frame


def validate(measurements: pd.DataFrame, chips: pd.DataFrame, eff: Efficiency = DEFAULT_EFFICIENCY,
             input_scale: float = 1.0) -> dict:
    """Predict every mappable row; returns the summary dict the CLI prints (and ``--json`` emits)."""
    datasets = {k: {**v, "input_tokens": v["input_tokens"] * input_scale}
                for k, v in _yaml("mlperf_datasets.yaml").items()}
    limits = _yaml("mlperf_scenarios.yaml")
    mapped, unmapped = [], []
    for i, row in measurements.iterrows():
        result = map_row(row, chips, datasets, limits)
        (unmapped if isinstance(result, str) else mapped).append((i, row, result))
    predictions = {}
    serving = [(i, r, m) for i, r, m in mapped if m.kind == "serving"]
    if serving:
        values = _predict_serving([m for *_, m in serving], chips, [str(r["metric"]) for _, r, _ in serving], eff)
        predictions.update({i: v for (i, *_), v in zip(serving, values, strict=True)})
    for i, row, m in mapped:
        if m.kind == "training":
            predictions[i] = _predict_training(m, str(row["metric"]), chips, eff)
        elif m.kind == "gemm":
            predictions[i] = _predict_gemm(m, chips, eff)
    rows = []
    for i, row, m in mapped:
        measured, predicted = float(row["value"]), float(predictions[i])
        feasible = np.isfinite(predicted)
        rows.append({"row": int(i), "model": str(row["model"]), "hardware": str(row["hardware"]), "chip": m.chip,
                     "n_accelerators": float(row["n_accelerators"]), "scenario": str(row["scenario"]),
                     "metric": str(row["metric"]), "precision": str(m.precision), "measured": measured,
                     "predicted": predicted if feasible else None,
                     "abs_pct_error": abs(predicted / measured - 1.0) * 100.0 if feasible and measured else None})
    errors = np.array([r["abs_pct_error"] for r in rows if r["abs_pct_error"] is not None])
    infeasible = [r for r in rows if r["predicted"] is None]
    return {
        "n_rows": int(len(measurements)),
        "n_mapped": len(rows) - len(infeasible),
        "median_abs_pct_error": float(np.median(errors)) if errors.size else None,
        "p90_abs_pct_error": float(np.percentile(errors, 90)) if errors.size else None,
        "input_scale": input_scale,
        "rows": [r for r in rows if r["predicted"] is not None],
        "unmapped": [{"row": int(i), "model": str(r["model"]), "hardware": str(r["hardware"]),
                      "metric": str(r["metric"]), "reason": reason} for i, r, reason in unmapped]
        + [{"row": r["row"], "model": r["model"], "hardware": r["hardware"], "metric": r["metric"],
            "reason": "kernel finds no configuration that fits memory and meets the latency limits"}
           for r in infeasible],
    }
