"""Running a Qt application process: quit on SIGINT/SIGTERM, dispose widgets in order."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

from tideq.runtime import StopSignal


def exec_until_signal(app: QCoreApplication, stop: StopSignal) -> int:
    """Run the event loop until the window closes or SIGINT/SIGTERM arrives, including one that
    came while the process was starting (`quit()` before `exec()` is a no-op in Qt, so the first
    turn of the loop checks)."""
    stop.then(app.quit)
    QTimer.singleShot(0, lambda: stop.stopped and app.quit())
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
