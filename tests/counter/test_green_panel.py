"""The caller terminal's 绿色通道 · 补打 · 验票 panel (tideq.ui.green), offscreen, against the real
controller on a real Mosquitto: a kiosk's help request lights the header up and staff answer it
(the kiosk collects the green ticket), staff issue a green ticket with a reason, reprint by number,
and check a scanned code (genuine and waiting; altered: not genuine). Screenshots in zh and en to
a temporary folder, or docs/screenshots with TIDEQ_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tideq.contract import BusClient, Lang
from tideq.contract.vocab import GreenReason
from tideq.counter.terminal import CallerTerminal
from tideq.ui.green import Check, GreenDesk

from ..conftest import HALL_SECRET
from ..staff import T_MS, dispose, start_model


@pytest.fixture
def kiosk(broker, controller) -> Iterator[BusClient]:
    c = BusClient(broker.url, "xian-hitech", "kiosk-1").connect()
    yield c
    c.close()


@pytest.fixture
def desk_terminal(qtbot, qbus, hall, clock, controller) -> Iterator[tuple[GreenDesk, CallerTerminal]]:
    desk = GreenDesk(qbus, hall.hall, ["tax"], HALL_SECRET.encode())
    model = start_model(qtbot, qbus, hall, clock)
    w = CallerTerminal(model, green=desk)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield desk, w
    dispose(model, desk)


def click(qtbot, desk: GreenDesk, button):
    with qtbot.waitSignal(desk.result, timeout=T_MS) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_staff_answer_a_kiosk_issue_green_reprint_and_check(qtbot, desk_terminal, kiosk, controller, shots):
    desk, w = desk_terminal
    req = kiosk.send("help", {"action": "request", "source": "kiosk-1", "service": "tax"}, timeout=5)
    assert req.ok and req.help is not None
    qtbot.waitUntil(lambda: len(desk.open_help) == 1, timeout=T_MS)
    assert w.green_button.text() == "绿色通道 (1)"
    w.toggle_green()
    panel = w.green_panel
    assert panel is not None and panel.isVisible()
    panel.reason_buttons[GreenReason.ELDERLY].setChecked(True)
    w.grab().save(str(shots / "counter-green-zh.png"))

    answered = click(qtbot, desk, panel.help_buttons[req.help.id])
    assert answered.ok and answered.ticket and "kiosk-1" in answered.guide.zh
    got = kiosk.send("help", {"action": "collect", "help": req.help.id}, timeout=5)
    assert got.ok and got.ticket is not None and got.ticket.number == answered.ticket
    qtbot.waitUntil(lambda: not desk.open_help and not panel.help_buttons, timeout=T_MS)

    panel.reason_buttons[GreenReason.PREGNANT].setChecked(True)
    walk_in = click(qtbot, desk, panel.issue_button)
    assert walk_in.ok and walk_in.ticket
    t = controller.engine.tickets[walk_in.ticket]
    assert (t.priority.value, t.green_reason, t.issued_by) == ("green", "pregnant", "window-5")

    qtbot.keyClicks(panel.reprint_number, walk_in.ticket.lower())
    reprinted = click(qtbot, desk, panel.reprint_button)
    assert reprinted.ok and "第1次" in reprinted.text.zh and controller.engine.tickets[walk_in.ticket].reprints == 1

    verify = controller.engine.verify_string(t)
    qtbot.waitUntil(lambda: desk.queue is not None and any(walk_in.ticket in s.tickets for s in desk.queue.services))
    panel.code.setText(verify)
    ok = click(qtbot, desk, panel.check_button)
    assert ok.check is Check.GENUINE and ok.guide is not None and ok.guide.zh.startswith("等候中，前面")
    assert panel.answer.text().startswith(f"真票：{walk_in.ticket}")
    panel.code.setText(verify[:-2] + ("00" if not verify.endswith("00") else "11"))
    bad = click(qtbot, desk, panel.check_button)
    assert bad.check is Check.FORGED and not bad.ok
    w.model.set_lang(Lang.EN)
    assert panel.answer.text().startswith("not a ticket of this hall")
    panel.code.setText(verify)
    click(qtbot, desk, panel.check_button)
    qtbot.waitUntil(lambda: panel.reprint_button.geometry().right() <= panel.contentsRect().right())  # relaid out in en
    w.grab().save(str(shots / "counter-green-en.png"))


def test_a_terminal_without_the_hall_secret_says_where_to_check(qtbot, qbus, hall, controller):
    desk = GreenDesk(qbus, hall.hall, ["tax"], None)
    try:
        line = desk.check("tideq:xian-hitech:2026-11-26:B001:0000000000")
        assert line.check is Check.NO_SECRET and line.guide is not None and "/staff/verify" in line.guide.en
    finally:
        dispose(desk)
