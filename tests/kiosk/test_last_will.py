"""A kiosk that dies without a goodbye (power cut, crash, kill -9): the broker publishes its last
will, so the hall's dashboard reads `offline` instead of the retained `ok` for ever. A real
`tideq kiosk` process, the test Mosquitto and the virtual printer over TCP; and the goodbye of
a clean stop. Own file: `broker` is module-scoped, and the kiosk's retained health must start empty."""

from __future__ import annotations

import signal
import time

from tideq.config import EXAMPLE_HALL
from tideq.contract import DeviceKind, HealthState
from tideq.drivers.printer.sim import PrinterSim
from tideq.drivers.printer.virtual import VirtualPrinter, forget_virtual_printer

from ..conftest import HALL_SECRET
from .conftest import make_rig
from .helpers import HealthWatch, T, retained_health, start_app

HALL = "xian-hitech"
KEEPALIVE_S = 10.0  # BusClient's keep-alive
WILL_WITHIN_S = 1.5 * KEEPALIVE_S + 3.0  # Mosquitto gives up on a silent client after 1.5 x keep-alive
START_S = 30.0  # a Qt process's cold start on a shared, busy box


def test_killed_kiosk_turns_offline_within_the_keepalive(broker, tmp_path) -> None:
    printer = PrinterSim(VirtualPrinter("will-kiosk", tmp_path / "tickets", 80), port=0, pty=False).start()
    watch = HealthWatch(broker.url, HALL, "kiosk-1")
    proc = start_app(
        [
            "kiosk",
            "--config",
            str(EXAMPLE_HALL),
            "--id",
            "kiosk-1",
            "--broker",
            broker.url,
            "--windowed",
            "--no-voice",
            "--printer",
            f"tcp://127.0.0.1:{printer.port}",
        ],
        tmp_path / "kiosk.log",
    )
    try:
        _, ok = watch.wait(HealthState.OK, timeout=START_S)
        assert (ok.device, ok.kind, ok.problems) == ("kiosk-1", DeviceKind.KIOSK, {})
        assert retained_health(broker.url, HALL, "kiosk-1").state is HealthState.OK  # what a dashboard sees
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        killed = time.monotonic()
        at, will = watch.wait(HealthState.OFFLINE, timeout=WILL_WITHIN_S)
        assert at - killed < WILL_WITHIN_S
        assert (will.device, will.kind, will.reason) == ("kiosk-1", DeviceKind.KIOSK, "connection lost")
        late = retained_health(broker.url, HALL, "kiosk-1")  # retained: a dashboard started later sees it too
        assert late.state is HealthState.OFFLINE
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        watch.close()
        printer.stop()
    assert "Traceback" not in (tmp_path / "kiosk.log").read_text(errors="replace")


def test_clean_stop_says_offline_itself(qtbot, hall, broker, tmp_path, monkeypatch) -> None:
    """A clean stop fires no will, so the kiosk publishes `offline` ("stopped") before it goes."""
    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)  # else its card reader needs staff: `attention`
    watch = HealthWatch(broker.url, HALL, "kiosk-1")
    rig = make_rig(qtbot, hall, broker.url, tmp_path, wait_online=False)
    try:
        qtbot.waitUntil(lambda: watch.has(HealthState.OK), timeout=T)
        seen = len(watch.reports)
        rig.app.stop()
        qtbot.waitUntil(lambda: watch.has(HealthState.OFFLINE, after=seen), timeout=T)
        found = watch.first(HealthState.OFFLINE, after=seen)
        assert found is not None and found[1].reason == "stopped"
        assert retained_health(broker.url, HALL, "kiosk-1").state is HealthState.OFFLINE
    finally:
        rig.reader.close()
        rig.scanner.close()
        forget_virtual_printer(rig.printer.name)
        watch.close()
