"""The engine's side of the booking API and 好差评: per-row imports, cancel, reschedule, status,
ratings with their channel; everything replays from the events it made."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tideq.contract import BookingStatus, ErrorCode, RowStatus, TicketStatus
from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal

from .conftest import THURSDAY_10

T = THURSDAY_10


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def row(code: str, service: str = "tax", start: float = 30, length: float = 30, **extra: str) -> dict:
    return {"code": code, "service": service, "start": at(start).isoformat(), "end": at(start + length).isoformat()} | (
        extra
    )


def replayed(hall, events) -> Engine:
    e = Engine(hall.hall, b"test-secret")
    for ev in events:
        e.apply(ev)
    return e


def test_per_row_import_refuses_only_the_bad_rows(engine):
    events, results = engine.import_rows(
        [row("YY1"), row("YY2", service="policy-redemption"), row("YY3", service="nope"), row("yy1")], at(0)
    )
    assert [(r["code"], r["status"]) for r in results] == [
        ("YY1", RowStatus.CREATED),
        ("YY2", RowStatus.REFUSED),
        ("YY3", RowStatus.REFUSED),
        ("YY1", RowStatus.REFUSED),
    ]
    assert [r["error"].code for r in results[1:]] == [
        ErrorCode.SERVICE_NOT_BOOKABLE,
        ErrorCode.UNKNOWN_SERVICE,
        ErrorCode.BAD_PAYLOAD,
    ]
    assert set(engine.appointments) == {"YY1"}
    assert [a["code"] for a in events[0].data["appointments"]] == ["YY1"]


def test_the_same_push_again_changes_nothing_and_a_change_updates(engine):
    engine.import_rows([row("YY1"), row("YY2")], at(0))
    events, results = engine.import_rows([row("YY1"), row("YY2")], at(1))
    assert events == [] and {r["status"] for r in results} == {RowStatus.UNCHANGED}
    events, results = engine.import_rows([row("YY1"), row("YY2", start=60)], at(2))
    assert [r["status"] for r in results] == [RowStatus.UNCHANGED, RowStatus.UPDATED]
    assert [a["code"] for a in events[0].data["appointments"]] == ["YY2"]
    assert engine.appointments["YY2"].start == at(60)


def test_cancel_then_checkin_is_refused_with_a_way_out(engine):
    engine.import_rows([row("YY1", start=5)], at(0))
    events, appt = engine.cancel_booking("yy1", at(1), "visitor cancelled")
    assert [e.kind.value for e in events] == ["appointment_cancelled"]
    assert engine.booking_status(appt, at(2)) is BookingStatus.CANCELLED
    with pytest.raises(Refusal) as info:
        engine.checkin(at(3), "kiosk-1", code="YY1")
    assert info.value.code is ErrorCode.APPOINTMENT_CANCELLED and "walk-in" in info.value.guide.en
    assert engine.cancel_booking("YY1", at(4))[0] == []  # cancelling again changes nothing


def test_a_cancelled_booking_pushed_again_is_booked_again(engine):
    engine.import_rows([row("YY1", start=5)], at(0))
    engine.cancel_booking("YY1", at(1))
    _, results = engine.import_rows([row("YY1", start=5)], at(2))
    assert results[0]["status"] is RowStatus.UPDATED
    assert engine.checkin(at(3), "kiosk-1", code="YY1")[1].number == "B001"


def test_reschedule_moves_the_slot_and_checkin_follows_it(engine):
    engine.import_rows([row("YY1", start=5)], at(0))
    tomorrow = at(24 * 60)
    events, appt = engine.reschedule_booking("YY1", tomorrow, tomorrow + timedelta(minutes=30), at(1))
    assert events and appt.start == tomorrow
    with pytest.raises(Refusal) as info:
        engine.checkin(at(5), "kiosk-1", code="YY1")
    assert info.value.code is ErrorCode.APPOINTMENT_OTHER_DAY
    assert engine.reschedule_booking("YY1", tomorrow, tomorrow + timedelta(minutes=30), at(2))[0] == []


def test_reschedule_to_another_service_must_be_bookable(engine):
    engine.import_rows([row("YY1")], at(0))
    with pytest.raises(Refusal) as info:
        engine.reschedule_booking("YY1", at(40), at(70), at(1), service="policy-redemption")
    assert info.value.code is ErrorCode.SERVICE_NOT_BOOKABLE
    engine.reschedule_booking("YY1", at(40), at(70), at(1), service="real-estate")
    assert engine.appointments["YY1"].service == "real-estate"


def test_a_checked_in_booking_is_no_longer_the_platforms(engine):
    engine.import_rows([row("YY1", start=5)], at(0))
    _, t, appt, _ = engine.checkin(at(1), "kiosk-1", code="YY1")
    assert engine.booking_status(appt, at(2)) is BookingStatus.CHECKED_IN
    for call in (
        lambda: engine.cancel_booking("YY1", at(2)),
        lambda: engine.reschedule_booking("YY1", at(60), at(90), at(2)),
    ):
        with pytest.raises(Refusal) as info:
            call()
        assert info.value.code is ErrorCode.APPOINTMENT_CHECKED_IN and info.value.extra["ticket"] == t.number


def test_status_pending_until_the_slot_ends_then_no_show(engine):
    engine.import_rows([row("YY1", start=5, length=30)], at(0))
    appt = engine.booking("YY1")
    assert engine.booking_status(appt, at(34)) is BookingStatus.PENDING
    assert engine.booking_status(appt, at(35)) is BookingStatus.NO_SHOW


def test_unknown_booking_says_push_it_first(engine):
    with pytest.raises(Refusal) as info:
        engine.cancel_booking("NOPE1", at(0))
    assert info.value.code is ErrorCode.APPOINTMENT_UNKNOWN and "push it first" in info.value.guide.en


def test_ratings_carry_service_window_channel_and_time(engine):
    for i in range(3):
        engine.issue("tax", "kiosk-1", at(i))
    engine.window_action("5", "next", at(5))
    engine.window_action("5", "finish", at(6), rating=4, channel="counter")  # B001
    engine.window_action("5", "next", at(7))
    engine.window_action("5", "finish", at(8))  # B002, rated later on the tablet
    engine.window_action("5", "rate", at(9), ticket="B002", rating=2, channel="tablet")
    engine.window_action("5", "next", at(10))
    engine.window_action("5", "finish", at(11))
    engine.window_action("5", "rate", at(12), ticket="B003", rating="not_rated", channel="tablet")
    got = [(r["ticket"], r["rating"], r["channel"], r["window"], r["service"], r["at"]) for r in engine.ratings()]
    assert got == [("B001", 4, "counter", "5", "tax", at(6)), ("B002", 2, "tablet", "5", "tax", at(9))]
    assert engine.ratings()[0]["rating_id"] == "xian-hitech:2026-11-26:B001"
    assert engine.ratings()[0]["staff"] is None


def test_everything_replays_from_its_events(hall, engine):
    events = [*engine.import_rows([row("YY1", start=5), row("YY2"), row("YY3")], at(0))[0]]
    events += engine.cancel_booking("YY2", at(1))[0]
    events += engine.reschedule_booking("YY3", at(90), at(120), at(1))[0]
    ev, t, _, _ = engine.checkin(at(2), "kiosk-1", code="YY1")
    events += ev
    events += engine.window_action("5", "next", at(3))[0]
    events += engine.window_action("5", "finish", at(4), rating=5, channel="keypad")[0]
    twin = replayed(hall, [*engine_day(engine), *events])
    for code in ("YY1", "YY2", "YY3"):
        assert twin.booking_status(twin.booking(code), at(5)) is engine.booking_status(engine.booking(code), at(5))
    assert twin.appointments["YY3"].start == at(90)
    assert twin.tickets[t.number].status is TicketStatus.DONE
    assert twin.ratings() == engine.ratings() and twin.ratings()[0]["channel"] == "keypad"


def engine_day(engine: Engine):
    """The day_opened event the fixture's engine started with."""
    fresh = Engine(engine.cfg, engine.secret)
    return fresh.roll_day(THURSDAY_10)
