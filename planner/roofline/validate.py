"""Predict published measurements with the kernel and report the error.

Reads any CSV in the format of ``data/calibration/measured_throughput_calibration.csv``
(workload, model, hardware, n_accelerators, precision, scenario, metric, value, unit, source, notes),
maps each row to a kernel configuration (model card, catalog chip, precision, dataset token mix, p99 latency
limits, parallelism, training benchmark definition) and predicts it from specs alone. Rows it cannot map are
returned with the reason. Nothing here keys on a chip's or a model's name: rows are matched to catalog chips
and model cards, and everything after that is specs and architecture.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from planner.errors import DataError, Problem
from planner.resources import data_path
from planner.roofline.cards import ModelCard, list_model_cards, load_model_card
from planner.roofline.coefficients import effective_precision, hardware, kv_precision
from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency
from planner.roofline.kernel import Architecture, smooth_roofline
from planner.roofline.precision import BYTES_PER_ELEMENT, PEAK_COLUMN, Precision, parse_precision
from planner.roofline.search import best_serving
from planner.roofline.training import RECOMPUTE_FULL, RECOMPUTE_SELECTIVE, best_training
from planner.yaml_load import safe_load

REQUIRED_COLUMNS = ("workload", "model", "hardware", "n_accelerators", "precision", "scenario", "metric", "value")
SERVING_METRICS = ("output_tokens_per_s_system", "output_tokens_per_joule_system", "system_power_w")
TRAINING_METRICS = ("train_tokens_per_s_system", "model_tflops_per_accelerator", "achieved_tflops_per_accelerator",
                    "mfu", "time_to_train_min", "gpu_hours_total", "iteration_time_s")
KERNEL_METRICS = ("gemm_time_ms",)
UNSTATED_PRECISION = ("see notes", "vendor-chosen")
"""Precision labels that mean "whatever the submitter's stack uses" (data/calibration/precision_assumptions.yaml)."""


@dataclass(frozen=True)
class RowMapping:
    """Everything the kernel needs to predict one row."""

    kind: str  # serving | training | gemm
    chip: str
    card: ModelCard | None
    precision: Precision
    params: dict = field(default_factory=dict)
    precision_assumed: bool = False


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


@lru_cache(maxsize=4)
def _yaml(name: str) -> dict:
    return safe_load(data_path("calibration", name).read_text(encoding="utf-8"))


def _aliases() -> dict[str, str]:
    return {_norm(k): v for k, v in _yaml("hardware_aliases.yaml").items()}


def resolve_hardware(name: str, chips: pd.DataFrame) -> str | None:
    """Catalog alias table first (``planner.catalog.resolve_chip``), then our own, then the id itself."""
    return _resolve_hardware(name, tuple(chips.index))


@lru_cache(maxsize=512)
def _resolve_hardware(name: str, index: tuple[str, ...]) -> str | None:
    chips = pd.DataFrame(index=list(index))
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


@lru_cache(maxsize=512)
def resolve_model(name: str) -> ModelCard | None:
    """Longest card name that prefixes the measurement's model name ('Llama-2-70B-Chat' -> Llama-2-70B)."""
    text = _norm(name)
    matches = [c for c in list_model_cards() if text.startswith(_norm(c))]
    return load_model_card(max(matches, key=len)) if matches else None


def _stack_precision(chip_row: pd.Series, narrowest: str) -> Precision:
    """The narrowest format down to ``narrowest`` that the chip computes faster than the next wider one."""
    return effective_precision(chip_row.to_frame().T, Precision(narrowest))[0]


def _row_precision(row, chip_row: pd.Series, kind: str) -> tuple[Precision, bool]:
    """(precision, assumed): stated precision, or the stack's choice where MLPerf quantises or it is unstated."""
    text = str(row["precision"]).strip().lower()
    rules = _yaml("precision_assumptions.yaml")
    mlperf = str(row["scenario"]).startswith("MLPerf")
    if any(text.startswith(u) for u in UNSTATED_PRECISION):
        return _stack_precision(chip_row, rules[kind]["narrowest"]), True
    reported = parse_precision(text)
    if mlperf and kind == "inference":
        # closed submitters quantise the reported fp16/fp8 weights to the narrowest native format
        return _stack_precision(chip_row, rules["inference"]["narrowest"]), reported is Precision.BF16
    if pd.isna(chip_row.get(PEAK_COLUMN[reported])):
        return Precision.BF16, True
    return reported, False


