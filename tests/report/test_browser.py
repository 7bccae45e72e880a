"""The HTML page in a real headless browser (Debian's chromium via Playwright): Chinese has a
font, nothing runs off the page, the charts load; and it prints. TIDEQ_UPDATE_SCREENSHOTS=1 writes
the screenshots of docs/reports.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.report import api
from tideq.report.simlog import simulate_to_log
from tideq.sim import scenarios

from ..conftest import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/setup.sh)")


def test_the_page_renders_whole_with_chinese(tmp_path, shots):
    from playwright.sync_api import sync_playwright

    loaded = load(EXAMPLE_HALL)
    sc = scenarios.build("peak-day", loaded.hall)
    simulate_to_log(sc, "tideq", 5, tmp_path, rate=0.6)
    report, files = api.make_report(loaded, sc.day, out=tmp_path / "out", data_dir=tmp_path)
    for chart in files.charts:  # the PNGs of docs/reports.md
        if shots == SCREENSHOTS:
            (SCREENSHOTS / f"report-chart-{chart.stem.rsplit('-', 1)[1]}.png").write_bytes(chart.read_bytes())
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 900, "height": 1200})
        page.goto(files.html.as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("document.fonts.check('16px \"WenQuanYi Micro Hei\"', '办结满意率')")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing clipped
        loaded_imgs = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
        assert loaded_imgs == [True] * len(files.charts) and len(files.charts) == 4
        assert "满意率" in page.inner_text("body") and f"{report.total_served}" in page.inner_text("body")
        page.screenshot(path=str(shots / "report-page.png"), full_page=True)
        page.pdf(path=str(tmp_path / "report.pdf"), format="A4")
        b.close()
    assert (tmp_path / "report.pdf").stat().st_size > 10_000
