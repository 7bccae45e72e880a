"""Staff identity (工号) through the real controller on a real Mosquitto: sign in with a PIN's
proof or a staff card's hash, every call, finish and rating carries the clerk, a shift change
keeps the window open, refusals say what to do, wrong PINs lock the window's PIN sign-in, and the
event log (replayed) holds the shifts but no PIN, proof or card number."""

from __future__ import annotations

import queue
import sqlite3
import uuid

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient, RatedEvent, WindowsState
from tideq.contract.staff import card_hash, pin_proof
from tideq.contract.wire import decode
from tideq.controller.engine import Engine
from tideq.controller.store import EventStore

from ..conftest import HALL_SECRET
from ..staff import CLERK_CARD, CLERKS, with_clerks

SECRET = HALL_SECRET.encode()


@pytest.fixture(scope="module")
def hall():
    return with_clerks(load(EXAMPLE_HALL))


@pytest.fixture
def logins(broker, controller):
    made = {n: BusClient(broker.url, "xian-hitech", n).connect() for n in ("window-5", "window-6", "evaluator-5")}
    made["kiosk"] = BusClient(broker.url, "xian-hitech", f"test-{uuid.uuid4().hex[:6]}").connect()
    yield made
    for c in made.values():
        c.close()


def sign_in(c: BusClient, window: str, staff: str, pin: str):
    return c.send(f"window/{window}", {"action": "sign_in", "staff": staff, "pin_proof": pin_proof(SECRET, staff, pin)})


def ticket(logins) -> str:
    t = logins["kiosk"].send("ticket", {"service": "tax", "source": "kiosk-1"})
    assert t.ticket is not None, t.error
    return t.ticket.number


def events_of(controller, kind: str) -> list[str]:
    db = sqlite3.connect(f"file:{controller.data_dir / 'events.sqlite3'}?mode=ro", uri=True)
    try:
        return [r[0] for r in db.execute("SELECT data FROM events WHERE kind = ? ORDER BY seq", (kind,))]
    finally:
        db.close()


def test_calls_finishes_and_ratings_carry_the_clerk_across_a_shift_change(logins, controller, clock, broker):
    rated: queue.Queue = queue.Queue()
    windows: queue.Queue = queue.Queue()
    logins["kiosk"].subscribe("tideq/xian-hitech/event/rated", lambda t, p: rated.put(p))
    r = sign_in(logins["window-5"], "5", "1001", CLERKS["1001"])
    assert r.ok, r.error
    assert r.window is not None and r.window.staff is not None
    assert (r.window.staff.id, r.window.staff.name.zh, r.window.status.value) == ("1001", "王芳", "idle")
    a = ticket(logins)
    assert logins["window-5"].send("window/5", {"action": "next"}).ok
    clock.advance(minutes=4)
    assert logins["window-5"].send("window/5", {"action": "finish"}).ok
    # shift change while the window stays open: 1002 takes over without 1001 signing out first
    r = sign_in(logins["window-5"], "5", "1002", CLERKS["1002"])
    assert r.ok and r.window is not None and r.window.staff is not None and r.window.staff.id == "1002"
    assert r.window.status.value == "idle"
    # the visitor served by 1001 rates after the shift change: the rating goes to 1001
    assert logins["evaluator-5"].send("window/5", {"action": "rate", "ticket": a, "rating": 5}).ok
    b = ticket(logins)
    assert logins["window-5"].send("window/5", {"action": "next"}).ok
    clock.advance(minutes=2)
    assert logins["window-5"].send("window/5", {"action": "finish", "rating": 2}).ok
    got = [decode(RatedEvent, rated.get(timeout=5)) for _ in range(2)]
    assert [(e.ticket, e.staff, e.rating) for e in got] == [(a, "1001", 5), (b, "1002", 2)]

    logins["kiosk"].subscribe("tideq/xian-hitech/state/windows", lambda t, p: windows.put(p))
    while True:  # the retained state, then each change: the one after the last finish
        st = decode(WindowsState, windows.get(timeout=5))
        if sum(s.served for s in st.staff) == 2:
            break
    w5 = next(w for w in st.windows if w.id == "5")
    assert w5.staff is not None and w5.staff.id == "1002" and w5.staff.name.zh == "李强"
    figures = {s.id: (s.window, s.served, s.handling_s, dict(s.ratings)) for s in st.staff}
    assert figures == {"1001": (None, 1, 240, {"5": 1}), "1002": ("5", 1, 120, {"2": 1})}

    assert [e.count('"staff":"1001"') for e in events_of(controller, "called")] == [1, 0]
    assert ['"by":"1002"' in e for e in events_of(controller, "staff_signed_out")] == [True]
    # the shifts survive a restart: a replay of the log gives the same clerks and figures
    store = EventStore(controller.data_dir / "events.sqlite3")
    try:
        replayed = Engine(controller.cfg, SECRET)
        day = replayed.local_day(clock.now())
        for e in store.events_for(day, day):
            replayed.apply(e)
    finally:
        store.close()
    assert replayed.windows["5"].staff == "1002"
    assert (replayed.staff["1001"].served, replayed.staff["1001"].ratings) == (1, [5])


