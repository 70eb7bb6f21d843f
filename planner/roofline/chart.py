"""Roofline chart: attainable FLOP/s against arithmetic intensity per chip, with workloads placed on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.roofline.efficiency import DEFAULT_EFFICIENCY, Efficiency


def attainable_flops(peak_flops, bandwidth_bytes_per_s, intensity_flop_per_byte, eff: Efficiency = DEFAULT_EFFICIENCY):
    """Smooth roofline in FLOP/s: intensity x eta_m BW and eta_c P blended like the kernel's step time."""
    t_c = 1.0 / (eff.compute * peak_flops)
    t_m = 1.0 / (intensity_flop_per_byte * eff.memory * bandwidth_bytes_per_s)
    return 1.0 / ((t_c**eff.ridge_sharpness + t_m**eff.ridge_sharpness) ** (1.0 / eff.ridge_sharpness))


def draw_roofline(chips: pd.DataFrame, points: pd.DataFrame, path: Path, precision_column: str = "fp8_dense_flops",
                  eff: Efficiency = DEFAULT_EFFICIENCY) -> Path:
    """Write the chart (format from the suffix, .png or .svg). ``points``: chip, label,
    intensity_flop_per_byte, achieved_flops (one marker per workload on its chip's roofline)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    intensity = np.geomspace(1, 1e4, 200)
    fig, ax = plt.subplots(figsize=(9, 6))
    for chip, row in chips.iterrows():
        peak = row[precision_column] if pd.notna(row.get(precision_column)) else row["bf16_dense_flops"]
        line, = ax.loglog(intensity, attainable_flops(peak, row["hbm_bandwidth_bytes_per_s"], intensity, eff) / 1e12,
                          label=str(chip), lw=1.2)
        mine = points[points["chip"] == chip]
        ax.scatter(mine["intensity_flop_per_byte"], mine["achieved_flops"] / 1e12, color=line.get_color(), s=25,
                   zorder=3)
        for _, p in mine.iterrows():
            ax.annotate(p["label"], (p["intensity_flop_per_byte"], p["achieved_flops"] / 1e12), fontsize=6,
                        xytext=(3, -8), textcoords="offset points")
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("attainable TFLOP/s per chip")
    ax.set_title("Roofline (efficiency-derated), workloads at their chosen batch")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
