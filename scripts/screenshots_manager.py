"""Screenshots of the hall manager console, driven against a real Mosquitto and the real controller
(tidal mode `confirm`, hand-moved hall clock): every number and sentence on them is the controller's.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_manager.py [OUT_DIR]

Writes manager-zh.png and manager-en.png (1920x1080) into docs/screenshots/ (or OUT_DIR): a live
proposal for 企业开办, a tidal window opened by hand, another that nobody staffs (the unattended-window
alert, issue 13), windows serving and paused with the day's satisfaction, crowd readings and device
health (a caller terminal whose last will said offline).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TIDEQ_HALL_SECRET", "screenshots")

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient, CrowdLevel, CrowdReading, DeviceKind, Health, HealthState, Lang, LinkState
from tideq.controller.service import ControllerService
from tideq.manager.console import SIZE, ManagerConsole
from tideq.manager.model import ManagerModel
from tideq.testing import ManualClock, Mosquitto
from tideq.ui.presence import Presence, presence_will, wall_now
from tideq.ui.qtbus import IdentityBus
from tideq.ui.screenshot import grab

HALL = "xian-hitech"


def wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(20)
    return True


def health(bus: BusClient, device: str, kind: DeviceKind, state: HealthState = HealthState.OK, **extra: object) -> None:
    h = Health.model_validate({"ts": wall_now(), "device": device, "kind": kind, "state": state, **extra})
    bus.publish(f"tideq/{HALL}/health/{device}", h, retain=True).wait_for_publish(5)


def crowd(bus: BusClient, zone: str, count: int, level: CrowdLevel) -> None:
    reading = CrowdReading(ts=wall_now(), camera="cam-1", count=count, level=level)
    bus.publish(f"tideq/{HALL}/sensor/crowd/{zone}", reading, retain=True).wait_for_publish(5)


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loaded = load(EXAMPLE_HALL, env={"TIDEQ_TIDAL__MODE": "confirm"})
    clock = ManualClock(datetime(2026, 11, 26, 9, 40, tzinfo=ZoneInfo("Asia/Shanghai")))
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as data:
        controller = ControllerService(loaded, broker.url, Path(data), clock).start()
        kiosk = BusClient(broker.url, HALL, "kiosk-1").connect()
        bus = IdentityBus(broker.url, HALL, "manager", will=presence_will(HALL, "manager", DeviceKind.MANAGER))
        presence = Presence(bus, "manager", DeviceKind.MANAGER)
        try:

            def ticket(service: str, n: int, seed: str = "") -> None:
                for i in range(n):  # ID-card services need an identity (HMAC) per visitor
                    identity = hashlib.sha256(f"{service}-{seed}{i}".encode()).hexdigest()
                    args = {"service": service, "source": "kiosk-1", "identity": identity}
                    r = kiosk.send("ticket", args, timeout=5)
                    assert r.ok, r

            def window(wid: str, action: str, **args: object) -> None:
                r = kiosk.send(f"window/{wid}", {"action": action, **args}, timeout=5)
                assert r.ok, r

            # the morning so far: visitors served and rated (5 非常满意 … 1 非常不满意), shown on each window tile
            rated = {
                ("5", "tax"): [5, 5, 4, 5, 3, 5],
                ("6", "tax"): [5, 4, 4, 2],
                ("8", "social-insurance"): [5, 5, 4],
                ("11", "real-estate"): [4, 1, 5],
                ("13", "housing-fund"): [5],
                ("17", "general-consult"): [5, 5, 4],
            }
            for (wid, service), ratings in rated.items():
                for i, rating in enumerate(ratings):
                    ticket(service, 1, seed=f"r{wid}-{i}-")
                    window(wid, "next")
                    window(wid, "finish", rating=rating)
            for service, n in [
                ("tax", 9),
                ("social-insurance", 6),
                ("real-estate", 3),
                ("housing-fund", 4),
                ("policy-redemption", 2),
                ("general-consult", 3),
            ]:
                ticket(service, n)
            for wid in ("5", "6", "8", "9", "11", "13", "17"):
                window(wid, "next")
            window("12", "pause", reason="会议")
            ticket("business-setup", 38)
            for wid in ("1", "2", "3", "4"):
                window(wid, "next")
            crowd(kiosk, "zone-a", 24, CrowdLevel.BUSY)
            crowd(kiosk, "zone-b", 6, CrowdLevel.LOW)
            health(kiosk, "printer-1", DeviceKind.PRINTER, HealthState.PAPER_NEAR_END, reason="paper near end sensor")
            health(kiosk, "printer-2", DeviceKind.PRINTER)
            health(kiosk, "kiosk-1", DeviceKind.KIOSK)
            health(kiosk, "kiosk-2", DeviceKind.KIOSK)
            health(kiosk, "main", DeviceKind.BOARD)
            health(
                kiosk,
                "led-1",
                DeviceKind.LEDSTRIP,
                HealthState.DEGRADED,
                strips={"7": LinkState.OFFLINE, "8": LinkState.OK},
            )
            health(kiosk, "keypads-1", DeviceKind.KEYPAD_BUS)
            health(kiosk, "keypads-2", DeviceKind.KEYPAD_BUS)
            health(kiosk, "evaluators-1", DeviceKind.EVALUATOR_BUS)
            health(kiosk, "cam-1", DeviceKind.CAMERA, fps=4.8)
            for device in ("window-5", "window-6", "window-17"):  # caller terminals, and a rating tablet
                health(kiosk, device, DeviceKind.COUNTER)
            health(kiosk, "evaluator-5", DeviceKind.EVALUATOR)
            will = Health.last_will("window-12", DeviceKind.COUNTER, wall_now())  # its PC went off: the broker said so
            kiosk.publish(f"tideq/{HALL}/health/window-12", will, retain=True).wait_for_publish(5)
            staff = 5

            model = ManagerModel(bus, loaded.hall)
            console = ManagerConsole(model)
            bus.start()
            assert wait_until(lambda: bool(model.services) and bool(model.windows))
            assert kiosk.send("tidal", {"action": "open", "window": "19", "service": "tax"}, timeout=5).ok
            window("19", "next")
            # a tidal window opened for 企业开办 that nobody walked over to: open, idle, never calls
            assert kiosk.send("tidal", {"action": "open", "window": "20", "service": "business-setup"}, timeout=5).ok
            assert wait_until(lambda: bool(model.open_tidal) and bool(model.log))
            for _ in range(20):  # the policy needs sustain_s of evidence on the hall clock
                clock.advance(seconds=30)
                crowd(kiosk, "zone-a", 24, "busy")
                if wait_until(lambda: bool(model.proposals), 1.5):
                    break
            assert model.proposals, "no proposal"
            for wid in ("7", "10", "14", "15", "18"):  # staffed windows call whoever waits for them
                kiosk.send(f"window/{wid}", {"action": "next"}, timeout=5)
            clock.advance(seconds=150)  # window 20 has sat idle with 企业开办 waiting past the 2 min of eta.absent
            crowd(kiosk, "zone-a", 24, CrowdLevel.BUSY)
            assert wait_until(lambda: bool(model.unattended()), 15), "window 20 not reported unattended"
            assert wait_until(lambda: len(model.crowd) == 2 and len(model.health) == 12 + staff), (
                len(model.crowd),
                sorted(model.health),
            )  # + the console and the controller
            for lang in Lang:
                model.set_lang(lang)
                grab(console, out / f"manager-{lang.value}.png", SIZE)
        finally:
            presence.goodbye()
            bus.stop()
            kiosk.close()
            controller.stop()
    app.processEvents()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "screenshots")