def _serving_params(row, card: ModelCard) -> dict | str:
    scenario = str(row["scenario"])
    m = re.match(r"TRTLLM-maxthroughput-ISL(\d+)-OSL(\d+)", scenario)
    if m:
        return {"s_in": float(m[1]), "s_p99": float(m[1]), "s_out": float(m[2]), "ttft": np.inf, "tpot": np.inf,
                "load": 1.0}
    m = re.match(r"MLPerf-v[\d.]+-(Offline|Server|Interactive)$", scenario)
    if not m:
        return f"scenario {scenario!r} is not a known inference scenario"
    datasets, limits = _yaml("mlperf_datasets.yaml"), _yaml("mlperf_scenarios.yaml")
    if card.name not in datasets:
        return f"no MLPerf dataset length mix for {card.name} in data/calibration/mlperf_datasets.yaml"
    mix = datasets[card.name]
    params = {"s_in": float(mix["input_tokens"]), "s_p99": float(mix["input_p99_tokens"]),
              "s_out": float(mix["output_tokens"]), "ttft": np.inf, "tpot": np.inf, "load": 1.0}
    if m[1] != "Offline":
        limit = limits.get(card.name, {}).get(m[1])
        if limit is None:
            return f"no {m[1]} latency limits for {card.name} in data/calibration/mlperf_scenarios.yaml"
        params.update(ttft=float(limit["ttft_s"]), tpot=float(limit["tpot_s"]), load=None)
    return params


def _stated(notes: str, params: dict) -> dict:
    """Parallelism and batch stated in a row's notes (e.g. 'TP8 CP1 PP16 DP64 seq8192 16M tok/batch'); they
    override the run's defaults in data/calibration/training_runs.yaml."""
    for key, pattern in (("tp", r"\bTP(\d+)"), ("cp", r"\bCP(\d+)"), ("pp", r"\bPP(\d+)"), ("dp", r"\bDP(\d+)"),
                         ("seq_len", r"\bseq ?(\d+)")):
        found = re.search(pattern, notes)
        if found:
            params[key] = int(found[1])
    found = re.search(r"(\d+)M tok/batch", notes)
    if found and "seq_len" in params:
        params["global_batch_seqs"] = int(found[1]) * 2**20 / params["seq_len"]
    found = re.search(r"GBS=(\d+) seqs", notes)
    if found:
        params["global_batch_seqs"] = int(found[1])
    return params


def _megatron_config(model: str, notes: str) -> dict:
    """'configs: 22B TP8 B4; 175B TP8 PP8 B64; ...' -> the entry for this row's model size."""
    size = re.search(r"(\d+(?:\.\d+)?[BT])\b", model)
    if not size:
        return {}
    found = re.search(rf"\b{re.escape(size[1])} TP(\d+)(?: PP(\d+))? B(\d+)", notes)
    if not found:
        return {}
    return {"tp": int(found[1]), "pp": int(found[2] or 1), "global_batch_seqs": int(found[3])}


def _mlperf_benchmark(row, card: ModelCard) -> tuple[str, dict] | None:
    lora = "lora" in str(row["model"]).lower()
    for name, spec in _yaml("mlperf_training.yaml").items():
        if spec["model_card"] == card.name and (spec["mode"] == "lora") == lora:
            return name, spec
    return None


