"""Hall board figures: call published -> board repainted with that ticket, at 10 calls/s through a
real Mosquitto; idle CPU; memory. Compared with bare MQTT delivery to a plain subscriber.

    QT_QPA_PLATFORM=offscreen python bench/bench_display.py [--calls 200] [--rate 10] [--idle-s 30]

Three runs, same broker:
  baseline    event/call published -> received and decoded (CallEvent) by a plain subscriber (no Qt)
  direct      event/call published -> the board's paintEvent has drawn that ticket as now calling
  controller  cmd/window/{w} next published -> the real controller (own process) calls a ticket
              -> the board has drawn it (includes the controller's fsync'd event log write)
"Drawn" is the end of BoardWidget.paintEvent (its `painted` signal), offscreen, 1920x1080.

`--diagnose` runs the controller through a probe (this file, `_controller`): the same `tideq
controller` in its own process, with its worker's bursts, the event log's append (fsync), the
tidal policy's runs, the publisher and its garbage collections timed (monkeypatched, nothing in
tideq/controller changes), and times in this process the board's paints, the decoding of
payloads on paho's thread and garbage collections. It prints, for the slowest calls of the
controller path, what overlapped them. Both processes share CLOCK_MONOTONIC.
`--gc-freeze` / `--gc-idle` (with --diagnose) try two garbage-collection settings in the
controller from outside: gc.freeze() after its start, or no automatic full collection and one
at most every 30 s when its inbox is empty (docs/reliability.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

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


class Probe:
    """Spans (kind, start, end, note) on CLOCK_MONOTONIC, from any thread."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, float, float, str]] = []
        self._lock = threading.Lock()
        self._gc0 = 0.0

    def add(self, kind: str, t0: float, t1: float, note: str = "") -> None:
        with self._lock:
            self.spans.append((kind, t0, t1, note))

    def wrap(self, owner: Any, name: str, kind: str, note: Any = None) -> None:
        """Time every call of owner.name (a method) as a `kind` span."""
        inner = getattr(owner, name, None)
        if inner is None:
            return  # the controller changed shape: probe what is there

        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.monotonic()
            try:
                return inner(*a, **kw)
            finally:
                self.add(kind, t0, time.monotonic(), note(*a, **kw) if note else "")

        setattr(owner, name, timed)

    def gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc0 = time.monotonic()
        else:
            self.add("gc", self._gc0, time.monotonic(), f"gen{info.get('generation')}")

    def dump(self, path: str) -> None:
        with self._lock, open(path, "w") as f:
            for k, t0, t1, note in self.spans:
                f.write(f"{k}\t{t0:.6f}\t{t1:.6f}\t{note}\n")


def controller_child(argv: list[str]) -> int:
    """`tideq controller` with probes (see --diagnose); spans go to $TIDEQ_BENCH_PROBE at exit."""
    import atexit
    import signal

    from tideq import cli
    from tideq.controller import publisher, service, store, tidal_runner, worker

    probe = Probe()
    gc.callbacks.append(probe.gc)

    def burst_note(self: Any, items: Any, refresh: bool = False) -> str:
        kinds = {type(i).__name__ for i in items}
        return f"n={len(items)} refresh={refresh} {'+'.join(sorted(kinds))}"

    probe.wrap(worker.Worker, "process", "burst", burst_note)
    probe.wrap(store.EventStore, "append", "fsync", lambda self, day, events, replies: f"events={len(events)}")
    probe.wrap(store.EventStore, "checkpoint", "checkpoint")
    probe.wrap(tidal_runner.TidalRunner, "run", "tidal")
    probe.wrap(
        publisher.Publisher, "publish", "publish", lambda self, burst, engine, now, refresh: f"refresh={refresh}"
    )
    inner = service.ControllerService._on_command

    def on_command(self: Any, topic: str, payload: bytes) -> None:
        t = time.monotonic()
        probe.add("rx", t, t, topic.rsplit("/", 1)[-1])
        inner(self, topic, payload)

    service.ControllerService._on_command = on_command  # type: ignore[method-assign]
    if os.environ.get("TIDEQ_BENCH_GC_FREEZE"):  # the proposed controller change, tried from outside
        start = service.ControllerService.start

        def start_frozen(self: Any, *a: Any, **kw: Any) -> Any:
            started = start(self, *a, **kw)
            gc.collect()
            gc.freeze()
            return started

        service.ControllerService.start = start_frozen  # type: ignore[method-assign]
    if os.environ.get("TIDEQ_BENCH_GC_IDLE"):  # proposal 2: full collections only when the inbox is empty
        gc.set_threshold(700, 10, 1_000_000)  # no automatic gen2 (gen1 collections to trigger one)
        process = worker.Worker.process
        last = [time.monotonic()]

        def process_then_collect(self: Any, items: Any, refresh: bool = False) -> None:
            process(self, items, refresh)
            if time.monotonic() - last[0] >= 30.0 and self.inbox.empty():
                last[0] = time.monotonic()
                gc.collect()

        worker.Worker.process = process_then_collect  # type: ignore[method-assign]
    out = os.environ["TIDEQ_BENCH_PROBE"]
    atexit.register(probe.dump, out)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run atexit on terminate()
    return cli.main(argv)


