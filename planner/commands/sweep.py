"""``planner sweep``: run a policy study on dask.distributed, with a progress display and an ETA."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.commands._common import user_errors_exit_2

BAR_WIDTH = 24
SUMMARY_COLUMNS = ("objective_usd", "gap", "chips_total", "controlled_chip_share", "it_mw", "unmet_share")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "--"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def progress_line(progress) -> str:
    """``[#####.....] 12/20 done, 1 failed, 2 running, 3 resumed, 1m05s elapsed, ETA 0m40s``."""
    finished = progress.done + progress.failed
    filled = BAR_WIDTH * finished // progress.total if progress.total else BAR_WIDTH
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return (f"[{bar}] {progress.done}/{progress.total} done, {progress.failed} failed, {progress.running} running"
            f", {progress.resumed} resumed, {_duration(progress.elapsed_s)} elapsed, ETA {_duration(progress.eta_s)}")


class _Display:
    """One line rewritten in place on a terminal; a new line whenever the counts change otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_counts = None

    def __call__(self, progress) -> None:
        counts = (progress.done, progress.failed, progress.running)
        if self.tty:
            self.stream.write("\r" + progress_line(progress) + "\x1b[K")
            self.stream.flush()
        elif counts != self.last_counts:
            self.stream.write(progress_line(progress) + "\n")
            self.stream.flush()
        self.last_counts = counts

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _echo_summary(outcome, design) -> None:
    import pandas as pd

    from planner.commands._tables import echo_table

    table = outcome.table
    columns = [c for c in ("point", *design.parameters, "state", *SUMMARY_COLUMNS) if c in table.columns]
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 40):
        echo_table(table[columns], index=False)


def _read_study(study_file: Path, overrides: tuple[str, ...], out_dir: Path | None):
    from planner.scenario.load import parse_override
    from planner.studies import load_design

    values = {}
    for text in overrides:
        keys, value = parse_override(text)
        values[".".join(keys)] = value
    design = load_design(study_file, values)
    return design, out_dir or Path("out") / "studies" / design.study.name


def _run(design, target: Path, scheduler: str | None, client):
    from planner.studies import run_study

    display = _Display()
    try:
        return run_study(design, target, scheduler=scheduler, client=client, progress=display)
    finally:
        display.close()


@click.command()
@click.argument("study_file", metavar="STUDY.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes of the LocalCluster (one thread each) [default: one per core].")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on an existing Dask cluster at this scheduler address instead of a LocalCluster.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Study output folder (result folders, manifest.json, results.parquet) [default: "
                   "out/studies/<study name>]. Finished runs found there are not redone.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Add a value to the study's `set` for every run, e.g. --set regions.count=8 (repeatable).")
@user_errors_exit_2
def sweep(study_file: Path, workers: int | None, scheduler: str | None, out_dir: Path | None,
          overrides: tuple[str, ...]) -> None:
    """Run the policy study STUDY.yaml: every run's plan in its own folder, a manifest and a results table.

    Exit code 0 when every run finished (optimal or at its time limit), 1 when some failed (they are
    retried by the next sweep into the same folder), 2 for an invalid study."""
    if workers is not None and scheduler:
        raise click.UsageError("--workers sizes a new LocalCluster; it cannot be combined with --scheduler")
    from contextlib import nullcontext

    if not scheduler:  # first of all: the workers' server imports the solve path while this process starts
        from planner.studies.local import prestart

        prestart()
    from planner.studies.runner import available_cores, dask_client

    # A LocalCluster is opened first: its workers start while this process reads the study.
    with nullcontext() if scheduler else dask_client(workers) as client:
        design, target = _read_study(study_file, overrides, out_dir)
        where = f"the cluster at {scheduler}" if scheduler else \
            f"a LocalCluster of {workers or available_cores()} single-threaded worker(s)"
        click.echo(f"Study '{design.study.name}': {len(design.points)} points, {len(design.runs)} distinct runs, "
                   f"on {where}; results in {target}", err=True)
        outcome = _run(design, target, scheduler, client)
    _echo_summary(outcome, design)
    failed = outcome.table[outcome.table["state"].isin(["failed", "lost"])]
    for row in failed.drop_duplicates("scenario_hash").itertuples():
        click.echo(f"run {row.scenario_hash[:16]} {row.state}: {row.message}", err=True)
    click.echo(f"\nWrote {outcome.directory}/results.parquet ({len(outcome.table)} rows) and manifest.json.")
    if not outcome.ok:
        sys.exit(1)
