"""Configurations evaluated per second: the vectorised roofline kernel vs a plain Python loop.

A configuration is one (chip, model, precision, TP, PP, batch) serving point: step time, TTFT, memory fit
and power. The loop calls the same kernel formulas with Python scalars, one configuration at a time.
Run: python benchmarks/bench_roofline.py
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from planner.catalog import load_catalog
from planner.roofline import list_model_cards, load_model_card
from planner.roofline.coefficients import hardware
from planner.roofline.kernel import Architecture, Hardware, serving_point
from planner.roofline.precision import Precision

TP = np.array([1.0, 2.0, 4.0, 8.0])
PP = np.array([1.0, 2.0, 4.0, 8.0])
BATCH = np.unique(np.round(np.geomspace(1, 8192, 53)))
WEIGHT_BYTES = np.array([2.0, 1.0])  # bf16, fp8
S_IN, S_OUT = 1024.0, 512.0


def grids():
    chips = load_catalog()
    hw = hardware(chips, [Precision.BF16] * len(chips), (-1, 1, 1, 1, 1, 1))
    arch = Architecture.from_cards([load_model_card(m) for m in list_model_cards()], (1, -1, 1, 1, 1, 1))
    wb = WEIGHT_BYTES.reshape(1, 1, -1, 1, 1, 1)
    tp, pp, b = TP.reshape(1, 1, 1, -1, 1, 1), PP.reshape(1, 1, 1, 1, -1, 1), BATCH.reshape(1, 1, 1, 1, 1, -1)
    return hw, arch, wb, tp, pp, b


def vectorised(repeats: int = 3) -> float:
    hw, arch, wb, tp, pp, b = grids()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        point = serving_point(hw, arch, wb, wb, tp, pp, b, S_IN, S_OUT)
        best = min(best, time.perf_counter() - start)
    return point.tokens_per_s_per_chip.size / best


def loop(max_configs: int = 3000) -> float:
    hw, arch, wb, tp, pp, b = grids()
    shape = np.broadcast_shapes(hw.peak_flops.shape, arch.layers.shape, wb.shape, tp.shape, pp.shape, b.shape)
    indices = itertools.islice(np.ndindex(shape), 0, None, max(1, int(np.prod(shape)) // max_configs))
    count, start = 0, time.perf_counter()
    for c, m, w, t, p, k, in indices:
        h1 = Hardware(**{f: float(getattr(hw, f)[c, 0, 0, 0, 0, 0]) for f in hw.__dataclass_fields__})
        a1 = Architecture(**{f: float(getattr(arch, f)[0, m, 0, 0, 0, 0]) for f in arch.__dataclass_fields__})
        serving_point(h1, a1, float(WEIGHT_BYTES[w]), float(WEIGHT_BYTES[w]), float(TP[t]), float(PP[p]),
                      float(BATCH[k]), S_IN, S_OUT)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    with np.errstate(all="ignore"):
        fast = vectorised()
        slow = loop()
    print(f"vectorised kernel: {fast:,.0f} configurations/s")
    print(f"python loop:       {slow:,.0f} configurations/s")
    print(f"speed-up:          {fast / slow:,.0f}x (target >= 1e6 configurations/s: {'met' if fast >= 1e6 else 'NOT met'})")


if __name__ == "__main__":
    main()
