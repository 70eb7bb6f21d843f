"""The report as a reader sees it: rendered by headless Chromium (Debian's ``chromium``, installed by
.ci/run) with every network request refused, screenshotted, and its text read back from the DOM."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest

from planner.report import units
from planner.results import Plan

pytestmark = [pytest.mark.solver, pytest.mark.slow]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
OFFLINE = ["--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking", "--no-first-run"]
TIMEOUT_S = 120


def _chromium() -> str:
    found = next((path for path in map(shutil.which, BROWSERS) if path), None)
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("headless Chromium is required in CI (.ci/run installs Debian's 'chromium') but is not on PATH")
    pytest.skip("headless Chromium is not installed (apt-get install chromium); the report was not rendered")


def _run(browser: str, *args: str, profile) -> subprocess.CompletedProcess:
    return subprocess.run([browser, *OFFLINE, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=TIMEOUT_S, check=False)


@pytest.mark.parametrize("name", ["india", "great-britain"])
def test_chromium_renders_the_report_offline(solved_dirs, tmp_path, name):
    from PIL import Image

    browser = _chromium()
    page = (solved_dirs[name] / "report.html").resolve().as_uri()
    shot = tmp_path / "report.png"
    result = _run(browser, "--window-size=1200,2400", f"--screenshot={shot}", page, profile=tmp_path / "p1")
    assert shot.exists(), result.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2400, 1200)
    inked = (pixels < 200).mean()
    assert inked > 0.02, f"page looks blank: {inked:.1%} of pixels are dark"
    assert len(np.unique(pixels)) > 50  # text, map and charts, not a flat error page

    dom = _run(browser, "--dump-dom", page, profile=tmp_path / "p2").stdout
    plan = Plan.from_dir(solved_dirs[name])
    opened = plan.sites[plan.sites["is_open"].astype(bool)]
    assert units.money(plan.objective_usd, per_year=True) in dom
    assert units.power_mw(opened["it_mw"].sum()) in dom
    for site in opened.index:
        assert site in dom
    assert "Appendix A. Scenario values" in dom and "Executive summary" in dom


def test_chromium_renders_the_study_report_offline(study_dir, tmp_path):
    from PIL import Image

    from planner.studies import load

    browser = _chromium()
    page = (study_dir / "report.html").resolve().as_uri()
    shot = tmp_path / "study.png"
    result = _run(browser, "--window-size=1200,2400", f"--screenshot={shot}", page, profile=tmp_path / "p1")
    assert shot.exists(), result.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert (pixels < 200).mean() > 0.02, "page looks blank"
    assert len(np.unique(pixels)) > 50

    dom = _run(browser, "--dump-dom", page, profile=tmp_path / "p2").stdout
    table = load(study_dir)
    assert "Study report-study" in dom and "Pareto front" in dom and "p50" in dom
    for cost in table.loc[table["state"] == "optimal", "objective_usd"]:
        assert units.money(cost) in dom
    assert "no cities of at least 100000000 people" in dom
    assert "<script>alert" not in dom  # the description's HTML is text, not markup
