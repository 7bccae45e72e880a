"""`tideq gateway --district mqtts://...` as a process: it logs in to the centre over TLS as the
read-only `district` login and serves every bridged hall on /api/district; a password variable
that is not set stops it with the fix."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from tests.conftest import HALL_SECRET
from tideq.config import EXAMPLE_HALL
from tideq.testing import free_port

from .conftest import WAIT_S, District


def gateway(d: District, port: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "tideq.cli", "gateway", "--config", str(EXAMPLE_HALL),
        "--broker", d.brokers["hall-a"].url, "--port", str(port), *extra,
    ]  # fmt: skip


def test_the_gateway_serves_the_district_from_the_centre_over_tls(district: District, tmp_path) -> None:
    port = free_port()
    env = {**os.environ, "TIDEQ_HALL_SECRET": HALL_SECRET, "TIDEQ_TEST_READER": district.centre.reader_password}
    centre = f"mqtts://127.0.0.1:{district.centre.tls_port}"
    args = [
        "--data-dir",  # the gateway's outbox goes under it, not into the example hall's folder
        str(tmp_path),
        "--district",
        centre,
        "--district-ca",
        str(district.centre.ca),
        "--district-password-env",
        "TIDEQ_TEST_READER",
    ]
    proc = subprocess.Popen(gateway(district, port, *args), stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        assert "tideq gateway ready" in proc.stdout.readline()
        deadline, halls = time.monotonic() + WAIT_S, set()
        while time.monotonic() < deadline and halls != {"hall-a", "hall-b"}:  # polling the page for the condition
            body = httpx.get(f"http://127.0.0.1:{port}/api/district", timeout=5).json()
            halls = {h["hall"] for h in body["halls"] if h["services"]}
        assert halls == {"hall-a", "hall-b"} and body["connected"]
        page = httpx.get(f"http://127.0.0.1:{port}/district?lang=zh", timeout=5).text
        assert "全区大厅概览" in page and 'id="hall-hall-b"' in page
    finally:
        proc.terminate()
        assert proc.wait(15) in (0, -15)


def test_an_unset_password_variable_is_refused_with_the_fix(district: District, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TIDEQ_TEST_UNSET"}
    env["TIDEQ_HALL_SECRET"] = HALL_SECRET
    args = [
        "--data-dir",
        str(tmp_path),
        "--district",
        "mqtts://127.0.0.1:1",
        "--district-password-env",
        "TIDEQ_TEST_UNSET",
    ]
    r = subprocess.run(gateway(district, free_port(), *args), capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "TIDEQ_TEST_UNSET is not set" in r.stderr and "credentials.toml" in r.stderr
