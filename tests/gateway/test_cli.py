"""`tideq gateway` as a process: ready line, serving, a clean stop; a missing hall secret stops it
with the fix."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tideq.config import EXAMPLE_HALL
from tideq.testing import free_port

from ..conftest import HALL_SECRET


def gateway_cmd(broker_url: str, port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tideq.cli",
        "gateway",
        "--config",
        str(EXAMPLE_HALL),
        "--broker",
        broker_url,
        "--port",
        str(port),
        *extra,
    ]


def test_serves_until_terminated(broker, controller):
    port = free_port()
    env = {**os.environ, "TIDEQ_HALL_SECRET": HALL_SECRET}
    proc = subprocess.Popen(
        gateway_cmd(broker.url, port), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"tideq gateway ready: http://127.0.0.1:{port}" in line, line
        r = httpx.get(f"http://127.0.0.1:{port}/api/hall", timeout=10)
        assert r.status_code == 200 and r.json()["view"]["services"]
    finally:
        proc.terminate()
        assert proc.wait(15) in (0, -15)


def test_without_the_hall_secret_it_says_how(broker, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TIDEQ_HALL_SECRET"}
    r = subprocess.run(
        gateway_cmd(broker.url, free_port(), "--data-dir", str(tmp_path)),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 2
    assert "TIDEQ_HALL_SECRET" in r.stderr and "hall.secret" in r.stderr
