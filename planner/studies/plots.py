"""Plots of a study's results table (matplotlib, the ``plot`` extra): outcomes against a parameter, a Pareto
front, Monte Carlo distributions with their percentiles. Each returns the matplotlib Figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from planner.studies.compare import DEFAULT_PERCENTILES, MC_OUTPUTS, finished, pareto_front

SCALES = {"_usd": (1e9, "bn USD"), "_mw": (1.0, "MW"), "chips_": (1e3, "thousand chips"), "_share": (1.0, "-")}


def _scale(column: str) -> tuple[float, str]:
    for marker, scale in SCALES.items():
        if marker in column:
            return scale
    return 1.0, ""


def _label(column: str) -> str:
    factor, unit = _scale(column)
    return f"{column} [{unit}]" if unit else column


def _figure(n: int, width: float = 4.2, height: float = 3.4):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * n, height), layout="constrained")
    return figure, [figure.add_subplot(1, n, i + 1) for i in range(n)]


def plot_outcomes(table: pd.DataFrame, parameter: str, outputs: Sequence[str] = ("objective_usd",),
                  by: str | None = None):
    """One panel per output against ``parameter``; one line per value of ``by``."""
    rows = finished(table).sort_values(parameter)
    figure, axes = _figure(len(outputs))
    groups = [(None, rows)] if by is None else rows.groupby(by)
    for ax, output in zip(axes, outputs):
        factor, _ = _scale(output)
        for value, members in groups:
            ax.plot(members[parameter], members[output] / factor, marker="o",
                    label=None if by is None else f"{by} = {value}")
        ax.set_xlabel(parameter)
        ax.set_ylabel(_label(output))
        ax.ticklabel_format(axis="y", useOffset=False)
        if by is not None:
            ax.legend(fontsize="small")
    return figure


def plot_pareto(table: pd.DataFrame, objectives: Mapping[str, str], label: str | None = None):
    """Every finished run and the Pareto front of two objectives (the first on the x axis)."""
    if len(objectives) != 2:
        raise ValueError("plot_pareto takes exactly two objectives")
    x, y = list(objectives)
    (fx, _), (fy, _) = _scale(x), _scale(y)
    rows, front = finished(table), pareto_front(table, objectives)
    figure, (ax,) = _figure(1, width=5.5, height=4.0)
    ax.scatter(rows[x] / fx, rows[y] / fy, color="0.6", label="runs")
    ax.plot(front[x] / fx, front[y] / fy, color="C3", marker="o", drawstyle="steps-post", label="Pareto front")
    if label:
        for _, row in front.iterrows():
            ax.annotate(f"{row[label]:g}" if isinstance(row[label], float) else str(row[label]),
                        (row[x] / fx, row[y] / fy), textcoords="offset points", xytext=(4, 4), fontsize="small")
    ax.set_xlabel(f"{_label(x)} ({objectives[x]})")
    ax.set_ylabel(f"{_label(y)} ({objectives[y]})")
    ax.legend(fontsize="small")
    return figure


SAME_RTOL = 1e-5
"""Values closer than this (relative) are one value in a histogram: runs whose outcome the draws do not move
differ only by solver rounding."""


def _histogram_range(values: pd.Series) -> tuple[int, tuple[float, float] | None]:
    """Bins (5 to 30 by the number of runs) and range; one bar 1% wide where the values agree to rounding,
    which finer bins cannot split."""
    if not len(values):
        return 1, None
    low, high = float(values.min()), float(values.max())
    scale = max(abs(low), abs(high))
    if high - low <= SAME_RTOL * scale:
        half = max(0.005 * scale, 1e-9)
        return 1, (low - half, high + half)
    return max(5, min(30, len(values) // 2)), None


def plot_distributions(table: pd.DataFrame, outputs: Sequence[str] = MC_OUTPUTS,
                       q: Sequence[float] = DEFAULT_PERCENTILES):
    """Histogram of each output over the finished runs, with its percentiles ``q`` marked."""
    rows = finished(table)
    outputs = [o for o in outputs if o in rows.columns]
    figure, axes = _figure(len(outputs), width=3.6)
    for ax, output in zip(axes, outputs):
        factor, _ = _scale(output)
        values = rows[output].dropna() / factor
        bins, span = _histogram_range(values)
        ax.hist(values, bins=bins, range=span, color="C0", alpha=0.7)
        ax.ticklabel_format(axis="x", useOffset=False)
        for p, level in zip(q, values.quantile([p / 100 for p in q])):
            ax.axvline(level, color="C3" if p == 50 else "0.3", linestyle="-" if p == 50 else ":", linewidth=1)
            ax.annotate(f"p{p:g}", (level, 1), xycoords=("data", "axes fraction"), rotation=90, va="top",
                        fontsize="x-small")
        ax.set_xlabel(_label(output))
        ax.set_ylabel("runs")
    return figure
