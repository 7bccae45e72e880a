"""The console's "Today's report": run `tideq report` for today off the GUI thread, then open the
HTML page in the desktop's browser (where it prints). Only where the console runs on the box that
holds the event log (or a copy of its data folder): the report reads the file, not the bus."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from tideq.config import LoadedConfig
from tideq.report.api import hall_today, make_report
from tideq.report.errors import ReportError


class TodayReport(QObject):
    """Writes today's report files; `done` carries the HTML page's path, `failed` the reason."""

    done = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        loaded: LoadedConfig,
        data_dir: Path | None = None,
        opener: Callable[[QUrl], object] = QDesktopServices.openUrl,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.loaded, self.data_dir, self.opener = loaded, data_dir, opener
        self._busy = threading.Lock()
        self.done.connect(lambda path: self.opener(QUrl.fromLocalFile(path)))

    def run(self) -> None:
        """Start one report (a second click while one runs is ignored)."""
        if self._busy.acquire(blocking=False):
            threading.Thread(target=self._work, name="today-report", daemon=True).start()

    def _work(self) -> None:
        try:
            _, files = make_report(self.loaded, hall_today(self.loaded), data_dir=self.data_dir)
        except ReportError as err:
            self.failed.emit(str(err))
        else:
            self.done.emit(str(files.html))  # queued to the GUI thread, which opens it
        finally:
            self._busy.release()