def test_refusals_say_what_to_do(logins, controller):
    r = sign_in(logins["window-5"], "5", "9999", "1234")
    assert r.code is not None and r.code.value == "staff_unknown"
    r = sign_in(logins["window-5"], "5", "1001", "0000")
    assert r.code is not None and r.code.value == "staff_bad_pin" and r.error is not None
    assert r.error.extra("attempts_left") == 4
    assert sign_in(logins["window-5"], "5", "1001", CLERKS["1001"]).ok
    r = sign_in(logins["window-6"], "6", "1001", CLERKS["1001"])
    assert r.code is not None and r.code.value == "staff_elsewhere" and r.error is not None
    assert r.error.extra("window") == "5" and "window 5" in r.error.guide.en
    assert logins["window-5"].send("window/5", {"action": "sign_out"}).ok
    r = logins["window-5"].send("window/5", {"action": "sign_out"})
    assert r.code is not None and r.code.value == "staff_not_signed_in"
    r = logins["window-5"].send("window/5", {"action": "sign_in", "staff": "1001", "pin_proof": "1234"})
    assert r.code is not None and r.code.value == "bad_payload"  # a clear PIN is refused, not checked


def test_wrong_pins_lock_the_window_but_a_staff_card_still_signs_in(logins, controller, clock):
    codes = [sign_in(logins["window-6"], "6", "1001", f"{n:04d}").code for n in range(5)]
    assert [c.value for c in codes if c] == ["staff_bad_pin"] * 4 + ["staff_locked"]
    r = sign_in(logins["window-6"], "6", "1001", CLERKS["1001"])  # the right PIN, but locked
    assert r.code is not None and r.code.value == "staff_locked" and r.error is not None
    assert r.error.extra("retry_at")
    r = logins["window-6"].send("window/6", {"action": "sign_in", "card": card_hash(SECRET, CLERK_CARD)})
    assert r.ok and r.window is not None and r.window.staff is not None and r.window.staff.id == "1002"
    clock.advance(minutes=6)
    assert logins["window-6"].send("window/6", {"action": "sign_out"}).ok
    assert sign_in(logins["window-6"], "6", "1001", CLERKS["1001"]).ok
    # nothing of the secrets is in the log: no PIN, no proof, no card number or hash
    db = sqlite3.connect(f"file:{controller.data_dir / 'events.sqlite3'}?mode=ro", uri=True)
    try:
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    for secret in (
        f'"{CLERKS["1001"]}"',
        pin_proof(SECRET, "1001", CLERKS["1001"]),
        CLERK_CARD,
        card_hash(SECRET, CLERK_CARD),
    ):
        assert secret not in dump
