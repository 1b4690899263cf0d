"""The HTML report, opened in a real headless Chromium (Debian's chromium + chromium-driver).

``.ci/run`` installs the browser; elsewhere the test is skipped when it is absent (and fails
under CI, so a missing browser can never pass silently).
"""

import os
import subprocess
import sys

import pytest

CHARTS = ("score", "contributions", "backtest", "evaluation", "sweep")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    env = {**os.environ, "RISKOFF_HOME": str(folder / "home")}
    subprocess.run([sys.executable, "-m", "backtests.cli", "report", "-o",
                    str(folder / "report.html"), "--png-dir", str(folder / "png")],
                   check=True, env=env, capture_output=True, timeout=600)
    return folder


def test_every_chart_renders_and_the_page_logs_no_error(report_file, browser):
    browser.get((report_file / "report.html").as_uri())
    assert browser.title.startswith("riskoff")
    for chart in CHARTS:
        size = browser.execute_script(
            "const f = document.getElementById(arguments[0]);"
            "if (!f) return null;"
            "const svg = f.querySelector('svg'); const r = svg.getBoundingClientRect();"
            "return [r.width, r.height, svg.querySelectorAll('path').length];",
            f"chart-{chart}")
        assert size is not None, f"chart-{chart} is missing"
        width, height, paths = size
        assert width > 500 and height > 150, (chart, size)
        assert paths > 20, (chart, size)  # drawn lines and areas, not an empty frame
    hover = browser.execute_script(
        "const s = document.querySelector('#hover-score svg'); const r = s.getBoundingClientRect();"
        "const tips = s.querySelectorAll('circle > title');"
        "return [r.width, r.height, tips.length, tips[tips.length - 1].textContent];")
    assert hover[0] > 500 and hover[1] > 100 and hover[2] > 1000, hover
    assert "score" in hover[3] and "(" in hover[3]  # date: score (regime); contributions
    tables = browser.execute_script("return document.querySelectorAll('table').length")
    assert tables >= 6  # stats, IC, quantiles, regimes, calls, sweep, data
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    browser.save_screenshot(str(report_file / "screenshot.png"))


def test_the_report_is_self_contained_and_every_chart_exports_as_png(report_file):
    page = (report_file / "report.html").read_text(encoding="utf-8")
    for external in ("<script", "<link", 'src="http', 'href="http', "url(http", "@import"):
        assert external not in page, external  # nothing to fetch: it opens offline
    assert "Board of Governors of the Federal Reserve System" in page  # attribution
    assert "bundled data, ends 2023-12-31" in page
    pngs = sorted(p.stem for p in (report_file / "png").glob("*.png"))
    assert pngs == sorted(CHARTS)
    assert all((report_file / "png" / f"{c}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
               for c in CHARTS)
