"""`tideq doctor` finds each injected fault (printer off, paper out, wrong password, expired
certificate, missing font, unreachable broker, clock 5 minutes off) and passes a healthy hall,
against real parts: a secured Mosquitto, a running controller, the virtual printer over TCP,
fontconfig and openssl."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tideq.broker.acl import TlsListener, write_acl
from tideq.config import load
from tideq.contract import BusClient
from tideq.controller.clock import Clock
from tideq.controller.service import ControllerService
from tideq.testing import Mosquitto
from tideq.testing.mosquitto import free_port

from .conftest import HALL_ID, KIOSK_PW_ENV, by_check, failures

QUICK = ("--clock-wait", "0")  # tests without a controller: nothing fresh to wait for


def start_online(hall, clock) -> ControllerService:
    """The real controller, returned once it has said `online`: its worker publishes that after
    `start()` returns, and a doctor that sees no `online` does not wait for a fresh message (on a
    loaded box the test ran the doctor first and found no clock measurement)."""
    online = threading.Event()
    watch = BusClient(hall.broker.url, HALL_ID, "kiosk-1", username="kiosk-1", password=hall.files.passwords["kiosk-1"])
    watch.subscribe(watch.topics.status_controller, lambda _t, p: p == b"online" and online.set())
    watch.connect()
    svc = ControllerService(load(hall.path), hall.broker.url, hall.dir / "data", clock)
    try:
        svc.start()
        assert online.wait(10), "the controller never said online"
    finally:
        watch.close()
    return svc


@pytest.fixture
def controller(hall):
    """The real controller on the secured broker, on this machine's wall clock."""
    svc = start_online(hall, Clock(load(hall.path).hall.hall.timezone))
    yield svc
    svc.stop()


def test_a_healthy_hall_passes(hall, controller, doctor):
    rc, report = doctor(hall.path, "--role", "kiosk", "--id", "kiosk-1")
    assert rc == 0, report
    levels = {r["check"]: r["level"] for r in report["results"]}
    assert {k: levels[k] for k in ("broker", "acl", "clock", "printer", "fonts")} == dict.fromkeys(
        ("broker", "acl", "clock", "printer", "fonts"), "ok"
    )
    clock = by_check(report, "clock")[0]
    assert clock["detail"]["fresh"] is True  # measured on a message the running controller sent just now
    assert abs(clock["detail"]["offset_s"]) < 1.0
    rc, report = doctor(hall.path, "--role", "controller")  # the edge box itself
    assert rc == 0, report
    assert {r["check"] for r in report["results"] if r["level"] == "ok"} >= {"broker", "acl", "database", "disk"}


def test_printer_off(hall, doctor):
    dead = f"tcp://127.0.0.1:{free_port()}"  # nothing listens: the printer is switched off
    hall.write(printer_url=dead)
    rc, report = doctor(hall.path, "--id", "kiosk-1", *QUICK)
    assert rc == 2
    assert failures(report) == ["printer"]
    printer = by_check(report, "printer")[0]
    assert "does not answer" in printer["message"] and "switch the printer on" in printer["fix"]
    assert printer["detail"]["reachable"] is False


def test_paper_out(hall, doctor):
    hall.printer.set_state(paper="out")
    rc, report = doctor(hall.path, "--id", "kiosk-1", *QUICK)
    assert rc == 2
    assert failures(report) == ["printer"]
    printer = by_check(report, "printer")[0]
    assert printer["message"] == "paper out"
    assert printer["fix"] == "load a roll of 80 mm thermal paper"
    assert hall.printer_url in printer["subject"]
    hall.printer.set_state(paper="near_end")
    rc, report = doctor(hall.path, "--id", "kiosk-1", *QUICK)
    assert rc == 0 and by_check(report, "printer")[0]["level"] == "warn"  # still prints: a warning


