"""Every process of a hall at work under the generated logins, ACL and TLS, on a real Mosquitto
(`tideq acl --tls` files): each started as an installer would, with its own `--username`,
`--password-env` and `--ca-file`, over mqtts://. The controller issues and calls; the kiosk
comes up with the hall's services; a board and a window screen report in; the LED strip line
shows the called ticket; the camera's crowd counts arrive; the importer's appointments are
accepted. (Caller terminal, evaluator, manager and bridge run as processes under the ACL in
tests/manager/test_device_health.py and tests/broker/test_acl.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tideq.broker.acl import AclFiles, TlsListener, write_acl
from tideq.config import load
from tideq.contract import BusClient
from tideq.contract.client import TlsFiles
from tideq.drivers.evaluator.sim import EvaluatorBusSim
from tideq.drivers.keypad import Key
from tideq.drivers.keypad.sim import KeypadBusSim
from tideq.drivers.ledstrip.sim import SimulatedStripBus
from tideq.testing import Mosquitto
from tideq.testing.mosquitto import free_port

from ..drivers.test_camera_support import people_video

HALL = "secure-hall"
T = 20.0  # s: processes start Qt and OpenCV on a shared box
DAYS = "\n".join(f'{d} = ["09:00-17:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
HALL_TOML = f"""
schema_version = 1
[hall]
id = "{HALL}"
name = {{ zh = "测试大厅", en = "Test hall" }}
[hall.hours]
{DAYS}
[[services]]
id = "tax"
name = {{ zh = "税务", en = "Tax" }}
prefix = "A"
zone = "zone-a"
appointments = true
[[windows]]
id = "1"
name = {{ zh = "1号窗口", en = "Window 1" }}
services = ["tax"]
led_address = 1
keypad_address = 1
evaluator_address = 1
[[devices.kiosks]]
id = "kiosk-1"
[[devices.boards]]
id = "main"
[[devices.serial_buses]]
id = "led-1"
url = "@LED@"
kind = "led"
timeout_ms = 50
[[devices.serial_buses]]
id = "keypads-1"
url = "@KEYPADS@"
kind = "keypad"
timeout_ms = 50
[[devices.serial_buses]]
id = "evaluators-1"
url = "@EVALUATORS@"
kind = "evaluator"
timeout_ms = 50
[[devices.cameras]]
id = "cam-1"
url = "hall.avi"
zones = [{{ id = "zone-a", polygon = [[0.0, 0.3], [0.5, 0.3], [0.5, 1.0], [0.0, 1.0]], busy = 8, crowded = 16 }}]
"""


class Inbox:
    """Everything the observer (the manager's login) receives, waited on without sleeping."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        try:
            body: Any = json.loads(payload) if payload else None
        except ValueError:
            body = payload.decode(errors="replace")
        with self.cond:
            self.items.append((topic, body))
            self.cond.notify_all()

    def wait(self, what: str, ok: Any = lambda _b: True, timeout: float = T) -> Any:
        found: list[Any] = []

        def seen() -> bool:
            found[:] = [b for t, b in self.items if t.endswith(what) and ok(b)]
            return bool(found)

        with self.cond:
            assert self.cond.wait_for(seen, timeout), f"nothing on {what}: {[t for t, _ in self.items][-10:]}"
        return found[-1]


class SecureHall:
    def __init__(self, tmp: Path, files: AclFiles, broker: Mosquitto, strips: SimulatedStripBus) -> None:
        assert files.tls is not None
        self.tmp, self.files, self.broker, self.strips = tmp, files, broker, strips
        self.config = tmp / "hall.toml"
        self.url = f"mqtts://127.0.0.1:{files.tls_port}"
        self.ca = str(files.tls.ca_cert)
        self.procs: list[subprocess.Popen[str]] = []
        self.keys: Any = None

    def client(self, user: str) -> BusClient:
        c = BusClient(self.url, HALL, user, username=user, password=self.files.passwords[user], tls=TlsFiles(self.ca))
        return c.connect(timeout=T)

    def start(self, user: str, *cmd: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """`tideq CMD --config hall.toml` logged in as `user` over TLS, its password in the environment."""
        secret = {"TIDEQ_TEST_LOGIN": self.files.passwords[user], "TIDEQ_HALL_SECRET": "test-secret", **(env or {})}
        login = ["--broker", self.url, "--username", user, "--password-env", "TIDEQ_TEST_LOGIN", "--ca-file", self.ca]
        p = subprocess.Popen(
            [sys.executable, "-m", "tideq.cli", *cmd, "--config", str(self.config), *login],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **secret},
        )
        self.procs.append(p)
        return p

    def stop(self, p: subprocess.Popen[str]) -> str:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=T)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        return out or ""


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> Iterator[SecureHall]:
    tmp = tmp_path_factory.mktemp("secure-hall")
    people_video(tmp / "hall.avi", {"zone-a": 4}, empty=6, busy=6)
    with SimulatedStripBus([1]) as strips, KeypadBusSim() as keys, EvaluatorBusSim() as evals:
        keys.add_keypad(1)
        evals.add_evaluator(1)
        toml = HALL_TOML.replace("@LED@", strips.port).replace("@KEYPADS@", keys.url)
        (tmp / "hall.toml").write_text(toml.replace("@EVALUATORS@", evals.url), encoding="utf-8")
        files = write_acl(load(tmp / "hall.toml").hall, tmp / "acl", TlsListener(port=free_port()))
        with Mosquitto(extra_config=["user root", *files.conf.read_text().splitlines()]) as broker:
            h = SecureHall(tmp, files, broker, strips)
            h.keys = keys
            try:
                yield h
            finally:
                for p in h.procs:
                    h.stop(p)


