"""Durable tickets end to end through Mosquitto: throughput and latency, with same-run baselines.

    python bench/bench_controller.py [--seconds 10] [--clients 16] [--rate 100]

The controller runs as its own process (as in a hall). Baselines measured in the same run:
- broker round trip: a bare responder that echoes through the same Mosquitto (no engine, no disk);
- fsync rate: single-row SQLite commits with synchronous=FULL on the same disk.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tideq.contract import BusClient
from tideq.testing import Mosquitto
from tideq.testing.processes import start_controller as start_controller_process

HALL = "xian-hitech"
ECHO_HALL = "bench-echo"  # its own prefix, so the controller never sees the echo traffic


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def start_controller(url: str, data: Path) -> subprocess.Popen[str]:
    return start_controller_process(url, data, start_at="09:00", env={"TIDEQ_HALL_SECRET": "bench"})


def saturate(url: str, kiosks: int, seconds: float, command: str, args: dict, hall: str = HALL) -> tuple[int, float]:
    """`kiosks` requests always in flight (pipelined on one connection, as a kiosk gateway or
    many kiosks would keep the controller busy); returns (acknowledged, seconds)."""
    client = BusClient(url, hall, f"sat-{uuid.uuid4().hex[:6]}")
    window = threading.Semaphore(kiosks)
    acked = [0]

    def on_reply(topic: str, payload: bytes) -> None:
        acked[0] += 1
        window.release()

    client.subscribe(client.topics.reply(client.client_id), on_reply)
    client.connect()
    topic = client.topics.cmd(client.client_id, command)
    t0 = time.perf_counter()
    stop = t0 + seconds
    sent = 0
    while time.perf_counter() < stop:
        if window.acquire(timeout=1):
            client.publish(topic, {"v": 1, "id": uuid.uuid4().hex, **args})
            sent += 1
    for _ in range(kiosks):  # drain what is still in flight
        window.acquire(timeout=5)
    elapsed = time.perf_counter() - t0
    client.close()
    assert acked[0] == sent, f"{sent - acked[0]} requests unanswered"
    return acked[0], elapsed


def saturate_procs(
    url: str, procs: int, kiosks: int, seconds: float, command: str, args: dict, hall: str = HALL
) -> tuple[int, float]:
    """The same load from `procs` client processes (one Python process cannot feed the broker
    and controller fast enough on its own); returns (acknowledged, seconds)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(procs) as pool:
        runs = list(
            pool.map(
                saturate,
                [url] * procs,
                [kiosks // procs] * procs,
                [seconds] * procs,
                [command] * procs,
                [args] * procs,
                [hall] * procs,
            )
        )
    return sum(n for n, _ in runs), max(s for _, s in runs)


def paced(url: str, rate: float, seconds: float, command: str, args: dict, hall: str = HALL) -> list[float]:
    """Open-loop load at `rate`/s (each request on its own thread); latencies in ms."""
    client = BusClient(url, hall, f"paced-{uuid.uuid4().hex[:4]}").connect()
    lat: list[float] = []
    lock = threading.Lock()
    threads = []

    def one() -> None:
        t = time.perf_counter()
        client.request(command, args, timeout=5)
        with lock:
            lat.append((time.perf_counter() - t) * 1000)

    n = int(rate * seconds)
    t0 = time.perf_counter()
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)  # pacing the open-loop load, not synchronisation
        th = threading.Thread(target=one)
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    client.close()
    return lat


class Echo:
    """The baseline responder: answers every cmd/+/echo at once, through the same broker."""

    def __init__(self, url: str) -> None:
        self.bus = BusClient(url, ECHO_HALL, "echo")
        self.bus.subscribe(self.bus.topics.cmd("+", "echo"), self._on)
        self.bus.connect()

    def _on(self, topic: str, payload: bytes) -> None:
        import json

        body = json.loads(payload)
        self.bus.publish(self.bus.topics.reply_for(topic), {"v": 1, "id": body["id"], "ok": True})


def fsync_rate(path: Path, n: int = 500) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t(x TEXT)")
    t = time.perf_counter()
    for _ in range(n):
        db.execute("BEGIN")
        db.execute("INSERT INTO t VALUES (?)", ("x" * 200,))
        db.execute("COMMIT")
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=32, help="requests in flight")
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--procs", type=int, default=2, help="client processes generating the load")
    a = ap.parse_args()
    ticket = {"service": "general-consult", "source": "kiosk-1"}
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as tmp:
        echo = Echo(broker.url)
        proc = start_controller(broker.url, Path(tmp))
        try:
            base_n, base_s = saturate_procs(broker.url, a.procs, a.clients, a.seconds / 2, "echo", {}, ECHO_HALL)
            n, s = saturate_procs(broker.url, a.procs, a.clients, a.seconds, "ticket", ticket)
            base_lat = paced(broker.url, a.rate, a.seconds / 2, "echo", {}, ECHO_HALL)
            lat = paced(broker.url, a.rate, a.seconds, "ticket", ticket)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
            echo.bus.close()
        fs = fsync_rate(Path(tmp) / "fsync.db")
    tput = n / s
    print(f"durable tickets/s, {a.clients} in flight, {a.procs} procs  : {tput:8.0f}  (goal >= 1000)")
    print(f"bare broker round trips/s (baseline)        : {base_n / base_s:8.0f}  ratio {tput / (base_n / base_s):.2f}")
    print(f"single-commit fsyncs/s on this disk         : {fs:8.0f}  tickets per fsync-time {tput / fs:.2f}")
    print(
        f"latency at {a.rate:.0f}/s: p50 {statistics.median(lat):.2f} ms  p99 {pct(lat, 99):.2f} ms  "
        f"max {max(lat):.2f} ms  (goal p99 < 20 ms, n={len(lat)})"
    )
    print(
        f"baseline echo at {a.rate:.0f}/s: p50 {statistics.median(base_lat):.2f} ms  p99 {pct(base_lat, 99):.2f} ms"
        f"  -> controller adds {statistics.median(lat) - statistics.median(base_lat):.2f} ms at p50"
    )


if __name__ == "__main__":
    main()
