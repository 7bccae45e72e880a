"""Ratings through the real controller on a real Mosquitto: `event/rated` with the channel told by
the sending login, `cmd/booking` `ratings` for today and (a replay of the event log) for a past
day, and read-only answers kept out of the event log."""

from __future__ import annotations

import json
import queue
import sqlite3
import uuid
from datetime import datetime

import pytest

from tideq.contract import BusClient, RatedEvent
from tideq.contract.wire import decode

from .conftest import TZ


@pytest.fixture
def logins(broker, controller):
    made = {n: BusClient(broker.url, "xian-hitech", n).connect() for n in ("window-5", "evaluator-5", "gateway")}
    made["kiosk"] = BusClient(broker.url, "xian-hitech", f"test-{uuid.uuid4().hex[:6]}").connect()
    yield made
    for c in made.values():
        c.close()


def serve(logins, rating: int | None = None) -> str:
    t = logins["kiosk"].send("ticket", {"service": "tax", "source": "kiosk-1"})
    assert t.ticket is not None, t.error
    assert logins["window-5"].send("window/5", {"action": "next"}).ok
    args = {"action": "finish"} | ({"rating": rating} if rating else {})
    assert logins["window-5"].send("window/5", args).ok
    return t.ticket.number


def stored_replies(controller) -> int:
    db = sqlite3.connect(f"file:{controller.data_dir / 'events.sqlite3'}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])
    finally:
        db.close()


def test_event_rated_carries_channel_service_window_and_time(logins, controller, clock):
    events: queue.Queue = queue.Queue()
    logins["gateway"].subscribe("tideq/xian-hitech/event/rated", lambda t, p: events.put(p))
    a = serve(logins, rating=4)  # the caller terminal finishes with the visitor's rating
    clock.advance(minutes=1)
    b = serve(logins)
    assert logins["evaluator-5"].send("window/5", {"action": "rate", "ticket": b, "rating": 1}).ok
    c = serve(logins)
    assert logins["evaluator-5"].send("window/5", {"action": "rate", "ticket": c, "rating": "not_rated"}).ok
    got = [decode(RatedEvent, events.get(timeout=5)) for _ in range(2)]
    assert [(e.ticket, e.rating, e.channel.value, e.service, e.window) for e in got] == [
        (a, 4, "counter", "tax", "5"),
        (b, 1, "tablet", "tax", "5"),
    ]
    assert got[0].rating_id == f"xian-hitech:2026-11-26:{a}" and got[0].staff is None
    assert got[1].at == datetime(2026, 11, 26, 10, 1, tzinfo=TZ)
    assert events.empty()  # not_rated is no rating


def test_ratings_query_today_and_a_past_day_from_the_event_log(logins, controller, clock):
    gw = logins["gateway"]
    numbers = [serve(logins, rating=r) for r in (5, 3, 2)]
    replies = stored_replies(controller)
    today = gw.send("booking", {"action": "ratings"})
    assert today.ok and str(today.day) == "2026-11-26" and today.more is False
    assert [(r.ticket, r.rating) for r in today.ratings or []] == list(zip(numbers, (5, 3, 2), strict=True))
    page = gw.send("booking", {"action": "ratings", "offset": 1, "limit": 1})
    assert [r.ticket for r in page.ratings or []] == [numbers[1]] and page.more is True
    assert stored_replies(controller) == replies  # read-only answers are not stored

    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=TZ))  # the next hall day
    serve(logins)
    assert gw.send("booking", {"action": "ratings"}).ratings == []
    past = gw.send("booking", {"action": "ratings", "day": "2026-11-26"})
    assert past.ok and str(past.day) == "2026-11-26"
    assert [r.model_dump() for r in past.ratings or []] == [r.model_dump() for r in today.ratings or []]
    future = gw.send("booking", {"action": "ratings", "day": "2026-11-28"})
    assert not future.ok and future.code is not None and future.code.value == "bad_payload"


def test_status_of_a_booking_is_answered_but_not_stored(logins, controller):
    gw = logins["gateway"]
    start = "2026-11-26T10:30:00+08:00"
    item = {"code": "YY9001", "service": "tax", "start": start, "end": "2026-11-26T11:00:00+08:00"}
    r = gw.send("appointments", {"appointments": [item], "per_row": True})
    assert r.ok and [x.status.value for x in r.results or []] == ["created"]
    replies = stored_replies(controller)
    s = gw.send("booking", {"action": "status", "code": "yy9001"})
    assert s.booking is not None and s.booking.status.value == "pending"
    assert stored_replies(controller) == replies
    raw = gw.request("booking", {"action": "cancel"})
    assert raw["ok"] is False and "needs 'code'" in json.dumps(raw)


def test_a_cancel_and_a_reschedule_of_an_earlier_day_survive_a_restart_the_next_day(
    logins, controller, clock, hall, broker
):
    from tideq.controller.service import ControllerService

    gw = logins["gateway"]
    tomorrow = [
        {"code": c, "service": "tax", "start": "2026-11-27T10:30:00+08:00", "end": "2026-11-27T11:00:00+08:00"}
        for c in ("YY8001", "YY8002", "YY8003")
    ]
    assert gw.send("appointments", {"appointments": tomorrow, "per_row": True}).ok
    assert gw.send("booking", {"action": "cancel", "code": "YY8001"}).ok
    moved = {"start": "2026-11-27T14:00:00+08:00", "end": "2026-11-27T14:30:00+08:00"}
    assert gw.send("booking", {"action": "reschedule", "code": "YY8002", **moved}).ok

    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    fresh = ControllerService(hall, broker.url, controller.data_dir, clock)  # a restart: state from the log
    fresh.rebuild()
    appts = fresh.engine.appointments
    now = clock.now()
    assert fresh.engine.booking_status(appts["YY8001"], now).value == "cancelled"
    assert appts["YY8002"].start == datetime(2026, 11, 27, 14, 0, tzinfo=TZ)
    assert fresh.engine.booking_status(appts["YY8003"], now).value == "pending"
    fresh.store.close()