@pytest.fixture(scope="module")
def seen(hall) -> Iterator[Inbox]:
    inbox = Inbox()
    manager = BusClient(
        hall.url, HALL, "manager", username="manager", password=hall.files.passwords["manager"], tls=TlsFiles(hall.ca)
    )
    manager.subscribe(f"tideq/{HALL}/#", inbox)  # the broker delivers what the manager may read
    manager.connect(timeout=T)
    yield inbox
    manager.close()


@pytest.fixture(scope="module")
def controller(hall, seen) -> subprocess.Popen[str]:
    env = {
        "TIDEQ_BROKER__USERNAME": "controller",
        "TIDEQ_BROKER__PASSWORD_ENV": "TIDEQ_TEST_LOGIN",
        "TIDEQ_BROKER__CA_FILE": hall.ca,
    }
    p = hall.start("controller", "controller", "--data-dir", str(hall.tmp / "data"), "--start-at", "10:00", env=env)
    seen.wait("status/controller", lambda b: b == "online")
    seen.wait("state/services")
    return p


def test_kiosk_comes_up_with_the_hall_and_its_login_takes_a_ticket(hall, controller):
    p = hall.start("kiosk-1", "kiosk", "--id", "kiosk-1", "--no-voice", "--exit-when-ready")
    out = hall.stop(p) if p.wait(T * 2) is not None else ""
    assert p.returncode == 0 and "ready" in out, out[-2000:]
    kiosk = hall.client("kiosk-1")
    try:
        reply = kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=T)
        assert reply.ok and reply.ticket is not None
    finally:
        kiosk.close()


def test_led_strip_line_shows_the_called_ticket(hall, controller, seen):
    p = hall.start("ledstrip-led-1", "ledstrips", "--bus", "led-1")
    seen.wait("health/led-1", lambda b: isinstance(b, dict) and b.get("state") == "ok")
    kiosk, window = hall.client("kiosk-1"), hall.client("window-1")
    try:
        ticket = kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=T).ticket
        assert ticket is not None
        nxt = window.send("window/1", {"action": "call", "ticket": ticket.number}, timeout=T)
        assert nxt.ok, nxt
        with hall.strips.cond:
            assert hall.strips.cond.wait_for(lambda: ticket.number in (hall.strips.strips[1].text or ""), T), (
                hall.strips.strips[1].shown
            )
    finally:
        kiosk.close()
        window.close()
        hall.stop(p)


def test_board_and_window_screen_report_in(hall, controller, seen):
    board = hall.start("board-main", "display", "--board", "main", "--no-voice", "--windowed")
    screen = hall.start("window-screen-1", "display", "--window", "1", "--no-voice", "--windowed")
    try:
        for device in ("main", "window-screen-1"):
            seen.wait(f"health/{device}", lambda b: isinstance(b, dict) and b.get("state") == "ok")
    finally:
        hall.stop(board)
        hall.stop(screen)


def test_camera_publishes_crowd_counts_with_its_own_login(hall, seen):
    p = hall.start("camera-cam-1", "camera", "--camera", "cam-1", "--rate", "20", "--no-hog")
    try:
        seen.wait("sensor/crowd/zone-a")
        seen.wait("health/cam-1", lambda b: isinstance(b, dict) and b.get("state") == "ok")
    finally:
        hall.stop(p)


def test_importer_sends_appointments_as_importer(hall, controller):
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    rows = [
        {
            "code": "YY2001",
            "service": "tax",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "name_masked": "张*",
            "phone_masked": "138****0000",
        }
    ]
    f = hall.tmp / "export.json"
    f.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    p = hall.start("importer", "appointments", "import", str(f))
    p.wait(T * 2)
    out = hall.stop(p)
    assert p.returncode == 0 and "imported 1" in out, out[-2000:]


def test_caller_terminal_evaluator_and_manager_report_in(hall, controller, seen):
    procs = [
        hall.start("window-1", "counter", "--window", "1"),
        hall.start("evaluator-1", "counter", "--window", "1", "--evaluator"),
        hall.start("admin", "manager", "--windowed"),  # a second console, as the hall's admin login
    ]
    try:
        for device in ("window-1", "evaluator-1", "admin"):
            seen.wait(f"health/{device}", lambda b: isinstance(b, dict) and b.get("state") == "ok")
    finally:
        for p in procs:
            hall.stop(p)


def test_bridge_calls_from_a_keypad_and_reports_both_lines(hall, controller, seen):
    """`bridge-keypads-1` acts for window 1; its evaluator line's health and last will go out on
    its second connection, logged in as `bridge-keypads-1-evaluators-1` (one session per login)."""
    kiosk = hall.client("kiosk-1")
    try:
        assert kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=T).ok
    finally:
        kiosk.close()
    p = hall.start("bridge-keypads-1", "counter-bridge", "--keypad-bus", "keypads-1", "--evaluator-bus", "evaluators-1")
    try:
        for bus in ("keypads-1", "evaluators-1"):
            seen.wait(f"health/{bus}", lambda b: isinstance(b, dict) and b.get("state") == "ok")
        kp = hall.keys.keypad(1)
        kp.press(Key.NEXT)
        assert kp.wait(lambda: kp.text.startswith("呼叫"), T), kp.shown
    finally:
        hall.stop(p)
