"""Screenshots of the caller terminal and the evaluator tablet, driven against a real Mosquitto
and the real controller with a hand-moved hall clock (so every text on them is the controller's).

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_counter.py [OUT_DIR]

Writes counter-{idle,serving,refused,paused}-{zh,en}.png and evaluator-{idle,ask,thanks}.png
into docs/screenshots/ (or OUT_DIR).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TIDEQ_HALL_SECRET", "screenshots")

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient, Lang, Rating, WindowAction, WindowStatus
from tideq.controller.service import ControllerService
from tideq.counter.evaluator_screen import EvalState, EvaluatorModel, EvaluatorScreen
from tideq.counter.terminal import CallerTerminal
from tideq.counter.terminal_model import CallerModel
from tideq.testing import ManualClock, Mosquitto
from tideq.ui.qtbus import IdentityBus
from tideq.ui.screenshot import grab

TERMINAL_SIZE = (440, 560)
TABLET_SIZE = (1024, 600)


def wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state")
        QTest.qWait(20)


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loaded = load(EXAMPLE_HALL)
    clock = ManualClock(datetime(2026, 11, 26, 9, 2, tzinfo=ZoneInfo("Asia/Shanghai")))
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as data:
        controller = ControllerService(loaded, broker.url, Path(data), clock).start()
        kiosk = BusClient(broker.url, loaded.hall.hall.id, "kiosk-1").connect()
        bus = IdentityBus(broker.url, loaded.hall.hall.id, "window-5")
        try:
            for service, minutes in [("tax", 0), ("tax", 3), ("business-setup", 1), ("tax", 4), ("tax", 2), ("tax", 6)]:
                clock.advance(minutes=minutes)
                assert kiosk.send("ticket", {"service": service, "source": "kiosk-1"}, timeout=5).ok
            clock.advance(minutes=14)
            model = CallerModel(bus, loaded.hall, "5", clock=clock.now)
            terminal = CallerTerminal(model)
            evaluator = EvaluatorModel(bus, "5", timeout_s=30)
            model.finished.connect(evaluator.ask)
            tablet = EvaluatorScreen(evaluator, loaded.hall)
            bus.start()
            wait_until(lambda: model.status is WindowStatus.IDLE and bool(model.queue_lines()))

            def shoot(name: str) -> None:
                for lang in Lang:
                    model.set_lang(lang)
                    grab(terminal, out / f"counter-{name}-{lang.value}.png", TERMINAL_SIZE)
                model.set_lang(Lang.ZH)

            def act(action: WindowAction, ticket: str = "", reason: str = "") -> None:
                n = len(results)
                if action is WindowAction.CALL:
                    terminal.number.setText(ticket)
                    terminal.trigger(WindowAction.CALL)
                else:
                    model.act(action, reason=reason)
                wait_until(lambda: len(results) > n)

            results: list[object] = []
            model.result.connect(results.append)
            shoot("idle")
            act(WindowAction.NEXT)
            clock.advance(minutes=3, seconds=12)
            shoot("serving")
            act(WindowAction.CALL, ticket="A001")  # another service's ticket: refused, with where to send it
            shoot("refused")
            grab(tablet, out / "evaluator-idle.png", TABLET_SIZE)
            act(WindowAction.FINISH)
            wait_until(lambda: evaluator.state is EvalState.ASKING)
            grab(tablet, out / "evaluator-ask.png", TABLET_SIZE)
            evaluator.choose(Rating.SATISFIED)
            grab(tablet, out / "evaluator-thanks.png", TABLET_SIZE)
            act(WindowAction.PAUSE, reason="午间休息")
            # the rating is counted by the controller: the terminal's 满意率 comes from state/windows
            wait_until(
                lambda: model.status is WindowStatus.PAUSED and model.totals.served == 1 and model.totals.rated == 1
            )
            shoot("paused")
            wait_until(lambda: bool(evaluator.results))
        finally:
            bus.stop()
            kiosk.close()
            controller.stop()
    app.processEvents()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "screenshots")
