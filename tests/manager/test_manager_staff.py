"""Per-clerk figures on the manager console, from the real controller's `state/windows` on a real
Mosquitto: two clerks sign in at windows 5 and 6, serve and are rated; the console's table shows
each clerk's served count, mean handling time and 满意率, and the window tiles name the clerk.
Screenshots to docs/screenshots/manager-staff-*.png."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient, Lang
from tideq.contract.staff import pin_proof
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel
from tideq.ui.qtbus import IdentityBus
from tideq.ui.screenshot import grab

from ..conftest import HALL_SECRET
from ..staff import CLERKS, HALL, T_MS, dispose, issue, with_clerks
from .test_manager import clear_retained


@pytest.fixture(scope="module")
def hall():
    return with_clerks(load(EXAMPLE_HALL))


@pytest.fixture
def fresh_retained(broker) -> None:
    """Nothing an earlier test's controller left retained may satisfy a wait (before ours starts)."""
    clear_retained(broker.url, ("state/services", "state/windows", "state/tidal", "status/controller"))


@pytest.fixture
def staffed_console(qtbot, fresh_retained, broker, hall, controller) -> Iterator[ManagerConsole]:
    bus = IdentityBus(broker.url, HALL, f"manager-{uuid.uuid4().hex[:6]}")
    model = ManagerModel(bus, hall.hall)
    view = ManagerConsole(model)
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    bus.start()
    qtbot.waitUntil(lambda: len(model.windows) == 22, timeout=T_MS)
    yield view
    bus.stop()
    dispose(view, model, bus)


def serve(window: BusClient, wid: str, client: BusClient, clock, minutes: int, rating: int) -> None:
    issue(client, "tax")
    assert window.send(f"window/{wid}", {"action": "next"}).ok
    clock.advance(minutes=minutes)
    assert window.send(f"window/{wid}", {"action": "finish", "rating": rating}).ok


def test_per_clerk_figures_on_the_console(qtbot, staffed_console, broker, client, clock, shots):
    view, secret = staffed_console, HALL_SECRET.encode()
    assert "今日尚无员工签到" in view.staff.empty.text()
    w5 = BusClient(broker.url, HALL, "window-5").connect()
    w6 = BusClient(broker.url, HALL, "window-6").connect()
    try:
        for c, wid, sid in ((w5, "5", "1001"), (w6, "6", "1002")):
            r = c.send(
                f"window/{wid}", {"action": "sign_in", "staff": sid, "pin_proof": pin_proof(secret, sid, CLERKS[sid])}
            )
            assert r.ok, r.error
        serve(w5, "5", client, clock, 6, 5)
        serve(w5, "5", client, clock, 10, 2)
        serve(w6, "6", client, clock, 4, 4)
        assert w6.send("window/6", {"action": "sign_out"}).ok
    finally:
        w5.close()
        w6.close()
    table = view.staff.table
    qtbot.waitUntil(lambda: table.rowCount() == 2 and table.item(1, 2).text() == "已签退", timeout=T_MS)
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert rows == [
        ["1001", "王芳", "5号", "2", "8分钟", "2", "50%"],
        ["1002", "李强", "已签退", "1", "4分钟", "1", "100%"],
    ]
    assert "王芳" in view.windows.tiles["5"].status.text()
    grab(view, shots / "manager-staff-zh.png")
    view.model.set_lang(Lang.EN)
    qtbot.waitUntil(lambda: table.item(0, 1).text() == "Wang Fang", timeout=T_MS)
    assert table.item(1, 2).text() == "signed out" and table.item(0, 4).text() == "8 min"
    # the language switch rebuilt other panels' rows: delete the old ones before the picture
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    grab(view, shots / "manager-staff-en.png")