def test_wrong_password(hall, doctor, monkeypatch):
    monkeypatch.setenv(KIOSK_PW_ENV, "not-the-password")
    rc, report = doctor(hall.path, "--id", "kiosk-1", *QUICK)
    assert rc == 2
    assert failures(report) == ["broker"]
    b = by_check(report, "broker")[0]
    assert "refused login 'kiosk-1'" in b["message"]
    assert f"${KIOSK_PW_ENV}" in b["fix"]


def test_unreachable_broker(hall, doctor):
    hall.write(broker_url=f"mqtt://127.0.0.1:{free_port()}")  # no broker there
    rc, report = doctor(hall.path, "--id", "kiosk-1", *QUICK)
    assert rc == 2
    assert failures(report) == ["broker"]
    b = by_check(report, "broker")[0]
    assert "cannot reach" in b["message"] and "start the broker" in b["fix"]


def test_missing_font(hall, doctor, tmp_path, monkeypatch):
    empty = tmp_path / "fonts.conf"  # a fontconfig that knows no font folder: what a box without CJK fonts sees
    empty.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))
    monkeypatch.setenv("TIDEQ_BROKER_PASSWORD", hall.files.passwords["window-1"])
    rc, report = doctor(hall.path, "--role", "window", "--id", "1", *QUICK)
    assert rc == 2
    assert failures(report) == ["fonts"]
    assert "fonts-wqy-microhei" in by_check(report, "fonts")[0]["fix"]
    monkeypatch.delenv("FONTCONFIG_FILE")
    rc, report = doctor(hall.path, "--role", "window", "--id", "1", *QUICK)
    assert by_check(report, "fonts")[0]["level"] == "ok"  # the same machine with its fonts


