"""好差评 outbox under a real outage, in real time: the provincial platform down for ten minutes.

    python bench/bench_ratings_outage.py [--down-s 600] [--ratings 40] [--retry-max-s 60]

A real Mosquitto and a real controller (in this process, the hall clock fixed on a Thursday
10:00 so the hall is open); the gateway's ratings service (tideq.gateway.ratings) with its real
clock pushing to a real HTTP receiver (uvicorn) that answers 503 for `down_s` seconds. Half the
ratings are given before the outage's midpoint, then the gateway is stopped, the other half is
given while it is down, and it is started again on the same outbox file (catch-up must find
them). Reported: ratings given, taken by the receiver, duplicates, refused tries, and how long
after the receiver came back the last rating arrived (goal: every rating exactly once, within
retry_max_s of the return).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tideq.config import EXAMPLE_HALL, load
from tideq.config.schema import RatingsConfig
from tideq.contract import BusClient
from tideq.controller.service import ControllerService
from tideq.gateway.ratings import RatingsService
from tideq.testing import ManualClock, Mosquitto
from tideq.testing.http import ServedApp

THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--down-s", type=float, default=600.0)
    ap.add_argument("--ratings", type=int, default=40)
    ap.add_argument("--retry-max-s", type=float, default=60.0)
    args = ap.parse_args()
    os.environ.setdefault("TIDEQ_HALL_SECRET", "bench-secret")

    up_at = [float("inf")]
    taken: Counter[str] = Counter()
    refused = [0]
    last = [0.0]
    lock = threading.Lock()
    app = FastAPI()

    @app.post("/evaluations")
    async def take(request: Request) -> JSONResponse:
        body = await request.json()
        with lock:
            if time.monotonic() < up_at[0]:
                refused[0] += 1
                return JSONResponse({"error": "down"}, status_code=503)
            taken[body["rating_id"]] += 1
            last[0] = time.monotonic()
        return JSONResponse({"ok": True})

    loaded = load(EXAMPLE_HALL)
    with tempfile.TemporaryDirectory() as tmp, Mosquitto() as broker, ServedApp(app) as receiver:
        ctl = ControllerService(loaded, broker.url, Path(tmp) / "ctl", ManualClock(THURSDAY_10)).start()
        clients = {n: BusClient(broker.url, "xian-hitech", n).connect() for n in ("bench-kiosk", "window-5")}
        cfg = RatingsConfig(push_url=receiver.url + "/evaluations", retry_max_s=args.retry_max_s, catch_up_s=3600)

        def gateway() -> tuple[BusClient, RatingsService]:
            bus = BusClient(broker.url, "xian-hitech", "gateway").connect()
            return bus, RatingsService(bus, loaded.hall, Path(tmp) / "gw", config=cfg).start()

        def rate(n: int) -> None:
            for i in range(n):
                assert clients["bench-kiosk"].send("ticket", {"service": "tax", "source": "kiosk-1"}).ok
                assert clients["window-5"].send("window/5", {"action": "next"}).ok
                assert clients["window-5"].send("window/5", {"action": "finish", "rating": 1 + i % 5}).ok

        t0 = time.monotonic()
        up_at[0] = t0 + args.down_s
        bus, service = gateway()
        rate(args.ratings // 2)
        print(f"{args.ratings // 2} ratings given; receiver down for {args.down_s:.0f} s", flush=True)
        time.sleep(max(0.0, args.down_s / 2 - (time.monotonic() - t0)))  # the outage runs in real time
        service.stop()
        bus.close()
        rate(args.ratings - args.ratings // 2)
        print(
            f"gateway stopped at {time.monotonic() - t0:.0f} s; {args.ratings - args.ratings // 2} more given",
            flush=True,
        )
        bus, service = gateway()
        deadline = up_at[0] + args.retry_max_s + 30
        while sum(taken.values()) < args.ratings and time.monotonic() < deadline:
            time.sleep(1)  # a benchmark watching real time
        service.stop()
        bus.close()
        for c in clients.values():
            c.close()
        ctl.stop()

    dupes = sum(c - 1 for c in taken.values() if c > 1)
    after = last[0] - up_at[0] if taken else float("nan")
    print(
        f"given {args.ratings}, taken {len(taken)} distinct, duplicates {dupes}, refused tries {refused[0]}, "
        f"last taken {after:.1f} s after the receiver came back (goal <= {args.retry_max_s:.0f} s)"
    )
    ok = len(taken) == args.ratings and dupes == 0 and after <= args.retry_max_s + 5
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
