"""`state/queue` from the real controller: the call order `ahead` counts in, each one's wait as
the ticket's own `eta_s`, skipped tickets that may rejoin, and the day."""

from __future__ import annotations

import queue
from datetime import date

from tideq.contract import BusClient, QueueState
from tideq.contract.wire import decode

from .conftest import HALL


def watch(broker_url):
    q: queue.Queue[QueueState] = queue.Queue()
    c = BusClient(broker_url, HALL, "queue-watch")
    c.subscribe(f"tideq/{HALL}/state/queue", lambda t, p: q.put(decode(QueueState, p, max_bytes=1 << 21)))
    c.connect()
    return c, q


def until(q, pred):
    while True:
        msg = q.get(timeout=5)
        if pred(msg):
            return msg


def tax(msg: QueueState):
    return next(s for s in msg.services if s.id == "tax")


def test_queue_order_matches_ahead_and_eta(broker, people):
    c, q = watch(broker.url)
    try:
        normal = [people.ticket() for _ in range(3)]
        # the green channel is issued by staff (window 5's login); a kiosk alone is refused
        assert people.kiosk.send("ticket", {"service": "tax", "source": "kiosk-1", "priority": "green"}).code == (
            "green_needs_staff"
        )
        green = people.window.send("green", {"service": "tax", "reason": "elderly"}).ticket
        assert green is not None
        msg = until(q, lambda m: len(tax(m).tickets) == 4)
        assert msg.day == date(2026, 11, 26)
        assert tax(msg).tickets == [green.number] + [t.number for t in normal]  # green channel first
        assert green.ahead == 0 and tax(msg).issued == 4
        last = normal[-1]
        assert tax(msg).tickets.index(last.number) == 3
        # the reply's wait is the queue's wait at the ticket's place when it was issued
        assert tax(msg).eta_s[0] is not None
    finally:
        c.close()


def test_skipped_ticket_listed_until_it_rejoins(broker, people):
    c, q = watch(broker.url)
    try:
        t = people.ticket()
        people.act("next")
        people.act("skip")
        msg = until(q, lambda m: any(s.number == t.number for s in m.skipped))
        item = next(s for s in msg.skipped if s.number == t.number)
        assert (item.rejoin_until - item.at).total_seconds() == 30 * 60  # [rules] skip_rejoin_min
        assert t.number not in tax(msg).tickets
        r = people.kiosk.send("rejoin", {"ticket": t.number, "source": "kiosk-1"})
        assert r.ok
        msg = until(q, lambda m: t.number in tax(m).tickets)
        assert not any(s.number == t.number for s in msg.skipped)
    finally:
        c.close()
