"""Running a Qt application process: quit on SIGINT/SIGTERM, dispose widgets in order."""

from __future__ import annotations

import signal

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


def exec_until_signal(app: QApplication) -> int:
    """Run the event loop until the window closes or SIGINT/SIGTERM arrives."""
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    pulse = QTimer()
    pulse.timeout.connect(lambda: None)  # lets Python run signal handlers during app.exec()
    pulse.start(300)
    return int(app.exec())


def dispose(objects: list[object]) -> None:
    """Delete Qt objects on the GUI thread, widgets before the models they render, rather than
    leaving it to interpreter shutdown (which deletes them in no particular order)."""
    for obj in reversed(objects):
        if isinstance(obj, QObject):
            obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
