"""Staff sign-in on the RS-485 caller keypad: a simulated keypad on a pty types `工号*PIN` and
presses SIGN; the real bridge turns it into `sign_in` with the PIN's keyed proof for the real
controller on a real Mosquitto, the keypad's LCD greets the clerk, calls carry the 工号, a wrong
PIN shows the controller's refusal, and SIGN with nothing typed signs out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tideq.bridge.service import SerialCounterBridge
from tideq.config import EXAMPLE_HALL, load
from tideq.contract.client import BusClient
from tideq.drivers.keypad import Key, KeypadMaster
from tideq.drivers.keypad.sim import KeypadBusSim

from ..conftest import HALL_SECRET
from ..staff import CLERKS, HALL, WINDOW, issue, with_clerks

T = 5.0
LINE = {"timeout_s": 0.1, "retries": 1, "quiet_after": 2, "quiet_probe_every": 2, "min_cycle_s": 0.005}
ADDR = int(WINDOW)


@pytest.fixture(scope="module")
def hall():
    return with_clerks(load(EXAMPLE_HALL))


@pytest.fixture
def keypad(hall, broker, controller, clean_retained) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    sent: list[dict[str, Any]] = []
    with KeypadBusSim() as keys:
        kp = keys.add_keypad(ADDR)
        bridge_client = BusClient(broker.url, HALL, f"bridge-{uuid.uuid4().hex[:6]}").connect()
        bridge = SerialCounterBridge(
            hall.hall,
            bridge_client,
            keypads=KeypadMaster(keys.url, [ADDR], bus_id="keypads-1", **LINE),
            secret=HALL_SECRET.encode(),
        )
        bridge.on_reply = lambda w, args, reply: sent.append(args)
        bridge.start()
        try:
            yield kp, sent
        finally:
            bridge.stop()
            bridge_client.close()


def shows(kp, text: str) -> bool:
    return kp.wait(lambda: bool(kp.shown) and kp.shown[-1][1] == text, T)


def test_sign_in_call_and_sign_out_on_the_keypad(keypad, client, controller) -> None:
    kp, sent = keypad
    kp.press(Key.SIGN, "1001*0000")
    assert shows(kp, "工号 1001 的密码不正确"), kp.shown
    kp.press(Key.SIGN, f"1001*{CLERKS['1001']}")
    assert shows(kp, "签到 王芳"), kp.shown
    assert controller.engine.windows[WINDOW].staff == "1001"
    number = issue(client, "tax")
    kp.press(Key.NEXT)
    assert shows(kp, f"呼叫 {number}")
    assert controller.engine.tickets[number].staff == "1001"
    kp.press(Key.SIGN)
    assert shows(kp, "已签退"), kp.shown
    assert controller.engine.windows[WINDOW].staff is None
    # what went on the wire to the broker: the proof, never the PIN
    sign_ins = [a for a in sent if a["action"] == "sign_in"]
    assert len(sign_ins) == 2 and all(len(a["pin_proof"]) == 64 for a in sign_ins)
    assert not any(CLERKS["1001"] in str(v) for a in sent for v in a.values() if v != a.get("pin_proof"))


def test_a_badly_typed_sign_in_is_refused_on_the_keypad(keypad, controller) -> None:
    kp, sent = keypad
    kp.press(Key.SIGN, "1001")
    assert shows(kp, "请输入 工号*密码"), kp.shown
    assert sent == [] and controller.engine.windows[WINDOW].staff is None
