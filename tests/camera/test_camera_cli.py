"""`tideq camera` as an installer runs it: a hall file, a camera id, a broker; SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tideq.camera.publisher import will_for
from tideq.contract import BusClient, DeviceKind, Health, HealthState, Topics, decode
from tideq.testing import Mosquitto

from ..drivers.test_camera_support import people_video
from .test_camera_bus import HALL, TIMEOUT, Inbox, health

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
zone = "zone-a"
[[windows]]
id = "w1"
name = {{ zh = "1号窗口", en = "Window 1" }}
services = ["tax"]
[[devices.cameras]]
id = "cam-cli"
url = "hall.avi"
zones = [
  {{ id = "zone-a", polygon = [[0.0, 0.3], [0.5, 0.3], [0.5, 1.0], [0.0, 1.0]], busy = 8, crowded = 16 }},
  {{ id = "zone-b", polygon = [[0.5, 0.3], [1.0, 0.3], [1.0, 1.0], [0.5, 1.0]], busy = 8, crowded = 16 }},
]
"""


def test_camera_command_publishes_and_stops_cleanly_on_sigterm(broker: Mosquitto, tmp_path: Path) -> None:
    people_video(tmp_path / "hall.avi", {"zone-a": 4}, empty=6, busy=6)  # url relative to the hall file
    (tmp_path / "hall.toml").write_text(HALL_TOML.format(hall=HALL), encoding="utf-8")
    inbox = Inbox()
    client = BusClient(broker.url, HALL, "cli-listener")
    client.subscribe(f"tideq/{HALL}/#", inbox)
    client.connect()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "camera",
            "--config",
            str(tmp_path / "hall.toml"),
            "--camera",
            "cam-cli",
            "--broker",
            broker.url,
            "--rate",
            "20",
            "--no-hog",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        inbox.wait_for(lambda tp, b: tp.endswith("sensor/crowd/zone-a"))
        inbox.wait_for(lambda tp, m: tp.endswith("health/cam-cli") and health(m, HealthState.OK))
        proc.send_signal(signal.SIGTERM)
        offline = inbox.wait_for(lambda tp, m: tp.endswith("health/cam-cli") and health(m, HealthState.OFFLINE))
        assert proc.wait(TIMEOUT) == 0, proc.stdout.read() if proc.stdout else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        client.close()
    assert isinstance(offline, Health) and offline.reason == "stopped"  # our clean-stop message, not the will


def test_last_will_is_contract_health_offline() -> None:
    """What the broker publishes for a camera process that dies: retained on its health topic."""
    topic, will = will_for(Topics(HALL), "cam-cli")
    assert topic == f"tideq/{HALL}/health/cam-cli"
    back = decode(Health, will.encode())
    assert (back.device, back.kind, back.state) == ("cam-cli", DeviceKind.CAMERA, HealthState.OFFLINE)


def test_unknown_camera_id_names_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "hall.toml").write_text(HALL_TOML.format(hall=HALL), encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "camera",
            "--config",
            str(tmp_path / "hall.toml"),
            "--camera",
            "cam-9",
            "--broker",
            "mqtt://127.0.0.1:1",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert out.returncode == 2
    assert "cam-cli" in out.stderr and "cam-9" in out.stderr
