"""Configurable shortcuts, and what the terminal says when no controller answers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tideq.contract import WindowAction as Action
from tideq.counter.errors import KeymapError
from tideq.counter.keymap import DEFAULT_KEYS, parse_keymap
from tideq.counter.terminal import CallerTerminal
from tideq.counter.terminal_model import CallerModel
from tideq.ui.outcome import Outcome

from ..staff import T_MS, WINDOW, dispose, issue, press, start_model

pytestmark = pytest.mark.usefixtures("clean_retained")  # each test starts from no retained state


def test_keymap_overrides_defaults_and_rejects_nonsense():
    keys = parse_keymap("next=F9, recall = Ctrl+R")
    assert keys[Action.NEXT] == "F9" and keys[Action.RECALL] == "Ctrl+R"
    assert keys[Action.SKIP] == DEFAULT_KEYS[Action.SKIP]
    with pytest.raises(KeymapError, match="not an action"):
        parse_keymap("call-next=F9")
    with pytest.raises(KeymapError, match="more than one action"):
        parse_keymap("next=F2")  # F2 is recall's
    with pytest.raises(KeymapError, match="next=KEY"):
        parse_keymap("next")
    with pytest.raises(KeymapError, match="not an action of the terminal"):
        parse_keymap("rate=F9")  # a contract action, but the evaluator's


def test_rebound_key_triggers_its_action_and_the_old_key_nothing(qtbot, qbus, hall, clock, controller, client):
    model = start_model(qtbot, qbus, hall, clock, keymap=parse_keymap("next=F9,recall=F1"))
    terminal = CallerTerminal(model)
    qtbot.addWidget(terminal)
    try:
        number = issue(client)
        qtbot.keyClick(terminal, Qt.Key.Key_F1)  # now recall: no ticket at the window yet
        assert model.pending is not None and model.pending.action is Action.RECALL
        qtbot.waitUntil(lambda: model.pending is None, timeout=T_MS)
        msg = press(qtbot, terminal, Qt.Key.Key_F9)
        assert msg.action is Action.NEXT and controller.engine.windows[WINDOW].ticket == number
        assert terminal.buttons[Action.NEXT].text() == "顺呼  F9"
        qtbot.keyClick(terminal, Qt.Key.Key_F12)  # bound to nothing
        assert model.pending is None
    finally:
        dispose(terminal, model)


def test_no_controller_is_reported_not_hung(qtbot, qbus, hall, clock):
    model = CallerModel(qbus, hall.hall, WINDOW, clock=clock.now)
    terminal = CallerTerminal(model)
    qtbot.addWidget(terminal)
    try:
        with qtbot.waitSignal(qbus.connection, timeout=T_MS):
            qbus.start()
        with qtbot.waitSignal(model.result, timeout=T_MS) as blocker:  # QtBus gives up after 3 s
            qtbot.keyClick(terminal, Qt.Key.Key_F1)
        assert blocker.args[0].outcome is Outcome.UNREACHABLE
        assert "暂时无法连接叫号系统" in terminal.status.text()
    finally:
        dispose(terminal, model)
