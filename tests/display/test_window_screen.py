"""Window screens against the real controller: serving, paused and closed, with where to go."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tideq.display.app import DisplayApp, board_config
from tideq.display.hallstate import Liveness
from tideq.display.window_screen import WindowScreen

from .test_board import WAIT, call, ticket


@pytest.fixture
def screen(qtbot, hall, broker, clock) -> Iterator:  # type: ignore[no-untyped-def]
    apps = []

    def make(wid: str) -> WindowScreen:
        app = DisplayApp(hall.hall, board_config(hall.hall, None, wid), broker.url, clock=clock).start()
        apps.append(app)
        w = WindowScreen(app.model, wid)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: app.model.liveness is Liveness.LIVE, timeout=WAIT)
        return w

    yield make
    for a in apps:
        a.stop()


def text(w: WindowScreen, role: str) -> str:
    return " ".join(w.texts(role))


def test_serving_shows_name_and_ticket(qtbot, controller, client, screen) -> None:
    w = screen("5")
    assert "5号窗口" in text(w, "window.name")
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: w.texts("window.ticket") == [number], timeout=WAIT)
    assert client.send("window/5", {"action": "finish"}).ok
    qtbot.waitUntil(lambda: w.texts("window.ticket") == [] and "即将叫号" in text(w, "window.status"), timeout=WAIT)


def test_paused_says_why_and_where_to_go(qtbot, controller, client, screen) -> None:
    w = screen("6")
    assert client.send("window/6", {"action": "pause", "reason": "lunch"}).ok
    qtbot.waitUntil(lambda: "午间休息" in text(w, "window.status"), timeout=WAIT)
    assert "请到5号窗口、7号窗口办理" in text(w, "window.goto")  # the other tax windows
    assert "Please go to Window 5, Window 7" in text(w, "window.goto")
    assert client.send("window/5", {"action": "pause"}).ok
    qtbot.waitUntil(lambda: "请到7号窗口办理" in text(w, "window.goto"), timeout=WAIT)


def test_closed_tidal_window_then_opened(qtbot, controller, client, screen) -> None:
    w = screen("19")
    qtbot.waitUntil(lambda: "潮汐窗口" in text(w, "window.status"), timeout=WAIT)
    assert text(w, "window.goto")  # never a dead end
    assert client.send("tidal", {"action": "open", "window": "19", "service": "business-setup"}).ok
    qtbot.waitUntil(lambda: "即将叫号" in text(w, "window.status"), timeout=WAIT)


def test_window_screen_offline(qtbot, controller, client, screen) -> None:
    w = screen("5")
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: w.texts("window.ticket") == [number], timeout=WAIT)
    controller.stop()
    qtbot.waitUntil(lambda: bool(w.texts("banner.offline")) and not w.texts("window.ticket"), timeout=WAIT)
