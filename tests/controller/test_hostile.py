"""The attacks of issue 12, each against a real controller (real Mosquitto, real SQLite): one
hostile command never stops the hall, never aborts its burst and never leaves the engine ahead
of the event log."""

from __future__ import annotations

import json
import queue
import sqlite3
import uuid

import pytest

from tideq.contract import BusClient
from tideq.controller.engine import Engine
from tideq.controller.inbox import Command, Reading
from tideq.controller.publisher import REJECTED_BURST, RateLimit
from tideq.controller.service import ControllerService

from ..conftest import HALL_SECRET
from .conftest import answers, cid, command

HALL = "tideq/xian-hitech"


def body(**args) -> dict:
    return {"v": 1, "id": str(uuid.uuid4()), **args}


def raw(client, name: str, payload: bytes) -> Command:
    return Command(f"{HALL}/cmd/{client.client_id}/{name}", payload)


def restart(svc: ControllerService) -> Engine:
    svc.rebuild()
    return svc.engine


def numbers(svc: ControllerService) -> list[str]:
    return sorted(svc.engine.tickets)


def test_five_tickets_and_a_deeply_nested_payload_in_one_burst(idle, replies):
    good = [command(replies, "ticket", service="tax", source="kiosk-1") for _ in range(5)]
    nested = raw(replies, "ticket", b'{"v":1,"id":"x","a":' + b"[" * 5000 + b"]" * 5000 + b"}")
    idle.process([*good[:3], nested, *good[3:]])
    got = answers(replies, 5)
    assert sorted(got[cid(c)]["ticket"]["number"] for c in good) == [f"B00{i}" for i in range(1, 6)]
    assert replies.rejected.get(timeout=5)["code"] == "bad_json"
    restart(idle)
    assert numbers(idle) == [f"B00{i}" for i in range(1, 6)]


def test_a_lone_surrogate_in_id_is_refused_and_the_burst_goes_on(idle, replies):
    evil = raw(replies, "ticket", b'{"v":1,"id":"\\ud800","service":"tax","source":"kiosk-1"}')
    evil2 = raw(replies, "ticket", b'{"v":1,"id":"a","service":"tax\\ud800","source":"kiosk-1"}')
    good = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([evil, evil2, good])
    assert answers(replies, 1)[cid(good)]["ticket"]["number"] == "B001"
    assert replies.rejected.get(timeout=5)["code"] == "bad_json"
    restart(idle)
    assert numbers(idle) == ["B001"]


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 5000,
        b'{"v":1,"ts":"\\ud800","count":3,"level":"busy"}',
        b'{"v":1,"ts":"2026-11-26T10:00:00+08:00","count":1e400,"level":"busy"}',
        b'{"v":1,"ts":"2026-11-26T10:00:00+08:00","count":-1,"level":"busy"}',
        b'{"v":1,"ts":"9999-12-31T23:59:59+14:00","count":3,"level":"busy"}',
        b'{"v":1,"ts":"0001-01-01T00:00:00-12:00","count":3,"level":"busy"}',
        b"\xff",
    ],
)
def test_crowd_readings_cannot_stop_the_hall(idle, replies, payload):
    good = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([Reading("zone-a", payload), good], refresh=True)
    assert answers(replies, 1)[cid(good)]["ticket"]["number"] == "B001"
    idle.process([], refresh=True)  # the tidal policy runs with whatever was recorded
    assert numbers(restart(idle) and idle) == ["B001"]


@pytest.mark.parametrize("level", ["k\ud800", "k\nWARNING forged line", "k\u0000"])
def test_a_hostile_topic_is_logged_scrubbed(idle, caplog, level):
    """The rejection's log line carries the topic's text: without a lone surrogate (it cannot be
    encoded: pytest-xdist's worker crashed shipping such a captured log) or a forged new line."""
    caplog.set_level("WARNING", logger="tideq.controller.dispatch")
    payload = json.dumps(body(service="tax", source="kiosk-1")).encode()
    idle.process([Command(f"{HALL}/cmd/{level}/ticket", payload), Command(f"{HALL}/cmd/{level}", payload)])
    lines = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert len(lines) == 2, lines
    for line in lines:
        line.encode("utf-8")  # raises on a lone surrogate
        assert "\n" not in line and "\x00" not in line, line