def _training_params(row, card: ModelCard) -> dict | str:
    notes, scenario, model = str(row.get("notes", "")), str(row["scenario"]), str(row["model"])
    params = dict(_yaml("training_runs.yaml").get(model, {}))
    params.pop("source", None)
    params = _stated(re.sub(r"configs:.*", "", notes), params)  # a list of several runs' configs is not ours
    params.update({k: v for k, v in _megatron_config(model, notes).items() if k not in params})
    if "recompute" not in params:
        params["recompute"] = "full" if "full-recompute" in scenario else (
            "selective" if "selective" in scenario else None)
    params.setdefault("flops", "model")
    params["lora"] = False
    if scenario.startswith("MLPerf-Training"):
        bench = _mlperf_benchmark(row, card)
        if bench is None:
            return f"no MLPerf Training benchmark for {card.name} in data/calibration/mlperf_training.yaml"
        params.update(benchmark=bench[0], seq_len=bench[1]["seq_len"], lora=bench[1]["mode"] == "lora")
    params.setdefault("seq_len", 2048 if "seq 2048" in notes else 8192)
    n = row["n_accelerators"]
    chips = float(n) if pd.notna(n) and str(n).strip() != "" else params.get("chips")
    if chips is None or not chips >= 1:
        return "training row without an accelerator count (and none in data/calibration/training_runs.yaml)"
    params["n"] = float(chips)
    if "global_batch_seqs" not in params:
        return "training row without a global batch (notes or data/calibration/training_runs.yaml)"
    if row["metric"] == "gpu_hours_total" and "tokens" not in params:
        found = re.search(r"([\d.]+)T tokens", notes)
        if not found:
            return "GPU-hour row without a token count"
        params["tokens"] = float(found[1]) * 1e12
    return params


def _gemm_mapping(row, chip: str) -> RowMapping | str:
    shape = re.search(r"\((\d+)x(\d+),\s*(\w+)\)", str(row["model"]))
    tokens = re.search(r"tokens(\d+)", str(row["scenario"]))
    if not (shape and tokens):
        return "GEMM row without '(KxN, dtype)' in model or 'tokens<T>' in scenario"
    return RowMapping("gemm", chip, None, parse_precision(shape[3]),
                      {"k": float(shape[1]), "n": float(shape[2]), "tokens": float(tokens[1]), "n_chips": 1.0})


def map_row(row, chips: pd.DataFrame) -> RowMapping | str:
    """A ``RowMapping`` for the row, or the reason it cannot be predicted."""
    chip = resolve_hardware(str(row["hardware"]), chips)
    if chip is None:
        return f"hardware {row['hardware']!r} is not in the catalog or the alias table"
    metric = str(row["metric"])
    if metric in KERNEL_METRICS:
        return _gemm_mapping(row, chip)
    card = resolve_model(str(row["model"]))
    if card is None:
        return f"model {row['model']!r} has no architecture card in models/"
    kind = "training" if metric in TRAINING_METRICS else "inference"
    try:
        precision, assumed = _row_precision(row, chips.loc[chip], kind)
    except ValueError as error:
        return str(error)
    if metric in SERVING_METRICS:
        try:
            n = float(row["n_accelerators"])
        except (TypeError, ValueError):
            return f"n_accelerators {row['n_accelerators']!r} is not a number"
        params = _serving_params(row, card)
        if isinstance(params, str):
            return params
        return RowMapping("serving", chip, card, precision, {**params, "n": n}, assumed)
    if metric in TRAINING_METRICS:
        params = _training_params(row, card)
        if isinstance(params, str):
            return params
        return RowMapping("training", chip, card, precision, params, assumed)
    known = ", ".join(SERVING_METRICS + TRAINING_METRICS + KERNEL_METRICS)
    return f"metric {metric!r} is not predicted (known: {known})"


def _predict_serving(maps: list[RowMapping], chips: pd.DataFrame, metrics: list[str], eff: Efficiency) -> np.ndarray:
    """Rows that share chip, model, precision, count and scenario share one search (submitters repeat)."""
    keys = [(m.chip, m.card.name, m.precision, tuple(sorted((k, str(v)) for k, v in m.params.items())), metric)
            for m, metric in zip(maps, metrics, strict=True)]
    unique = list(dict.fromkeys(keys))
    first = {key: k for k, key in reversed(list(enumerate(keys)))}
    values = _predict_serving_unique([maps[first[key]] for key in unique], chips, [key[-1] for key in unique], eff)
    lookup = dict(zip(unique, values, strict=True))
    return np.array([lookup[key] for key in keys])


