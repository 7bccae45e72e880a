"""Grab the hall board and window screens into docs/screenshots/ from a real controller run.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_display.py [--out docs/screenshots]

A private Mosquitto and the real ControllerService (hall clock held at Thu 26 Nov 2026 10:00)
get tickets, calls, a paused window and an opened tidal window; boards and window screens
subscribe like in a hall and are grabbed once they show the calls.
"""

from __future__ import annotations

import argparse
import hashlib
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

from PySide6.QtWidgets import QApplication, QWidget

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.controller.service import ControllerService
from tideq.display.app import DisplayApp, board_config
from tideq.display.board import BoardWidget
from tideq.display.hallstate import Liveness
from tideq.display.layouts import Layout
from tideq.display.texts import ALTERNATE_S
from tideq.display.window_screen import WindowScreen
from tideq.testing import ManualClock, Mosquitto
from tideq.ui.screenshot import grab

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def wait(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("display did not reach the expected state")
        QApplication.processEvents()
        time.sleep(0.01)


def stage_hall(client: BusClient, clock: ManualClock) -> None:
    """A realistic mid-morning: queues per service, earlier calls, a paused and a tidal window."""
    for sid, n in [
        ("business-setup", 14),
        ("tax", 9),
        ("social-insurance", 11),
        ("real-estate", 4),
        ("housing-fund", 6),
        ("policy-redemption", 2),
        ("general-consult", 3),
    ]:
        for i in range(n):
            identity = hashlib.sha256(f"{sid}-{i}".encode()).hexdigest()  # as a kiosk's HMAC would be
            assert client.send("ticket", {"service": sid, "source": "kiosk-1", "identity": identity}).ok
    for w in ["1", "2", "5", "8", "11", "13", "17", "9"]:
        assert client.send(f"window/{w}", {"action": "next"}).ok
    assert client.send("window/6", {"action": "pause", "reason": "lunch"}).ok
    assert client.send("tidal", {"action": "open", "window": "19", "service": "business-setup"}).ok
    clock.advance(seconds=40)
    for w in ["3", "19", "7", "10"]:
        assert client.send(f"window/{w}", {"action": "next"}).ok
    assert client.send("window/5", {"action": "recall"}).ok


def shot(widget: QWidget, out: Path, name: str, size: tuple[int, int]) -> None:
    path = grab(widget, out / name, size)
    print(f"wrote {path}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/screenshots")
    out = Path(ap.parse_args().out)
    app = QApplication.instance() or QApplication(sys.argv[:1])  # must stay referenced while grabbing
    assert app is not None
    hall = load(EXAMPLE_HALL).hall
    clock = ManualClock(T0)
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as tmp:
        controller = ControllerService(load(EXAMPLE_HALL), broker.url, Path(tmp), clock).start()
        client = BusClient(broker.url, hall.hall.id, "screenshots").connect()
        stage_hall(client, clock)
        apps: list[DisplayApp] = []

        def board(layout: Layout, languages: str | None = None) -> tuple[DisplayApp, BoardWidget]:
            cfg = board_config(hall, "main", None, languages).model_copy(update={"layout": layout.value})
            d = DisplayApp(hall, cfg, broker.url, clock=clock).start()
            apps.append(d)
            widget = BoardWidget(d.model, layout)
            wait(lambda: len(d.model.current()) >= 3)
            return d, widget

        for layout in Layout:
            _, w = board(layout)
            shot(w, out, f"board-{layout.value}.png", layout.size)
        d, w = board(Layout.FHD, "alternate")
        grabbed: set[str] = set()
        for _ in range(ALTERNATE_S + 1):  # grab each phase of the alternation
            lang = d.model.langs[0].value
            if lang not in grabbed:
                grabbed.add(lang)
                shot(w, out, f"board-1080p-alternate-{lang}.png", Layout.FHD.size)
            clock.advance(seconds=1)
            d.model.tick()
        clock.set(T0.replace(second=40))

        windows = {"5": "serving", "6": "paused", "20": "closed"}
        screens = {}
        for wid in windows:
            wd = DisplayApp(hall, board_config(hall, None, wid), broker.url, clock=clock).start()
            apps.append(wd)
            screens[wid] = WindowScreen(wd.model, wid)
            wait(lambda wd=wd, wid=wid: wd.model.liveness is Liveness.LIVE and wd.model.window(wid) is not None)
        for wid, label in windows.items():
            shot(screens[wid], out, f"window-{label}.png", (1280, 720))

        # stale: the controller's refresh stops (hung) and the state ages past stale_s
        stale_app, stale_w = board(Layout.FHD)
        controller.publisher.publish = lambda *a, **k: None  # type: ignore[method-assign]
        clock.advance(seconds=stale_app.board.stale_s + 5)
        stale_app.model.tick()
        wait(lambda: stale_app.model.liveness is Liveness.STALE)
        shot(stale_w, out, "board-1080p-stale.png", Layout.FHD.size)
        controller.stop()
        wait(lambda: stale_app.model.liveness is Liveness.OFFLINE)
        shot(stale_w, out, "board-1080p-offline.png", Layout.FHD.size)
        shot(screens["5"], out, "window-offline.png", (1280, 720))
        for d in apps:
            d.stop()
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
