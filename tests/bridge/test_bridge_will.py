"""`tideq counter-bridge` as a process: each serial bus it reports has a last will, so a bridge
killed with SIGKILL (no DISCONNECT, no goodbye) turns both buses' retained health `offline` within
the broker's keep-alive; a clean stop says `offline` itself."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tideq.contract import BusClient
from tideq.drivers.evaluator.sim import EvaluatorBusSim
from tideq.drivers.keypad.sim import KeypadBusSim
from tideq.testing import Mosquitto

HALL = "bridge-will"
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
keypad_address = 1
evaluator_address = 1
[[windows]]
id = "2"
name = {{ zh = "2号窗口", en = "Window 2" }}
services = ["tax"]
keypad_address = 2
evaluator_address = 2
[[devices.serial_buses]]
id = "keypads-1"
url = "{keypads}"
kind = "keypad"
timeout_ms = 50
[[devices.serial_buses]]
id = "evaluators-1"
url = "{evaluators}"
kind = "evaluator"
timeout_ms = 50
"""
BUSES = ("keypads-1", "evaluators-1")


class HealthWatch:
    """Every `health/+` message, newest last; waits on a condition, never sleeps."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        if payload:
            with self.cond:
                self.seen.append((topic.rsplit("/", 1)[1], json.loads(payload)))
                self.cond.notify_all()

    def latest(self, device: str) -> dict[str, Any] | None:
        return next((h for d, h in reversed(self.seen) if d == device), None)

    def wait(self, pred: Callable[[dict[str, Any]], bool], devices: tuple[str, ...], timeout: float) -> bool:
        def all_match() -> bool:
            return all((h := self.latest(d)) is not None and pred(h) for d in devices)

        with self.cond:
            return self.cond.wait_for(all_match, timeout)


@pytest.fixture
def running(broker: Mosquitto, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], HealthWatch]]:
    with KeypadBusSim() as keys, EvaluatorBusSim() as evals:
        for a in (1, 2):
            keys.add_keypad(a)
            evals.add_evaluator(a)
        cfg = tmp_path / "hall.toml"
        cfg.write_text(HALL_TOML.format(hall=HALL, keypads=keys.url, evaluators=evals.url), encoding="utf-8")
        watch = HealthWatch()
        client = BusClient(broker.url, HALL, "will-watch")
        client.subscribe(client.topics.health("+"), watch)
        client.connect()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tideq.cli",
                "counter-bridge",
                "--config",
                str(cfg),
                "--keypad-bus",
                "keypads-1",
                "--evaluator-bus",
                "evaluators-1",
                "--broker",
                broker.url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None and "ready" in proc.stdout.readline(), proc.stderr and proc.stderr.read()
            assert watch.wait(lambda h: h["state"] == "ok", BUSES, 10), watch.seen
            yield proc, watch
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            for bus in BUSES:  # the broker lives for the whole file: leave no retained health behind
                client.publish(client.topics.health(bus), b"", retain=True).wait_for_publish(2)
            client.close()


def test_killed_bridge_leaves_both_buses_offline_by_its_last_will(running) -> None:
    proc, watch = running
    killed = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    assert watch.wait(lambda h: h["state"] == "offline", BUSES, KEEPALIVE_S + 2), watch.seen[-4:]
    assert time.monotonic() - killed < KEEPALIVE_S
    keypads, evaluators = watch.latest("keypads-1"), watch.latest("evaluators-1")
    assert keypads and evaluators
    assert (keypads["kind"], keypads["reason"], keypads["keypads"]) == (
        "keypad-bus",
        "connection lost",
        {"1": "offline", "2": "offline"},
    )
    assert (evaluators["kind"], evaluators["reason"], evaluators["evaluators"]) == (
        "evaluator-bus",
        "connection lost",
        {"1": "offline", "2": "offline"},
    )


def test_stopped_bridge_says_offline_itself(running) -> None:
    proc, watch = running
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert watch.wait(lambda h: h["state"] == "offline", BUSES, 5), watch.seen[-4:]
    assert all("reason" not in (watch.latest(b) or {}) for b in BUSES), watch.seen  # our own report, not the will
