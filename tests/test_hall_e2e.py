"""Whole-hall paths across processes: controller -> broker -> device processes -> wire."""

from __future__ import annotations

import signal
import subprocess
import sys

from tideq.config import EXAMPLE_HALL
from tideq.drivers.ledstrip.sim import SimulatedStripBus


def hall_file(tmp_path, **replace: str):
    text = EXAMPLE_HALL.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    p = tmp_path / "hall.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_a_call_reaches_the_led_strip_over_the_serial_line(tmp_path, broker, controller, client):
    with SimulatedStripBus([1, 2, 5]) as strips:
        cfg = hall_file(tmp_path, **{'url = "/dev/ttyUSB1"': f'url = "{strips.port}"\naddresses = [1, 2, 5]'})
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tideq.cli",
                "ledstrips",
                "--config",
                str(cfg),
                "--bus",
                "led-1",
                "--broker",
                broker.url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert "ready" in proc.stdout.readline()
            assert strips.wait_text(5, "5号窗口", timeout=10), strips.shows(5)  # idle: the window's name
            assert client.send("ticket", {"service": "tax", "source": "kiosk-2"}).ok
            assert client.send("window/5", {"action": "next"}).ok
            assert strips.wait_text(5, "请B001号", timeout=5), strips.shows(5)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0, proc.stderr.read()[-3000:]
