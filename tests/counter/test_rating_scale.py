"""One rating scale end to end: the tablet's 满意 button sends 4 (5 非常满意 … 1 非常不满意, the
contract's `Rating`), the controller counts it in `state/windows` `ratings`, and the caller
terminal's 满意率 is computed from those totals, not from anything it counted itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from tideq.contract import BusClient, Rating, WindowItem, WindowsState
from tideq.counter.evaluator_screen import EvalState

from ..staff import HALL, T_MS, WINDOW, issue, press

pytestmark = pytest.mark.usefixtures("clean_retained")  # each test starts from no retained state


class WindowWatch:
    """The newest `state/windows` item of one window, as a separate subscriber reads it."""

    def __init__(self, client: BusClient, window: str) -> None:
        self.window, self.item = window, None
        self._lock = threading.Lock()
        client.on(client.topics.state("windows"), WindowsState, self._on_state)

    def _on_state(self, _topic: str, msg: WindowsState) -> None:
        with self._lock:
            self.item = next((w for w in msg.windows if w.id == self.window), self.item)

    def latest(self) -> WindowItem | None:
        with self._lock:
            return self.item


@pytest.fixture
def watch(broker, controller) -> Iterator[WindowWatch]:
    c = BusClient(broker.url, HALL, "test-rating-watch")
    w = WindowWatch(c, WINDOW)
    c.connect()
    yield w
    c.close()


def rate_next_visitor(qtbot, client, terminal, evaluator, rating: Rating) -> str:
    """Call and finish a visitor at window 5, then tap `rating` on the tablet like the visitor."""
    number = issue(client)
    press(qtbot, terminal, Qt.Key.Key_F1)
    press(qtbot, terminal, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: evaluator.state is EvalState.ASKING and evaluator.ticket == number, timeout=T_MS)
    button = evaluator.screen.buttons[rating]
    with qtbot.waitSignal(evaluator.rated, timeout=T_MS) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == [number, rating, True]
    return number


def test_satisfied_on_the_tablet_is_4_in_state_windows_and_in_the_terminals_rate(
    qtbot, client, controller, terminal, evaluator, watch
):
    screen = evaluator.screen
    assert [screen.buttons[r].accessibleName().split(" ")[0] for r in Rating] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]  # Rating iterates 5 … 1, as the buttons read

    first = rate_next_visitor(qtbot, client, terminal, evaluator, Rating.SATISFIED)  # 满意
    assert controller.engine.tickets[first].rating == 4
    qtbot.waitUntil(lambda: (w := watch.latest()) is not None and w.ratings == {"4": 1}, timeout=T_MS)
    qtbot.waitUntil(lambda: terminal.model.totals.rated == 1, timeout=T_MS)
    # on the old 1-best scale 满意 went out as 2, which the controller counts as 不满意: 0 %
    assert terminal.model.totals.satisfaction == 1.0 and "满意率 100%（1评）" in terminal.totals.text()

    second = rate_next_visitor(qtbot, client, terminal, evaluator, Rating.DISSATISFIED)  # 不满意
    assert controller.engine.tickets[second].rating == 2
    qtbot.waitUntil(lambda: watch.latest().ratings == {"4": 1, "2": 1}, timeout=T_MS)
    qtbot.waitUntil(lambda: terminal.model.totals.rated == 2, timeout=T_MS)
    item = watch.latest()
    assert item.rating_count(Rating.SATISFIED) == 1 and item.satisfied == 1 and item.rated == 2
    assert terminal.model.totals.satisfaction == 0.5 and "满意率 50%（2评）" in terminal.totals.text()
