"""The manager console's "Today's report": a click writes today's files off the GUI thread and
asks the desktop to open the HTML page."""

from __future__ import annotations

import os
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QUrl

from tideq.config import EXAMPLE_HALL, load
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel
from tideq.manager.today import TodayReport
from tideq.report.api import hall_today
from tideq.report.simlog import RecordingEngine, write_events
from tideq.ui.qtbus import IdentityBus

from ..staff import HALL, T_MS, dispose


@pytest.fixture
def console_with_report(qtbot, tmp_path):
    loaded = load(EXAMPLE_HALL)
    today = hall_today(loaded)
    noon = datetime.combine(today, time(10, 0), ZoneInfo(loaded.hall.hall.timezone))
    e = RecordingEngine(loaded.hall, b"test")
    e.roll_day(noon)
    for _ in range(3):
        e.issue("tax", "kiosk-1", noon)
    write_events(e.log, tmp_path)
    opened: list[QUrl] = []
    report = TodayReport(loaded, data_dir=tmp_path, opener=opened.append)
    bus = IdentityBus("mqtt://127.0.0.1:9", HALL, "manager-report")  # never started: the report reads the file
    model = ManagerModel(bus, loaded.hall)
    view = ManagerConsole(model, today=report)
    view.resize(*SIZE)
    view.show()
    yield view, report, opened, tmp_path, today
    dispose(view, model, bus, report)


def test_todays_report_writes_the_files_and_opens_the_page(qtbot, console_with_report):
    view, report, opened, data, today = console_with_report
    assert view.report_button.isVisible() and view.report_button.text() == "今日报表"
    if os.environ.get("TIDEQ_UPDATE_SCREENSHOTS"):  # the button in docs/reports.md (no controller: offline)
        docs = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        view.grab().copy(0, 0, SIZE[0], 46).save(str(docs / "report-console-button.png"))
    with qtbot.waitSignal(report.done, timeout=T_MS * 6) as sig:
        qtbot.mouseClick(view.report_button, Qt.MouseButton.LeftButton)
    html = data / "reports" / f"report-{HALL}-{today.isoformat()}.html"
    assert sig.args == [str(html)]
    assert html.exists() and html.with_suffix(".xlsx").exists()
    assert len(list((data / "reports").glob("*.png"))) == 3
    assert opened == [QUrl.fromLocalFile(str(html))]
    assert "税务办理" in html.read_text(encoding="utf-8")


def test_a_console_without_the_event_log_has_no_report_button(qtbot):
    loaded = load(EXAMPLE_HALL)
    bus = IdentityBus("mqtt://127.0.0.1:9", HALL, "manager-noreport")
    model = ManagerModel(bus, loaded.hall)
    view = ManagerConsole(model)
    view.show()
    assert not view.report_button.isVisible()
    dispose(view, model, bus)
