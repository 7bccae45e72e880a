"""Central throughput with many halls: N real hall Mosquittos, each bridged to one central
Mosquitto by the block `tideq uplink` generates (TLS, per-hall login, QoS 1, persistent session),
with the centre's generated ACL; a baseline in the same run publishes the same traffic straight to
the centre (no bridges).

    python bench/bench_district.py [--halls 50] [--rate 3] [--seconds 10] [--burst 200]

Each simulated hall publishes state (~900 B, retained), events and health at `rate` messages a
second (a busy hall: state/services, state/queue and state/windows on every ticket and call,
a call event, health every 30 s), then a burst of `burst` messages per hall at once (every hall
reopening at 09:00). A publisher process drives all halls; the centre's subscriber (the district
page's view: tideq/+/state|event|health) times each message from its publish (wall clock of the
same box) to its arrival. Prints msgs/s received and p50/p99 end-to-end latency per phase.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tideq.broker.tls import write_tls
from tideq.broker.uplink import DISTRICT_USER, Hall, write_uplink
from tideq.config import EXAMPLE_HALL, load
from tideq.config.schema import DistrictConfig
from tideq.testing import Mosquitto
from tideq.testing.mosquitto import free_port

SUFFIXES = ("state/services", "state/queue", "event/call", "state/windows", "health/kiosk-1")
PAD = "x" * 800  # a state/services of a 10-service hall is ~900 bytes


def _client(cid: str, port: int, user: str | None = None, password: str | None = None) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cid)
    c.max_inflight_messages_set(1000)
    if user:
        c.username_pw_set(user, password)
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    return c


def publisher(
    targets: list[tuple[str, int, str | None, str | None]],
    rate: float,
    seconds: float,
    burst: int,
    start: Any,
    done: Any,
) -> None:
    """One process drives every hall: `targets` are (hall, port, user, password) of where each
    hall publishes (its own broker, or the centre for the baseline)."""
    clients = [(h, _client(f"sim-{h}", port, u, p)) for h, port, u, p in targets]
    done.put(("ready", len(clients)))
    start.wait()
    seq = 0

    def send(h: str, c: mqtt.Client, phase: str) -> mqtt.MQTTMessageInfo:
        nonlocal seq
        seq += 1
        suffix = SUFFIXES[seq % len(SUFFIXES)]
        body = json.dumps({"v": 1, "t": time.time_ns(), "phase": phase, "pad": PAD})
        return c.publish(f"tideq/{h}/{suffix}", body, qos=1, retain=suffix.startswith(("state/", "health/")))

    period = 1.0 / (rate * len(clients))
    t0 = time.monotonic()
    n = int(rate * len(clients) * seconds)
    infos = []
    for i in range(n):
        h, c = clients[i % len(clients)]
        wait = t0 + i * period - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # pacing the offered load, not synchronisation
        infos.append(send(h, c, "steady"))
    for info in infos:
        info.wait_for_publish(60)
    done.put(("steady", n))
    infos = [send(h, c, "burst") for _ in range(burst) for h, c in clients]
    for info in infos:
        info.wait_for_publish(120)
    done.put(("burst", len(infos)))
    for _, c in clients:
        c.disconnect()
        c.loop_stop()


@dataclass
class Phase:
    sent: int = 0
    latencies: list[float] | None = None
    first: float = 0.0
    last: float = 0.0


class Receiver:
    """The centre's subscriber: latency per phase (publish wall clock -> arrival)."""

    def __init__(self, port: int, password: str) -> None:
        self.cond = threading.Condition()
        self.phases: dict[str, Phase] = {"steady": Phase(latencies=[]), "burst": Phase(latencies=[])}
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{DISTRICT_USER}-bench")
        self.c.username_pw_set(DISTRICT_USER, password)
        subscribed = threading.Event()
        self.c.on_connect = lambda cl, *_: cl.subscribe(
            [("tideq/+/state/#", 1), ("tideq/+/event/#", 1), ("tideq/+/health/#", 1)]
        )
        self.c.on_subscribe = lambda *_: subscribed.set()
        self.c.on_message = self._on
        self.c.connect("127.0.0.1", port, keepalive=30)
        self.c.loop_start()
        if not subscribed.wait(10):
            raise RuntimeError("the bench subscriber could not subscribe on the centre")

    def _on(self, _c: Any, _u: Any, m: mqtt.MQTTMessage) -> None:
        if m.retain:  # a retained copy from an earlier run of the same phase
            return
        now = time.time_ns()
        body = json.loads(m.payload)
        p = self.phases[body["phase"]]
        with self.cond:
            assert p.latencies is not None
            if not p.latencies:
                p.first = now
            p.latencies.append((now - body["t"]) / 1e6)
            p.last = now
            self.cond.notify_all()

    def wait(self, phase: str, n: int, timeout: float) -> bool:
        p = self.phases[phase]
        with self.cond:
            return self.cond.wait_for(lambda: len(p.latencies or []) >= n, timeout)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def run(
    mode: str,
    targets: list[tuple[str, int, str | None, str | None]],
    centre_port: int,
    password: str,
    args: argparse.Namespace,
    pids: dict[str, list[int]],
) -> dict[str, Any]:
    rx = Receiver(centre_port, password)
    ctx = mp.get_context("spawn")
    start, done = ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=publisher, args=(targets, args.rate, args.seconds, args.burst, start, done))
    proc.start()
    assert done.get(timeout=120)[0] == "ready"
    cpu0 = {k: _cpu(v) for k, v in pids.items()}
    start.set()
    out: dict[str, Any] = {}
    for _ in range(2):
        phase, n = done.get(timeout=args.seconds + 300)
        ok = rx.wait(phase, n, 120)
        p = rx.phases[phase]
        lat = sorted(p.latencies or [])
        got = len(lat)
        span = max((p.last - p.first) / 1e9, 1e-9)
        out[phase] = {
            "sent": n,
            "received": got,
            "complete": ok,
            "msgs_s": got / span,
            "p50_ms": statistics.median(lat) if lat else float("nan"),
            "p99_ms": lat[int(0.99 * (got - 1))] if lat else float("nan"),
            "max_ms": lat[-1] if lat else float("nan"),
        }
    msgs = sum(out[p]["received"] for p in ("steady", "burst"))
    out["cpu_ms_per_1000"] = {k: 1e6 * (_cpu(v) - cpu0[k]) / max(msgs, 1) for k, v in pids.items()}
    proc.join(30)
    rx.close()
    return out


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes `pids` have used so far (/proc/PID/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--halls", type=int, default=50)
    ap.add_argument("--rate", type=float, default=3.0, help="messages a second per hall (steady phase)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the steady phase")
    ap.add_argument("--burst", type=int, default=200, help="messages per hall in the burst")
    args = ap.parse_args()
    hall = load(EXAMPLE_HALL).hall
    ids = [f"h{i:02d}" for i in range(args.halls)]
    with tempfile.TemporaryDirectory(prefix="tideq-district-") as tmpd:
        tmp = Path(tmpd)
        tls = write_tls(tmp, "district", ["127.0.0.1"])
        tls_port = free_port()
        env = {f"PW_{h.upper()}": f"pw-{h}" for h in ids}
        halls = [
            Hall(
                h,
                DistrictConfig(
                    address=f"127.0.0.1:{tls_port}",
                    ca_file=str(tls.ca_cert),
                    username=f"hall-{h}",
                    password_env=f"PW_{h.upper()}",
                ),
            )
            for h in ids
        ]
        _ = hall
        files = write_uplink(halls, tmp / "uplink", env)
        t = tmp / "tls"
        centre = Mosquitto(
            extra_config=[
                "user root",
                "allow_anonymous false",
                f"password_file {files.centre_passwd}",
                f"acl_file {files.centre_acl}",
                f"listener {tls_port} 127.0.0.1",
                f"cafile {t / 'ca.crt'}",
                f"certfile {t / 'server.crt'}",
                f"keyfile {t / 'server.key'}",
            ]
        ).start()
        brokers: list[Mosquitto] = []
        try:
            # baseline first: the same halls' logins straight to the centre, no bridges
            direct = [(h, centre.port, f"hall-{h}", env[f"PW_{h.upper()}"]) for h in ids]
            assert centre.proc is not None
            base = run("direct", direct, centre.port, files.reader_password, args, {"centre": [centre.proc.pid]})
            t0 = time.monotonic()
            for h in ids:
                brokers.append(
                    Mosquitto(extra_config=["user root", *files.bridges[h].read_text().splitlines()]).start()
                )
            started = time.monotonic() - t0
            bridged = [(h, b.port, None, None) for h, b in zip(ids, brokers, strict=True)]
            hall_pids = [b.proc.pid for b in brokers if b.proc is not None]
            br = run(
                "bridged",
                bridged,
                centre.port,
                files.reader_password,
                args,
                {"centre": [centre.proc.pid], "halls": hall_pids},
            )
        finally:
            for b in brokers:
                b.stop()
            centre.stop()
    print(
        f"{args.halls} halls, {args.rate:g} msg/s each for {args.seconds:g} s, then a burst of {args.burst} each; "
        f"{len(brokers)} hall Mosquittos bridged over TLS (started in {started:.1f} s)"
    )
    for name, res in (("direct to centre (baseline)", base), ("through hall bridges", br)):
        for phase in ("steady", "burst"):
            r = res[phase]
            print(
                f"  {name:28s} {phase:6s} received {r['received']:>6}/{r['sent']:<6} {r['msgs_s']:8.0f} msgs/s  "
                f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms"
            )
        cpu = ", ".join(f"{k} {v:.0f} ms" for k, v in res["cpu_ms_per_1000"].items())
        print(f"  {name:28s} broker CPU per 1,000 messages: {cpu}")
    lost = any(not res[p]["complete"] for res in (base, br) for p in ("steady", "burst"))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