@pytest.mark.parametrize("sender", ["k\u0001", "k\u0000", "k\u0085", "k 1", "k\ud800"])
def test_a_control_character_in_the_sender_never_reaches_the_broker(idle, replies, sender):
    """The reply topic comes from the command topic's sender level: one that is not topic-safe
    (a control character would make Mosquitto drop the controller) is rejected, never answered."""
    evil = Command(f"{HALL}/cmd/{sender}/ticket", json.dumps(body(service="tax", source="kiosk-1")).encode())
    good = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([evil, good])
    assert answers(replies, 1)[cid(good)]["ticket"]["number"] == "B001"  # still connected and answering
    rejected = replies.rejected.get(timeout=5)
    assert rejected["code"] == "bad_sender" and rejected["command"] == "ticket"
    assert numbers(idle) == ["B001"]


def test_a_reply_to_in_the_payload_is_ignored_the_answer_goes_to_the_sender(controller, replies, broker):
    """Contract v1 derives the reply topic from the command topic: naming another client's reply
    topic in the payload changes nothing."""
    victim = BusClient(broker.url, "xian-hitech", f"v-{uuid.uuid4().hex[:6]}").connect()
    ear = BusClient(broker.url, "xian-hitech", f"e-{uuid.uuid4().hex[:6]}")
    heard: queue.Queue = queue.Queue()  # everything the controller sent into the victim's topic
    ear.subscribe(f"{HALL}/reply/{victim.client_id}", lambda _t, p: heard.put(json.loads(p)))
    ear.connect()
    try:
        b = body(service="tax", source="kiosk-1", reply_to=f"{HALL}/reply/{victim.client_id}")
        replies.publish(f"{HALL}/cmd/{replies.client_id}/ticket", json.dumps(b))
        assert replies.q.get(timeout=5)["ticket"]["number"] == "B001"
        reply = victim.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=5)
        assert reply.ticket is not None and reply.ticket.number == "B002"
        # the controller publishes in order on one connection: an answer to the first command
        # sent into the victim's topic would arrive before the victim's own
        assert heard.get(timeout=5)["ticket"]["number"] == "B002"
    finally:
        victim.close()
        ear.close()


def test_the_same_id_from_two_senders_gets_two_answers(idle, replies, broker):
    """Idempotency is per sender: another client reusing an id (guessed or by chance) gets its own
    ticket, never the first client's."""
    other = BusClient(broker.url, "xian-hitech", f"o-{uuid.uuid4().hex[:6]}")
    got: queue.Queue = queue.Queue()
    other.subscribe(f"{HALL}/reply/{other.client_id}", lambda _t, p: got.put(json.loads(p)))
    other.connect()
    try:
        mine = command(replies, "ticket", service="tax", source="kiosk-1")
        theirs = Command(f"{HALL}/cmd/{other.client_id}/ticket", mine.payload)
        idle.process([mine, theirs, mine])
        first, retry = replies.q.get(timeout=5), replies.q.get(timeout=5)
        assert first["ticket"]["number"] == retry["ticket"]["number"] == "B001"
        assert got.get(timeout=5)["ticket"]["number"] == "B002"
        assert numbers(idle) == ["B001", "B002"]
    finally:
        other.close()


@pytest.mark.parametrize(
    "args",
    [
        {"action": "next", "rating": 5},
        {"action": "pause", "ticket": "B001"},
        {"action": "resume", "to_service": "tax"},
        {"action": "finish", "to_window": "5"},
        {"action": "call", "ticket": "B001", "rating": "not_rated", "reason": "x"},
        {"action": "skip", "reason": "r"},
    ],
)
def test_a_window_action_with_another_actions_field_is_not_an_internal_error(idle, replies, args):
    t = command(replies, "ticket", service="tax", source="kiosk-1")
    w = command(replies, "window/5", **args)
    idle.process([t, w])
    got = answers(replies, 2)
    assert got[cid(w)].get("error", {}).get("code") != "internal_error", got[cid(w)]
    assert "B001" in numbers(idle)


