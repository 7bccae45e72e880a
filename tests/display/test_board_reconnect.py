"""Broker restart: the board says the link is down, reconnects by itself, rebuilds from the state
the controller republishes, and shows new calls. Own file: `broker` is module-scoped."""

from __future__ import annotations

from tideq.display.hallstate import Liveness

from .conftest import WAIT, call, now_calling, ticket


def test_broker_restart_then_reconnect_rebuilds_and_shows(qtbot, broker, controller, client, make_board) -> None:
    app, board = make_board()
    ticket(client, "tax")
    first = call(client, "5")
    qtbot.waitUntil(lambda: now_calling(board) == [first], timeout=WAIT)
    broker.restart()  # retained state is gone with it
    qtbot.waitUntil(lambda: app.model.liveness is not Liveness.LIVE, timeout=WAIT)
    qtbot.waitUntil(lambda: bool(board.texts("banner.")) and now_calling(board) == [], timeout=WAIT)
    qtbot.waitUntil(lambda: app.model.liveness is Liveness.LIVE, timeout=3 * WAIT)
    assert app.model.state.received == {"services", "windows", "calls", "tidal"}
    qtbot.waitUntil(lambda: client.connected.is_set(), timeout=3 * WAIT)
    ticket(client, "business-setup")
    second = call(client, "1")
    qtbot.waitUntil(lambda: now_calling(board) == [second, first], timeout=WAIT)
