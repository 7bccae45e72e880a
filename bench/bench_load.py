"""Hall load: 20 kiosks, 40 counters, 10 boards and 4 cameras against one controller, for minutes.

    python bench/bench_load.py [--minutes 10] [--rate-factor 10]

The controller runs as its own process (tideq.testing.processes.start_controller) on a real
Mosquitto on loopback. The simulated devices are BusClients (no Qt), one per device, grouped in
four load processes (kiosks, counters, boards, cameras) so the load generator's GIL is not the
controller's latency:

- rate: a busy hall's peak is the simulator's `peak-day` scenario on the example hall at its
  highest (tideq.sim.scenarios; 09:30-11:30 and 14:00-16:30, half the services at 1.3x their
  staffed capacity, the rest at 0.75x): 0.0356 visitors/s, 128 an hour. Each visitor makes three
  commands (ticket, next, finish), so `--rate-factor 10` is 0.356 tickets/s and ~1.1 commands/s.
  Cameras publish at 2 Hz at a busy hall (tideq camera's default `--rate`, a changed count every
  update), so they publish at 2 x rate-factor Hz each.
- 20 kiosks: Poisson arrivals at rate-factor x peak / 20 each, services drawn by their peak-time
  arrival rates; services that need an identity get a random keyed hash. The example hall
  declares two kiosks, so the 20 share the device ids kiosk-1 and kiosk-2 as `source`.
- 40 counters: the example hall has 22 windows. Windows 1-18 (staffed) each have two devices,
  the caller terminal and the RS-485 keypad of the same clerk, who uses either (they alternate):
  36 clients. The tidal pool windows 19-22 have one terminal each: 4 clients, whose commands are
  refused (window closed) unless the tidal policy opened the window. A clerk's cycle is `next`,
  then `finish` half-way, at rate 1.1 x (tickets/s) / 18 per window, so queues stay short.
- 10 boards: subscribe status/controller, state/* and event/call and decode every payload with
  the contract's types (tideq.contract.decode), as a board does on paho's thread. Board delivery
  latency: `next` sent by a counter -> that call decoded at each board (the call event goes out
  right after the reply, and reaches the boards before the reply reaches the counter process).
- 4 cameras: sensor/crowd/zone-{a,b,c,d}, a random walk of counts (zone-a and zone-b are the
  hall's; c and d are extra cameras the policy does not use).

Errors: a command not answered within 5 s, a reply that is not a contract reply, a reply with a
protocol or server error code (bad_*, unknown_*, storage_failed, internal_error), a payload a
board cannot decode, an exception in a device. Refusals a clerk meets in a real hall
(no_ticket_waiting, window_closed, ...) are answers, counted separately. Baseline in the same run,
on the same broker at the same time: a bare echo round trip (a responder client, no controller)
at 10/s for the whole run, and the same echo for 10 s before the load starts.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import (
    BusClient,
    BusError,
    CallEvent,
    CrowdLevel,
    CrowdReading,
    decode,
)
from tideq.contract.errors import PayloadError
from tideq.contract.state import EVERY_STATE_TOPIC
from tideq.sim.scenarios import peak_day
from tideq.testing import Mosquitto
from tideq.testing.processes import start_controller

KIOSKS, BOARDS, CAMERAS = 20, 10, 4
STAFFED = [str(i) for i in range(1, 19)]
POOL = ["19", "20", "21", "22"]
ZONES = ["zone-a", "zone-b", "zone-c", "zone-d"]
CAMERA_HZ = 2.0  # a camera's update rate at a busy hall (tideq camera --rate default)
BOARD_READS = EVERY_STATE_TOPIC  # a board-like subscriber to state/# decodes each one
ERROR_CODES = {
    "bad_json",
    "bad_payload",
    "bad_sender",
    "payload_too_large",
    "unsupported_version",
    "unknown_command",
    "unknown_service",
    "unknown_window",
    "unknown_ticket",
    "storage_failed",
    "internal_error",
}
TIMEOUT_S = 5.0


def peak_rates(cfg: Any) -> tuple[float, dict[str, float]]:
    """(visitors/s at the busiest moment of peak-day, per-service arrival rates then)."""
    sc = peak_day(cfg)
    starts = sorted({a for ld in sc.loads for a, _, _ in ld.segments})
    best_t = max(starts, key=lambda t: sum(r for ld in sc.loads for a, b, r in ld.segments if a <= t < b))
    per = {ld.service: sum(r for a, b, r in ld.segments if a <= best_t < b) for ld in sc.loads}
    # booked visitors come on top of walk-ins (walk = 0.8 of the volume for booking services)
    per = {s: r / (0.8 if cfg.service(s).appointments else 1.0) for s, r in per.items()}
    return sum(per.values()), per


@dataclass
class Result:
    role: str
    latencies: dict[str, list[float]] = field(default_factory=dict)  # command -> ms
    codes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    sent: dict[str, tuple[float, float]] = field(default_factory=dict)  # ticket called -> (sent, answered)
    calls: list[tuple[str, float]] = field(default_factory=list)  # (ticket, decoded at a board)
    decoded: int = 0
    published: int = 0


def _clients(url: str, hall: str, prefix: str, n: int) -> list[BusClient]:
    return [BusClient(url, hall, f"{prefix}-{i}-{uuid.uuid4().hex[:4]}").connect(timeout=10) for i in range(n)]


def _command(res: Result, lock: threading.Lock, client: BusClient, command: str, args: dict[str, Any]) -> Any:
    kind = command.split("/")[0] if not command.startswith("window") else str(args["action"])
    t0 = time.monotonic()
    try:
        reply = client.send(command, args, timeout=TIMEOUT_S)
    except BusError as err:
        with lock:
            res.errors[f"{kind}: {type(err).__name__}"] += 1
        return None
    t1 = time.monotonic()
    with lock:
        res.latencies.setdefault(kind, []).append((t1 - t0) * 1000)
        if reply.ok:
            res.codes[f"{kind}: ok"] += 1
        else:
            code = reply.error.code.value if reply.error else "?"
            (res.errors if code in ERROR_CODES else res.codes)[f"{kind}: {code}"] += 1
        if reply.ok and kind == "next" and reply.ticket is not None:
            res.sent[reply.ticket.number] = (t0, t1)
    return reply


def _until(end: float, stop: threading.Event, delay: float) -> bool:
    """Sleep `delay` (paced load) unless the run ends first; True while the run goes on."""
    remaining = end - time.monotonic()
    if remaining <= 0:
        return False
    stop.wait(min(delay, remaining))
    return time.monotonic() < end


def role_main(
    role: str, url: str, hall_file: str, factor: float, ready: Any, go: Any, duration: float, out: Any
) -> None:
    cfg = load(Path(hall_file)).hall
    hall = cfg.hall.id
    total, per = peak_rates(cfg)
    lam = total * factor  # tickets/s
    res = Result(role)
    lock = threading.Lock()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    clients: list[BusClient] = []
    try:
        if role == "kiosks":
            clients = _clients(url, hall, "load-kiosk", KIOSKS)
            services, weights = list(per), list(per.values())

            def kiosk(i: int, c: BusClient) -> None:
                rng = random.Random(i)
                go.wait()
                end = time.monotonic() + duration
                while _until(end, stop, rng.expovariate(lam / KIOSKS)):
                    sid = rng.choices(services, weights)[0]
                    # the example hall declares kiosk-1 and kiosk-2; the 20 simulated kiosks share those ids
                    args: dict[str, Any] = {"service": sid, "source": f"kiosk-{i % 2 + 1}"}
                    svc = cfg.service(sid)
                    if svc is not None and svc.identity_required:
                        args["identity"] = secrets.token_hex(32)
                    _command(res, lock, c, "ticket", args)

            threads = [threading.Thread(target=kiosk, args=(i, c)) for i, c in enumerate(clients)]
        elif role == "counters":
            clients = _clients(url, hall, "load-counter", 2 * len(STAFFED) + len(POOL))
            devices = {w: clients[2 * i : 2 * i + 2] for i, w in enumerate(STAFFED)}
            devices |= {w: [clients[2 * len(STAFFED) + i]] for i, w in enumerate(POOL)}
            mu = 1.1 * lam / len(STAFFED)  # cycles/s per window

            def clerk(w: str, devs: list[BusClient]) -> None:
                rng = random.Random(w)
                go.wait()
                end = time.monotonic() + duration
                k = 0
                while _until(end, stop, rng.expovariate(mu) / 2):
                    action = "next" if k % 2 == 0 else "finish"
                    _command(res, lock, devs[k % len(devs)], f"window/{w}", {"action": action})
                    k += 1

            threads = [threading.Thread(target=clerk, args=(w, d)) for w, d in devices.items()]
        elif role == "boards":
            clients = [BusClient(url, hall, f"load-board-{i}-{uuid.uuid4().hex[:4]}") for i in range(BOARDS)]

            def board_sub(c: BusClient) -> None:
                def on_state(topic: str, payload: bytes) -> None:
                    if not payload:
                        return
                    try:
                        decode(BOARD_READS[topic.rsplit("/", 1)[-1]], payload)
                    except (PayloadError, KeyError) as err:
                        with lock:
                            res.errors[f"board decode {topic}: {type(err).__name__}"] += 1
                        return
                    with lock:
                        res.decoded += 1

                def on_call(topic: str, payload: bytes) -> None:
                    try:
                        e = decode(CallEvent, payload)
                    except PayloadError as err:
                        with lock:
                            res.errors[f"board decode event/call: {type(err).__name__}"] += 1
                        return
                    now = time.monotonic()
                    with lock:
                        res.decoded += 1
                        res.calls.append((e.ticket, now))

                c.subscribe(c.topics.state("+"), on_state)
                c.subscribe(c.topics.event("call"), on_call)
                c.subscribe(c.topics.status_controller, lambda t, p: None)

            for c in clients:
                board_sub(c)
                c.connect(timeout=10)
            go_then_end = threading.Thread(target=lambda: (go.wait(), stop.wait(duration + 3)))
            threads = [go_then_end]
        elif role == "cameras":
            clients = _clients(url, hall, "load-camera", CAMERAS)
            hz = CAMERA_HZ * factor

            def camera(i: int, c: BusClient) -> None:
                rng = random.Random(100 + i)
                count = 5
                go.wait()
                end = time.monotonic() + duration
                while _until(end, stop, 1.0 / hz):
                    count = max(0, min(60, count + rng.choice((-2, -1, 0, 1, 2))))
                    level = CrowdLevel.CROWDED if count >= 30 else CrowdLevel.BUSY if count >= 12 else CrowdLevel.LOW
                    c.publish(
                        c.topics.sensor_crowd(ZONES[i]),
                        CrowdReading(ts=datetime.now().astimezone(), count=count, level=level, camera=f"cam-{i + 1}"),
                        retain=True,
                    )
                    with lock:
                        res.published += 1

            threads = [threading.Thread(target=camera, args=(i, c)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        ready.set()
        for t in threads:
            t.join()
    except Exception as err:  # reported as an error of the run, not a crash of the bench
        res.errors[f"{role}: {type(err).__name__}: {err}"] += 1
        ready.set()
    finally:
        for c in clients:
            c.close()
    out.put(res)


class Echo:
    """The baseline: a bare request/reply through the same broker, no controller."""

    def __init__(self, url: str, hall: str) -> None:
        self.responder = BusClient(url, hall, f"load-echo-{uuid.uuid4().hex[:4]}")
        self.responder.subscribe(self.responder.topics.cmd("+", "echo-bench"), self._echo)
        self.responder.connect()
        self.client = BusClient(url, hall, f"load-echo-client-{uuid.uuid4().hex[:4]}").connect()
        self.ms: list[float] = []
        self.errors = 0

    def _echo(self, topic: str, payload: bytes) -> None:
        import json

        body = json.loads(payload)
        self.responder.publish(self.responder.topics.reply_for(topic), {"v": 1, "id": body["id"], "ok": True})

    def run(self, seconds: float, rate: float = 10.0) -> list[float]:
        ms: list[float] = []
        end = time.monotonic() + seconds
        nxt = time.monotonic()
        while time.monotonic() < end:
            t0 = time.monotonic()
            try:
                self.client.request("echo-bench", {}, timeout=TIMEOUT_S)
                ms.append((time.monotonic() - t0) * 1000)
            except BusError:
                self.errors += 1
            nxt += 1 / rate
            time.sleep(max(0.0, nxt - time.monotonic()))  # pacing the baseline's load
        return ms

    def close(self) -> None:
        self.client.close()
        self.responder.close()


def cpu_stall_us() -> float:
    """Microseconds runnable tasks waited for a CPU so far (Linux PSI `some`; nan without PSI)."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return float("nan")
    return float(first.rsplit("total=", 1)[-1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def line(name: str, ms: list[float]) -> str:
    if not ms:
        return f"{name:<42} n=    0"
    return f"{name:<42} n={len(ms):>6}  p50 {median(ms):7.2f} ms  p99 {pct(ms, 0.99):7.2f} ms  max {max(ms):8.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate-factor", type=float, default=10.0, help="times a busy hall's peak (default 10)")
    ap.add_argument("--sample-s", type=float, default=None, help="controller RSS every this many s (default run/12)")
    args = ap.parse_args()
    duration = args.minutes * 60
    sample_s = args.sample_s or max(5.0, duration / 12)
    loaded = load(EXAMPLE_HALL)
    cfg = loaded.hall
    total, _ = peak_rates(cfg)
    lam = total * args.rate_factor
    mu_total = 1.1 * lam  # next/s over the 18 staffed windows (finish at the same rate)
    cmds = lam + 2 * mu_total * (len(STAFFED) + len(POOL)) / len(STAFFED)
    print(
        f"peak-day busiest moment {total:.4f} visitors/s ({total * 3600:.0f}/h); x{args.rate_factor:g}: "
        f"{lam:.3f} tickets/s, ~{cmds:.2f} commands/s (ticket + next + finish, incl. pool windows), "
        f"{CAMERAS} cameras x {CAMERA_HZ * args.rate_factor:g} Hz; {args.minutes:g} min; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    ctx = mp.get_context("spawn")  # no threads of this process leak into the load processes
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as tmp:
        ctl = start_controller(broker.url, tmp, env={"TIDEQ_HALL_SECRET": "bench"})
        procs: list[Any] = []
        try:
            echo = Echo(broker.url, cfg.hall.id)
            idle_echo = echo.run(10.0)
            out = ctx.Queue()
            go = ctx.Event()
            readies = []
            for role in ("boards", "kiosks", "counters", "cameras"):
                ready = ctx.Event()
                p = ctx.Process(
                    target=role_main,
                    args=(role, broker.url, str(EXAMPLE_HALL), args.rate_factor, ready, go, duration, out),
                    daemon=True,
                )
                p.start()
                procs.append(p)
                readies.append(ready)
            for r in readies:
                if not r.wait(60):
                    raise RuntimeError("a load process did not get ready within 60 s")
            rss: list[tuple[float, float]] = [(0.0, rss_mb(ctl.pid))]
            go.set()
            t0 = time.monotonic()
            stall0 = cpu_stall_us()
            loaded_echo: list[float] = []
            echo_thread = threading.Thread(target=lambda: loaded_echo.extend(echo.run(duration)), daemon=True)
            echo_thread.start()
            while time.monotonic() - t0 < duration:
                time.sleep(min(sample_s, max(0.0, duration - (time.monotonic() - t0))))  # sampling interval
                rss.append((time.monotonic() - t0, rss_mb(ctl.pid)))
            echo_thread.join(TIMEOUT_S + 1)
            pressure = (cpu_stall_us() - stall0) / 1e4 / (time.monotonic() - t0)
            results = [out.get(timeout=60) for _ in procs]
            for p in procs:
                p.join(10)
            alive = ctl.poll() is None
            echo.close()
        finally:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            ctl.terminate()
            ctl.wait(10)
    by = {r.role: r for r in results}
    errors: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for r in results:
        errors.update(r.errors)
        codes.update(r.codes)
    if echo.errors:
        errors["echo baseline timeouts"] += echo.errors
    if not alive:
        errors["controller exited"] += 1
    lat = {**by["kiosks"].latencies, **by["counters"].latencies}
    all_cmds = [x for v in lat.values() for x in v]
    sent = by["counters"].sent
    deliver = [(t - sent[tk][0]) * 1000 for tk, t in by["boards"].calls if tk in sent]
    n_cmds = len(all_cmds) + sum(errors[k] for k in errors if "Timeout" in k)
    print(
        f"commands answered {len(all_cmds)} in {duration:.0f} s = {len(all_cmds) / duration:.2f}/s; "
        f"camera readings {by['cameras'].published} = {by['cameras'].published / duration:.1f}/s; "
        f"payloads decoded at boards {by['boards'].decoded}"
    )
    print(
        f"CPU pressure during the load {pressure:.1f}% (PSI some: share of the run a runnable task waited for a core)"
    )
    print(f"errors: {sum(errors.values())}" + (f"  {dict(errors)}" if errors else ""))
    print(f"answers: {dict(sorted(codes.items()))}")
    print(line("all commands (sent -> reply)", all_cmds))
    for k in sorted(lat):
        print(line(f"  {k}", lat[k]))
    print(line("call: next sent -> decoded at a board", deliver))
    print(line("baseline: echo round trip during the load", loaded_echo))
    print(line("baseline: echo round trip before the load", idle_echo))
    if all_cmds and loaded_echo:
        print(
            f"ratio p99 commands / echo during load {pct(all_cmds, 0.99) / pct(loaded_echo, 0.99):.1f}x, "
            f"p50 {median(all_cmds) / median(loaded_echo):.1f}x"
        )
    print("controller RSS (MB) at s: " + ", ".join(f"{t:.0f}:{m:.1f}" for t, m in rss))
    third = max(1, len(rss) // 3)
    first = median(m for _, m in rss[1 : 1 + third]) if len(rss) > 2 else rss[0][1]
    last = median(m for _, m in rss[-third:])
    print(
        f"controller RSS first third {first:.1f} MB, last third {last:.1f} MB, change {last - first:+.1f} MB "
        f"({(last - first) / max(1e-9, args.minutes):+.2f} MB/min)"
    )
    print(
        f"goal: 0 errors, p99 <= 20 ms: errors {sum(errors.values())}, p99 {pct(all_cmds, 0.99):.2f} ms "
        f"({'met' if not sum(errors.values()) and pct(all_cmds, 0.99) <= 20 else 'NOT met'}); n attempted {n_cmds}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
