"""The green channel, help requests and reprints in the pure engine: what the events fold to is
what a replay of them folds to (a restart loses nothing), and the rules hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tideq.contract.vocab import Priority
from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal
from tideq.controller.events import Kind

from .conftest import THURSDAY_10


def test_help_green_and_reprints_replay_to_the_same_state(hall, engine):
    log = []
    t0 = THURSDAY_10
    ev, h = engine.request_help("kiosk-1", "tax", t0)
    log += ev
    again, same = engine.request_help("kiosk-1", None, t0 + timedelta(seconds=5))
    assert again == [] and same is h  # one open request per kiosk
    ev, t = engine.issue(
        "tax", "kiosk-1", t0 + timedelta(minutes=1), Priority.GREEN, green_reason="elderly", by="window-5", help_id=h.id
    )
    log += ev
    assert engine.help[h.id].ticket == t.number
    with pytest.raises(Refusal) as no_second:  # answered once: another member of staff is told
        engine.issue("tax", "window-6", t0, Priority.GREEN, green_reason="other", by="window-6", help_id=h.id)
    assert no_second.value.code.value == "help_unknown"
    ev, _ = engine.reprint(t.number, t0 + timedelta(minutes=2), "kiosk-1", "kiosk-1", engine.verify_string(t)[-4:])
    log += ev
    with pytest.raises(Refusal) as wrong:
        engine.reprint(t.number, t0, "kiosk-1", "kiosk-1", "zzzz")
    assert wrong.value.code.value == "verify_mismatch"
    ev, _ = engine.close_help(h.id, t0 + timedelta(minutes=3), "collected")
    log += ev
    assert [e.kind for e in log] == [Kind.HELP_REQUESTED, Kind.TICKET_ISSUED, Kind.REPRINTED, Kind.HELP_CLOSED]

    replay = Engine(hall.hall, b"test-secret")
    replay.roll_day(THURSDAY_10)
    for e in log:
        replay.apply(e)
    r = replay.tickets[t.number]
    assert (r.priority, r.green_reason, r.issued_by, r.reprints) == (Priority.GREEN, "elderly", "window-5", 1)
    assert replay.help == engine.help == {} and replay.help_seq == 1
    assert replay.green_issued["tax"] == engine.green_issued["tax"] == 1
    view = replay.ticket_view(r, THURSDAY_10)
    assert view.green_reason is not None and view.green_reason.value == "elderly" and view.reprints == 1


def test_a_served_ticket_is_not_reprinted(engine):
    _, t = engine.issue("tax", "kiosk-1", THURSDAY_10)
    engine.window_action("5", "next", THURSDAY_10)
    engine.window_action("5", "finish", THURSDAY_10 + timedelta(minutes=3))
    with pytest.raises(Refusal) as done:
        engine.reprint(t.number, THURSDAY_10 + timedelta(minutes=4), "window-5", "window-5")
    assert done.value.code.value == "ticket_not_waiting" and "take a new ticket" in done.value.guide.en
