"""The engine's staff sign-in, pure: which events carry `staff`, a shift change as one step, a
rating after the shift change going to the clerk who served, figures per 工号, and a replay (or
a clone) giving the same clerks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.contract.staff import card_hash, pin_proof
from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal
from tideq.controller.events import Kind

from ..conftest import HALL_SECRET, THURSDAY_10
from ..staff import CLERK_CARD, CLERKS, with_clerks

SECRET = HALL_SECRET.encode()


@pytest.fixture(scope="module")
def staffed():
    return with_clerks(load(EXAMPLE_HALL)).hall


@pytest.fixture
def eng(staffed):
    e = Engine(staffed, SECRET)
    e.roll_day(THURSDAY_10)
    return e


def sign(e: Engine, wid: str, sid: str, at=THURSDAY_10):
    return e.window_action(wid, "sign_in", at, staff=sid, pin_proof=pin_proof(SECRET, sid, CLERKS[sid]))[0]


def test_events_carry_the_clerk_and_a_rating_follows_who_served(eng):
    sign(eng, "5", "1001")
    eng.issue("tax", "kiosk-1", THURSDAY_10)
    eng.issue("tax", "kiosk-1", THURSDAY_10)
    later = THURSDAY_10 + timedelta(minutes=3)
    kinds = {}
    for action in ("next", "recall", "skip", "next", "finish"):
        for ev in eng.window_action("5", action, later)[0]:
            kinds[ev.kind] = ev.data.get("staff")
    assert kinds == {Kind.CALLED: "1001", Kind.RECALLED: "1001", Kind.SKIPPED: "1001", Kind.FINISHED: "1001"}
    done = next(t for t in eng.tickets.values() if t.finished_at)
    events = sign(eng, "5", "1002", later)
    assert [(e.kind, e.data["staff"]) for e in events] == [
        (Kind.STAFF_SIGNED_OUT, "1001"),
        (Kind.STAFF_SIGNED_IN, "1002"),
    ]
    rated = eng.window_action("5", "rate", later, ticket=done.number, rating=5)[0]
    assert rated[0].data["staff"] == "1001"
    assert eng.rating_record(done)["staff"] == "1001"
    assert (eng.staff["1001"].served, eng.staff["1001"].skipped, eng.staff["1001"].ratings) == (1, 1, [5])
    assert eng.staff["1001"].window is None and eng.staff["1002"].window == "5"
    assert sign(eng, "5", "1002", later) == []  # signing in again changes nothing


def test_a_transfer_carries_the_clerk_and_a_card_signs_in(eng):
    events, _ = eng.window_action("6", "sign_in", THURSDAY_10, card=card_hash(SECRET, CLERK_CARD))
    assert events[-1].data == {"window": "6", "staff": "1002"}
    eng.issue("tax", "kiosk-1", THURSDAY_10)
    eng.window_action("6", "next", THURSDAY_10)
    ev = eng.window_action("6", "transfer", THURSDAY_10, to_service="social-insurance")[0][0]
    assert ev.data["staff"] == "1002" and eng.staff["1002"].transferred == 1


def test_refusals_leave_the_state_as_it_was(eng):
    sign(eng, "5", "1001")
    with pytest.raises(Refusal) as err:
        sign(eng, "6", "1001")
    assert err.value.code.value == "staff_elsewhere" and err.value.extra == {"window": "5"}
    with pytest.raises(Refusal) as err:
        eng.window_action("6", "sign_in", THURSDAY_10, staff="1002", pin_proof=pin_proof(SECRET, "1002", "0000"))
    assert err.value.code.value == "staff_bad_pin"
    with pytest.raises(Refusal) as err:
        eng.window_action("6", "sign_in", THURSDAY_10, card="c" * 64)
    assert err.value.code.value == "staff_unknown"
    assert eng.windows["6"].staff is None and eng.windows["5"].staff == "1001"


def test_replay_and_clone_give_the_same_clerks(eng, staffed):
    log = [*sign(eng, "5", "1001")]
    log += eng.issue("tax", "kiosk-1", THURSDAY_10)[0]
    log += eng.window_action("5", "next", THURSDAY_10)[0]
    log += eng.window_action("5", "finish", THURSDAY_10 + timedelta(minutes=7))[0]
    copy = eng.clone()
    copy.window_action("5", "sign_out", THURSDAY_10)
    assert eng.windows["5"].staff == "1001" and copy.windows["5"].staff is None  # independent
    again = Engine(staffed, SECRET)
    again.roll_day(THURSDAY_10)
    for e in log:
        again.apply(e)
    assert again.windows["5"].staff == "1001"
    assert (again.staff["1001"].served, again.staff["1001"].handling_s) == (1, 420.0)