def test_storage_failed_carries_no_ticket(idle, replies):
    idle.store.db.execute("CREATE TRIGGER full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    c = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([c])
    r = answers(replies, 1)[cid(c)]
    assert r["error"]["code"] == "storage_failed" and "ticket" not in r


@pytest.mark.parametrize("v", ["true", "1e0", "1.0", '"1"'])
def test_version_must_be_the_integer_one(idle, replies, v):
    payload = f'{{"v":{v},"id":"v-{uuid.uuid4().hex[:8]}","service":"tax","source":"kiosk-1"}}'
    c = raw(replies, "ticket", payload.encode())
    idle.process([c])
    r = replies.q.get(timeout=5)
    assert r["ok"] is False and r["error"]["code"] in ("unsupported_version", "bad_payload")
    assert idle.engine.tickets == {}


def test_refusals_with_new_ids_do_not_grow_the_replies_table_or_memory(idle, replies):
    from tideq.controller.dispatch import REFUSALS_KEPT

    n = REFUSALS_KEPT + 200
    burst = [command(replies, "ticket", service="nope", source="kiosk-1") for _ in range(n)]
    for i in range(0, n, 256):
        idle.process(burst[i : i + 256])
    for _ in range(n):
        replies.q.get(timeout=5)
    assert idle.store.db.execute("SELECT COUNT(*) FROM replies").fetchone()[0] == 0
    assert len(idle.dispatcher.refused) <= REFUSALS_KEPT and len(idle.replies) == 0
    again = burst[-1]  # a retry of a recent refusal still gets the same answer
    idle.process([again])
    assert replies.q.get(timeout=5)["error"]["code"] == "unknown_service"


def test_a_fault_rolls_back_only_that_command_without_reading_the_disk(idle, replies, monkeypatch):
    def broken(self, number, now):
        self.tickets.clear()
        raise RuntimeError("bug")

    first = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([first])
    answers(replies, 1)
    monkeypatch.setattr(Engine, "rejoin", broken)
    reads: list[str] = []  # every statement that reads the event log, as SQLite itself runs it
    idle.store.db.set_trace_callback(lambda sql: reads.append(sql) if "FROM events" in sql else None)
    second = command(replies, "ticket", service="tax", source="kiosk-1")
    bad = command(replies, "rejoin", ticket="B001", source="kiosk-1")
    third = command(replies, "ticket", service="tax", source="kiosk-1")
    try:
        idle.process([second, bad, third])
    finally:
        idle.store.db.set_trace_callback(None)
    got = answers(replies, 3)
    assert got[cid(bad)]["error"]["code"] == "internal_error"
    assert numbers(idle) == ["B001", "B002", "B003"] and reads == []


def test_a_failing_publish_loses_neither_durability_nor_the_other_replies(idle, replies, monkeypatch):
    real = idle.bus.publish
    a = command(replies, "ticket", service="tax", source="kiosk-1")
    b = command(replies, "ticket", service="tax", source="kiosk-1")

    def flaky(topic, payload, **kw):
        if getattr(payload, "id", None) == cid(a):
            raise ValueError("broker said no")
        return real(topic, payload, **kw)

    monkeypatch.setattr(idle.bus, "publish", flaky)
    idle.process([a, b])
    assert answers(replies, 1)[cid(b)]["ticket"]["number"] == "B002"
    monkeypatch.setattr(idle.bus, "publish", real)
    idle.process([a])  # the kiosk retries: the stored answer
    assert answers(replies, 1)[cid(a)]["ticket"]["number"] == "B001"


def test_an_unappliable_stored_event_is_quarantined_and_the_hall_carries_on(idle, replies):
    for _ in range(3):
        idle.process([command(replies, "ticket", service="tax", source="kiosk-1")])
    answers(replies, 3)
    db = sqlite3.connect(idle.store.path)
    db.execute(
        "INSERT INTO events(day, at, kind, data) VALUES (?,?,?,?)",
        ("2026-11-26", "2026-11-26T10:00:00+08:00", "called", '{"ticket":"Z999","window":"5","service":"tax"}'),
    )
    db.execute(
        "INSERT INTO events(day, at, kind, data) VALUES (?,?,?,?)",
        ("2026-11-26", "2026-11-26T10:00:00+08:00", "finished", "{not json"),
    )
    db.commit()
    db.close()
    idle.rebuild()
    assert numbers(idle) == ["B001", "B002", "B003"]
    assert idle.store.db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 2
    idle.process([], refresh=True)
    h = replies.health.get(timeout=5)
    while h["state"] != "degraded":  # the retained health of before (ok, or an earlier test's offline)
        h = replies.health.get(timeout=5)
    assert (h["kind"], h["state"]) == ("controller", "degraded") and "quarantine" in h["reason"]
    c = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([c])
    assert answers(replies, 1)[cid(c)]["ticket"]["number"] == "B004"
    idle.rebuild()  # a second restart does not quarantine twice
    assert idle.store.db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 2


def test_source_must_be_a_device_of_the_hall(idle, replies):
    bad = command(replies, "ticket", service="tax", source="110101199003077777")
    idle.process([bad])
    r = answers(replies, 1)[cid(bad)]
    assert r["error"]["code"] == "bad_payload" and "kiosk-1" in r["error"]["message"]["en"]
    assert idle.engine.tickets == {}
    for name, args in (("checkin", {"code": "YY0001"}), ("rejoin", {"ticket": "B001"})):
        c = command(replies, name, source="13812345678", **args)
        idle.process([c])
        assert answers(replies, 1)[cid(c)]["error"]["code"] == "bad_payload"


@pytest.mark.parametrize(
    "reason, kept",
    [
        ("lunch", "lunch"),
        ("午休 lunch", "午休 lunch"),
        ("call 138 1234 5678 back", "call *** back"),
        ("visitor 11010119900307777X", "visitor ***"),
        ("back 14:30", "back 14:30"),
    ],
)
def test_a_pause_reason_cannot_carry_an_id_or_phone_number(idle, replies, reason, kept):
    c = command(replies, "window/5", action="pause", reason=reason)
    idle.process([c])
    assert answers(replies, 1)[cid(c)]["ok"]
    assert idle.engine.windows["5"].pause_reason == kept
    (data,) = idle.store.db.execute("SELECT data FROM events WHERE kind = 'window_paused'").fetchone()
    assert json.loads(data)["reason"] == kept


def test_transfer_and_tidal_reasons_are_scrubbed(idle, replies):
    t = command(replies, "ticket", service="tax", source="kiosk-1")
    n = command(replies, "window/5", action="next")
    x = command(replies, "window/5", action="transfer", to_service="tax", reason="ID 110101199003077777")
    o = command(replies, "tidal", action="open", window="19", service="tax", reason="phone 13812345678")
    idle.process([t, n, x, o])
    got = answers(replies, 4)
    assert all(r["ok"] for r in got.values()), got
    stored = " ".join(d for (d,) in idle.store.db.execute("SELECT data FROM events"))
    assert "110101199003077777" not in stored and "13812345678" not in stored


def test_personal_fields_are_purged_after_the_configured_days(hall, broker, tmp_path, monkeypatch, replies):
    from datetime import timedelta

    from tideq.testing import ManualClock

    from ..conftest import THURSDAY_10

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    clock = ManualClock(THURSDAY_10 - timedelta(days=31))
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock)
    svc.rebuild()
    svc.bus.connect()
    try:
        old_day = (THURSDAY_10 - timedelta(days=31)).date().isoformat()
        appt = {
            "code": "YY0001",
            "service": "tax",
            "start": f"{old_day}T10:30:00+08:00",
            "end": f"{old_day}T11:00:00+08:00",
            "name_masked": "王小明",
            "phone_masked": "13812345678",
            "identity": "ab" * 32,
        }
        svc.process([command(replies, "appointments", appointments=[appt])])
        svc.process([command(replies, "ticket", service="social-insurance", source="kiosk-1", identity="cd" * 32)])
        answers(replies, 2)
        clock.advance(days=29)
        svc.process([])  # day 29: still kept
        assert "138****5678" in " ".join(d for (d,) in svc.store.db.execute("SELECT data FROM events"))
        clock.advance(days=2)
        svc.process([])  # idle on a new day: the daily purge
        stored = " ".join(d for (d,) in svc.store.db.execute("SELECT data FROM events"))
        assert (
            "138****5678" not in stored and "王*" not in stored and "ab" * 32 not in stored and "cd" * 32 not in stored
        )
        svc.rebuild()  # the purged log still folds
        assert svc.store.quarantined() == 0
    finally:
        svc.stop()


