"""Layouts and languages without a broker: the model is fed the contract's typed messages directly."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tideq.config.schema import Board
from tideq.contract import (
    BiText,
    CallItem,
    CallsState,
    ControllerStatus,
    ServiceItem,
    ServicesState,
    TidalState,
    WindowsState,
)
from tideq.display.board import BoardWidget
from tideq.display.hallstate import CallView, HallState, Liveness, current_calls, liveness
from tideq.display.layouts import Layout, board_geometry, font, glyph_height
from tideq.display.model import BoardModel
from tideq.display.texts import ALTERNATE_S, Languages, shown

from ..conftest import THURSDAY_10


def feed(model: BoardModel, calls: list[tuple[str, str]], at: datetime) -> None:
    p = "tideq/xian-hitech/"
    model.on_connection(True)
    model.on_message(p + "status/controller", "online")
    model.on_message(
        p + "state/services",
        ServicesState(
            ts=at,
            services=[
                ServiceItem(
                    id="tax",
                    name=BiText(zh="税务办理", en="Tax Services"),
                    prefix="B",
                    open=True,
                    waiting=4,
                    eta_s=900,
                    windows_open=3,
                )
            ],
        ),
    )
    model.on_message(p + "state/windows", WindowsState(ts=at, windows=[]))
    model.on_message(p + "state/tidal", TidalState(ts=at))
    model.on_message(
        p + "state/calls",
        CallsState(ts=at, calls=[CallItem(ticket=t, window=w, service="tax", at=at) for t, w in calls]),
    )


@pytest.mark.parametrize("layout", list(Layout))
def test_number_glyphs_are_an_eighth_of_the_screen_height(qtbot, hall, clock, layout: Layout) -> None:
    w, h = layout.size
    g = board_geometry(layout, w, h)
    assert glyph_height(font(g.fonts.number, bold=True)) >= h / 8
    model = BoardModel(hall.hall, Board(id="main", layout=layout.value), clock)
    board = BoardWidget(model, layout)
    qtbot.addWidget(board)
    feed(model, [("B014", "22"), ("A103", "19"), ("C009", "10")], clock.now())
    board.grab()  # paints offscreen at the layout's size
    drawn = [d for d in board.last_frame if d.role in ("call.ticket", "call.window")][:2]
    assert [d.text for d in drawn] == ["B014", "22"]  # newest first, untruncated
    for d in drawn:
        assert d.px == g.fonts.number  # not shrunk to fit
        assert glyph_height(font(d.px, bold=True)) >= h / 8


def test_alternate_languages_switch_and_side_by_side_shows_both(qtbot, hall, clock) -> None:
    model = BoardModel(hall.hall, Board(id="main", languages="alternate"), clock)
    board = BoardWidget(model, Layout.FHD)
    qtbot.addWidget(board)
    feed(model, [("B014", "5")], clock.now())
    seen = set()
    for _ in range(2):
        board.grab()
        text = " ".join(board.texts())
        has_zh, has_en = "正在叫号" in text, "Now calling" in text
        assert has_zh != has_en  # exactly one language at a time
        seen.add("zh" if has_zh else "en")
        clock.advance(seconds=ALTERNATE_S)
        model.tick()
    assert seen == {"zh", "en"}
    later = clock.now() + timedelta(seconds=4)
    assert shown(Languages.SIDE_BY_SIDE, clock.now()) == shown(Languages.SIDE_BY_SIDE, later)


def test_current_calls_one_per_window_and_ticket(clock) -> None:
    t = clock.now()
    calls = (
        CallView("A003", "1", "s", t),
        CallView("A002", "1", "s", t - timedelta(seconds=2)),
        CallView("B001", "5", "s", t, recall=True),
        CallView("B001", "5", "s", t - timedelta(seconds=3)),
        CallView("C001", "8", "s", t - timedelta(seconds=30)),
    )
    assert [c.ticket for c in current_calls(calls, lambda c: (t - c.at).total_seconds(), 10)] == ["A003", "B001"]


def test_liveness_order(clock) -> None:
    s = HallState()
    now = clock.now()
    assert liveness(link_up=False, state=s, rx_age_s=0, now=now, stale_s=30) is Liveness.LINK_DOWN
    assert liveness(link_up=True, state=s, rx_age_s=None, now=now, stale_s=30) is Liveness.WAITING
    assert s.apply(CallsState(ts=now, calls=[])) is False  # empty, as before: no repaint
    assert liveness(link_up=True, state=s, rx_age_s=1, now=now, stale_s=30) is Liveness.WAITING  # partial
    s.apply(ServicesState(ts=now, services=[]))
    s.apply(WindowsState(ts=now, windows=[]))
    s.apply(TidalState(ts=now))
    assert liveness(link_up=True, state=s, rx_age_s=1, now=now, stale_s=30) is Liveness.LIVE
    assert liveness(link_up=True, state=s, rx_age_s=31, now=now, stale_s=30) is Liveness.STALE
    assert liveness(link_up=True, state=s, rx_age_s=1, now=now + timedelta(seconds=31), stale_s=30) is Liveness.STALE
    assert s.apply(ControllerStatus.OFFLINE) is True
    assert liveness(link_up=True, state=s, rx_age_s=1, now=now, stale_s=30) is Liveness.OFFLINE
    assert now == THURSDAY_10


def test_model_ignores_a_status_that_is_neither_online_nor_offline(qtbot, hall, clock) -> None:
    model = BoardModel(hall.hall, Board(id="main"), clock)
    feed(model, [("B014", "5")], clock.now())
    assert model.liveness is Liveness.LIVE
    model.on_message("tideq/xian-hitech/status/controller", "rebooting")
    assert model.liveness is Liveness.LIVE and model.state.controller is ControllerStatus.ONLINE
    model.on_message("tideq/xian-hitech/status/controller", "offline")
    assert model.liveness is Liveness.OFFLINE


def test_pyside_void_calls_and_emits_keep_none_and_true_alive(qtbot) -> None:
    """PySide6 6.12.0 on CPython 3.11 drops a reference to None per void call and to True per
    emit (a board makes millions a day and aborts); pyproject pins below 6.12 for that."""
    import sys

    from PySide6.QtCore import QObject, Signal
    from PySide6.QtGui import QFont

    class Emitter(QObject):
        fired = Signal(int)

    f, e = QFont(), Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(20_000):
        f.setPixelSize(12)
        e.fired.emit(1)
    assert sys.getrefcount(None) >= none_before - 100
    assert sys.getrefcount(True) >= true_before - 100
