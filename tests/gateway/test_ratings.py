"""好差评 end to end: ratings given at a real controller (tablet, keypad bridge, caller terminal)
reach the gateway's outbox by `event/rated` and by catch-up, and a real HTTP receiver that refuses
for ten simulated minutes gets every one exactly once, across a gateway restart in the middle of
the outage. Time of the pusher is a stepped clock: the test lets it run to a given second and
waits until it is parked there (no sleeps, no ten real minutes). Exports over HTTP (CSV with BOM,
JSON, by day)."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections import Counter

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tideq.config.schema import RatingsConfig
from tideq.contract import BusClient
from tideq.gateway.keys import ApiKeys
from tideq.gateway.ratings import Backoff, Outbox, Pusher, PushFailed, RatingsService, ratings_router
from tideq.testing.http import ServedApp

from .conftest_booking import KEYS, ZSYY

DOWN_S = 600.0  # the provincial platform is down for ten minutes


class SteppedClock:
    """Virtual seconds. A sleeper advances time at once, up to `limit`; beyond it, it parks until the
    test raises the limit. `wait_parked()` returns once a sleeper is parked (or time reached the limit)."""

    def __init__(self) -> None:
        self.t = 0.0
        self.limit = 0.0
        self.parked = False
        self.cond = threading.Condition()

    def now(self) -> float:
        with self.cond:
            return self.t

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        with self.cond:
            target = self.t + seconds
            while target > self.limit and not stop.is_set():
                self.t = max(self.t, self.limit)
                self.parked = True
                self.cond.notify_all()
                self.cond.wait(0.05)  # re-checks `stop`: the service's stop() does not know this clock
            if not stop.is_set():
                self.t = max(self.t, target)

    def allow(self, until: float) -> None:
        with self.cond:
            self.limit, self.parked = until, False
            self.cond.notify_all()

    def wait_parked(self, timeout: float = 20) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.parked, timeout)


class Receiver:
    """The provincial platform: refuses (503) until the virtual clock reaches `up_at`, then counts
    every rating it takes, by id."""

    def __init__(self, clock: SteppedClock, up_at: float) -> None:
        self.clock, self.up_at = clock, up_at
        self.taken: Counter[str] = Counter()
        self.refused = 0
        self.bodies: list[dict] = []
        self.keys: list[str | None] = []
        self.cond = threading.Condition()
        self.app = FastAPI()

        @self.app.post("/evaluations")
        async def take(request: Request) -> JSONResponse:
            body = await request.json()
            with self.cond:
                if self.clock.now() < self.up_at:
                    self.refused += 1
                    return JSONResponse({"error": "maintenance"}, status_code=503)
                self.taken[body["rating_id"]] += 1
                self.bodies.append(body)
                self.keys.append(request.headers.get("idempotency-key"))
                self.cond.notify_all()
            return JSONResponse({"ok": True})

    def wait_taken(self, n: int, timeout: float = 30) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: sum(self.taken.values()) >= n, timeout)


class Hall:
    """Visitors served and rated at window 5: tickets from a kiosk, ratings from the caller terminal
    (finish with a rating), the evaluator tablet and a keypad bridge."""

    def __init__(self, broker_url: str) -> None:
        self.clients = {
            name: BusClient(broker_url, "xian-hitech", name).connect()
            for name in (f"test-kiosk-{uuid.uuid4().hex[:6]}", "window-5", "evaluator-5", "bridge-keypads")
        }
        self.kiosk = next(c for n, c in self.clients.items() if n.startswith("test-kiosk"))
        self.rated: list[tuple[str, int, str]] = []

    def serve(self, rating: int, by: str) -> str:
        t = self.kiosk.send("ticket", {"service": "tax", "source": "kiosk-1"})
        assert t.ok and t.ticket is not None, t.error
        window = self.clients["window-5"]
        assert window.send("window/5", {"action": "next"}).ok
        number = t.ticket.number
        if by == "counter":
            assert window.send("window/5", {"action": "finish", "rating": rating}).ok
        else:
            assert window.send("window/5", {"action": "finish"}).ok
            sender = self.clients["evaluator-5" if by == "tablet" else "bridge-keypads"]
            r = sender.send("window/5", {"action": "rate", "ticket": number, "rating": rating})
            assert r.ok, r.error
        self.rated.append((number, rating, by))
        return f"xian-hitech:2026-11-26:{number}"

    def close(self) -> None:
        for c in self.clients.values():
            c.close()


@pytest.fixture
def hall_floor(broker, controller):
    h = Hall(broker.url)
    yield h
    h.close()


def gateway(broker, hall, data_dir, clock, url) -> tuple[BusClient, RatingsService]:
    bus = BusClient(broker.url, "xian-hitech", "gateway").connect()
    cfg = RatingsConfig(push_url=url, retry_initial_s=1, retry_max_s=60, catch_up_s=3600)
    return bus, RatingsService(bus, hall.hall, data_dir, clock=clock, config=cfg).start()


def test_endpoint_down_ten_minutes_then_up_every_rating_delivered_once_across_a_restart(
    broker, controller, hall, hall_floor, tmp_path
):
    clock = SteppedClock()
    receiver = Receiver(clock, up_at=DOWN_S)
    data = tmp_path / "gateway"
    with ServedApp(receiver.app) as served:
        url = served.url + "/evaluations"
        bus, service = gateway(broker, hall, data, clock, url)
        assert service.caught_up.wait(10)
        ids = [hall_floor.serve(5, "counter"), hall_floor.serve(4, "tablet"), hall_floor.serve(1, "keypad")]
        assert service.outbox.wait_count(3, timeout=10)  # all three by event/rated
        assert clock.wait_parked()  # the first push failed; the pusher waits on the clock
        clock.allow(300)  # five minutes of the outage, with backoff
        assert clock.wait_parked()
        tries_before_restart = receiver.refused
        assert tries_before_restart >= 6 and not receiver.taken  # 1, 2, 4, ... 60 s apart, never taken
        assert service.outbox.stats()["pending"] == 3 and "503" in service.outbox.stats()["last_error"]

        # the gateway goes down mid-outage; the hall carries on rating meanwhile
        service.stop()
        bus.close()
        ids += [hall_floor.serve(2, "tablet"), hall_floor.serve(3, "counter")]

        bus, service = gateway(broker, hall, data, clock, url)  # same outbox file
        try:
            assert service.caught_up.wait(10)
            assert service.outbox.count() == 5  # the two missed while down, found by catch-up
            assert clock.wait_parked()  # still down at 300 s
            clock.allow(DOWN_S + 120)  # the rest of the ten minutes, and the platform comes back
            assert receiver.wait_taken(5)
            assert service.outbox.wait_count(0, timeout=10, pending_only=True)
            assert clock.now() >= DOWN_S and receiver.refused > tries_before_restart
            assert clock.now() <= DOWN_S + 60  # the backoff is capped at 60 s
            assert service.outbox.stats() == {"total": 5, "pending": 0, "delivered": 5, "last_error": None}
        finally:
            service.stop()
            bus.close()

    assert dict(receiver.taken) == dict.fromkeys(ids, 1)  # every rating exactly once
    assert receiver.keys == [b["rating_id"] for b in receiver.bodies]  # Idempotency-Key for the receiver
    got = {b["rating_id"]: (b["ticket"], b["rating"], b["channel"], b["service"], b["window"]) for b in receiver.bodies}
    assert got == {
        f"xian-hitech:2026-11-26:{n}": (n, r, by, "tax", "5") for n, r, by in hall_floor.rated
    }  # service, window, rating and channel as given
    assert all(b["staff"] is None and b["at"].startswith("2026-11-26T10:00") for b in receiver.bodies)


def test_a_rating_the_endpoint_refuses_for_its_content_waits_without_blocking_the_others(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tideq.contract import RatingRecord

    outbox = Outbox(tmp_path / "o.sqlite3")
    at = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    for i in range(3):
        outbox.add(
            RatingRecord(
                rating_id=f"h:2026-11-26:B00{i}",
                hall="h",
                day=at.date(),
                ticket=f"B00{i}",
                service="tax",
                window="5",
                rating=5,
                channel="tablet",
                at=at,
            ),
            0.0,
        )
    sent: list[str] = []

    def send(r: dict) -> None:
        if r["ticket"] == "B001":
            raise PushFailed("HTTP 400: bad field", down=False)
        sent.append(r["ticket"])

    pusher = Pusher(outbox, send, SteppedClock(), Backoff(1, 60))
    assert pusher.step() == pytest.approx(60)  # B001 waits the longest wait; the others went
    assert sent == ["B000", "B002"] and outbox.stats()["pending"] == 1
    outbox.close()


def test_export_csv_with_bom_and_json_by_day(broker, controller, hall, hall_floor, tmp_path):
    clock = SteppedClock()
    clock.allow(1e9)
    bus = BusClient(broker.url, "xian-hitech", "gateway").connect()
    service = RatingsService(bus, hall.hall, tmp_path / "gw", clock=clock, config=RatingsConfig()).start()
    try:
        ids = [hall_floor.serve(5, "tablet"), hall_floor.serve(2, "keypad")]
        assert service.outbox.wait_count(2, timeout=10)
        app = FastAPI()
        app.include_router(ratings_router(service.outbox, ApiKeys.of(KEYS), hall.hall))
        with ServedApp(app) as served, httpx.Client(base_url=served.url) as http:
            assert http.get("/ratings/v1/export.json").status_code == 401
            js = http.get("/ratings/v1/export.json", params={"day": "2026-11-26"}, headers=ZSYY).json()
            assert [r["rating_id"] for r in js] == ids
            assert [(r["rating"], r["rating_label"], r["channel"]) for r in js] == [
                (5, "非常满意", "tablet"),
                (2, "不满意", "keypad"),
            ]
            assert js[0]["service_name"] == "税务办理" and js[0]["window"] == "5" and js[0]["delivered_at"] is None
            assert http.get("/ratings/v1/export.json", params={"day": "2026-11-25"}, headers=ZSYY).json() == []

            r = http.get("/ratings/v1/export.csv", params={"day": "2026-11-26"}, headers=ZSYY)
            assert r.headers["content-type"].startswith("text/csv")
            assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
            table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
            assert table[0][:4] == ["评价编号", "日期", "评价时间", "号码"]
            assert [row[0] for row in table[1:]] == ids and table[1][9] == "非常满意"
            assert http.get("/ratings/v1/outbox", headers=ZSYY).json()["pending"] == 2  # no push_url: kept
    finally:
        service.stop()
        bus.close()
