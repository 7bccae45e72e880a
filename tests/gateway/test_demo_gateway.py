"""`tideq demo` starts the gateway with its own login under the demo's ACL (TLS Mosquitto) and
prints its URLs; a printed ticket's QR code opens that ticket's page on it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import cv2
import httpx
import pytest

from tideq.testing import free_port

pytestmark = pytest.mark.xdist_group("demo")  # one demo run at a time (tests/test_demo.py)


def test_demo_serves_the_pages_its_tickets_point_to(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "demo",
            "--headless",
            "--speed",
            "60",
            "--visitors-per-min",
            "20",
            "--out",
            str(tmp_path),
            "--minutes",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TIDEQ_GATEWAY__PORT": str(free_port())},  # not 8780: another demo may hold it
    )
    try:
        assert proc.stdout is not None
        base, number = None, None
        deadline = time.monotonic() + 90
        for line in proc.stdout:  # the demo's own console lines, in order
            m = re.search(r"gateway (http://[0-9.:]+): hall page", line)
            base = base or (m.group(1) if m else None)
            m = re.search(r"取号 ([A-Z]\d{3}) .*\[printed\]", line)
            if m and base:
                number = m.group(1)
                break
            assert time.monotonic() < deadline, "the demo printed no ticket"
        assert base and number
        tickets = tmp_path.glob("*/tickets/*.txt")  # each run has its own folder under --out
        txt = next(p for p in tickets if number in p.read_text(encoding="utf-8"))
        png = txt.with_suffix(".png")
        decoded = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))[0]
        assert decoded.startswith(f"{base}/t/"), decoded
        page = httpx.get(decoded, timeout=10)
        assert page.status_code == 200 and "您的号码" in page.text and number in page.text
        hall = httpx.get(f"{base}/api/hall", timeout=10).json()["view"]
        assert {s["id"] for s in hall["services"]} >= {"tax", "business-setup"}
        assert "tideq_queue_waiting" in httpx.get(f"{base}/metrics", timeout=10).text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
