"""Device health on the manager console, under the generated ACL: a device that dies without a
goodbye is marked offline by its last will (the broker publishes it as soon as the connection
drops, at the latest after 1.5 keep-alives), and a staff screen that stops cleanly says so itself.
The devices are real processes: a tiny kiosk client, and `tideq counter` for a caller terminal and
an evaluator tablet, killed or stopped by signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tideq.config import EXAMPLE_HALL
from tideq.contract import DeviceKind, HealthState
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel
from tideq.ui.presence import Presence, presence_will
from tideq.ui.qtbus import IdentityBus

from ..staff import HALL, T_MS, dispose

KEEPALIVE_MS = int(10 * 1.5 * 1000) + 2000  # BusClient's keep-alive, the broker's grace on it, and a margin
STARTUP_MS = 30_000  # a Qt process starting on a shared 2-core machine
KIOSK = """
import os, sys, threading
from datetime import datetime
from tideq.contract import BusClient, DeviceKind, Health, HealthState
url, hall = sys.argv[1:3]
now = datetime.now().astimezone()
c = BusClient(url, hall, "kiosk-1", username="kiosk-1", password=os.environ["TIDEQ_BROKER_PASSWORD"],
              will=(f"tideq/{hall}/health/kiosk-1", Health.last_will("kiosk-1", DeviceKind.KIOSK, now)))
c.connect()
c.publish(f"tideq/{hall}/health/kiosk-1", Health(ts=now, device="kiosk-1", kind=DeviceKind.KIOSK,
                                                 state=HealthState.OK), retain=True).wait_for_publish(5)
print("ready", flush=True)
threading.Event().wait()
"""


@pytest.fixture
def console(qtbot, secure_broker, acl_files, hall) -> Iterator[ManagerConsole]:
    """The console logged in as `manager`, with its own presence and will, like `tideq manager`."""
    bus = IdentityBus(
        secure_broker.url,
        HALL,
        "manager",
        acl_files.passwords["manager"],
        will=presence_will(HALL, "manager", DeviceKind.MANAGER),
    )
    presence = Presence(bus, "manager", DeviceKind.MANAGER)
    model = ManagerModel(bus, hall.hall)
    view = ManagerConsole(model)
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    with qtbot.waitSignal(bus.connection, timeout=T_MS):
        bus.start()
    yield view
    presence.goodbye()
    bus.stop()
    dispose(view, model, presence, bus)


def spawn(args: list[str], password: str, log: Path) -> subprocess.Popen[str]:
    """A device process; its stderr goes to `log` (a pipe nobody reads could fill and stall it)."""
    env = {**os.environ, "TIDEQ_BROKER_PASSWORD": password, "QT_QPA_PLATFORM": "offscreen"}
    with log.open("w") as err:
        return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=err, text=True, env=env)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=10)


def test_a_kiosk_killed_without_goodbye_shows_offline_by_its_will(qtbot, console, secure_broker, acl_files, tmp_path):
    model = console.model
    kiosk = spawn(["-c", KIOSK, secure_broker.url, HALL], acl_files.passwords["kiosk-1"], tmp_path / "kiosk.log")
    try:
        assert kiosk.stdout is not None
        assert kiosk.stdout.readline().strip() == "ready", (tmp_path / "kiosk.log").read_text()
        qtbot.waitUntil(lambda: model.device_state("kiosk-1") is HealthState.OK, timeout=T_MS)
        qtbot.waitUntil(lambda: "正常" in console.health.chips["kiosk-1"].text(), timeout=T_MS)
        kiosk.send_signal(signal.SIGKILL)  # no DISCONNECT, no goodbye: only the will speaks
        qtbot.waitUntil(lambda: model.device_state("kiosk-1") is HealthState.OFFLINE, timeout=KEEPALIVE_MS)
        cell = {c.device: c for c in model.device_cells()}["kiosk-1"]
        assert cell.health is not None and cell.health.reason == "connection lost" and cell.kind is DeviceKind.KIOSK
        qtbot.waitUntil(lambda: "离线" in console.health.chips["kiosk-1"].text(), timeout=T_MS)
        assert "#fce8e6" in console.health.chips["kiosk-1"].styleSheet()  # the red chip
    finally:
        stop(kiosk)


def test_staff_screens_report_themselves_killed_by_will_stopped_by_goodbye(
    qtbot, console, secure_broker, acl_files, tmp_path
):
    """`tideq counter` (window-5) and `tideq counter --evaluator` (evaluator-5) as processes: each says
    `ok` on connect; the terminal killed turns offline by its will, the tablet stopped says goodbye."""
    model = console.model
    pw = acl_files.passwords
    common = [
        "-m",
        "tideq.cli",
        "counter",
        "--config",
        str(EXAMPLE_HALL),
        "--window",
        "5",
        "--broker",
        secure_broker.url,
    ]
    terminal = spawn(common, pw["window-5"], tmp_path / "terminal.log")
    tablet = spawn([*common, "--evaluator"], pw["evaluator-5"], tmp_path / "tablet.log")
    try:
        qtbot.waitUntil(
            lambda: (
                model.device_state("window-5") is HealthState.OK and model.device_state("evaluator-5") is HealthState.OK
            ),
            timeout=STARTUP_MS,
        )
        qtbot.waitUntil(lambda: model.device_state("manager") is HealthState.OK, timeout=T_MS)  # the console itself
        assert {c.kind for c in model.device_cells() if c.device in ("window-5", "evaluator-5")} == {
            DeviceKind.COUNTER,
            DeviceKind.EVALUATOR,
        }
        qtbot.waitUntil(lambda: set(console.health.groups) == {DeviceKind.COUNTER, DeviceKind.EVALUATOR}, timeout=T_MS)
        assert "呼叫终端 <b>1台</b>" in console.health.groups[DeviceKind.COUNTER].text()  # fine: counted, not listed

        terminal.send_signal(signal.SIGKILL)
        qtbot.waitUntil(lambda: model.device_state("window-5") is HealthState.OFFLINE, timeout=KEEPALIVE_MS)
        qtbot.waitUntil(lambda: "window-5" in console.health.chips, timeout=T_MS)  # now a chip of its own
        assert "离线" in console.health.chips["window-5"].text() and DeviceKind.COUNTER not in console.health.groups

        tablet.send_signal(signal.SIGTERM)  # a clean stop sends no will: the tablet says it itself
        assert tablet.wait(10) == 0
        qtbot.waitUntil(lambda: model.device_state("evaluator-5") is HealthState.OFFLINE, timeout=T_MS)
        assert model.health["evaluator-5"].reason == "stopped"
    finally:
        stop(terminal)
        stop(tablet)