def _predict_serving_unique(maps: list[RowMapping], chips: pd.DataFrame, metrics: list[str],
                            eff: Efficiency) -> np.ndarray:
    sub = chips.loc[[m.chip for m in maps]]
    weights = [m.precision for m in maps]
    kv = kv_precision(sub, weights)
    hw = hardware(sub, weights, eff=eff, attention=kv)
    arch = Architecture.from_cards([m.card for m in maps])
    get = lambda key: np.array([m.params[key] for m in maps], dtype=float)  # noqa: E731
    best = best_serving(hw, arch, np.array([BYTES_PER_ELEMENT[p] for p in weights]),
                        np.array([BYTES_PER_ELEMENT[p] for p in kv]), get("s_in"), get("s_out"), get("ttft"),
                        get("tpot"), max_replica_chips=get("n"), eff=eff, input_p99_tokens=get("s_p99"))
    load = np.array([eff.server_load_factor if m.params["load"] is None else m.params["load"] for m in maps])
    system_tokens = best.tokens_per_s_per_chip * load * get("n")
    tdp = sub["tdp_kw"].to_numpy(dtype=float)
    chip_kw = best.chip_power_kw * load + tdp * eff.idle_power_fraction * (1.0 - load)
    system_w = get("n") * (chip_kw + eff.host_power_fraction * tdp) * 1000.0
    metric = np.array(metrics)
    out = np.where(metric == "output_tokens_per_joule_system", system_tokens / system_w,
                   np.where(metric == "system_power_w", system_w, system_tokens))
    return np.where(best.tokens_per_s_per_chip > 0, out, np.nan)


def samples_to_converge(table: dict, global_batch_seqs: float) -> float:
    """RCP mean samples at ``global_batch_seqs``: linear in log(GBS) between published sizes and extended
    along the nearest segment outside them (labelled assumption), never below half the smallest published."""
    sizes = np.log(np.array(sorted(float(k) for k in table)))
    samples = np.array([float(table[k]) for k in sorted(table, key=float)])
    x = math.log(global_batch_seqs)
    if x < sizes[0]:
        value = samples[0] + (x - sizes[0]) * (samples[1] - samples[0]) / (sizes[1] - sizes[0])
    elif x > sizes[-1]:
        value = samples[-1] + (x - sizes[-1]) * (samples[-1] - samples[-2]) / (sizes[-1] - sizes[-2])
    else:
        value = float(np.interp(x, sizes, samples))
    return float(max(value, 0.5 * samples[0]))


_RECOMPUTE = {"full": RECOMPUTE_FULL, "selective": RECOMPUTE_SELECTIVE}


def _training_runs(maps: list[RowMapping], chips: pd.DataFrame, eff: Efficiency) -> dict[str, np.ndarray]:
    """Per row: tokens/s, model and hardware FLOP/s per chip and step seconds of its run (one vectorised search;
    stated TP/PP/recomputation are pinned, the rest chosen by the kernel)."""
    sub = chips.loc[[m.chip for m in maps]]
    precisions = [m.precision for m in maps]
    hw = hardware(sub, precisions, eff=eff, attention=[Precision.BF16] * len(maps))
    hw = replace(hw, gemm_efficiency=np.array([eff.train_gemm(p) for p in precisions]))
    arch = Architecture.from_cards([m.card for m in maps])
    get = lambda key, default=np.nan: np.array([float(m.params.get(key) or default) for m in maps])  # noqa: E731
    lora = np.array([bool(m.params["lora"]) for m in maps])
    wb = np.where(lora, [BYTES_PER_ELEMENT[p] for p in precisions], 2.0)
    recompute = np.array([_RECOMPUTE.get(m.params.get("recompute"), np.nan) for m in maps])
    best = best_training(hw, arch, get("n"), get("seq_len"), get("global_batch_seqs"), eff=eff, lora=lora,
                         weight_bytes=wb, cp=get("cp", 1.0), fixed_tp=get("tp"), fixed_pp=get("pp"),
                         fixed_recompute=recompute)
    p = best.point
    return {"tokens": p.tokens_per_s_per_chip, "model": p.model_flops_per_s_per_chip,
            "hardware": p.hardware_flops_per_s_per_chip, "step": p.step_s}