@pytest.mark.parametrize("bad_id", ["\u0001", "a b", "x" * 65, "", "a/b", "\u00e9"])
def test_an_id_that_is_not_topic_safe_is_refused_without_echoing_it(idle, replies, bad_id):
    c = raw(replies, "ticket", json.dumps({"v": 1, "id": bad_id, "service": "tax", "source": "kiosk-1"}).encode())
    good = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([c, good])
    first, second = replies.q.get(timeout=5), replies.q.get(timeout=5)
    assert (
        first.get("id") is None
        and first["error"]["code"] == "bad_payload"
        and "'id'" in first["error"]["message"]["en"]
    )
    assert second["ticket"]["number"] == "B001"
    assert numbers(idle) == ["B001"]


def test_a_quarantined_ticket_keeps_its_number_from_being_issued_again(idle, replies):
    for _ in range(2):
        idle.process([command(replies, "ticket", service="tax", source="kiosk-1")])
    answers(replies, 2)
    db = sqlite3.connect(idle.store.path)
    db.execute(  # B003 was stored (and maybe acknowledged) but no longer folds: its priority is unknown
        "INSERT INTO events(day, at, kind, data) VALUES (?,?,?,?)",
        (
            "2026-11-26",
            "2026-11-26T10:00:01+08:00",
            "ticket_issued",
            '{"number":"B003","service":"tax","priority":"vip","source":"kiosk-1"}',
        ),
    )
    db.commit()
    db.close()
    idle.rebuild()
    assert idle.store.quarantined() == 1 and numbers(idle) == ["B001", "B002"]
    c = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([c])
    assert answers(replies, 1)[cid(c)]["ticket"]["number"] == "B004"