def start_probed_controller(
    url: str, data_dir: str, probe_file: str, gc_freeze: bool = False, gc_idle: bool = False
) -> subprocess.Popen[str]:
    """As tideq.testing.processes.start_controller, through controller_child."""
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "_controller",
            "controller",
            "--config",
            str(EXAMPLE_HALL),
            "--broker",
            url,
            "--data-dir",
            data_dir,
            "--start-at",
            "10:00",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={
            **os.environ,
            "TIDEQ_HALL_SECRET": "bench",
            "TIDEQ_BENCH_PROBE": probe_file,
            **({"TIDEQ_BENCH_GC_FREEZE": "1"} if gc_freeze else {}),
            **({"TIDEQ_BENCH_GC_IDLE": "1"} if gc_idle else {}),
        },
    )
    assert proc.stdout is not None
    if "ready" not in proc.stdout.readline():
        proc.kill()
        raise RuntimeError("the probed controller did not start")
    return proc


def board_probes(probe: Probe, board: BoardWidget) -> None:
    """Paints (GUI thread), decoding on paho's thread (holds the GIL the GUI thread needs), GC."""
    from tideq.ui import qtbus

    gc.callbacks.append(probe.gc)
    inner_paint = board.paintEvent

    def paint(event: Any) -> None:
        t0 = time.monotonic()
        inner_paint(event)
        probe.add("paint", t0, time.monotonic())

    board.paintEvent = paint  # type: ignore[method-assign]
    probe.wrap(qtbus.QtBus, "_deliver", "decode", lambda self, topic, payload, model: topic.rsplit("/", 1)[-1])


def read_spans(path: str) -> list[tuple[str, float, float, str]]:
    out = []
    for ln in Path(path).read_text().splitlines():
        k, t0, t1, note = ln.split("\t")
        out.append((k, float(t0), float(t1), note))
    return out


def attribute(timeline: dict[str, tuple[float, float, float]], ctl: list[Any], board: list[Any], top: int) -> None:
    """For the slowest calls: what ran in the controller and on the board while each was on its way."""
    spans = [("ctl." + k, t0, t1, n) for k, t0, t1, n in ctl] + [("board." + k, t0, t1, n) for k, t0, t1, n in board]

    def total(kind: str, note: str = "") -> list[float]:
        return [(t1 - t0) * 1000 for k, t0, t1, n in spans if k == kind and note in n]

    print("## where the time goes (ms: p50 / p99 / max, n)")
    for kind, note in [
        ("ctl.burst", ""),
        ("ctl.burst", "refresh=True"),
        ("ctl.fsync", ""),
        ("ctl.checkpoint", ""),
        ("ctl.tidal", ""),
        ("ctl.publish", ""),
        ("ctl.publish", "refresh=True"),
        ("ctl.gc", ""),
        ("ctl.gc", "gen2"),
        ("board.paint", ""),
        ("board.decode", ""),
        ("board.decode", "windows"),
        ("board.gc", ""),
        ("board.gc", "gen2"),
    ]:
        v = total(kind, note)
        if v:
            print(
                f"  {kind + (' ' + note if note else ''):<28} {median(v):7.2f} / {pct(v, 0.99):7.2f} / {max(v):7.2f}"
                f"  n={len(v)}"
            )
    slow = sorted(timeline.items(), key=lambda kv: kv[1][2] - kv[1][0], reverse=True)[:top]
    print(f"## the {len(slow)} slowest calls through the controller: sent -> reply -> painted, and what overlapped")
    for ticket, (sent, reply, painted) in slow:
        over = [
            f"{k}{'(' + n + ')' if n else ''} {(t1 - t0) * 1000:.1f}@{(t0 - sent) * 1000:+.0f}"
            for k, t0, t1, n in spans
            if t1 >= sent and t0 <= painted and (t1 - t0) * 1000 >= 0.5 and k != "ctl.rx"
        ]
        print(
            f"  {ticket}: total {(painted - sent) * 1000:6.1f} ms (reply {(reply - sent) * 1000:5.1f}, "
            f"reply->painted {(painted - reply) * 1000:6.1f}): " + "; ".join(over[:14])
        )


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


