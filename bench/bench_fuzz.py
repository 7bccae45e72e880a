"""100,000 fuzzed payloads across every controller topic: 0 crashes, 0 hangs, 0 phantom tickets,
0 publishes outside the sender's topic, memory flat.

    python bench/bench_fuzz.py [--payloads 100000] [--batch 64] [--seconds 900] [--seed 12]

A real controller (in-process, real Mosquitto, the event log in a temporary folder) takes the
payloads in bursts through `worker.process()`, as its worker thread would: valid commands with
fields mutated to arbitrary JSON, arbitrary JSON objects, raw bytes (deep nesting, lone surrogates,
control characters, huge numbers, wrong `v`), on cmd/ticket, checkin, rejoin, window/{id}, tidal,
appointments and unknown names, and crowd readings on sensor/crowd/{zone}. Checked on every
burst: process() never raises and returns within --hang-s; every command is answered exactly once
(reply on the sender's topic, or event/rejected); paho's outgoing queue is let drain when
over 1,000 messages (driving process() directly skips the inbound network, which otherwise paces
the controller); nothing is published outside the sender's reply
topic and the controller's own topics; no answer is internal_error. Every 500th payload runs
alone with a before/after comparison of the engine and the event log when it is refused. At the
end every ticket in the engine was acknowledged to someone (no phantom tickets) and the event log
folds again without quarantine. RSS is printed at intervals.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tideq.config import EXAMPLE_HALL, load
from tideq.controller.inbox import Command, Item, Reading
from tideq.controller.publisher import RateLimit
from tideq.controller.service import ControllerService
from tideq.testing import ManualClock, Mosquitto
from tideq.testing.fuzz import BASES, NAMES, OWN

HALL = "tideq/xian-hitech"
ME = "fuzzer"
REPLY = f"{HALL}/reply/{ME}"
KEYS = ["v", "id", "reply_to", "service", "source", "priority", "identity", "code", "ticket", "action", "rating"]
ODD = ["\x00", "\ud800", "\u0001", "a/b", "+", "#", "tax", "B001", "5", "next", "call", "open", "1e0", ""]


def value(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if r < 0.15 and depth < 3:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if r < 0.25 and depth < 3:
        return {rng.choice([*KEYS, "x"]): value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice(
        [
            None,
            True,
            False,
            0,
            1,
            -1,
            2**70,
            1.5,
            1e308,
            rng.choice(ODD),
            "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 12))),
        ]
    )


def payload(rng: random.Random) -> tuple[str, bytes]:
    name = rng.choice(NAMES)
    kind = rng.random()
    if kind < 0.6:  # a valid command, mutated
        body: dict[str, Any] = {
            "v": 1,
            "id": uuid.UUID(int=rng.getrandbits(128)).hex,
            **BASES.get(name, {}),
        }
        for _ in range(rng.randint(0, 3)):
            key = rng.choice(KEYS)
            op = rng.random()
            if op < 0.6:
                body[key] = value(rng)
            else:
                body.pop(key, None)
        return name, json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if kind < 0.75:
        depth = rng.choice([10, 199, 201, 5000])
        return name, b'{"v":1,"id":"d","a":' + b"[" * depth + b"]" * depth + b"}"
    if kind < 0.9:
        return name, json.dumps({**{rng.choice(KEYS): value(rng) for _ in range(4)}}).encode("utf-8", "surrogatepass")
    return name, rng.randbytes(rng.randint(0, 200))


def reading(rng: random.Random) -> Reading:
    body = {
        "v": rng.choice([1, 1, True, 2]),
        "ts": rng.choice(["2026-11-26T10:00:00+08:00", "9999-12-31T23:59:59+14:00", value(rng)]),
    }
    body |= {
        "count": rng.choice([3, -1, 2**70, value(rng)]),
        "level": rng.choice(["low", "busy", "crowded", value(rng)]),
    }
    zone = rng.choice(["zone-a", "zone-b", "\x01", "z" * 300, f"z{rng.randint(0, 10_000)}"])
    raw = rng.randbytes(40) if rng.random() < 0.1 else json.dumps(body).encode("utf-8", "surrogatepass")
    return Reading(zone, raw)


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def snapshot(svc: ControllerService) -> tuple[str, int]:
    e = svc.engine
    return repr((e.day, e.tickets, e.counters, e.windows, e.calls, e.appointments, e.seq)), svc.store.count()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--payloads", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=900.0, help="stop after this long even if not done")
    ap.add_argument("--hang-s", type=float, default=5.0, help="a burst slower than this counts as a hang")
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)  # every refusal logs a warning; keep the report readable
    rng = random.Random(args.seed)
    failures: list[str] = []
    sent: list[tuple[str, Any]] = []
    with Mosquitto() as broker, tempfile.TemporaryDirectory(prefix="tideq-fuzz-") as tmp:
        hall = load(EXAMPLE_HALL)
        clock = ManualClock(datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(hall.hall.hall.timezone)))
        svc = ControllerService(hall, broker.url, Path(tmp), clock)
        real = svc.bus.publish

        def spy(topic, message, **kw):
            sent.append((topic, message))
            return real(topic, message, **kw)

        svc.bus.publish = spy  # type: ignore[method-assign]
        svc.rebuild()
        svc.bus.connect()
        svc.process([])  # the hall day opens
        svc.publisher.rejections = RateLimit(rate=1e9, burst=1e9)  # count every rejection
        acknowledged: set[str] = set()
        done = commands = readings = refused = accepted = rejected = 0
        slowest = 0.0
        t0 = time.perf_counter()
        next_report = 0
        rss_start = rss_mib()
        while done < args.payloads and time.perf_counter() - t0 < args.seconds:
            alone = done % 500 == 0
            n = 1 if alone else min(args.batch, args.payloads - done)
            items: list[Item] = []
            for _ in range(n):
                if rng.random() < 0.1:
                    items.append(reading(rng))
                else:
                    name, raw = payload(rng)
                    sender = ME if rng.random() < 0.95 else ME + rng.choice(["\x01", "\x00", "\x85", " ", "\ud800"])
                    items.append(Command(f"{HALL}/cmd/{sender}/{name}", raw))
            ncmd = sum(isinstance(i, Command) for i in items)
            before = snapshot(svc) if alone else None
            sent.clear()
            t = time.perf_counter()
            try:
                svc.process(items, refresh=alone)
            except Exception as err:  # a crash is what this bench counts
                failures.append(f"crash at payload {done}: {err!r}")
                break
            queued = getattr(svc.bus._mqtt, "_out_messages", {})
            if len(queued) > 1000:  # the broker link is the real controller's flow control: let it drain
                while len(queued) > 100 and time.perf_counter() - t < args.hang_s:
                    time.sleep(0.005)
            took = time.perf_counter() - t
            slowest = max(slowest, took)
            if took > args.hang_s:
                failures.append(f"burst at payload {done} took {took:.1f} s (a hang)")
            answers = [m for topic, m in sent if topic == REPLY]
            rej = [m for topic, m in sent if topic.endswith("/event/rejected")]
            for topic, _ in sent:
                if topic != REPLY and not topic.removeprefix(HALL + "/").startswith(OWN):
                    failures.append(f"published outside the sender's topic: {topic!r}")
            if len(answers) + len(rej) != ncmd:
                failures.append(f"burst at {done}: {ncmd} commands, {len(answers)} replies, {len(rej)} rejections")
            for a in answers:
                if a.ok:
                    accepted += 1
                    if a.ticket is not None:
                        acknowledged.add(a.ticket.number)
                else:
                    refused += 1
                    if a.error.code.value == "internal_error":
                        failures.append(f"internal_error near payload {done}")
            if alone and before is not None and (rej or (answers and not answers[0].ok)) and snapshot(svc) != before:
                failures.append(f"refused payload {done} changed state: {items[0]!r:.200}")
            rejected += len(rej)
            commands += ncmd
            readings += n - ncmd
            done += n
            if done >= next_report:
                out = len(getattr(svc.bus._mqtt, "_out_messages", ()))
                print(
                    f"{done:>7} payloads  {time.perf_counter() - t0:6.1f} s  RSS {rss_mib():6.1f} MiB  stored replies"
                    f" {len(svc.replies)}  refusals kept {len(svc.dispatcher.refused)}  tickets"
                    f" {len(svc.engine.tickets)}  paho queue {out}",
                    flush=True,
                )
                next_report += 10_000
        phantom = set(svc.engine.tickets) - acknowledged
        if phantom:
            failures.append(f"phantom tickets: {sorted(phantom)[:10]}")
        svc.rebuild()
        if svc.store.quarantined():
            failures.append(f"{svc.store.quarantined()} stored events do not fold again")
        wal = svc.store.wal_bytes()
        svc.stop()
    secs = time.perf_counter() - t0
    print(f"payloads {done} ({commands} commands, {readings} crowd readings) in {secs:.1f} s ({done / secs:.0f}/s)")
    print(f"accepted {accepted}, refused {refused}, rejected (event/rejected) {rejected}, tickets {len(acknowledged)}")
    print(f"slowest burst {slowest * 1000:.1f} ms; RSS {rss_start:.1f} -> {rss_mib():.1f} MiB; WAL at end {wal} bytes")
    print(f"failures {len(failures)}")
    for f in failures[:20]:
        print("  " + f)
    return 1 if failures or done < args.payloads else 0


if __name__ == "__main__":
    sys.exit(main())