def test_a_quarantine_of_yesterday_does_not_degrade_today(idle, replies, clock):
    db = sqlite3.connect(idle.store.path)
    db.execute(
        "INSERT INTO events(day, at, kind, data) VALUES (?,?,?,?)",
        ("2026-11-26", "2026-11-26T10:00:00+08:00", "called", '{"ticket":"Z999","window":"5","service":"tax"}'),
    )
    db.commit()
    db.close()
    idle.rebuild()
    assert idle.worker.health.problems
    clock.advance(days=1)
    idle.process([])  # the day rolls over while running
    assert not idle.worker.health.problems
    idle.rebuild()  # and after a restart
    assert not idle.worker.health.problems and idle.store.quarantined() == 1


def test_rejections_are_rate_limited_and_counted():
    now = [0.0]
    limit = RateLimit(rate=10, burst=5, clock=lambda: now[0])
    assert [limit.allow() for _ in range(8)] == [True] * 5 + [False] * 3 and limit.held_back == 3
    now[0] += 0.1  # one token back
    assert limit.allow() and not limit.allow()


def test_a_flood_of_unreadable_commands_costs_the_bus_a_bounded_number_of_events(idle, replies):
    flood = [raw(replies, "ticket", b"{not json") for _ in range(300)]
    good = command(replies, "ticket", service="tax", source="kiosk-1")
    idle.process([*flood, good])
    assert answers(replies, 1)[cid(good)]["ticket"]["number"] == "B001"
    assert idle.publisher.rejections.held_back >= 300 - REJECTED_BURST - 10  # a second of refill at most
    idle.publisher.rejections.tokens = 1.0  # the next one goes out and says how many were held back
    idle.process([raw(replies, "ticket", b"[")])
    last = None
    while last is None or last["held_back"] == 0:
        last = replies.rejected.get(timeout=5)
    assert last["held_back"] >= 300 - REJECTED_BURST - 10
