"""Running a Qt application process: quit on SIGINT/SIGTERM, dispose widgets in order."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

from tideq import sdnotify
from tideq.runtime import StopSignal


def exec_until_signal(app: QCoreApplication, stop: StopSignal) -> int:
    """Run the event loop until the window closes or SIGINT/SIGTERM arrives, including one that
    came while the process was starting (`quit()` before `exec()` is a no-op in Qt, so the first
    turn of the loop checks)."""
    stop.then(app.quit)
    QTimer.singleShot(0, lambda: stop.stopped and app.quit())
    # systemd (Type=notify): ready once the loop turns with the windows shown; the watchdog is
    # pinged from the GUI thread itself, so a hung event loop stops the pings and gets restarted
    QTimer.singleShot(0, lambda: stop.stopped or sdnotify.ready())
    pulse = QTimer()
    pulse.timeout.connect(lambda: None)  # lets Python run signal handlers during app.exec()
    pulse.start(300)
    interval = sdnotify.watchdog_interval()
    watchdog = QTimer()
    if interval:
        watchdog.timeout.connect(lambda: sdnotify.notify("WATCHDOG=1"))
        watchdog.start(int(interval * 500))  # every half WatchdogSec
    try:
        return int(app.exec())
    finally:
        sdnotify.stopping()


def dispose(objects: list[object]) -> None:
    """Delete Qt objects on the GUI thread, widgets before the models they render, rather than
    leaving it to interpreter shutdown (which deletes them in no particular order)."""
    for obj in reversed(objects):
        if isinstance(obj, QObject):
            obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
