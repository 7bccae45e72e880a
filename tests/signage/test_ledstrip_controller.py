"""End to end: state/windows and event/call on a real Mosquitto -> LedStripController -> pty ->
simulated strips; strip health comes back retained on health/{bus}."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tideq.config.schema import SerialBus, Text, Window
from tideq.contract import BusClient, now_iso
from tideq.drivers.ledstrip import LedStripBus, Mode
from tideq.drivers.ledstrip.sim import SimulatedStripBus
from tideq.signage.controller import LedStripController

HALL = "test-hall"
WINDOWS = [
    Window(id=str(i), name=Text(zh=f"{i}号窗口", en=f"Window {i}"), services=["a"], led_address=i) for i in (1, 2, 3)
] + [Window(id="9", name=Text(zh="9号窗口", en="Window 9"), services=["a"])]


class HealthLog:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        with self.cond:
            self.items.append(json.loads(payload))
            self.cond.notify_all()

    def wait(self, state: str, timeout: float = 3.0, **strips: str) -> dict[str, Any]:
        def match() -> bool:
            return (
                bool(self.items)
                and self.items[-1]["state"] == state
                and all(self.items[-1]["strips"].get(a.lstrip("s")) == v for a, v in strips.items())
            )

        with self.cond:
            assert self.cond.wait_for(match, timeout), f"health never became {state} {strips}: {self.items[-3:]}"
            return self.items[-1]


def windows(*rows: tuple[str, str, str | None]) -> dict[str, Any]:
    return {
        "v": 1,
        "ts": now_iso(),
        "windows": [
            {
                "id": wid,
                "name": {"zh": f"{wid}号窗口", "en": f"Window {wid}"},
                "status": status,
                "ticket": ticket,
                "services": ["a"],
                "tidal": False,
            }
            for wid, status, ticket in rows
        ],
    }


def call(ticket: str, window: str, recall: bool = False) -> dict[str, Any]:
    return {
        "v": 1,
        "ts": now_iso(),
        "ticket": ticket,
        "window": window,
        "service": "a",
        "recall": recall,
        "announce": {"zh": f"请{ticket}号到{window}号窗口办理", "en": f"Number {ticket}, window {window}"},
    }


@pytest.fixture
def hall(broker) -> Iterator[tuple[SimulatedStripBus, LedStripController, BusClient, HealthLog]]:
    with SimulatedStripBus([1, 2, 3]) as sim:
        ctl_client = BusClient(broker.url, HALL, "display-led").connect()
        pub = BusClient(broker.url, HALL, "test-controller").connect()
        health = HealthLog()
        pub.subscribe(pub.topics.health("led-1"), health)
        bus_cfg = SerialBus(id="led-1", url=sim.port, kind="led", timeout_ms=50, retries=1)
        driver = LedStripBus(sim.port, [1, 2, 3], timeout_s=0.05, retries=1, probe_min_s=0.05, probe_max_s=0.2)
        ctl = LedStripController(ctl_client, bus_cfg, WINDOWS, flash_s=0.4, driver=driver).start()
        try:
            yield sim, ctl, pub, health
        finally:
            ctl.stop()
            # clear retained state so the next test starts from nothing
            pub.publish(pub.topics.state("windows"), b"", retain=True).wait_for_publish(2)
            pub.publish(pub.topics.health("led-1"), b"", retain=True).wait_for_publish(2)
            ctl_client.close()
            pub.close()


def test_window_state_and_calls_reach_each_strip(hall) -> None:
    sim, ctl, pub, health = hall
    io_threads: set[str] = set()
    show = ctl.driver.show
    ctl.driver.show = lambda *a, **k: (io_threads.add(threading.current_thread().name), show(*a, **k))[1]

    pub.publish(
        pub.topics.state("windows"),
        windows(("1", "idle", None), ("2", "paused", None), ("3", "serving", "A011"), ("9", "idle", None)),
        retain=True,
    )
    assert sim.wait_text(1, "1号窗口", Mode.STATIC)
    assert sim.wait_text(2, "暂停服务", Mode.STATIC)
    assert sim.wait_text(3, "A011 → 3号窗口", Mode.STATIC)
    assert health.wait("ok")["strips"] == {"1": "ok", "2": "ok", "3": "ok"}

    pub.publish(pub.topics.event("call"), call("A012", "3"))
    pub.publish(
        pub.topics.state("windows"),
        windows(("1", "idle", None), ("2", "paused", None), ("3", "serving", "A012")),
        retain=True,
    )
    assert sim.wait_text(3, "请A012号", Mode.FLASH)
    assert sim.wait_text(3, "A012 → 3号窗口", Mode.STATIC)  # the flash ends, the state shows
    assert ("请A012号", Mode.FLASH) in sim.strips[3].shown

    pub.publish(pub.topics.event("call"), call("A012", "3", recall=True))
    assert sim.wait_for(lambda: sim.strips[3].shown.count(("请A012号", Mode.FLASH)) == 2)

    pub.publish(
        pub.topics.state("windows"),
        windows(("1", "closed", None), ("2", "paused", None), ("3", "serving", "A012")),
        retain=True,
    )
    assert sim.wait_text(1, None)
    assert io_threads == {"ledstrip-led-1"}  # serial I/O only on the worker, never on paho's thread
    assert sim.errors == []
    assert len(sim.strips[2].received) == 1  # unchanged text is not resent


def test_unplugged_strip_degrades_health_and_recovers(hall, broker) -> None:
    sim, _, pub, health = hall
    pub.publish(
        pub.topics.state("windows"), windows(("1", "idle", None), ("2", "idle", None), ("3", "idle", None)), retain=True
    )
    assert sim.wait_text(2, "2号窗口")
    health.wait("ok")

    sim.unplug(2)
    pub.publish(
        pub.topics.state("windows"),
        windows(("1", "idle", None), ("2", "paused", None), ("3", "idle", None)),
        retain=True,
    )
    h = health.wait("degraded", s2="quiet")  # not answering; the port is fine
    assert h["kind"] == "ledstrip" and h["device"] == "led-1" and h["v"] == 1 and h["strips"]["1"] == "ok"
    pub.publish(pub.topics.event("call"), call("A013", "1"))  # the rest of the line keeps working
    assert sim.wait_text(1, "请A013号", Mode.FLASH)

    sim.replug(2)
    health.wait("ok", s2="ok")
    assert sim.wait_text(2, "暂停服务")  # re-sent after the probe found it again

    late = BusClient(broker.url, HALL, "late-reader").connect()
    got = HealthLog()
    late.subscribe(late.topics.health("led-1"), got)
    try:
        assert got.wait("ok")["strips"]["2"] == "ok"  # health is retained
    finally:
        late.close()


def test_lost_port_reports_offline(broker) -> None:
    """A line whose port cannot be opened says so on the real broker: the line and every strip offline."""
    client = BusClient(broker.url, HALL, "ledstrip-led-9").connect()
    health = HealthLog()
    reader = BusClient(broker.url, HALL, "health-reader-9")
    reader.subscribe(reader.topics.health("led-9"), health)
    reader.connect()
    bus_cfg = SerialBus(id="led-9", url="/dev/tideq-no-such-port", kind="led")
    ctl = LedStripController(client, bus_cfg, WINDOWS, reopen_s=60).start()
    try:
        h = health.wait("offline")
        assert h["device"] == "led-9" and h["strips"] == {"1": "offline", "2": "offline", "3": "offline"}
    finally:
        ctl.stop()
        reader.close()
        client.close()
