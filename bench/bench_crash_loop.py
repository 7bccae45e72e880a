"""kill -9 loop: the controller is killed mid-flight again and again while kiosks take tickets,
retrying under the same ids; nothing acknowledged may be lost or duplicated.

    python bench/bench_crash_loop.py [--cycles 1000] [--kiosks 4] [--per-cycle 3 15] [--seed 20261126]

Each cycle starts `tideq controller` (its own process, real Mosquitto, the event log on this disk),
lets the kiosks take a random number of tickets (each kiosk retries a timed-out request with the
same command id, as a real kiosk does), then kill -9s it while requests are in flight. At the end
every acknowledged ticket must be in the event log exactly once, numbers must run without gap or
repeat, and a last controller must issue the next number. Reported: acknowledged, lost,
duplicated, retries, tickets stored but never acknowledged to anyone, and restart times from
process start (python start and imports included) to its ready line, to `status/controller
online` on the broker, and to the first acknowledged ticket, as p50/p99/max.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tideq.contract import BusClient, RequestTimeout
from tideq.testing import Mosquitto
from tideq.testing.processes import start_controller

SERVICE, PREFIX = "general-consult", "H"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


def startup_phases(ready_line: str) -> dict[str, float]:
    """`... (startup s: python 0.251, config 0.020, ...)` -> {"python": 0.251, ...}."""
    _, _, tail = ready_line.partition("(startup s: ")
    out: dict[str, float] = {}
    for part in tail.rstrip(")\n").split(", "):
        name, _, value = part.rpartition(" ")
        if name:
            out[name] = float(value)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--kiosks", type=int, default=4)
    ap.add_argument("--per-cycle", type=int, nargs=2, default=(3, 15), metavar=("MIN", "MAX"))
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--data-dir", help="where the event log lives (default: a fresh temporary folder)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    env = {**os.environ, "TIDEQ_HALL_SECRET": "crash-bench"}
    data = Path(args.data_dir or tempfile.mkdtemp(prefix="tideq-crash-"))
    acked: dict[str, str] = {}  # command id -> ticket number
    conflicts: list[str] = []  # an id answered with two different numbers
    retries = [0]
    lock = threading.Lock()
    online_s: list[float] = []
    ready_s: list[float] = []
    pending: dict[int, str | None] = {}  # kiosk -> the id it is still retrying (kept across restarts)
    first_ticket_s: list[float] = []
    phases: list[dict[str, float]] = []  # per cycle, from the ready line: where the startup went
    with Mosquitto() as broker:
        status: queue.Queue = queue.Queue()
        watcher = BusClient(broker.url, "xian-hitech", "crash-watcher")
        watcher.subscribe("tideq/xian-hitech/status/controller", lambda t, p: status.put((time.perf_counter(), p)))
        watcher.connect()
        kiosks = [BusClient(broker.url, "xian-hitech", f"crash-kiosk-{i}").connect() for i in range(args.kiosks)]
        t_start = time.perf_counter()
        for cycle in range(args.cycles):
            while not status.empty():
                status.get_nowait()
            spawned = time.perf_counter()
            proc = start_controller(broker.url, data, env=env, on_ready=lambda ln: phases.append(startup_phases(ln)))
            ready_s.append(time.perf_counter() - spawned)
            target = len(acked) + rng.randint(*args.per_cycle)
            reached, stop = threading.Event(), threading.Event()
            first = [0.0]

            def kiosk(i: int, target: int, reached: threading.Event, stop: threading.Event, first=first) -> None:
                client = kiosks[i]
                while not stop.is_set():
                    cid = pending.get(i) or str(uuid.uuid4())
                    pending[i] = cid
                    try:
                        r = client.request(
                            "ticket", {"service": SERVICE, "source": "kiosk-1"}, command_id=cid, timeout=1.0
                        )
                    except RequestTimeout:  # the kiosk retries with the same id, across restarts too
                        with lock:
                            retries[0] += 1
                        continue
                    pending[i] = None
                    if not r.get("ok"):
                        continue
                    with lock:
                        first[0] = first[0] or time.perf_counter()
                        number = r["ticket"]["number"]
                        if acked.setdefault(cid, number) != number:
                            conflicts.append(cid)
                        if len(acked) >= target:
                            reached.set()

            threads = [threading.Thread(target=kiosk, args=(i, target, reached, stop)) for i in range(len(kiosks))]
            for t in threads:
                t.start()
            ok = reached.wait(30)
            os.kill(proc.pid, signal.SIGKILL)  # mid-flight: the kiosks are still sending
            proc.wait()
            stop.set()
            for t in threads:
                t.join(10)
            while True:  # the online this controller published (the will's offline may come first)
                try:
                    at, payload = status.get_nowait()
                except queue.Empty:
                    break
                if payload == b"online":
                    online_s.append(at - spawned)
                    break
            if first[0]:
                first_ticket_s.append(first[0] - spawned)
            if not ok:
                print(f"cycle {cycle}: only {len(acked)} tickets in 30 s", file=sys.stderr)
                break
            if (cycle + 1) % 50 == 0:
                print(
                    f"{cycle + 1} cycles, {len(acked)} acknowledged, {time.perf_counter() - t_start:.0f} s", flush=True
                )
        proc = start_controller(broker.url, data, env=env)
        try:
            db = sqlite3.connect(data / "events.sqlite3")
            issued = [
                n
                for (n,) in db.execute(
                    "SELECT json_extract(data, '$.number') FROM events WHERE kind = 'ticket_issued' ORDER BY seq"
                )
            ]
            for i, cid in pending.items():  # the last retries, against the last controller
                if cid:
                    r = kiosks[i].request(
                        "ticket", {"service": SERVICE, "source": "kiosk-1"}, command_id=cid, timeout=5
                    )
                    number = r["ticket"]["number"]
                    if acked.setdefault(cid, number) != number:
                        conflicts.append(cid)
            issued = [
                n
                for (n,) in db.execute(
                    "SELECT json_extract(data, '$.number') FROM events WHERE kind = 'ticket_issued' ORDER BY seq"
                )
            ]
            after = kiosks[0].request("ticket", {"service": SERVICE, "source": "kiosk-1"}, timeout=5)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
            for k in kiosks:
                k.close()
            watcher.close()
    lost = set(acked.values()) - set(issued)
    duplicated = len(issued) - len(set(issued))
    gapless = issued == [f"{PREFIX}{i:03d}" for i in range(1, len(issued) + 1)]
    next_ok = after.get("ticket", {}).get("number") == f"{PREFIX}{len(issued) + 1:03d}"
    print(f"cycles {cycle + 1}, kiosks {args.kiosks}, seconds {time.perf_counter() - t_start:.0f}")
    print(f"acknowledged {len(acked)}, issued {len(issued)}, lost {len(lost)}, duplicated {duplicated}")
    print(f"issued but never acknowledged to any kiosk {len(set(issued) - set(acked.values()))}")
    print(f"same id answered with two numbers {len(conflicts)}, kiosk retries {retries[0]}")
    print(f"numbers gapless {gapless}, next number after the loop correct {next_ok}")
    for name, xs in (
        ("process start to ready line", ready_s),
        ("restart to online", online_s),
        ("restart to first ticket", first_ticket_s),
    ):
        print(
            f"{name} (s): p50 {pct(xs, 50):.3f}  p99 {pct(xs, 99):.3f}"
            f"  max {max(xs, default=float('nan')):.3f}  n {len(xs)}"
        )
    print("startup phases, from the controller's ready line (s):")
    for name in dict.fromkeys(k for p in phases for k in p):
        xs = [p.get(name, 0.0) for p in phases]
        print(f"  {name:>15}: p50 {pct(xs, 50):.3f}  p99 {pct(xs, 99):.3f}  max {max(xs):.3f}")
    slowest = sorted(range(len(ready_s)), key=ready_s.__getitem__)[-5:]
    for i in reversed(slowest):  # the tail, cycle by cycle: which phase grew
        detail = ", ".join(f"{k} {v:.3f}" for k, v in phases[i].items()) if i < len(phases) else "?"
        print(f"  slow cycle {i}: ready after {ready_s[i]:.3f} s ({detail})")
    return 0 if not lost and not duplicated and not conflicts and gapless and next_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
