"""Keypad bus figures at a real line speed (issue 6).

A simulated line holds every answer for the wire time of request + answer at `--baud`
(10 bits a byte) plus a 2 ms turnaround, so the figures are those of a 9600-baud RS-485 line,
not of the pty. Measures the idle poll cycle of N keypads, the cycle with one keypad unplugged,
and key press -> `cmd/window/{w}` received on a real Mosquitto (bridge + a minimal responder).

    python bench/bench_keypad.py [--keypads 8] [--baud 9600] [--presses 40]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time

from tideq.bridge.service import SerialCounterBridge
from tideq.config.schema import HallConfig
from tideq.contract.client import BusClient
from tideq.drivers.keypad import Key, KeypadMaster
from tideq.drivers.keypad.sim import KeypadBusSim
from tideq.testing import Mosquitto


def hall(n: int) -> HallConfig:
    return HallConfig.model_validate(
        {
            "hall": {"id": "bench", "name": {"zh": "基准", "en": "Bench"}, "hours": {}},
            "services": [{"id": "s", "name": {"zh": "业务", "en": "Service"}, "prefix": "A"}],
            "windows": [
                {"id": str(a), "name": {"zh": f"{a}号", "en": f"W{a}"}, "services": ["s"], "keypad_address": a}
                for a in range(1, n + 1)
            ],
        }
    )


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keypads", type=int, default=8)
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--presses", type=int, default=40)
    a = ap.parse_args()
    n, baud = a.keypads, a.baud
    wire_ms = (10 + 10) * 10 / baud * 1000 + 2  # POLL(10 B) + IDLE(10 B) + turnaround
    print(f"# {n} keypads, {baud} baud; model per poll {wire_ms:.1f} ms, cycle {n * wire_ms:.0f} ms")

    with Mosquitto() as broker, KeypadBusSim(wire_baud=baud) as sim:
        pads = [sim.add_keypad(addr) for addr in range(1, n + 1)]
        received: dict[tuple[str, str], float] = {}
        got = threading.Condition()
        responder = BusClient(broker.url, "bench", "bench-responder")

        def on_cmd(topic: str, payload: bytes) -> None:
            t = time.monotonic()
            body = json.loads(payload)
            with got:
                received[(topic.rsplit("/", 1)[1], body["id"])] = t
                got.notify_all()
            responder.publish(
                responder.topics.reply_for(topic), {"v": 1, "id": body["id"], "ok": True, "ticket": {"number": "A001"}}
            )

        responder.subscribe(responder.topics.cmd("+", "window/+"), on_cmd)
        responder.connect()
        client = BusClient(broker.url, "bench", "bench-bridge").connect()
        master = KeypadMaster(
            sim.url, range(1, n + 1), bus_id="keypads-1", baudrate=baud, timeout_s=0.2, retries=2, min_cycle_s=0.0
        )
        bridge = SerialCounterBridge(hall(n), client, keypads=master).start()
        try:
            start = master.cycles.count
            assert master.wait_until(lambda: master.cycles.count >= start + 30, 60)
            idle = master.cycles.times[start + 5 : start + 30]
            print(f"idle cycle: mean {statistics.mean(idle) * 1000:.0f} ms, p95 {pct(idle, 0.95) * 1000:.0f} ms")

            lat: list[float] = []
            rng = random.Random(6)
            for i in range(a.presses):
                time.sleep(rng.uniform(0, statistics.mean(idle)))  # random phase against the poll cycle
                pad = pads[i % n]
                before = len(received)
                t0 = time.monotonic()
                pad.press(Key.NEXT)
                with got:
                    assert got.wait_for(lambda before=before: len(received) > before, 10)
                    t1 = max(received.values())
                lat.append(t1 - t0)
            print(
                f"press -> cmd published: mean {statistics.mean(lat) * 1000:.0f} ms, "
                f"p50 {pct(lat, 0.5) * 1000:.0f} ms, p95 {pct(lat, 0.95) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms "
                f"({len(lat)} presses)"
            )

            pads[-1].unplug()
            assert master.wait_until(lambda: master.health().state.value == "degraded", 30)
            start = master.cycles.count
            assert master.wait_until(lambda: master.cycles.count >= start + 20, 60)
            quiet = master.cycles.times[start : start + 20]
            print(
                f"cycle with 1 keypad unplugged: mean {statistics.mean(quiet) * 1000:.0f} ms, "
                f"max {max(quiet) * 1000:.0f} ms (probed 1 attempt every {master.quiet_probe_every} cycles)"
            )
            print(f"bad frames {master.bad_frames}, garbage {master.garbage_bytes}, timeouts {master.stats.timeouts}")
        finally:
            bridge.stop()
            client.close()
            responder.close()


if __name__ == "__main__":
    main()
