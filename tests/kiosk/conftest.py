"""Kiosk fixtures: the real controller on a real Mosquitto (tests/conftest.py), a kiosk app on
them with a virtual printer and simulated ID card reader and scanner on ptys.

The hall is the example hall with one change: 惠企政策兑现 (policy-redemption) has a daily
quota of 2 so the quota test does not issue 100 tickets first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from tideq.config import EXAMPLE_HALL, LoadedConfig, load
from tideq.drivers.idcard.sim import SimulatedIdReader
from tideq.drivers.printer.virtual import VirtualPrinter, forget_virtual_printer, virtual_printer
from tideq.drivers.scanner.sim import SimulatedScanner
from tideq.kiosk.app import KioskApp, KioskOptions
from tideq.kiosk.model import Link, Screen
from tideq.testing import ManualClock

from ..conftest import THURSDAY_10

QUOTA_SERVICE = "policy-redemption"
QUOTA = 2
# valid resident ID numbers (GB 11643 check digits), made up
ID_A = "11010519491231002X"
ID_B = "440524188001010014"


@pytest.fixture(scope="session")
def hall() -> LoadedConfig:
    base = load(EXAMPLE_HALL)
    services = [s.model_copy(update={"daily_quota": QUOTA}) if s.id == QUOTA_SERVICE else s for s in base.hall.services]
    return LoadedConfig(base.hall.model_copy(update={"services": services}), base.path)


@pytest.fixture
def clock(request):
    """Thu 2026-11-26 10:00 unless a test parametrizes it (indirect) with another time."""
    return ManualClock(getattr(request, "param", THURSDAY_10))


@dataclass
class Rig:
    app: KioskApp
    printer: VirtualPrinter
    reader: SimulatedIdReader
    scanner: SimulatedScanner

    @property
    def model(self):  # type: ignore[no-untyped-def]
        return self.app.model

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.app.window

    def view(self, screen: Screen):  # type: ignore[no-untyped-def]
        return self.app.window.views[screen]


def make_rig(qtbot, hall: LoadedConfig, broker_url: str, tmp_path, *, wait_online: bool = True, **opts: object) -> Rig:
    name = f"kt-{uuid.uuid4().hex[:8]}"
    printer = virtual_printer(name, out_dir=tmp_path / "printer")
    reader, scanner = SimulatedIdReader(), SimulatedScanner()
    options = KioskOptions(
        broker_url,
        printer_url=f"virtual://{name}",
        request_timeout_s=1.0,
        connect_grace_s=1.0,
        voice=False,
        idcard_url=reader.url,
        scanner_url=scanner.url,
    )
    for k, v in opts.items():
        setattr(options, k, v)
    app = KioskApp(hall, "kiosk-1", options).start(fullscreen=False)
    rig = Rig(app, printer, reader, scanner)
    if wait_online:
        qtbot.waitUntil(lambda: app.model.link is Link.ONLINE and app.model.state_ts is not None, timeout=5000)
    return rig


@pytest.fixture
def rig(qtbot, hall, broker, controller, tmp_path):
    r = make_rig(qtbot, hall, broker.url, tmp_path)
    yield r
    r.app.stop()
    r.reader.close()
    r.scanner.close()
    forget_virtual_printer(r.printer.name)
