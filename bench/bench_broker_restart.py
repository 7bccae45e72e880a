"""Broker restart: how long until every process is current again, on a real Mosquitto.

    python bench/bench_broker_restart.py [--rounds 3] [--down-s 0,1,3,7]

Processes: the controller in its own process (tideq.testing.processes.start_controller), and in
this process, each on its own BusClient as the real applications use it: a kiosk (cmd/ticket), a
board-like subscriber (status/controller, state/* and event/call, decoded with the contract's
types), a camera (sensor/crowd/zone-a every 0.5 s) and a counter (cmd/window/1). Each round stops
Mosquitto, keeps it down for `down_s` (0 = tideq.testing.Mosquitto.restart(), a plain restart),
starts it again on the same port, and measures for each process, from the moment the broker
listens again ("back"):

  kiosk / counter   reconnected (subscriptions acknowledged) and a command answered
  board             reconnected and all four state topics received again, stamped after the restart
  camera            reconnected and a reading published after it seen by an independent subscriber
  controller        status/controller `online` and the four state topics republished (seen by a probe)

The broker runs with `persistence false`, so its retained state is gone after a restart: the
controller's republish on reconnect is what brings the boards back. Goal: every process current
within 2 s of the broker being back. Baseline in the same run: a fresh BusClient's first connect
(connect + subscribe acknowledged) to the restarted broker.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from statistics import median

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import STATE_TOPICS, BusClient, BusError, CallEvent, CrowdLevel, CrowdReading
from tideq.testing import Mosquitto
from tideq.testing.processes import start_controller

GOAL_S = 2.0


class Probe:
    """A BusClient that records when it was (re)connected."""

    def __init__(self, url: str, hall: str, name: str) -> None:
        self.bus = BusClient(url, hall, f"bench-restart-{name}-{uuid.uuid4().hex[:4]}")
        self.up_at: float | None = None
        self.bus.on_connection = self._conn

    def _conn(self, up: bool) -> None:
        if up:
            self.up_at = time.monotonic()

    def start(self) -> Probe:
        self.bus.connect()
        return self


class Board(Probe):
    """Decodes status and the four state topics as a board does; records when each arrived."""

    def __init__(self, url: str, hall: str) -> None:
        super().__init__(url, hall, "board")
        self.seen: dict[str, float] = {}
        self.lock = threading.Lock()
        for name, model in STATE_TOPICS.items():
            self.bus.on(self.bus.topics.state(name), model, self._state)
        self.bus.on(self.bus.topics.event("call"), CallEvent, lambda t, m: None)
        self.bus.subscribe(self.bus.topics.status_controller, self._status)

    def _state(self, topic: str, msg: object) -> None:
        with self.lock:
            self.seen[topic.rsplit("/", 1)[-1]] = time.monotonic()

    def _status(self, topic: str, payload: bytes) -> None:
        if payload == b"online":
            with self.lock:
                self.seen["online"] = time.monotonic()

    def current_at(self, since: float) -> float | None:
        """When all four state topics and `online` had arrived after `since` (None: not yet)."""
        with self.lock:
            times = [self.seen.get(k) for k in (*STATE_TOPICS, "online")]
        if any(t is None or t < since for t in times):
            return None
        return max(t for t in times if t is not None)


class Camera(Probe):
    def __init__(self, url: str, hall: str) -> None:
        super().__init__(url, hall, "camera")
        self.stop = threading.Event()
        self.sent: list[tuple[float, int]] = []  # (monotonic, count) acknowledged by the broker
        self._n = 0

    def run(self) -> None:
        while not self.stop.is_set():
            if self.bus.connected.is_set():
                self._n += 1
                reading = CrowdReading(ts=datetime.now().astimezone(), count=self._n, level=CrowdLevel.LOW)
                info = self.bus.publish(self.bus.topics.sensor_crowd("zone-a"), reading, retain=True)
                self.sent.append((time.monotonic(), self._n))
                try:
                    info.wait_for_publish(0.5)
                except (RuntimeError, ValueError):
                    pass
            self.stop.wait(0.5)  # a camera publishes at 2 Hz


def answered(client: BusClient, command: str, args: dict[str, object], deadline: float) -> float | None:
    """Retry one command (same id: idempotent) until answered or the deadline; when answered."""
    cid = str(uuid.uuid4())
    while time.monotonic() < deadline:
        if not client.connected.is_set():
            time.sleep(0.01)  # waiting for paho's reconnect; nothing to wait on but its flag
            continue
        try:
            client.send(command, args, timeout=0.3, command_id=cid)
            return time.monotonic()
        except BusError:
            continue
    return None


def first_connect(url: str, hall: str) -> float:
    t0 = time.monotonic()
    c = BusClient(url, hall, f"bench-restart-fresh-{uuid.uuid4().hex[:4]}").connect()
    dt = time.monotonic() - t0
    c.close()
    return dt


def wait_for(pred: Callable[[], float | None], deadline: float) -> float | None:
    while time.monotonic() < deadline:
        t = pred()
        if t is not None:
            return t
        time.sleep(0.005)  # polling recorded timestamps
    return None


def one_round(
    broker: Mosquitto, hall: str, down_s: float, procs: dict[str, object], timeout_s: float
) -> dict[str, float]:
    kiosk, counter, board, camera, watcher = (
        procs["kiosk"],
        procs["counter"],
        procs["board"],
        procs["camera"],
        procs["watcher"],
    )
    assert isinstance(kiosk, Probe) and isinstance(counter, Probe) and isinstance(board, Board)
    assert isinstance(camera, Camera) and isinstance(watcher, Board)
    stopped = time.monotonic()
    if down_s <= 0:
        broker.restart()
    else:
        broker.stop()
        time.sleep(down_s)  # the broker is down this long (the scenario, not a synchronisation)
        broker.start()
    back = time.monotonic()
    deadline = back + timeout_s
    out: dict[str, float] = {"stop->back": back - stopped}
    results: dict[str, float | None] = {}

    def cmd(name: str, probe: Probe, command: str, args: dict[str, object]) -> None:
        results[name] = answered(probe.bus, command, args, deadline)

    threads = [
        threading.Thread(target=cmd, args=("kiosk", kiosk, "ticket", {"service": "tax", "source": "kiosk-1"})),
        threading.Thread(target=cmd, args=("counter", counter, "window/5", {"action": "next"})),
    ]
    for t in threads:
        t.start()
    results["board"] = wait_for(lambda: board.current_at(back), deadline)
    results["controller"] = wait_for(lambda: watcher.current_at(back), deadline)

    def camera_seen() -> float | None:
        got = watcher.seen.get("crowd")
        return got if got is not None and got >= back else None

    results["camera"] = wait_for(camera_seen, deadline)
    for t in threads:
        t.join()
    for name in ("kiosk", "counter", "board", "camera"):
        probe = procs[name]
        assert isinstance(probe, Probe)
        up = probe.up_at
        out[f"{name} reconnected"] = (up - back) if up is not None and up >= back else float("nan")
    for name, at in results.items():
        out[f"{name} current"] = (at - back) if at is not None else float("inf")
    out["fresh client connect (baseline)"] = first_connect(broker.url, hall)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="restarts per downtime")
    ap.add_argument("--down-s", default="0,1,3,7", help="comma-separated broker downtimes (s); 0 = restart()")
    ap.add_argument("--timeout-s", type=float, default=15.0, help="give up on a process after this long")
    args = ap.parse_args()
    hall = load(EXAMPLE_HALL).hall.hall.id
    downs = [float(x) for x in args.down_s.split(",") if x.strip()]
    rows: dict[tuple[float, str], list[float]] = {}
    with Mosquitto() as broker, tempfile.TemporaryDirectory() as tmp:
        ctl = start_controller(broker.url, tmp, env={"TIDEQ_HALL_SECRET": "bench"})
        try:
            staff = BusClient(broker.url, hall, "bench-restart-staff").connect()
            for _ in range(args.rounds * len(downs) + 5):  # someone to call at every restart
                staff.send("ticket", {"service": "tax", "source": "kiosk-1"})
            staff.close()
            board = Board(broker.url, hall).start()
            watcher = Board(broker.url, hall)
            watcher.bus.subscribe(
                watcher.bus.topics.sensor_crowd("zone-a"),
                lambda t, p: watcher.seen.__setitem__("crowd", time.monotonic()),
            )
            watcher.start()
            camera = Camera(broker.url, hall)
            camera.start()
            cam_thread = threading.Thread(target=camera.run, daemon=True)
            cam_thread.start()
            procs: dict[str, object] = {
                "kiosk": Probe(broker.url, hall, "kiosk").start(),
                "counter": Probe(broker.url, hall, "counter").start(),
                "board": board,
                "camera": camera,
                "watcher": watcher,
            }
            time.sleep(1.0)  # let the first readings and state settle before the first restart
            for down in downs:
                for _ in range(args.rounds):
                    r = one_round(broker, hall, down, procs, args.timeout_s)
                    for k, v in r.items():
                        rows.setdefault((down, k), []).append(v)
                    time.sleep(0.5)  # let the last retained messages land before the next restart
            camera.stop.set()
            cam_thread.join(2)
            for p in procs.values():
                assert isinstance(p, Probe)
                p.bus.close()
        finally:
            ctl.terminate()
            ctl.wait(10)
    print(f"broker restarts: {args.rounds} per downtime, seconds from the broker listening again (goal {GOAL_S:g} s)")
    worst_all = 0.0
    for down in downs:
        label = "restart()" if down <= 0 else f"down {down:g} s"
        print(f"## {label}")
        for (d, k), vals in rows.items():
            if d != down:
                continue
            worst = max(vals)
            if k.endswith("current"):
                worst_all = max(worst_all, worst)
            print(
                f"  {k:<34} median {median(vals):6.3f} s  max {worst:6.3f} s  ({', '.join(f'{v:.3f}' for v in vals)})"
            )
    met = "met" if worst_all <= GOAL_S else "NOT met"
    print(f"worst process current again after the broker is back: {worst_all:.3f} s (goal {GOAL_S:g} s: {met})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