def _predict_training(m: RowMapping, metric: str, chips: pd.DataFrame, run: tuple) -> float:
    p = m.params
    tokens_per_chip_s, model_flops, hardware_flops, step_s = run
    if not np.isfinite(tokens_per_chip_s) or tokens_per_chip_s <= 0:
        return np.nan
    if "benchmark" in p:
        spec = _yaml("mlperf_training.yaml")[p["benchmark"]]
        samples = samples_to_converge(spec["samples_to_converge"], p["global_batch_seqs"])
        system_tokens_s = tokens_per_chip_s * p["n"]
        evals = samples / spec["eval_every_samples"]
        train_s = samples * spec["seq_len"] / system_tokens_s
        eval_s = evals * spec["eval_tokens"] / (3.0 * system_tokens_s)  # forward only: a third of a step's work
        total_s = train_s + eval_s
        per_token = 6.0 * m.card.active_params + 3.0 * m.card.attn_prefill_flops_per_ctx * spec["seq_len"]
        return {"time_to_train_min": total_s / 60.0,
                "train_tokens_per_s_system": samples * spec["seq_len"] / total_s,
                "model_tflops_per_accelerator": samples * spec["seq_len"] * per_token / (total_s * p["n"]) / 1e12,
                }.get(metric, np.nan)
    peak = float(chips.loc[m.chip, "bf16_dense_flops"])
    flops = {"hardware": hardware_flops, "dense_6n": 6.0 * m.card.active_params * tokens_per_chip_s}.get(
        p["flops"], model_flops)
    return {"mfu": model_flops / peak, "model_tflops_per_accelerator": flops / 1e12,
            "achieved_tflops_per_accelerator": flops / 1e12, "iteration_time_s": step_s,
            "train_tokens_per_s_system": tokens_per_chip_s * p["n"],
            "gpu_hours_total": float(p.get("tokens", np.nan)) / tokens_per_chip_s / 3600.0}.get(metric, np.nan)


