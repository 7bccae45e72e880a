"""A small hall on a real Mosquitto secured with the logins and ACL `tideq acl` writes, a virtual
printer over TCP, and a way to run `tideq doctor` and read its JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tideq.broker.acl import AclFiles, TlsListener, write_acl
from tideq.cli import main
from tideq.config import load
from tideq.drivers.printer.sim import PrinterSim
from tideq.drivers.printer.virtual import VirtualPrinter
from tideq.testing import Mosquitto
from tideq.testing.mosquitto import free_port

HALL_ID = "doctor-hall"
KIOSK_PW_ENV = "TIDEQ_TEST_DOCTOR_KIOSK_PW"
CONTROLLER_PW_ENV = "TIDEQ_TEST_DOCTOR_CONTROLLER_PW"
WINDOW_PW_ENV = "TIDEQ_TEST_DOCTOR_WINDOW_PW"


def hall_toml(
    broker_url: str,
    printer_url: str,
    *,
    ca_file: str | None = None,
    data_dir: str = "data",
    bus_url: str = "/dev/ttyDOCTOR-none",
    camera_url: str = "no-such-video.avi",
) -> str:
    ca = f'ca_file = "{ca_file}"\n' if ca_file else ""
    return f"""
schema_version = 1
[hall]
id = "{HALL_ID}"
name = {{ zh = "测试大厅", en = "Test hall" }}
[hall.hours]
mon = ["09:00-17:00"]
[broker]
url = "{broker_url}"
username = "controller"
password_env = "{CONTROLLER_PW_ENV}"
{ca}
[storage]
data_dir = "{data_dir}"
[[services]]
id = "tax"
name = {{ zh = "税务", en = "Tax" }}
prefix = "A"
[[windows]]
id = "1"
name = {{ zh = "1号窗口", en = "Window 1" }}
services = ["tax"]
[[devices.printers]]
id = "printer-1"
url = "{printer_url}"
width_mm = 80
[[devices.kiosks]]
id = "kiosk-1"
printer = "printer-1"
login = {{ password_env = "{KIOSK_PW_ENV}" }}
[[devices.serial_buses]]
id = "keys"
url = "{bus_url}"
kind = "keypad"
addresses = [1, 2]
timeout_ms = 50
retries = 1
[[devices.cameras]]
id = "cam-1"
url = "{camera_url}"
zones = [{{ id = "a", polygon = [[0, 0], [1, 0], [1, 1]] }}]
"""


@dataclass
class Hall:
    """A hall file in `dir` and the secured broker it names."""

    dir: Path
    files: AclFiles
    broker: Mosquitto
    printer: VirtualPrinter
    printer_url: str

    @property
    def path(self) -> Path:
        return self.dir / "hall.toml"

    def write(self, broker_url: str | None = None, printer_url: str | None = None, **kw: Any) -> Path:
        self.path.write_text(
            hall_toml(broker_url or self.broker.url, printer_url or self.printer_url, **kw), encoding="utf-8"
        )
        return self.path


@pytest.fixture(scope="module")
def acl(tmp_path_factory) -> tuple[Path, AclFiles]:
    """Logins, ACL and TLS files for the doctor hall, as `tideq acl --tls` writes them."""
    d = tmp_path_factory.mktemp("doctor-hall")
    (d / "hall.toml").write_text(hall_toml("mqtt://127.0.0.1:1", "tcp://127.0.0.1:1"), encoding="utf-8")
    files = write_acl(load(d / "hall.toml").hall, d / "acl", TlsListener(port=free_port()))
    return d, files


@pytest.fixture
def hall(acl, tmp_path, monkeypatch) -> Iterator[Hall]:
    """A fresh broker per test (retained state never leaks between tests), every login's right
    password in its environment variable, and a healthy virtual printer on TCP."""
    _, files = acl
    monkeypatch.setenv(KIOSK_PW_ENV, files.passwords["kiosk-1"])
    monkeypatch.setenv(CONTROLLER_PW_ENV, files.passwords["controller"])
    monkeypatch.setenv(WINDOW_PW_ENV, files.passwords["window-1"])
    monkeypatch.setenv("TIDEQ_HALL_SECRET", "doctor-test-secret")
    monkeypatch.delenv("TIDEQ_BROKER_PASSWORD", raising=False)
    printer = VirtualPrinter("doctor", tmp_path / "tickets", 80)
    # `user root`: as root Mosquitto would drop to the mosquitto user, who cannot read pytest's tmp dirs
    with (
        Mosquitto(extra_config=["user root", *files.conf.read_text().splitlines()]) as broker,
        PrinterSim(printer, port=0, pty=False) as sim,
    ):
        h = Hall(tmp_path, files, broker, printer, f"tcp://127.0.0.1:{sim.port}")
        h.write()
        yield h


Doctor = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def doctor(capsys) -> Doctor:
    """Run `tideq doctor ... --json` in this process; (exit status, the report)."""

    def run(hall_file: Path, *args: str) -> tuple[int, dict[str, Any]]:
        capsys.readouterr()
        rc = main(["doctor", "--config", str(hall_file), "--json", *args])
        out = capsys.readouterr().out
        return rc, json.loads(out)

    return run


def by_check(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["check"] == check]


def failures(report: dict[str, Any]) -> list[str]:
    return [r["check"] for r in report["results"] if r["level"] == "FAIL"]
