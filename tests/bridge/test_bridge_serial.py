"""SerialCounterBridge end to end: simulated keypads and evaluators on pty pairs, a real Mosquitto,
and `FakeWindowController`, a stand-in for the controller's cmd/window/* side (swap it for the
real controller when that lands; the assertions only use the MQTT contract)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from tideq.bridge.service import BridgeConfigError, SerialCounterBridge
from tideq.config.schema import HallConfig
from tideq.contract import ErrorCode, Priority, Reply, TicketInfo, TicketStatus, WindowRef, WindowStatus
from tideq.contract.client import BusClient
from tideq.drivers.evaluator import EvaluatorMaster, WireRating
from tideq.drivers.evaluator.sim import EvaluatorBusSim
from tideq.drivers.keypad import DisplayStyle, Key, KeyEvent, KeypadMaster
from tideq.drivers.keypad.sim import KeypadBusSim

T = 5.0
LINE = {"timeout_s": 0.1, "retries": 1, "quiet_after": 2, "quiet_probe_every": 2, "min_cycle_s": 0.005}


def hall_config(hall_id: str, **window_overrides: Any) -> HallConfig:
    windows = [
        {
            "id": "1",
            "name": {"zh": "1号窗口", "en": "Window 1"},
            "services": ["business"],
            "keypad_address": 1,
            "evaluator_address": 1,
        },
        {
            "id": "2",
            "name": {"zh": "2号窗口", "en": "Window 2"},
            "services": ["tax"],
            "keypad_address": 2,
            "evaluator_address": 2,
        },
        {"id": "3", "name": {"zh": "3号窗口", "en": "Window 3"}, "services": ["business", "tax"]},
    ]
    return HallConfig.model_validate(
        {
            "hall": {"id": hall_id, "name": {"zh": "测试大厅", "en": "Test hall"}, "hours": {}},
            "services": [
                {"id": "business", "name": {"zh": "企业开办", "en": "Business"}, "prefix": "A"},
                {"id": "tax", "name": {"zh": "税务", "en": "Tax"}, "prefix": "B"},
            ],
            "windows": windows,
        }
    )


@dataclass
class FakeWindowController:
    """Answers `cmd/+/window/+` per the contract on the sender's reply topic, idempotent by id.
    Test double of the controller."""

    url: str
    hall: HallConfig
    drop_first: int = 0  # requests swallowed without a reply (a lost reply)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    executed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cond = threading.Condition()
        self._answers: dict[str, Reply] = {}
        self._serving: dict[str, str] = {}
        self._issued: dict[str, int] = {}
        self.client = BusClient(self.url, self.hall.hall.id, "fake-controller")
        self.client.subscribe(self.client.topics.cmd("+", "window/+"), self._on_cmd)
        self.client.connect()

    def wait(self, predicate, timeout: float = T) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def commands(self, window: str | None = None) -> list[dict[str, Any]]:
        return [b for w, b in self.received if window is None or w == window]

    def _on_cmd(self, topic: str, payload: bytes) -> None:
        *_, sender, _window, window = topic.split("/")
        body = json.loads(payload)
        with self.cond:
            self.received.append((window, body))
            self.senders.append(sender)
            if self.drop_first > 0:
                self.drop_first -= 1
                self.cond.notify_all()
                return
            answer = self._answers.get(body["id"])
            if answer is None:
                answer = self._answers[body["id"]] = self._apply(window, body)
                self.executed.append((window, body))
            self.cond.notify_all()
        self.client.publish(self.client.topics.reply(sender), answer)

    def _apply(self, window: str, body: dict[str, Any]) -> Reply:
        action = body["action"]
        if action == "next":
            prefix = self.hall.service(self.hall.window(window).services[0]).prefix
            self._issued[prefix] = self._issued.get(prefix, 0) + 1
            self._serving[window] = f"{prefix}{self._issued[prefix]:03d}"
        elif action == "call":
            self._serving[window] = body["ticket"]
        elif action in ("finish", "skip", "transfer", "recall"):
            if window not in self._serving:
                return Reply.model_validate(
                    {
                        "id": body["id"],
                        "ok": False,
                        "error": {
                            "code": ErrorCode.NO_CURRENT_TICKET.value,
                            "message": {"zh": "当前没有在办号码", "en": "No ticket is being served"},
                            "guide": {"zh": "先按“呼叫”叫下一位", "en": "Press NEXT to call the next visitor"},
                        },
                    }
                )
            ticket = self._serving[window] if action == "recall" else self._serving.pop(window)
            return self._ok(body, window, ticket, TicketStatus.SERVING if action == "recall" else TicketStatus.DONE)
        elif action in ("pause", "resume", "rate"):
            return self._ok(body, window, None, None)
        return self._ok(body, window, self._serving[window], TicketStatus.SERVING)

    def _ok(self, body: dict[str, Any], window: str, ticket: str | None, status: TicketStatus | None) -> Reply:
        serving = self._serving.get(window)
        info = (
            None
            if ticket is None or status is None
            else TicketInfo(
                number=ticket,
                service=self.hall.window(window).services[0],
                priority=Priority.NORMAL,
                issued_at=datetime.now().astimezone(),
                status=status,
                ahead=0,
                eta_s=0,
                verify=f"fake:{ticket}",
            )
        )
        return Reply(
            id=body["id"],
            ok=True,
            ticket=info,
            window=WindowRef(id=window, status=WindowStatus.SERVING if serving else WindowStatus.IDLE, ticket=serving),
        )

    def close(self) -> None:
        self.client.close()


class Rig:
    def __init__(self, broker, **bridge_kw: Any) -> None:
        self.hall = hall_config(f"t-{uuid.uuid4().hex[:8]}")
        self.keys = KeypadBusSim().start()
        self.evals = EvaluatorBusSim().start()
        self.kp1, self.kp2 = self.keys.add_keypad(1), self.keys.add_keypad(2)
        self.ev1, self.ev2 = self.evals.add_evaluator(1), self.evals.add_evaluator(2)
        self.controller = FakeWindowController(broker.url, self.hall, drop_first=bridge_kw.pop("drop_first", 0))
        self.client = BusClient(broker.url, self.hall.hall.id, "bridge-kp").connect()
        self.keypads = KeypadMaster(
            self.keys.url, bridge_kw.pop("keypad_addresses", [1, 2]), bus_id="keypads-1", **LINE
        )
        self.evaluators = EvaluatorMaster(
            self.evals.url,
            [1, 2],
            bus_id="evaluators-1",
            rating_timeout_s=bridge_kw.pop("rating_timeout_s", 5.0),
            **LINE,
        )
        self.bridge = SerialCounterBridge(
            self.hall,
            self.client,
            keypads=self.keypads,
            evaluators=self.evaluators,
            **{"request_timeout_s": 2.0, "health_interval_s": 10.0, **bridge_kw},
        )

    def close(self) -> None:
        self.bridge.stop()
        self.client.close()
        self.controller.close()
        self.keys.stop()
        self.evals.stop()


@pytest.fixture
def rig(broker) -> Iterator[Rig]:
    r = Rig(broker)
    r.bridge.start()
    yield r
    r.close()


def shows(kp, text: str) -> bool:
    return kp.wait(lambda: bool(kp.shown) and kp.shown[-1][1] == text, T)


def test_key_publishes_on_its_own_window_and_shows_the_ticket(rig: Rig) -> None:
    rig.kp1.press(Key.NEXT)
    assert rig.controller.wait(lambda: len(rig.controller.received) == 1)
    window, body = rig.controller.received[0]
    assert window == "1" and body["action"] == "next" and body["v"] == 1
    assert uuid.UUID(body["id"]) and rig.controller.senders == ["bridge-kp"]
    assert shows(rig.kp1, "呼叫 A001")
    assert rig.kp1.shown[-1][0] is DisplayStyle.OK
    assert rig.kp2.shown == []


def test_refusal_shows_the_short_chinese_message(rig: Rig) -> None:
    rig.kp2.press(Key.SKIP)
    assert shows(rig.kp2, "当前没有在办号码")
    assert rig.kp2.shown[-1][0] is DisplayStyle.REFUSED


def test_local_refusal_never_reaches_the_controller(rig: Rig) -> None:
    rig.kp1.press(Key.TRANSFER, "W9")  # no window 9 in the hall
    assert shows(rig.kp1, "无此窗口")
    rig.kp1.press(Key.CALL, "7")
    assert rig.controller.wait(lambda: len(rig.controller.received) == 1)
    assert rig.controller.received[0] == ("1", {**rig.controller.received[0][1], "action": "call", "ticket": "A007"})


def test_finish_asks_the_windows_evaluator_and_stores_the_rating(rig: Rig) -> None:
    rig.kp1.press(Key.NEXT)
    assert shows(rig.kp1, "呼叫 A001")
    rig.kp1.press(Key.FINISH)
    assert rig.ev1.wait(lambda: rig.ev1.current is not None, T)
    assert (rig.ev1.current.ticket, rig.ev1.current.window) == ("A001", "1")
    assert rig.ev2.asks == []
    rig.ev1.rate(WireRating.VERY_SATISFIED)  # wire code 1
    assert rig.controller.wait(lambda: any(b["action"] == "rate" for b in rig.controller.commands()))
    rate = [(w, b) for w, b in rig.controller.received if b["action"] == "rate"]
    assert [(w, b["ticket"], b["rating"]) for w, b in rate] == [("1", "A001", 5)]  # the contract's 5 best
    assert shows(rig.kp1, "A001 非常满意")


def test_no_rating_in_time_records_not_rated(broker) -> None:
    r = Rig(broker, rating_timeout_s=0.3)
    r.bridge.start()
    try:
        r.kp2.press(Key.CALL, "B005")
        assert shows(r.kp2, "呼叫 B005")
        r.kp2.press(Key.FINISH)
        assert r.controller.wait(lambda: any(b["action"] == "rate" for b in r.controller.commands()))
        rate = [(w, b) for w, b in r.controller.received if b["action"] == "rate"]
        assert [(w, b["ticket"], b["rating"]) for w, b in rate] == [("2", "B005", "not_rated")]
        assert shows(r.kp2, "B005 未评价")
    finally:
        r.close()


def test_a_keypad_cannot_act_for_another_window(rig: Rig) -> None:
    rig.kp1.impersonate_next = 2  # keypad 1's answer arrives labelled as keypad 2
    rig.kp1.press(Key.NEXT)
    rig.kp1.press(Key.TRANSFER, "W2")  # a target window is an argument, never the actor
    rig.kp1.press(Key.CALL, "B001")
    assert rig.controller.wait(lambda: len(rig.controller.received) == 3)
    rig.kp2.press(Key.PAUSE)
    assert rig.controller.wait(lambda: len(rig.controller.received) == 4)
    by_window = {w: [b["action"] for b in rig.controller.commands(w)] for w in ("1", "2", "3")}
    assert by_window == {"1": ["next", "transfer", "call"], "2": ["pause"], "3": []}
    transfer = rig.controller.commands("1")[1]
    assert transfer["to_window"] == "2"


def test_unbound_keypad_address_produces_no_command(broker) -> None:
    r = Rig(broker, keypad_addresses=[1, 2, 7])
    r.keys.add_keypad(7)
    r.bridge.start()
    try:
        r.keys.keypad(7).press(Key.NEXT)
        r.kp1.press(Key.NEXT)
        assert r.controller.wait(lambda: len(r.controller.received) == 1)
        assert r.keypads.wait_until(lambda: r.bridge.unbound_keys == 1, T)
        assert [w for w, _ in r.controller.received] == ["1"]
    finally:
        r.close()


def test_two_windows_sharing_a_keypad_address_are_refused(broker) -> None:
    hall = hall_config("t-dup")
    clash = hall.windows[1].model_copy(update={"keypad_address": 1})
    bad = hall.model_copy(update={"windows": [hall.windows[0], clash]})
    with pytest.raises(BridgeConfigError, match="share keypad_address 1"):
        SerialCounterBridge(bad, BusClient(broker.url, "t-dup", "x"))


def test_lost_reply_is_retried_under_the_same_id_and_executed_once(broker) -> None:
    r = Rig(broker, drop_first=1, request_timeout_s=0.3, request_attempts=3)
    r.bridge.start()
    try:
        r.kp1.press(Key.NEXT)
        assert shows(r.kp1, "呼叫 A001")
        assert [b["id"] for _, b in r.controller.received] == [r.controller.received[0][1]["id"]] * 2
        assert len(r.controller.executed) == 1
        r.kp1.press(Key.NEXT)  # a new press is a new command
        assert shows(r.kp1, "呼叫 A002")
        assert len({b["id"] for _, b in r.controller.received}) == 2
    finally:
        r.close()


def test_health_is_published_retained_and_follows_unplug_and_replug(rig: Rig, broker) -> None:
    seen: list[dict[str, Any]] = []
    cond = threading.Condition()
    watcher = BusClient(broker.url, rig.hall.hall.id, "health-watch")

    def on_health(topic: str, payload: bytes) -> None:
        with cond:
            seen.append(json.loads(payload))
            cond.notify_all()

    watcher.subscribe(watcher.topics.health("keypads-1"), on_health)
    watcher.connect()
    try:

        def last(pred) -> bool:
            with cond:
                return cond.wait_for(lambda: bool(seen) and pred(seen[-1]), T)

        assert last(lambda h: h["state"] == "ok" and h["keypads"] == {"1": "ok", "2": "ok"})
        assert seen[-1]["kind"] == "keypad-bus" and seen[-1]["device"] == "keypads-1" and seen[-1]["v"] == 1
        rig.kp2.unplug()
        assert last(lambda h: h["state"] == "degraded" and h["keypads"] == {"1": "ok", "2": "quiet"})
        rig.kp1.corrupt_next = 2
        assert rig.keypads.wait_until(lambda: rig.keypads.bad_frames >= 2, T)
        rig.kp2.plug()
        assert last(lambda h: h["state"] == "ok")
        assert seen[-1]["bad_frames"] >= 2
    finally:
        watcher.close()


def test_a_press_delivered_twice_reuses_its_command_id(rig: Rig) -> None:
    """Even if the line layer hands over a retransmission (e.g. its state was lost), the press
    keeps its id, so the controller's idempotency answers it without acting twice."""
    rig.kp1.press(Key.NEXT)
    assert rig.controller.wait(lambda: len(rig.controller.executed) == 1)
    first = rig.controller.received[0][1]["id"]
    event = KeyEvent("keypads-1", 1, rig.kp1.session, 1, Key.NEXT, "", 0.0)
    rig.keypads.on_key(event)  # the same (session, event_no) again
    assert rig.controller.wait(lambda: len(rig.controller.received) == 2)
    assert rig.controller.received[1][1]["id"] == first
    assert len(rig.controller.executed) == 1
    assert shows(rig.kp1, "呼叫 A001")
