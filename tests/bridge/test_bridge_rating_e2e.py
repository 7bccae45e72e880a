"""The serial evaluator's rating scale end to end: a simulated evaluator on a pty presses 满意 with
its wire code (2, the wire counts 1 best), the bridge maps it to the contract's scale (5 best) and
sends it to the real controller on a real Mosquitto, whose `state/windows` then counts one 4."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tideq.bridge.service import SerialCounterBridge
from tideq.contract.client import BusClient
from tideq.drivers.evaluator import EvaluatorMaster, WireRating
from tideq.drivers.evaluator.sim import EvaluatorBusSim
from tideq.drivers.keypad import Key, KeypadMaster
from tideq.drivers.keypad.sim import KeypadBusSim

from ..staff import HALL, WINDOW, issue

T = 5.0
LINE = {"timeout_s": 0.1, "retries": 1, "quiet_after": 2, "quiet_probe_every": 2, "min_cycle_s": 0.005}
ADDR = int(WINDOW)  # the example hall binds window 5 to keypad 5 and evaluator 5


class WindowsState:
    """The latest retained `state/windows`, by window id."""

    def __init__(self) -> None:
        self.windows: dict[str, dict[str, Any]] = {}
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        if not payload:
            return
        with self.cond:
            self.windows = {w["id"]: w for w in json.loads(payload)["windows"]}
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = T) -> bool:  # type: ignore[no-untyped-def]
        with self.cond:
            return self.cond.wait_for(lambda: WINDOW in self.windows and predicate(self.windows[WINDOW]), timeout)


@pytest.fixture
def line(hall, broker, controller, client, clean_retained) -> Iterator[tuple[Any, Any, WindowsState]]:
    with KeypadBusSim() as keys, EvaluatorBusSim() as evals:
        kp, ev = keys.add_keypad(ADDR), evals.add_evaluator(ADDR)
        bridge_client = BusClient(broker.url, HALL, f"bridge-{uuid.uuid4().hex[:6]}").connect()
        bridge = SerialCounterBridge(
            hall.hall,
            bridge_client,
            keypads=KeypadMaster(keys.url, [ADDR], bus_id="keypads-1", **LINE),
            evaluators=EvaluatorMaster(evals.url, [ADDR], bus_id="evaluators-1", **LINE),
        )
        state = WindowsState()
        client.subscribe(client.topics.state("windows"), state)
        bridge.start()
        try:
            yield kp, ev, state
        finally:
            bridge.stop()
            bridge_client.close()


def test_satisfied_on_the_wire_is_a_4_in_the_controllers_window_totals(line, client) -> None:
    kp, ev, state = line
    number = issue(client, "tax")
    kp.press(Key.NEXT)
    assert state.wait(lambda w: w["ticket"] == number and w["status"] == "serving")
    kp.press(Key.FINISH)
    assert ev.wait(lambda: ev.current is not None and ev.current.ticket == number, T)
    assert ev.rate(WireRating.SATISFIED) and int(WireRating.SATISFIED) == 2  # the visitor touches 满意
    assert state.wait(lambda w: w["ratings"] == {"4": 1}), state.windows.get(WINDOW)
    assert kp.wait(lambda: bool(kp.shown) and kp.shown[-1][1] == f"{number} 满意", T)