def _predict_gemm(m: RowMapping, chips: pd.DataFrame, eff: Efficiency) -> float:
    row = chips.loc[m.chip]
    p, b = m.params, BYTES_PER_ELEMENT[m.precision]
    flops = 2.0 * p["tokens"] * p["k"] * p["n"]
    traffic = (p["k"] * p["n"] + p["tokens"] * (p["k"] + p["n"])) * b
    t = smooth_roofline(flops / (eff.gemm(m.precision) * row[PEAK_COLUMN[m.precision]]),
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


def map_rows(measurements: pd.DataFrame, chips: pd.DataFrame) -> tuple[list, list]:
    """([(index, row, RowMapping)], [(index, row, reason)])."""
    mapped, unmapped = [], []
    for i, row in measurements.iterrows():
        result = map_row(row, chips)
        (unmapped if isinstance(result, str) else mapped).append((i, row, result))
    return mapped, unmapped


def predict(mapped: list, chips: pd.DataFrame, eff: Efficiency) -> dict:
    """Row index -> prediction (NaN where the kernel finds no feasible configuration)."""
    predictions = {}
    serving = [(i, r, m) for i, r, m in mapped if m.kind == "serving"]
    if serving:
        values = _predict_serving([m for *_, m in serving], chips, [str(r["metric"]) for _, r, _ in serving], eff)
        predictions.update({i: float(v) for (i, *_), v in zip(serving, values, strict=True)})
    training = [(i, r, m) for i, r, m in mapped if m.kind == "training"]
    if training:
        runs = _training_runs([m for *_, m in training], chips, eff)
        for k, (i, row, m) in enumerate(training):
            run = (runs["tokens"][k], runs["model"][k], runs["hardware"][k], runs["step"][k])
            predictions[i] = _predict_training(m, str(row["metric"]), chips, run)
    for i, row, m in mapped:
        if m.kind == "gemm":
            predictions[i] = _predict_gemm(m, chips, eff)
    return predictions


def row_group(row, m: RowMapping) -> str:
    """Error-reporting group: inference token rows, energy rows, training rows, GEMM rows."""
    metric = str(row["metric"])
    if m.kind == "serving":
        return "inference" if metric == "output_tokens_per_s_system" else "energy"
    return m.kind


def summarise(errors) -> dict:
    errors = np.asarray([e for e in errors if e is not None and np.isfinite(e)], dtype=float)
    return {"n": int(errors.size), "median_abs_pct_error": float(np.median(errors)) if errors.size else None,
            "p90_abs_pct_error": float(np.percentile(errors, 90)) if errors.size else None}


def row_records(mapped: list, predictions: dict) -> list[dict]:
    rows = []
    for i, row, m in mapped:
        measured, predicted = float(row["value"]), predictions[i]
        feasible = predicted is not None and np.isfinite(predicted)
        rows.append({"row": int(i), "model": str(row["model"]), "hardware": str(row["hardware"]), "chip": m.chip,
                     "card": m.card.name if m.card else None, "group": row_group(row, m),
                     "n_accelerators": float(m.params.get("n", m.params.get("n_chips", np.nan))),
                     "scenario": str(row["scenario"]), "metric": str(row["metric"]), "precision": str(m.precision),
                     "precision_assumed": m.precision_assumed, "measured": measured,
                     "predicted": float(predicted) if feasible else None,
                     "abs_pct_error": abs(predicted / measured - 1.0) * 100.0 if feasible and measured else None})
    return rows


WIDER = {Precision.FP4: Precision.FP8, Precision.FP8: Precision.BF16, Precision.INT8: Precision.BF16}


def precision_sensitivity(mapped: list, chips: pd.DataFrame, eff: Efficiency) -> dict:
    """Error of the rows whose precision is an assumption, at the assumed and at the next wider format."""
    assumed = [(i, r, m) for i, r, m in mapped if m.precision_assumed and m.precision in WIDER
               and pd.notna(chips.loc[m.chip].get(PEAK_COLUMN[WIDER[m.precision]]))]
    if not assumed:
        return {"n_rows": 0}
    wider = [(i, r, replace(m, precision=WIDER[m.precision])) for i, r, m in assumed]
    at_assumed = row_records(assumed, predict(assumed, chips, eff))
    at_wider = row_records(wider, predict(wider, chips, eff))
    return {"n_rows": len(assumed),
            "assumed": summarise(r["abs_pct_error"] for r in at_assumed),
            "next_wider": summarise(r["abs_pct_error"] for r in at_wider)}


def validate(measurements: pd.DataFrame, chips: pd.DataFrame, eff: Efficiency = DEFAULT_EFFICIENCY,
             sensitivity: bool = False) -> dict:
    """Predict every mappable row; returns the summary dict the CLI prints (and ``--json`` emits)."""
    mapped, unmapped = map_rows(measurements, chips)
    rows = row_records(mapped, predict(mapped, chips, eff))
    infeasible = [r for r in rows if r["predicted"] is None]
    scored = [r for r in rows if r["predicted"] is not None]
    overall = summarise(r["abs_pct_error"] for r in scored)
    groups = {g: summarise(r["abs_pct_error"] for r in scored if r["group"] == g)
              for g in ("inference", "energy", "training", "gemm")}
    return {
        "n_rows": int(len(measurements)),
        "n_mapped": len(scored),
        "median_abs_pct_error": overall["median_abs_pct_error"],
        "p90_abs_pct_error": overall["p90_abs_pct_error"],
        "groups": groups,
        "precision_sensitivity": precision_sensitivity(mapped, chips, eff) if sensitivity else None,
        "rows": scored,
        "unmapped": [{"row": int(i), "model": str(r["model"]), "hardware": str(r["hardware"]),
                      "metric": str(r["metric"]), "reason": reason} for i, r, reason in unmapped]
        + [{"row": r["row"], "model": r["model"], "hardware": r["hardware"], "metric": r["metric"],
            "reason": "kernel finds no configuration that fits memory and meets the latency limits"}
           for r in infeasible],
    }
