"""The manager console's 绿色通道 panel against the real controller on a real Mosquitto: a kiosk's
help request shows, the manager confirms it with a reason, the kiosk collects the green ticket,
and the day's green count per service (state/services `green`) shows on the console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tideq.contract import BusClient, Lang
from tideq.contract.vocab import GreenReason
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel
from tideq.ui.green import GreenDesk
from tideq.ui.qtbus import IdentityBus

from ..staff import HALL, T_MS, dispose
from .test_manager import fresh_broker  # noqa: F401 (fixture)


@pytest.fixture
def console(qtbot, fresh_broker, controller, broker, hall) -> Iterator[ManagerConsole]:  # noqa: F811
    bus = IdentityBus(broker.url, HALL, "manager")  # the manager's login: staff who may issue green
    model = ManagerModel(bus, hall.hall)
    desk = GreenDesk(bus, hall.hall, [s.id for s in hall.hall.services], None)
    view = ManagerConsole(model, green=desk)
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    bus.start()
    qtbot.waitUntil(lambda: len(model.services) == 8, timeout=T_MS)
    yield view
    bus.stop()
    dispose(view, desk, model, bus)


def test_the_manager_confirms_a_kiosks_help_request_and_sees_the_count(qtbot, console, broker, controller):
    panel, desk = console.green_panel, console.green
    assert panel is not None and desk is not None
    kiosk = BusClient(broker.url, HALL, "kiosk-2").connect()
    try:
        req = kiosk.send("help", {"action": "request", "source": "kiosk-2", "service": "tax"}, timeout=5)
        assert req.ok and req.help is not None
        qtbot.waitUntil(lambda: req.help.id in panel.help_buttons, timeout=T_MS)
        assert "kiosk-2" in panel.help_buttons[req.help.id].text()
        panel.reason_buttons[GreenReason.MILITARY].setChecked(True)
        with qtbot.waitSignal(desk.result, timeout=T_MS) as blocker:
            qtbot.mouseClick(panel.help_buttons[req.help.id], Qt.MouseButton.LeftButton)
        line = blocker.args[0]
        assert line.ok and line.ticket
        t = controller.engine.tickets[line.ticket]
        assert (t.green_reason, t.issued_by, t.source) == ("military", "manager", "kiosk-2")
        got = kiosk.send("help", {"action": "collect", "help": req.help.id}, timeout=5)
        assert got.ok and got.ticket is not None and got.ticket.number == line.ticket
        qtbot.waitUntil(lambda: desk.green_today == {"tax": 1}, timeout=T_MS)
        assert panel.today.text() == "今日绿色通道：税务办理 1"
        console.model.set_lang(Lang.EN)
        assert panel.today.text() == "Green tickets today: Tax Services 1"
    finally:
        kiosk.close()
