"""The caller terminal against the real controller on a real Mosquitto: every action by its
shortcut or button, the controller's answer in the status line, the window state it renders."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from tideq import contract
from tideq.contract import Lang
from tideq.contract import WindowAction as Action
from tideq.controller.model import TicketStatus, WindowStatus
from tideq.counter.keymap import TERMINAL_ACTIONS
from tideq.ui.outcome import Outcome

from ..conftest import TZ
from ..staff import T_MS, WINDOW, click, issue, press

pytestmark = pytest.mark.usefixtures("clean_retained")  # each test starts from no retained state


def test_next_calls_the_longest_waiting_and_shows_how_long_they_waited(qtbot, client, controller, clock, terminal):
    first = issue(client)
    issue(client)
    clock.advance(minutes=12)
    msg = press(qtbot, terminal, Qt.Key.Key_F1)
    assert msg.outcome is Outcome.OK and msg.action is Action.NEXT
    assert controller.engine.windows[WINDOW].ticket == first
    assert terminal.ticket.text() == first
    assert "已等 12 分钟" in terminal.ticket_info.text() and "取号 10:00" in terminal.ticket_info.text()
    assert f"已呼叫 {first}" in terminal.status.text()
    clock.advance(minutes=2, seconds=5)
    qtbot.waitUntil(lambda: "办理 2:05" in terminal.ticket_info.text(), timeout=T_MS)  # the 1 s tick re-renders
    qtbot.waitUntil(lambda: "等候 <b>1</b> 人" in terminal.queue.text(), timeout=T_MS)  # one still waiting


def test_recall_then_no_show_then_finish(qtbot, client, controller, terminal):
    a, b = issue(client), issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    msg = press(qtbot, terminal, Qt.Key.Key_F2)
    assert msg.outcome is Outcome.OK and controller.engine.tickets[a].calls == 2
    assert f"已重呼 {a}" in terminal.status.text()

    msg = press(qtbot, terminal, Qt.Key.Key_F3)
    assert msg.outcome is Outcome.OK and controller.engine.tickets[a].status is TicketStatus.SKIPPED
    assert terminal.ticket.text() == "—"
    qtbot.waitUntil(lambda: "过号 1" in terminal.totals.text(), timeout=T_MS)  # skipped, from state/windows

    press(qtbot, terminal, Qt.Key.Key_F1)
    msg = press(qtbot, terminal, Qt.Key.Key_F4)
    assert msg.outcome is Outcome.OK and controller.engine.tickets[b].status is TicketStatus.DONE
    qtbot.waitUntil(lambda: "办结 1" in terminal.totals.text(), timeout=T_MS)  # served, from state/windows
    assert terminal.model.status is contract.WindowStatus.IDLE


def test_call_a_specific_ticket_out_of_order(qtbot, client, controller, terminal):
    issue(client)
    issue(client)
    third = issue(client)
    qtbot.keyClicks(terminal.number, "3")  # the window's only letter (B) is implied
    with qtbot.waitSignal(terminal.model.result, timeout=T_MS) as blocker:
        qtbot.keyClick(terminal.number, Qt.Key.Key_Return)
    assert blocker.args[0].outcome is Outcome.OK
    assert controller.engine.windows[WINDOW].ticket == third == "B003"
    assert terminal.ticket.text() == "B003" and terminal.number.text() == ""


def test_call_key_with_a_bad_number_sends_nothing(qtbot, controller, terminal):
    qtbot.keyClicks(terminal.number, "xyz")
    msg = press(qtbot, terminal, Qt.Key.Key_F5)
    assert msg.outcome is Outcome.LOCAL and "B007" in terminal.status.text()
    assert terminal.model.pending is None and controller.engine.windows[WINDOW].ticket is None


def test_call_of_another_services_ticket_is_refused_with_where_to_send_it(qtbot, client, controller, terminal):
    other = issue(client, "business-setup")
    qtbot.keyClicks(terminal.number, other)
    msg = click(qtbot, terminal.buttons[Action.CALL], terminal.model)
    assert msg.code == "ticket_other_service" and "不属于本窗口业务" in terminal.status.text()


def test_transfer_to_a_service_with_a_note(qtbot, client, controller, terminal):
    number = issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    qtbot.keyClick(terminal, Qt.Key.Key_F6)
    dialog = terminal.transfer_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.choose_service("business-setup")
    dialog.note.setText("需补充材料")  # QTest.keyClicks aborts on non-Latin-1 text
    with qtbot.waitSignal(terminal.model.result, timeout=T_MS) as blocker:
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert blocker.args[0].outcome is Outcome.OK
    t = controller.engine.tickets[number]
    assert t.service == "business-setup" and t.status is TicketStatus.WAITING
    assert number in controller.engine.waiting["business-setup"]
    assert f"{number} 已转至企业开办" in terminal.status.text()
    assert terminal.ticket.text() == "—"
    events = controller.store.events_for(controller.engine.day, controller.engine.day)
    assert any(e.data.get("reason") == "需补充材料" for e in events if e.kind.value == "transferred")


def test_transfer_to_a_window(qtbot, client, controller, terminal):
    number = issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    qtbot.keyClick(terminal, Qt.Key.Key_F6)
    terminal.transfer_dialog.choose_window("6")
    with qtbot.waitSignal(terminal.model.result, timeout=T_MS):
        terminal.transfer_dialog.accept()
    assert controller.engine.tickets[number].target_window == "6"
    assert "已转至6号窗口" in terminal.status.text()


def test_transfer_to_a_closed_service_is_refused(qtbot, client, controller, clock, terminal):
    clock.set(datetime(2026, 11, 26, 17, 10, tzinfo=TZ))  # permits close at 17:00, the hall at 17:30
    number = issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    qtbot.keyClick(terminal, Qt.Key.Key_F6)
    terminal.transfer_dialog.choose_service("engineering-permit")
    with qtbot.waitSignal(terminal.model.result, timeout=T_MS) as blocker:
        terminal.transfer_dialog.accept()
    msg = blocker.args[0]
    assert msg.outcome is Outcome.REFUSED and msg.code == "service_closed"
    assert "工程建设审批现在不办理" in terminal.status.text() and "请于" in terminal.status.text()
    assert controller.engine.windows[WINDOW].ticket == number  # still being served here
    assert terminal.ticket.text() == number


def test_pause_with_a_reason_refuses_next_until_resumed(qtbot, client, controller, terminal):
    issue(client)
    qtbot.keyClick(terminal, Qt.Key.Key_F7)
    dialog = terminal.pause_dialog
    dialog.reason.setCurrentText("午间休息")
    with qtbot.waitSignal(terminal.model.result, timeout=T_MS):
        dialog.accept()
    w = controller.engine.windows[WINDOW]
    assert w.status is WindowStatus.PAUSED and w.pause_reason == "午间休息"
    qtbot.waitUntil(
        lambda: terminal.ticket.text() == "暂停" and "午间休息" in terminal.ticket_info.text(), timeout=T_MS
    )

    msg = press(qtbot, terminal, Qt.Key.Key_F1)
    assert msg.outcome is Outcome.REFUSED and msg.code == "window_paused"
    assert "5号窗口暂停中" in terminal.status.text() and "请先恢复服务" in terminal.status.text()

    msg = press(qtbot, terminal, Qt.Key.Key_F8)
    assert msg.outcome is Outcome.OK and controller.engine.windows[WINDOW].status is WindowStatus.IDLE
    assert press(qtbot, terminal, Qt.Key.Key_F1).outcome is Outcome.OK


def test_no_ticket_waiting_is_refused_in_the_terminals_language(qtbot, controller, terminal):
    msg = press(qtbot, terminal, Qt.Key.Key_F1)
    assert msg.outcome is Outcome.REFUSED and msg.code == "no_ticket_waiting"
    assert "当前没有等候的号" in terminal.status.text() and "请稍后再叫号" in terminal.status.text()
    qtbot.mouseClick(terminal.lang_button, Qt.MouseButton.LeftButton)
    assert terminal.model.lang is Lang.EN
    assert "No one is waiting" in terminal.status.text() and "Call again later" in terminal.status.text()
    assert terminal.buttons[Action.NEXT].text() == "Next  F1"


def test_actions_without_a_ticket_are_refused(qtbot, controller, terminal):
    for key in (Qt.Key.Key_F2, Qt.Key.Key_F3, Qt.Key.Key_F4):
        msg = press(qtbot, terminal, key)
        assert msg.code == "no_current_ticket" and "请先叫号" in terminal.status.text()


def test_a_second_press_while_the_first_is_in_flight_sends_nothing(qtbot, client, controller, terminal):
    first, second = issue(client), issue(client)
    with qtbot.waitSignal(terminal.model.result, timeout=T_MS):
        terminal.trigger(Action.NEXT)
        terminal.trigger(Action.NEXT)  # same GUI turn: the first reply cannot have arrived
        assert "发送中" in terminal.status.text()
    assert controller.engine.windows[WINDOW].ticket == first
    assert second in controller.engine.waiting["tax"]


def test_every_button_shows_its_key(terminal):
    labels = {a: b.text() for a, b in terminal.buttons.items()}
    assert labels[Action.NEXT] == "顺呼  F1" and labels[Action.RESUME] == "恢复  F8"
    assert set(labels) == set(TERMINAL_ACTIONS) and Action.RATE not in labels  # rating is the tablet's
