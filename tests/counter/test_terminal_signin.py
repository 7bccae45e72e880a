"""Staff sign-in (工号) at the caller terminal, against the real controller on a real Mosquitto:
the sign-in screen comes up while nobody is signed in, the touch pad types 工号 and PIN, a wrong
PIN shows the controller's refusal, the signed-in clerk is shown and carried by every call and
finish, and signing out keeps the window open. Screenshots to docs/screenshots/counter-signin-*."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import ErrorCode, Lang, WindowStatus
from tideq.contract import WindowAction as Action
from tideq.counter.terminal import CallerTerminal
from tideq.counter.terminal_model import CallerModel
from tideq.ui.outcome import Outcome
from tideq.ui.screenshot import grab

from ..conftest import HALL_SECRET
from ..staff import CLERKS, T_MS, WINDOW, click, dispose, issue, press, with_clerks

pytestmark = pytest.mark.usefixtures("clean_retained")


@pytest.fixture(scope="module")
def hall():
    return with_clerks(load(EXAMPLE_HALL))


@pytest.fixture
def signin_terminal(qtbot, qbus, hall, clock, controller) -> Iterator[CallerTerminal]:
    from tideq.ui.link import UNHEARD

    model = CallerModel(qbus, hall.hall, WINDOW, clock=clock.now, secret=HALL_SECRET.encode())
    qbus.start()
    qtbot.waitUntil(lambda: model.status is not UNHEARD and bool(model.queue), timeout=T_MS)
    w = CallerTerminal(model)
    qtbot.addWidget(w)
    w.resize(420, 720)
    w.show()
    qtbot.waitExposed(w)
    yield w
    dispose(w, model)


def type_on_pad(qtbot, term: CallerTerminal, digits: str) -> None:
    for d in digits:
        qtbot.mouseClick(term.signin.keys[d], Qt.MouseButton.LeftButton)


def test_sign_in_on_the_touch_pad_then_calls_carry_the_clerk(qtbot, client, controller, signin_terminal, shots):
    term = signin_terminal
    qtbot.waitUntil(lambda: term.stack.currentWidget() is term.signin, timeout=T_MS)
    assert "未签到" in term.staff_label.text()
    term.signin.staff.setFocus()
    type_on_pad(qtbot, term, "1001")
    grab(term, shots / "counter-signin-zh.png")
    term.signin.pin.setFocus()
    type_on_pad(qtbot, term, "9999")
    assert term.signin.pin.echoMode() is term.signin.pin.EchoMode.Password
    msg = click(qtbot, term.signin.go, term.model)
    assert msg.outcome is Outcome.REFUSED and msg.code is ErrorCode.STAFF_BAD_PIN
    assert "密码不正确" in term.status.text() and "还可尝试 4 次" in term.status.text()
    assert term.signin.pin.text() == ""  # not kept on screen
    grab(term, shots / "counter-signin-refused-zh.png")

    term.signin.pin.setFocus()
    type_on_pad(qtbot, term, CLERKS["1001"])
    msg = click(qtbot, term.signin.go, term.model)
    assert msg.outcome is Outcome.OK and msg.action is Action.SIGN_IN, msg
    assert term.stack.currentIndex() == 0 and "经办人：王芳（工号 1001）" in term.staff_label.text()
    assert controller.engine.windows[WINDOW].staff == "1001"

    a = issue(client)
    press(qtbot, term, Qt.Key.Key_F1)
    grab(term, shots / "counter-signin-serving-zh.png")
    press(qtbot, term, Qt.Key.Key_F4)
    assert controller.engine.tickets[a].staff == "1001"
    qtbot.waitUntil(lambda: controller.engine.staff["1001"].served == 1, timeout=T_MS)

    msg = click(qtbot, term.sign_button, term.model)
    assert msg.outcome is Outcome.OK and msg.action is Action.SIGN_OUT
    assert controller.engine.windows[WINDOW].staff is None
    assert controller.engine.windows[WINDOW].status is WindowStatus.IDLE  # the window stays open
    assert term.stack.currentWidget() is term.signin and "未签到" in term.staff_label.text()


def test_keyboard_sign_in_in_english_and_later(qtbot, controller, signin_terminal, shots):
    term = signin_terminal
    term.model.set_lang(Lang.EN)
    qtbot.waitUntil(lambda: term.stack.currentWidget() is term.signin, timeout=T_MS)
    qtbot.mouseClick(term.signin.later, Qt.MouseButton.LeftButton)
    assert term.stack.currentIndex() == 0 and "Nobody signed in" in term.staff_label.text()
    qtbot.mouseClick(term.sign_button, Qt.MouseButton.LeftButton)
    assert term.stack.currentWidget() is term.signin
    qtbot.keyClicks(term.signin.staff, "1002")
    qtbot.keyClick(term.signin.staff, Qt.Key.Key_Return)
    assert term.signin.pin.hasFocus()
    qtbot.keyClicks(term.signin.pin, CLERKS["1002"])
    grab(term, shots / "counter-signin-en.png")
    with qtbot.waitSignal(term.model.result, timeout=T_MS) as got:
        qtbot.keyClick(term.signin.pin, Qt.Key.Key_Return)
    assert got.args[0].outcome is Outcome.OK
    assert "Clerk: 李强 (1002)" in term.staff_label.text()


def test_a_terminal_without_the_hall_secret_says_how_to_fix_it(qtbot, qbus, hall, clock, controller):
    model = CallerModel(qbus, hall.hall, WINDOW, clock=clock.now)
    try:
        with qtbot.waitSignal(model.result, timeout=T_MS) as got:
            assert not model.sign_in("1001", CLERKS["1001"])
        line = got.args[0]
        assert line.outcome is Outcome.LOCAL and "TIDEQ_HALL_SECRET" in line.guide.en
    finally:
        dispose(model)


def test_a_staff_card_on_the_windows_serial_reader_signs_in(qtbot, controller, signin_terminal):
    """A pty reader sends the card's UID; the terminal sends only its keyed hash."""
    from tideq.drivers.idcard import StaffCardReader
    from tideq.drivers.idcard.sim import SimulatedIdReader

    from ..staff import CLERK_CARD

    term = signin_terminal
    with SimulatedIdReader() as sim:
        reader = StaffCardReader(sim.url, term.model.card_seen.emit).start()
        try:
            with qtbot.waitSignal(term.model.result, timeout=T_MS) as got:
                sim.present_staff_card(CLERK_CARD)
            assert got.args[0].outcome is Outcome.OK, got.args[0]
        finally:
            reader.stop()
    assert controller.engine.windows[WINDOW].staff == "1002"
    assert "经办人：李强（工号 1002）" in term.staff_label.text() and term.stack.currentIndex() == 0
