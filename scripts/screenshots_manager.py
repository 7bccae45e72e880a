"""Screenshots of the hall manager console, driven against a real Mosquitto and the real controller
(tidal mode `confirm`, hand-moved hall clock): every number and sentence on them is the controller's.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_manager.py [OUT_DIR]

Writes manager-zh.png and manager-en.png (1920x1080) into docs/screenshots/ (or OUT_DIR): a live
proposal for 企业开办, a tidal window opened by hand, windows serving and paused, crowd readings
and device health.
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

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tideq.contract import BusClient, now_iso  # noqa: E402
from tideq.config import EXAMPLE_HALL, load  # noqa: E402
from tideq.controller.service import ControllerService  # noqa: E402
from tideq.manager.console import SIZE, ManagerConsole  # noqa: E402
from tideq.manager.model import ManagerModel  # noqa: E402
from tideq.ui.qtbus import IdentityBus  # noqa: E402
from tideq.counter.terminal_model import Lang  # noqa: E402
from tideq.testing import ManualClock, Mosquitto  # noqa: E402
from tideq.ui.screenshot import grab  # noqa: E402

HALL = "xian-hitech"


def wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(20)
    return True


def health(bus: BusClient, device: str, kind: str, state: str, **extra: object) -> None:
    bus.publish(f"tideq/{HALL}/health/{device}", {"v": 1, "ts": now_iso(), "device": device, "kind": kind,
                                                   "state": state, **extra}, retain=True).wait_for_publish(5)


def crowd(bus: BusClient, zone: str, count: int, level: str) -> None:
    bus.publish(f"tideq/{HALL}/sensor/crowd/{zone}", {"v": 1, "ts": now_iso(), "camera": "cam-1", "count": count,
                                                       "level": level}, retain=True).wait_for_publish(5)


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loaded = load(EXAMPLE_HALL, env={"TIDEQ_TIDAL__MODE": "confirm"})
    clock = ManualClock(datetime(2026, 11, 26, 9, 40, tzinfo=ZoneInfo("Asia/Shanghai")))
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as data:
        controller = ControllerService(loaded, broker.url, Path(data), clock).start()
        kiosk = BusClient(broker.url, HALL, "kiosk-1").connect()
        bus = IdentityBus(broker.url, HALL, "manager")
        try:
            def ticket(service: str, n: int) -> None:
                for i in range(n):   # ID-card services need an identity (HMAC) per visitor
                    identity = hashlib.sha256(f"{service}-{i}".encode()).hexdigest()
                    r = kiosk.request("ticket", {"service": service, "source": "kiosk-1", "identity": identity}, timeout=5)
                    assert r["ok"], r

            def window(wid: str, action: str, **args: object) -> None:
                r = kiosk.request(f"window/{wid}", {"action": action, **args}, timeout=5)
                assert r["ok"], r

            for service, n in [("tax", 9), ("social-insurance", 6), ("real-estate", 3), ("housing-fund", 4),
                               ("policy-redemption", 2), ("general-consult", 3)]:
                ticket(service, n)
            for wid in ("5", "6", "8", "9", "11", "13", "17"):
                window(wid, "next")
            window("12", "pause", reason="会议")
            ticket("business-setup", 38)
            for wid in ("1", "2", "3", "4"):
                window(wid, "next")
            crowd(kiosk, "zone-a", 24, "busy")
            crowd(kiosk, "zone-b", 6, "low")
            health(kiosk, "printer-1", "printer", "paper_near_end", detail="paper near end sensor")
            health(kiosk, "printer-2", "printer", "ok")
            health(kiosk, "kiosk-1", "kiosk", "ok")
            health(kiosk, "kiosk-2", "kiosk", "ok")
            health(kiosk, "led-1", "ledstrip", "degraded", strips={"7": "offline", "8": "ok"})
            health(kiosk, "keypads-1", "keypad-bus", "ok")
            health(kiosk, "keypads-2", "keypad-bus", "ok")
            health(kiosk, "evaluators-1", "evaluator-bus", "ok")
            health(kiosk, "cam-1", "camera", "ok", fps=4.8)

            model = ManagerModel(bus, loaded.hall)
            console = ManagerConsole(model)
            bus.start()
            assert wait_until(lambda: bool(model.services) and bool(model.windows))
            assert kiosk.request("tidal", {"action": "open", "window": "19", "service": "tax"}, timeout=5)["ok"]
            window("19", "next")
            assert wait_until(lambda: bool(model.open_tidal) and bool(model.log))
            for _ in range(20):   # the policy needs sustain_s of evidence on the hall clock
                clock.advance(seconds=30)
                crowd(kiosk, "zone-a", 24, "busy")
                if wait_until(lambda: bool(model.proposals), 1.5):
                    break
            assert model.proposals, "no proposal"
            assert wait_until(lambda: len(model.crowd) == 2 and len(model.health) == 9)
            for lang in Lang:
                model.set_lang(lang)
                grab(console, out / f"manager-{lang.value}.png", SIZE)
        finally:
            bus.stop()
            kiosk.close()
            controller.stop()
    app.processEvents()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "screenshots")