@pytest.mark.parametrize("minutes", [-5, 5])
def test_clock_five_minutes_off(hall, doctor, minutes):
    """The controller's state says it is 5 minutes earlier (or later) than this machine's clock."""
    c = BusClient(
        hall.broker.url, HALL_ID, "controller", username="controller", password=hall.files.passwords["controller"]
    )
    c.connect()
    try:
        ts = (datetime.now().astimezone() + timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
        body = {"v": 1, "ts": ts, "services": []}
        for info in (
            c.publish(c.topics.status_controller, "online", retain=True),
            c.publish(c.topics.state("services"), json.dumps(body), retain=True),
        ):
            info.wait_for_publish(5)
    finally:
        c.close()
    started = time.monotonic()
    rc, report = doctor(hall.path, "--id", "kiosk-1")  # default wait: a far-off clock needs no fresh message
    assert time.monotonic() - started < 10
    assert rc == 2
    assert failures(report) == ["clock"]
    clock = by_check(report, "clock")[0]
    lo, hi = clock["detail"]["offset_min_s"], clock["detail"]["offset_max_s"]
    assert lo <= -minutes * 60 <= hi + 1  # the true offset lies within the bound the report gives
    assert ("behind" if minutes > 0 else "ahead of") in clock["message"] and "NTP" in clock["fix"]


def _expired_server_cert(tls_dir: Path) -> None:
    """Replace the broker's certificate with one the hall CA signed for 2020 only."""
    d = tls_dir / "expired"
    d.mkdir()
    (d / "index.txt").write_text("")
    (d / "serial").write_text("1000\n")
    (d / "ca.cnf").write_text(
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
        "default_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n"
        "[ext]\nsubjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth\n"
    )

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-new", "-key", str(tls_dir / "server.key"), "-subj", "/CN=127.0.0.1", "-out", "s.csr")
    openssl(
        "ca", "-batch", "-config", "ca.cnf", "-extensions", "ext", "-cert", str(tls_dir / "ca.crt"),
        "-keyfile", str(tls_dir / "ca.key"), "-in", "s.csr", "-out", "s.crt", "-notext",
        "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
    )  # fmt: skip
    (d / "s.crt").replace(tls_dir / "server.crt")


def test_expired_certificate(hall, doctor, tmp_path):
    """The broker's certificate expired: the TLS line says so, and the login fails in the handshake."""
    files = write_acl(load(hall.path).hall, tmp_path / "acl", TlsListener(port=free_port()))
    assert files.tls is not None and files.tls_port is not None
    _expired_server_cert(files.tls.ca_cert.parent)
    with Mosquitto(extra_config=["user root", *files.conf.read_text().splitlines()]):
        hall.write(broker_url=f"mqtts://127.0.0.1:{files.tls_port}", ca_file=str(files.tls.ca_cert))
        rc, report = doctor(hall.path, "--id", "kiosk-1", f"--password={files.passwords['kiosk-1']}", *QUICK)
    assert rc == 2
    assert sorted(set(failures(report))) == ["broker", "tls"], report
    ca = next(r for r in by_check(report, "tls") if r["subject"].startswith("CA "))
    assert ca["level"] == "ok"  # the hall CA itself is fine
    server = next(r for r in by_check(report, "tls") if r["subject"].startswith("broker certificate"))
    assert server["level"] == "FAIL" and "expired on 2020-02-01" in server["message"]
    assert "tideq acl" in server["fix"]
    broker = by_check(report, "broker")[0]
    assert "certificate has expired" in broker["message"] and "tls/server.crt" in broker["fix"]


def test_a_login_the_acl_does_not_let_read_the_state(hall, controller, doctor):
    """The importer's login may read only its reply and status/controller: as a kiosk it would see no state."""
    args = ("--username", "importer", f"--password={hall.files.passwords['importer']}")  # may start with -
    rc, report = doctor(hall.path, "--id", "kiosk-1", *args, *QUICK)
    assert rc == 2
    assert failures(report) == ["acl"]
    acl = by_check(report, "acl")[0]
    assert "state/#" in acl["message"] and "tideq acl" in acl["fix"]
    rc, report = doctor(hall.path, "--id", "kiosk-1", *QUICK)  # the kiosk's own login reads it
    assert by_check(report, "acl")[0]["level"] == "ok"


class ShiftedClock:
    """The controller's wall clock, `shift` ahead: a controller whose box lost NTP."""

    def __init__(self, tz: str, shift: timedelta) -> None:
        self.clock, self.shift = Clock(tz), shift

    def now(self) -> datetime:
        return self.clock.now() + self.shift


def test_a_controller_clock_8_seconds_ahead_is_measured_on_a_fresh_message(hall, doctor):
    svc = start_online(hall, ShiftedClock(load(hall.path).hall.hall.timezone, timedelta(seconds=8)))
    try:
        rc, report = doctor(hall.path, "--id", "kiosk-1")
    finally:
        svc.stop()
    assert rc == 0  # a warning: NTP is broken somewhere, but the hall works
    clock = by_check(report, "clock")[0]
    assert clock["level"] == "warn" and clock["detail"]["fresh"] is True
    assert -8.5 < clock["detail"]["offset_s"] < -7.5  # this machine is 8 s behind, to within the delivery delay
    assert "s behind the controller (fresh " in clock["message"]


def test_certificate_files_near_expiry_or_not_certificates(tmp_path):
    from tideq.doctor.tls import check_cert

    soon = tmp_path / "soon.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(tmp_path / "soon.key"), "-out", str(soon), "-days", "10", "-subj", "/CN=soon"],
        check=True, capture_output=True,
    )  # fmt: skip
    r = check_cert("CA", soon)
    assert r.level.value == "warn" and "expires in 10 days" in r.message and r.detail["cert_subject"] == "CN = soon"
    junk = tmp_path / "junk.crt"
    junk.write_text("not a certificate")
    assert check_cert("CA", junk).level.value == "FAIL"
    assert "file missing" in check_cert("CA", tmp_path / "none.crt").message


def test_a_damaged_event_log_fails_the_controller_check(hall, doctor):
    data = hall.dir / "data"
    data.mkdir()
    (data / "events.sqlite3").write_bytes(b"this is not a database" * 100)
    rc, report = doctor(hall.path, "--role", "controller", *QUICK)
    assert rc == 2 and failures(report) == ["database"]
    assert "docs/reliability.md" in by_check(report, "database")[0]["fix"]