def via_controller(
    client: BusClient,
    n: int,
    rate: float,
    painted: dict[str, float],
    replies: dict[str, tuple[float, float]] | None = None,
) -> list[float]:
    sent: dict[str, float] = {}
    windows = ["1", "2", "3", "4", "5", "6", "7"]  # business-setup and tax windows

    def work() -> None:
        def step(i: int) -> None:
            t0 = time.monotonic()
            reply = client.send(f"window/{windows[i % len(windows)]}", {"action": "next"}, timeout=5)
            if reply.ok and reply.ticket is not None:
                sent[reply.ticket.number] = t0
                if replies is not None:
                    replies[reply.ticket.number] = (t0, time.monotonic())

        paced(n, rate, step)
        time.sleep(0.5)

    run_loop(work, n / rate + 15)
    return [(painted[t] - sent[t]) * 1000 for t in sent if t in painted]


def cpu_stall_us() -> float:
    """Microseconds runnable tasks waited for a CPU so far (Linux PSI `some`; nan without PSI):
    the share of a run's wall time spent so says how loaded the box was."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return float("nan")
    return float(first.rsplit("total=", 1)[-1])


def rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--rate", type=float, default=10.0, help="calls per second")
    ap.add_argument("--idle-s", type=float, default=30.0)
    ap.add_argument("--diagnose", action="store_true", help="probe the controller and the board (see above)")
    ap.add_argument("--top", type=int, default=8, help="--diagnose: slowest calls to explain")
    ap.add_argument(
        "--gc-freeze",
        action="store_true",
        help="--diagnose: gc.freeze() in the controller after its start and in this process once the board is up",
    )
    ap.add_argument(
        "--gc-idle",
        action="store_true",
        help="--diagnose: in the controller, no automatic full GC; one every 30 s after a burst, inbox empty",
    )
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    stall0, wall_start = cpu_stall_us(), time.monotonic()
    loaded = load(EXAMPLE_HALL)
    hall = loaded.hall
    app = QApplication(sys.argv[:1])
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as tmp:
        base = baseline(broker.url, hall.hall.id, args.calls, args.rate)
        probe_file = str(Path(tmp) / "controller-spans.tsv")
        if args.diagnose:
            ctl = start_probed_controller(broker.url, str(Path(tmp) / "data"), probe_file, args.gc_freeze, args.gc_idle)
        else:
            ctl = start_controller(broker.url, tmp, env={"TIDEQ_HALL_SECRET": "bench"})
        board_probe = Probe()
        replies: dict[str, tuple[float, float]] = {}
        try:
            clock = Clock(hall.hall.timezone, datetime.strptime("10:00", "%H:%M").time())  # the controller's hall time
            display = DisplayApp(hall, board_config(hall, "main", None), broker.url, clock=clock).start()
            board = BoardWidget(display.model, Layout.FHD)
            board.show()
            if args.diagnose:
                board_probes(board_probe, board)
            client = BusClient(broker.url, hall.hall.id, "bench-staff").connect()
            for i in range(args.calls + 10):
                service = "tax" if i % 3 == 0 else "business-setup"
                assert client.send("ticket", {"service": service, "source": "kiosk-1"}).ok
            deadline = time.monotonic() + 10
            while display.model.liveness is not Liveness.LIVE and time.monotonic() < deadline:
                settle(app, 0.05)
            if args.gc_freeze:
                gc.collect()
                gc.freeze()
            painted, _ = board_latencies(board)
            ctl_ms = via_controller(client, args.calls, args.rate, painted, replies)
            timeline = {t: (s0, r, painted[t]) for t, (s0, r) in replies.items() if t in painted}
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
                f"board 1920x1080 offscreen, load average {load0:.2f} at start, {os.getloadavg()[0]:.2f} at end, "
                f"CPU pressure {(cpu_stall_us() - stall0) / 1e4 / (time.monotonic() - wall_start):.1f}% "
                "(PSI some: share of the run a runnable task waited for a core; ~0 on a quiet box)"
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
            split = [(r - s0) * 1000 for s0, r, _ in timeline.values()]
            print(summary("  of which sent -> reply", split, args.calls))
            print(summary("  reply -> painted", [(p - r) * 1000 for _, r, p in timeline.values()], args.calls))
            client.close()
            display.stop()
        finally:
            ctl.terminate()
            ctl.wait(10)
        if args.diagnose:
            attribute(timeline, read_spans(probe_file), board_probe.spans, args.top)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_controller"]:
        sys.exit(controller_child(sys.argv[2:]))
    sys.exit(main())
