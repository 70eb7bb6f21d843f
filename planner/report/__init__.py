"""The siting report: one self-contained HTML document (inline CSS, charts and map as inline PNG) that an
analyst can hand on, built from a plan (a ``Plan`` or a plan folder written by ``planner solve``).

``write_study_report(study_dir, path)`` writes the comparison report of a study folder (``planner sweep``).
``build_report(plan)`` returns the content and rendered HTML; ``write_report(plan, path)`` writes it
atomically, and with ``pdf=True`` also a PDF through WeasyPrint (the ``pdf`` extra). Matplotlib and Jinja2
are the ``report`` extra; they are imported only when a report is built.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from planner.extras import MissingExtraError

PDF_PACKAGE = "weasyprint"
ReportDependencyError = MissingExtraError  # a package the report needs is not installed


def capture_scenario(name_or_path, overrides=()):
    """The scenario files (with their source comments) and overrides, for a plan solved through the API."""
    from planner.report.scenario_source import capture

    return capture(name_or_path, overrides)


def build_report(plan, source=None, **kwargs):
    """The ``Report`` of ``plan`` (see ``planner.report.build.build_report``)."""
    try:
        from planner.report.build import build_report as build
    except ImportError as error:
        raise ReportDependencyError(f"the report needs jinja2 and matplotlib ({error.name} is missing): "
                                    "pip install 'planner[report]'") from error
    return build(plan, source, **kwargs)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)  # mkstemp creates files private to the owner
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _weasyprint():
    """The WeasyPrint module; a clear message when the ``pdf`` extra is missing."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the package is there but its Pango libraries are not
        raise ReportDependencyError(
            f"--pdf needs WeasyPrint ({error}): pip install 'planner[pdf]' (on Debian/Ubuntu it also needs "
            "the Pango library: apt-get install libpango-1.0-0 libpangoft2-1.0-0)") from error
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of the report through WeasyPrint (the ``pdf`` extra)."""
    return _weasyprint().HTML(string=html).write_pdf()


def write_report(plan, out: str | Path, pdf: bool = False, source=None) -> Path:
    """Write the report of ``plan`` (a ``Plan`` or a plan folder) to ``out``; with ``pdf`` also ``out``
    with the suffix .pdf. Returns the HTML path. Each file appears complete or not at all."""
    from planner.results import Plan

    if pdf:
        _weasyprint()  # fail before the work, not after it
    if not isinstance(plan, Plan):
        plan = Plan.from_dir(Path(plan))
    if plan.planning_years is not None:  # a build-out: the report of its last planning year
        plan = plan.for_year(plan.planning_years[-1])
    report = build_report(plan, source)
    out = Path(out)
    pdf_bytes = html_to_pdf(report.html) if pdf else None
    _atomic_write(out, report.html.encode("utf-8"))
    if pdf_bytes is not None:
        _atomic_write(out.with_suffix(".pdf"), pdf_bytes)
    return out


def write_study_report(directory: str | Path, out: str | Path, pdf: bool = False) -> Path:
    """Write the comparison report of the study folder ``directory`` (``planner sweep --out``) to ``out``;
    with ``pdf`` also ``out`` with the suffix .pdf. Returns the HTML path."""
    if pdf:
        _weasyprint()
    try:
        from planner.report.study import build_study_report
    except ImportError as error:
        raise ReportDependencyError(f"the report needs jinja2 and matplotlib ({error.name} is missing): "
                                    "pip install 'planner[report]'") from error
    out = Path(out)
    html = build_study_report(directory, out)
    pdf_bytes = html_to_pdf(html) if pdf else None
    _atomic_write(out, html.encode("utf-8"))
    if pdf_bytes is not None:
        _atomic_write(out.with_suffix(".pdf"), pdf_bytes)
    return out


__all__ = ["PDF_PACKAGE", "ReportDependencyError", "build_report", "capture_scenario", "html_to_pdf", "write_report",
           "write_study_report"]
