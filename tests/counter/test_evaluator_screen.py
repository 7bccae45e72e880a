"""The evaluator screen: asks after the window's finish, stores the rating with the ticket via
`rate`, and records "not_rated" on timeout; in the terminal's process or on a tablet of its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tideq.contract import NOT_RATED, Rating
from tideq.counter.evaluator_screen import EvalState, EvaluatorModel, EvaluatorScreen, FinishWatcher
from tideq.ui.outcome import Outcome
from tideq.ui.qtbus import IdentityBus

from ..staff import HALL, T_MS, WINDOW, dispose, issue, press

pytestmark = pytest.mark.usefixtures("clean_retained")  # each test starts from no retained state


def test_rating_after_finish_is_stored_with_the_ticket(qtbot, client, controller, terminal, evaluator):
    number = issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    assert evaluator.state is EvalState.IDLE
    press(qtbot, terminal, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: evaluator.state is EvalState.ASKING and evaluator.ticket == number, timeout=T_MS)
    screen = evaluator.screen
    assert f"{number} 号" in screen.ask_title.text()
    names = [b.accessibleName().split(" ")[0] for b in screen.buttons.values()]
    assert names == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    with qtbot.waitSignal(evaluator.rated, timeout=T_MS) as blocker:
        qtbot.mouseClick(screen.buttons[Rating.SATISFIED], Qt.MouseButton.LeftButton)  # 满意
    assert blocker.args == [number, Rating.SATISFIED, True]
    assert controller.engine.tickets[number].rating == 4  # 5 best, as the contract
    assert evaluator.state is EvalState.THANKS
    qtbot.waitUntil(lambda: "满意率 100%（1评）" in terminal.totals.text(), timeout=T_MS)  # from state/windows


def test_timeout_records_not_rated(qtbot, client, controller, terminal, evaluator):
    evaluator.timeout_s = 0.3
    number = issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    with qtbot.waitSignal(evaluator.rated, timeout=T_MS) as blocker:
        press(qtbot, terminal, Qt.Key.Key_F4)
    assert blocker.args == [number, NOT_RATED, True]
    assert controller.engine.tickets[number].rating == NOT_RATED
    assert evaluator.state is EvalState.IDLE


def test_next_while_serving_asks_about_the_ticket_that_just_left(qtbot, client, controller, terminal, evaluator):
    first, second = issue(client), issue(client)
    assert press(qtbot, terminal, Qt.Key.Key_F1).outcome is Outcome.OK
    msg = press(qtbot, terminal, Qt.Key.Key_F1)  # finishes `first`, calls `second`
    assert msg.outcome is Outcome.OK, msg
    qtbot.waitUntil(lambda: evaluator.ticket == first, timeout=T_MS)
    with qtbot.waitSignal(evaluator.rated, timeout=T_MS):
        evaluator.choose(Rating.VERY_SATISFIED)
    assert controller.engine.tickets[first].rating == 5
    assert controller.engine.windows[WINDOW].ticket == second


def test_no_show_asks_for_no_rating(qtbot, client, controller, terminal, evaluator):
    issue(client)
    second = issue(client)
    asked: list[str] = []
    terminal.model.finished.connect(asked.append)
    press(qtbot, terminal, Qt.Key.Key_F1)
    press(qtbot, terminal, Qt.Key.Key_F3)  # no-show
    press(qtbot, terminal, Qt.Key.Key_F1)
    press(qtbot, terminal, Qt.Key.Key_F4)
    assert asked == [second] and evaluator.ticket == second


def test_tablet_of_its_own_follows_state_windows(qtbot, broker, client, controller, hall):
    """A separate tablet (identity evaluator-5) learns of the finish from retained state only;
    here a keypad-like client acts for the window."""
    bus = IdentityBus(broker.url, HALL, f"evaluator-{WINDOW}")
    try:
        ev = EvaluatorModel(bus, WINDOW, timeout_s=30)
        watcher = FinishWatcher(bus, WINDOW)
        asked: list[str] = []
        watcher.finished.connect(asked.append)
        watcher.finished.connect(ev.ask)
        screen = EvaluatorScreen(ev, hall.hall)
        qtbot.addWidget(screen)
        with qtbot.waitSignal(bus.connection, timeout=T_MS):
            bus.start()
        skipped, finished = issue(client), issue(client)
        for action in ("next", "skip", "next", "finish"):
            assert client.send(f"window/{WINDOW}", {"action": action}, timeout=5).ok
        qtbot.waitUntil(lambda: ev.state is EvalState.ASKING, timeout=T_MS)
        assert ev.ticket == finished and asked == [finished] and skipped not in asked
        with qtbot.waitSignal(ev.rated, timeout=T_MS):
            qtbot.mouseClick(screen.buttons[Rating.VERY_DISSATISFIED], Qt.MouseButton.LeftButton)
        assert controller.engine.tickets[finished].rating == 1
    finally:
        bus.stop()
        dispose(ev, watcher, bus)


def test_a_new_finish_while_asking_records_the_old_ticket_as_not_rated(qtbot, client, controller, terminal, evaluator):
    a, b = issue(client), issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    press(qtbot, terminal, Qt.Key.Key_F1)  # a finished -> asking about a
    qtbot.waitUntil(lambda: evaluator.ticket == a, timeout=T_MS)
    press(qtbot, terminal, Qt.Key.Key_F4)  # b finished before a was rated
    qtbot.waitUntil(lambda: controller.engine.tickets[a].rating == NOT_RATED, timeout=T_MS)
    assert evaluator.ticket == b and evaluator.state is EvalState.ASKING
