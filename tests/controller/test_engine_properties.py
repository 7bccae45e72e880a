"""Property tests: random hall days driven through the engine keep its invariants."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal
from tideq.controller.events import Event, Kind
from tideq.controller.model import PRIORITY_RANK, Priority, TicketStatus

from .conftest import THURSDAY_10

SERVICES = ["business-setup", "tax", "policy-redemption"]
WINDOWS = ["1", "4", "5", "7", "19"]

op = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(["normal", "green"])),
    st.tuples(
        st.just("window"),
        st.sampled_from(WINDOWS),
        st.sampled_from(["next", "next", "next", "recall", "skip", "finish", "pause", "resume"]),
    ),
    st.tuples(st.just("call"), st.sampled_from(WINDOWS), st.integers(1, 30)),
    st.tuples(st.just("transfer"), st.sampled_from(WINDOWS), st.sampled_from(SERVICES)),
    st.tuples(st.just("rejoin"), st.integers(1, 30), st.sampled_from(SERVICES)),
    st.tuples(st.just("tidal"), st.sampled_from(["open", "close"]), st.sampled_from(SERVICES)),
)


def snapshot(e: Engine) -> dict:
    return {
        "tickets": {n: dataclasses.asdict(t) for n, t in e.tickets.items()},
        "windows": {w: dataclasses.asdict(s) for w, s in e.windows.items()},
        "counters": dict(e.counters),
        "walkins": dict(e.walkins),
        "waiting": {s: sorted(q) for s, q in e.waiting.items()},
        "class_count": {s: dict(c) for s, c in e.class_count.items()},
        "calls": list(e.calls),
        "mean": {s: st_.mean_s for s, st_ in e.service_time.items()},
    }


def run_day(hall, ops):
    e = Engine(hall.hall, b"k")
    log = list(e.roll_day(THURSDAY_10))
    now = THURSDAY_10
    for o in ops:
        now += timedelta(seconds=37)
        try:
            if o[0] == "issue":
                events, t = e.issue(o[1], "k", now, Priority(o[2]))
                assert e.ahead_of(t, now) == sum(
                    1 for x in e.waiting[t.service].values() if x is not t and x.order_key(now) < t.order_key(now)
                )
            elif o[0] == "window":
                expected = e.next_for(o[1], now) if o[2] == "next" else None
                events, t = e.window_action(o[1], o[2], now)
                if o[2] == "next":
                    assert t is expected
            elif o[0] == "call":
                prefix = e.services[SERVICES[o[2] % len(SERVICES)]].prefix
                events, _ = e.window_action(o[1], "call", now, ticket=f"{prefix}{o[2]:03d}")
            elif o[0] == "transfer":
                events, _ = e.window_action(o[1], "transfer", now, to_service=o[2])
            elif o[0] == "rejoin":
                events = e.rejoin(f"{e.services[o[2]].prefix}{o[1]:03d}", now)
            else:
                events = e.tidal_open("19", o[2], now) if o[1] == "open" else e.tidal_close("19", now)
        except Refusal:
            continue
        log += events
    return e, log


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, max_size=120))
def test_invariants_hold_for_any_hall_day(hall, ops):
    e, log = run_day(hall, ops)

    issued = [ev.data["number"] for ev in log if ev.kind is Kind.TICKET_ISSUED]
    assert len(issued) == len(set(issued)), "a number was issued twice"

    finished = Counter(ev.data["ticket"] for ev in log if ev.kind is Kind.FINISHED)
    assert all(n == 1 for n in finished.values()), "a ticket was served to the end twice"

    serving = [w.ticket for w in e.windows.values() if w.ticket]
    assert len(serving) == len(set(serving)), "one ticket at two windows"
    for w in e.windows.values():
        if w.ticket:
            assert e.tickets[w.ticket].status is TicketStatus.SERVING and e.tickets[w.ticket].window == w.id

    for sid, q in e.waiting.items():
        assert all(t.status is TicketStatus.WAITING and t.service == sid for t in q.values())

    replayed = Engine(hall.hall, b"k")
    for ev in log:  # through the same JSON the event log stores
        replayed.apply(Event.from_row(ev.kind.value, ev.at.isoformat(), ev.to_json()))
    assert snapshot(replayed) == snapshot(e)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["normal", "green"]), min_size=2, max_size=40))
def test_fifo_within_a_priority_class(hall, classes):
    e = Engine(hall.hall, b"k")
    now = THURSDAY_10
    e.roll_day(now)
    for c in classes:
        now += timedelta(seconds=5)
        e.issue("tax", "k", now, Priority(c))
    called = []
    for _ in classes:
        now += timedelta(seconds=5)
        called.append(e.window_action("5", "next", now)[1])
    for cls in ("green", "normal"):
        seq = [t.seq for t in called if t.priority.value == cls]
        assert seq == sorted(seq)
    ranks = [PRIORITY_RANK[t.priority] for t in called]
    assert ranks == sorted(ranks)
