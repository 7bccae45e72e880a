#!/usr/bin/env python
"""Kiosk figures (issue 4): tap-to-ticket-on-screen latency and cold start.

Real Mosquitto, the real controller in a subprocess (`tideq controller --start-at 10:00`), the
kiosk app in this process with the virtual printer. A tap is a mouse click on the service tile;
it ends when the ticket screen has rendered the new number. Baseline in the same run: a bare
`BusClient.send("ticket")` round trip to the same controller. Cold start: a fresh
`tideq kiosk --exit-when-ready` process until it shows live services from the controller.

    QT_QPA_PLATFORM=offscreen python bench/bench_kiosk.py --taps 200 --cold 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TIDEQ_HALL_SECRET", "bench-secret")

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.kiosk.app import KioskApp, KioskOptions
from tideq.kiosk.model import Link, Screen
from tideq.testing import Mosquitto
from tideq.testing.processes import start_controller as start_controller_process

SERVICES = ["business-setup", "tax", "general-consult"]  # no quota trouble within a few hundred taps


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def fmt(name: str, xs: list[float]) -> str:
    return (
        f"{name:<34} p50 {statistics.median(xs):7.2f} ms  p99 {pct(xs, 99):7.2f} ms  "
        f"max {max(xs):7.2f} ms  (n={len(xs)})"
    )


def wait(pred, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("condition not met")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def start_controller(broker: str, data: Path) -> subprocess.Popen[str]:
    return start_controller_process(broker, data)


def bench_taps(broker: str, n: int) -> tuple[list[float], list[float]]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loaded = load(EXAMPLE_HALL)
    name = f"bench-{uuid.uuid4().hex[:6]}"
    out = Path(tempfile.mkdtemp(prefix="tideq-bench-print-"))
    kiosk = KioskApp(
        loaded,
        "kiosk-1",
        KioskOptions(broker, printer_url=f"virtual://{name}?out={out}", voice=False, idle_s=3600, dwell_s=3600),
    ).start(fullscreen=False)
    kiosk.window.resize(1920, 1080)
    m, win = kiosk.model, kiosk.window
    wait(lambda: m.link is Link.ONLINE and m.state_ts is not None)
    ticket_view = win.views[Screen.TICKET]
    rendered: list[str] = []
    ticket_view.rendered.connect(rendered.append)
    taps: list[float] = []
    for i in range(n):
        m.reset()
        m.go(Screen.SERVICES)
        tiles = win.views[Screen.SERVICES].tiles
        wait(lambda: m.screen is Screen.SERVICES and win.stack.currentWidget() is win.views[Screen.SERVICES])
        wait(lambda: not m.busy)
        tile = tiles[SERVICES[i % len(SERVICES)]]
        before = m.tickets_shown
        rendered.clear()
        t0 = time.perf_counter()
        QTest.mouseClick(tile, Qt.MouseButton.LeftButton)
        wait(lambda before=before: m.tickets_shown > before and rendered and win.stack.currentWidget() is ticket_view)
        taps.append((time.perf_counter() - t0) * 1000)
    wait(lambda: not m.busy)
    printed = len(kiosk.printing.results) if kiosk.printing else 0
    kiosk.stop()
    app.processEvents()
    base: list[float] = []
    c = BusClient(broker, "xian-hitech", "bench-baseline").connect()
    for i in range(n):
        t0 = time.perf_counter()
        r = c.send("ticket", {"service": SERVICES[i % len(SERVICES)], "source": "kiosk-1"})
        base.append((time.perf_counter() - t0) * 1000)
        assert r.ok, r
    c.close()
    print(f"printed {printed} tickets on the virtual printer during the taps")
    return taps, base


def bench_cold(broker: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "tideq.cli",
                "kiosk",
                "--config",
                str(EXAMPLE_HALL),
                "--id",
                "kiosk-1",
                "--broker",
                broker,
                "--windowed",
                "--no-voice",
                "--exit-when-ready",
                "--printer",
                "virtual://cold",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        wall = (time.perf_counter() - t0) * 1000
        if "ready" not in out.stdout:
            raise RuntimeError(f"kiosk did not become ready: {out.stdout} {out.stderr[-500:]}")
        times.append(wall)
    return times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--taps", type=int, default=200)
    ap.add_argument("--cold", type=int, default=5)
    args = ap.parse_args()
    with Mosquitto() as mq, tempfile.TemporaryDirectory() as data:
        ctl = start_controller(mq.url, Path(data))
        try:
            taps, base = bench_taps(mq.url, args.taps)
            cold = bench_cold(mq.url, args.cold)
        finally:
            ctl.terminate()
            ctl.wait(10)
    print(fmt("tap -> ticket on screen", taps))
    print(fmt("baseline client.send(ticket)", base))
    print(
        f"{'ratio (p50, p99)':<34} {statistics.median(taps) / statistics.median(base):.2f}x  "
        f"{pct(taps, 99) / pct(base, 99):.2f}x"
    )
    print(fmt("cold start to live services", cold))
    ok = pct(taps, 99) < 150 and max(cold) < 3000
    print("targets (p99 < 150 ms, cold start < 3 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
