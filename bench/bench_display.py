"""Hall board figures: call published -> board repainted with that ticket, at 10 calls/s through a
real Mosquitto; idle CPU; memory. Compared with bare MQTT delivery to a plain subscriber.

    QT_QPA_PLATFORM=offscreen python bench/bench_display.py [--calls 200] [--rate 10] [--idle-s 30]

Three runs, same broker:
  baseline    event/call published -> received and decoded (CallEvent) by a plain subscriber (no Qt)
  direct      event/call published -> the board's paintEvent has drawn that ticket as now calling
  controller  cmd/window/{w} next published -> the real controller (own process) calls a ticket
              -> the board has drawn it (includes the controller's fsync'd event log write)
"Drawn" is the end of BoardWidget.paintEvent (its `painted` signal), offscreen, 1920x1080.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from statistics import median

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient, CallEvent
from tideq.controller.clock import Clock
from tideq.display.app import DisplayApp, board_config
from tideq.display.board import BoardWidget
from tideq.display.hallstate import Liveness
from tideq.display.layouts import Layout
from tideq.testing import Mosquitto
from tideq.testing.processes import start_controller

WINDOWS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18"]


class Done(QObject):
    finished = Signal()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def summary(name: str, ms: list[float], expected: int) -> str:
    return (
        f"{name:<11} n={len(ms):>4}/{expected:<4} median {median(ms):6.2f} ms  p95 {pct(ms, 0.95):6.2f} ms  "
        f"p99 {pct(ms, 0.99):6.2f} ms  max {max(ms):6.2f} ms"
    )


def paced(n: int, rate: float, step: callable) -> None:  # type: ignore[valid-type]
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pacing the load generator, not synchronising a test
        step(i)


def run_loop(work: callable, timeout_s: float) -> None:  # type: ignore[valid-type]
    """Run Qt's event loop (blocking, as in a hall) while `work` runs on a thread."""
    loop = QEventLoop()
    done = Done()
    done.finished.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)

    def target() -> None:
        try:
            work()
        finally:
            done.finished.emit()

    threading.Thread(target=target, daemon=True).start()
    loop.exec()


def settle(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def baseline(url: str, hall: str, n: int, rate: float) -> list[float]:
    sent: dict[str, float] = {}
    got: dict[str, float] = {}
    sub = BusClient(url, hall, "bench-plain-sub")
    sub.on(sub.topics.event("call"), CallEvent, lambda t, e: got.setdefault(e.ticket, time.monotonic()))
    sub.connect()
    pub = BusClient(url, hall, "bench-plain-pub").connect()

    def step(i: int) -> None:
        ticket = f"Z{i:04d}"
        sent[ticket] = time.monotonic()
        pub.publish(
            pub.topics.event("call"),
            CallEvent(ts=datetime.now().astimezone(), ticket=ticket, window="1", service="tax"),
        )

    paced(n, rate, step)
    deadline = time.monotonic() + 5
    while len(got) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    sub.close()
    pub.close()
    return [(got[t] - sent[t]) * 1000 for t in sent if t in got]


def board_latencies(board: BoardWidget) -> tuple[dict[str, float], callable]:  # type: ignore[valid-type]
    painted: dict[str, float] = {}

    def on_paint(tickets: tuple[str, ...]) -> None:
        now = time.monotonic()
        for t in tickets:
            painted.setdefault(t, now)

    board.painted.connect(on_paint)
    return painted, on_paint


def direct(url: str, hall: str, n: int, rate: float, board: BoardWidget, painted: dict[str, float]) -> list[float]:
    sent: dict[str, float] = {}
    pub = BusClient(url, hall, "bench-direct-pub").connect()

    def work() -> None:
        def step(i: int) -> None:
            ticket = f"Y{i:04d}"
            sent[ticket] = time.monotonic()
            pub.publish(
                pub.topics.event("call"),
                CallEvent(ts=board.model.now, ticket=ticket, window=WINDOWS[i % len(WINDOWS)], service="tax"),
            )

        paced(n, rate, step)
        time.sleep(0.5)  # let the last paints land before the loop stops

    run_loop(work, n / rate + 10)
    pub.close()
    return [(painted[t] - sent[t]) * 1000 for t in sent if t in painted]


def via_controller(client: BusClient, n: int, rate: float, painted: dict[str, float]) -> list[float]:
    sent: dict[str, float] = {}
    windows = ["1", "2", "3", "4", "5", "6", "7"]  # business-setup and tax windows

    def work() -> None:
        def step(i: int) -> None:
            t0 = time.monotonic()
            reply = client.send(f"window/{windows[i % len(windows)]}", {"action": "next"}, timeout=5)
            if reply.ok and reply.ticket is not None:
                sent[reply.ticket.number] = t0

        paced(n, rate, step)
        time.sleep(0.5)

    run_loop(work, n / rate + 15)
    return [(painted[t] - sent[t]) * 1000 for t in sent if t in painted]


def rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--rate", type=float, default=10.0, help="calls per second")
    ap.add_argument("--idle-s", type=float, default=30.0)
    args = ap.parse_args()
    loaded = load(EXAMPLE_HALL)
    hall = loaded.hall
    app = QApplication(sys.argv[:1])
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as tmp:
        base = baseline(broker.url, hall.hall.id, args.calls, args.rate)
        ctl = start_controller(broker.url, tmp, env={"TIDEQ_HALL_SECRET": "bench"})
        try:
            clock = Clock(hall.hall.timezone, datetime.strptime("10:00", "%H:%M").time())  # the controller's hall time
            display = DisplayApp(hall, board_config(hall, "main", None), broker.url, clock=clock).start()
            board = BoardWidget(display.model, Layout.FHD)
            board.show()
            client = BusClient(broker.url, hall.hall.id, "bench-staff").connect()
            for i in range(args.calls + 10):
                service = "tax" if i % 3 == 0 else "business-setup"
                assert client.send("ticket", {"service": service, "source": "bench"}).ok
            deadline = time.monotonic() + 10
            while display.model.liveness is not Liveness.LIVE and time.monotonic() < deadline:
                settle(app, 0.05)
            painted, _ = board_latencies(board)
            ctl_ms = via_controller(client, args.calls, args.rate, painted)
            direct_ms = direct(broker.url, hall.hall.id, args.calls, args.rate, board, painted)
            settle(app, 2.0)
            wall0 = time.monotonic()
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            settle(app, args.idle_s)  # the board idles; controller refreshes every 10 s
            ru1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / (time.monotonic() - wall0)
            rss, peak = rss_mb()
            print(
                f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.calls} calls at {args.rate:g}/s, "
                f"board 1920x1080 offscreen"
            )
            print(summary("baseline", base, args.calls))
            print(summary("direct", direct_ms, args.calls))
            print(summary("controller", ctl_ms, args.calls))
            print(
                f"ratio p99 direct/baseline {pct(direct_ms, 0.99) / pct(base, 0.99):.1f}x, "
                f"controller/baseline {pct(ctl_ms, 0.99) / pct(base, 0.99):.1f}x"
            )
            print(f"idle CPU over {args.idle_s:g} s: {cpu * 100:.2f}% of one core")
            print(f"memory: RSS {rss:.0f} MB, peak {peak:.0f} MB")
            client.close()
            display.stop()
        finally:
            ctl.terminate()
            ctl.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
