"""`tideq ledstrips` as a process: its connection carries a last will, so a process killed with
SIGKILL (no DISCONNECT) turns the line's retained health `offline` within the broker's keep-alive;
a clean stop says `offline` itself."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tideq.contract import BusClient
from tideq.drivers.ledstrip.sim import SimulatedStripBus
from tideq.testing import Mosquitto

HALL = "signage-will"
BUS = "led-1"
KEEPALIVE_S = 10 * 1.5  # BusClient's keep-alive, and the broker's grace on it
HALL_TOML = """
schema_version = 1
[hall]
id = "{hall}"
name = {{ zh = "测试大厅", en = "Test hall" }}
[hall.hours]
mon = ["09:00-17:00"]
[[services]]
id = "tax"
name = {{ zh = "税务", en = "Tax" }}
prefix = "A"
[[windows]]
id = "1"
name = {{ zh = "1号窗口", en = "Window 1" }}
services = ["tax"]
led_address = 1
[[windows]]
id = "2"
name = {{ zh = "2号窗口", en = "Window 2" }}
services = ["tax"]
led_address = 2
[[devices.serial_buses]]
id = "{bus}"
url = "{url}"
kind = "led"
timeout_ms = 50
"""


class HealthLog:
    """Every `health/{bus}` report, newest last; waits on a condition, never sleeps."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        if payload:
            with self.cond:
                self.items.append(json.loads(payload))
                self.cond.notify_all()

    def wait(self, state: str, timeout: float) -> dict[str, Any]:
        with self.cond:
            assert self.cond.wait_for(lambda: bool(self.items) and self.items[-1]["state"] == state, timeout), (
                f"health never became {state}: {self.items[-3:]}"
            )
            return self.items[-1]


@pytest.fixture
def running(broker: Mosquitto, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], HealthLog]]:
    with SimulatedStripBus([1, 2]) as strips:
        cfg = tmp_path / "hall.toml"
        cfg.write_text(HALL_TOML.format(hall=HALL, bus=BUS, url=strips.port), encoding="utf-8")
        health = HealthLog()
        client = BusClient(broker.url, HALL, "will-watch")
        client.subscribe(client.topics.health(BUS), health)
        client.connect()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tideq.cli",
                "ledstrips",
                "--config",
                str(cfg),
                "--bus",
                BUS,
                "--broker",
                broker.url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None and "ready" in proc.stdout.readline()
            assert health.wait("ok", 10)["strips"] == {"1": "ok", "2": "ok"}
            yield proc, health
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            client.publish(client.topics.health(BUS), b"", retain=True).wait_for_publish(2)
            client.close()


def test_killed_strip_controller_leaves_the_line_offline_by_its_last_will(running) -> None:
    proc, health = running
    killed = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    will = health.wait("offline", KEEPALIVE_S + 2)
    assert time.monotonic() - killed < KEEPALIVE_S
    assert (will["kind"], will["device"], will["reason"]) == ("ledstrip", BUS, "connection lost")
    assert will["strips"] == {"1": "offline", "2": "offline"}


def test_stopped_strip_controller_says_offline_itself(running) -> None:
    proc, health = running
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0, proc.stderr and proc.stderr.read()
    final = health.wait("offline", 5)
    assert "reason" not in final and final["strips"] == {"1": "offline", "2": "offline"}
