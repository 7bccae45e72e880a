"""24-hour self-service (issue 16 item 4) on the controller: cmd/book (a slot, or the first slot
of the next opening), cmd/slots, cmd/lookup; capacity per slot with the next free slot named in
every refusal; the night's booking checked in at opening. Engine units, then the real controller
on a real Mosquitto at 03:00 and on a Sunday afternoon."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from tideq.contract import BookingStatus, ErrorCode, Priority
from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal
from tideq.controller.service import ControllerService
from tideq.testing import ManualClock

from ..conftest import HALL_SECRET, TZ

THU_03 = datetime(2026, 11, 26, 3, 0, tzinfo=TZ)  # Thursday 03:00: the hall opens 09:00 today
SUN_15 = datetime(2026, 11, 29, 15, 0, tzinfo=TZ)  # Sunday afternoon: opened 09:00-12:00, next Monday 09:00
MON_09 = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
ENG = "engineering-permit"  # 780 s service, one window: 2 places a 30-minute slot; closed at weekends


def fresh(hall, now: datetime) -> Engine:
    e = Engine(hall.hall, b"test-secret")
    e.roll_day(now)
    return e


def replayed(hall, events) -> Engine:
    e = Engine(hall.hall, b"test-secret")
    for ev in events:
        e.apply(ev)
    return e


def test_capacity_default_is_what_the_windows_serve_in_a_slot(hall):
    cfg = hall.hall
    eng, tax = cfg.service(ENG), cfg.service("tax")
    assert eng and tax
    assert cfg.slot_capacity(eng) == 2  # 1 window × 1800 s ÷ 780 s
    assert cfg.slot_capacity(tax) == sum(1 for w in cfg.windows if "tax" in w.services) * 1800 // 420


def test_next_opening_at_three_in_the_morning_is_the_first_slot_today(hall):
    e = fresh(hall, THU_03)
    events, appt = e.book("tax", "kiosk-1", THU_03, "cid-1")
    assert appt.start == datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
    assert appt.end == datetime(2026, 11, 26, 9, 30, tzinfo=TZ)
    assert len(appt.code) == 8 and appt.code.isdigit()
    assert appt.name_masked == appt.phone_masked == "" and appt.identity is None  # no personal data
    assert events[0].data["source"] == "kiosk-1"
    assert replayed(hall, e_events(e, events)).appointments[appt.code].start == appt.start


def e_events(e: Engine, booked) -> list:
    """The day's opening plus the booking: what the event log holds, replayed from scratch."""
    from tideq.controller.events import Event, Kind

    return [Event(Kind.DAY_OPENED, THU_03, {"day": "2026-11-26"}), *booked]


def test_next_opening_on_a_sunday_afternoon_is_monday_morning(hall):
    e = fresh(hall, SUN_15)
    _, appt = e.book(ENG, "kiosk-1", SUN_15, "cid-1")  # 工程建设 is closed at weekends
    assert appt.start == MON_09
    _, tax = e.book("tax", "kiosk-1", SUN_15, "cid-2")  # the hall opens Sunday mornings only
    assert tax.start == MON_09


def test_a_full_slot_is_refused_naming_the_next_free_one(hall):
    e = fresh(hall, SUN_15)
    codes = {e.book(ENG, "kiosk-1", SUN_15, f"c{i}")[1].code for i in range(2)}
    assert len(codes) == 2
    with pytest.raises(Refusal) as err:
        e.book(ENG, "kiosk-1", SUN_15, "c3")
    r = err.value.as_error()
    assert r.code is ErrorCode.SLOT_FULL
    assert r.extra("next_free") == {
        "start": datetime(2026, 11, 30, 9, 30, tzinfo=TZ).isoformat(),
        "end": datetime(2026, 11, 30, 10, 0, tzinfo=TZ).isoformat(),
    }
    assert "09:30" in r.guide.zh and "09:30" in r.guide.en  # 窗口无否决权: where to go instead
    _, later = e.book(ENG, "kiosk-1", SUN_15, "c3", start=datetime(2026, 11, 30, 9, 30, tzinfo=TZ))
    assert later.start.hour == 9 and later.start.minute == 30


def test_platform_bookings_count_against_the_slot(hall):
    e = fresh(hall, SUN_15)
    slot = MON_09.isoformat(), (MON_09 + timedelta(minutes=30)).isoformat()
    e.import_appointments([{"code": "YYP1", "service": ENG, "start": slot[0], "end": slot[1]}], SUN_15)
    assert [s.free for s in e.slots(ENG, MON_09.date(), SUN_15)][:2] == [1, 2]
    e.book(ENG, "kiosk-1", SUN_15, "k1")
    with pytest.raises(Refusal) as err:
        e.book(ENG, "kiosk-1", SUN_15, "k2", start=MON_09)
    assert err.value.code is ErrorCode.SLOT_FULL


def test_not_a_slot_past_or_too_far_ahead_is_refused_with_the_next_free_slot(hall):
    e = fresh(hall, SUN_15)
    for start, why, nxt in (
        (datetime(2026, 11, 30, 9, 10, tzinfo=TZ), "no slot starts then", "09:30"),
        (datetime(2026, 11, 29, 9, 0, tzinfo=TZ), "begun or passed", "09:00"),
        (datetime(2026, 12, 30, 9, 0, tzinfo=TZ), "7 days ahead", "09:00"),
        (datetime(2026, 11, 30, 12, 30, tzinfo=TZ), "closed then", "13:00"),  # lunch
    ):
        with pytest.raises(Refusal) as err:
            e.book("tax", "kiosk-1", SUN_15, "x", start=start)
        r = err.value.as_error()
        assert r.code is ErrorCode.SLOT_UNAVAILABLE and why in r.message.en, r.message.en
        assert r.extra("next_free")["start"].startswith(f"2026-11-30T{nxt}"), r.extra("next_free")


def test_a_service_without_slots_and_identity_services(hall):
    e = fresh(hall, SUN_15)
    with pytest.raises(Refusal) as err:
        e.book("social-insurance", "kiosk-1", SUN_15, "a")
    assert err.value.code is ErrorCode.IDENTITY_REQUIRED
    ident = "a" * 64
    _, appt = e.book("social-insurance", "kiosk-1", SUN_15, "a", identity=ident)
    assert appt.identity == ident
    with pytest.raises(Refusal) as err:  # one open booking per person and service: no hoarding
        e.book("social-insurance", "kiosk-1", SUN_15, "b", identity=ident)
    assert err.value.code is ErrorCode.IDENTITY_LIMIT and err.value.extra["start"] == appt.start.isoformat()


def test_lookup_a_ticket_needs_its_check_code(hall):
    now = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
    e = fresh(hall, now)
    _, t = e.issue("tax", "kiosk-1", now)
    verify = e.verify_string(t)
    mac = verify.rsplit(":", 1)[-1]
    assert e.lookup_ticket(t.number.lower(), verify) is t
    assert e.lookup_ticket(t.number, mac[:6].upper()) is t
    for wrong in (mac[:5], "000000", "tideq:x"):
        with pytest.raises(Refusal) as err:
            e.lookup_ticket(t.number, wrong)
        assert err.value.code is ErrorCode.UNKNOWN_TICKET


# ---------------------------------------------------------------- the real controller, real broker


@pytest.fixture
def night(request, hall, broker, tmp_path, monkeypatch):
    """The controller at the parametrized hall time (03:00 Thursday or Sunday 15:00)."""
    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    clock = ManualClock(request.param)
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock)
    svc.start()
    yield svc, clock
    svc.stop()


@pytest.fixture
def bus(broker, night):
    from tideq.contract import BusClient

    c = BusClient(broker.url, "xian-hitech", f"test-{uuid.uuid4().hex[:8]}").connect()
    yield c
    c.close()


@pytest.mark.parametrize("night", [THU_03, SUN_15], indirect=True, ids=["thu-03", "sun-15"])
def test_booked_at_night_checked_in_at_opening_gets_an_appointment_ticket(night, bus):
    svc, clock = night
    closed = bus.send("ticket", {"service": "tax", "source": "kiosk-1"})
    assert closed.code is ErrorCode.HALL_CLOSED  # walk-in tickets stay refused at night
    slots = bus.send("slots", {"service": "tax"})
    assert slots.ok and slots.slots and slots.day == slots.slots[0].start.date()
    first = slots.slots[0]
    booked = bus.send("book", {"service": "tax", "source": "kiosk-1"})
    assert booked.ok, booked
    assert booked.appointment and booked.appointment.start == first.start
    assert booked.booking and booked.booking.status is BookingStatus.PENDING
    code = booked.appointment.code
    again = bus.send("slots", {"service": "tax", "day": first.start.date().isoformat()})
    assert again.slots and again.slots[0].free == first.free - 1
    looked = bus.send("lookup", {"code": code, "source": "kiosk-1"})
    assert looked.booking and looked.booking.status is BookingStatus.PENDING and looked.booking.start == first.start

    clock.set(first.start.astimezone(TZ))  # the next morning, at opening
    t = bus.send("checkin", {"code": code, "source": "kiosk-1"})
    assert t.ok and t.ticket and t.ticket.priority is Priority.APPOINTMENT and not t.appointment.late, t
    looked = bus.send("lookup", {"code": code, "source": "kiosk-1"})
    assert looked.booking and looked.booking.status is BookingStatus.CHECKED_IN
    assert looked.booking.ticket == t.ticket.number
    mac = t.ticket.verify.rsplit(":", 1)[-1]
    by_ticket = bus.send("lookup", {"ticket": t.ticket.number, "verify": mac[:6], "source": "kiosk-1"})
    assert by_ticket.ticket and by_ticket.ticket.number == t.ticket.number
    assert svc.engine.tickets[t.ticket.number].appointment == code


@pytest.mark.parametrize("night", [SUN_15], indirect=True, ids=["sun-15"])
def test_capacity_full_over_the_bus_names_the_next_free_slot(night, bus):
    for _ in range(2):
        assert bus.send("book", {"service": ENG, "source": "kiosk-1"}).ok
    full = bus.send("book", {"service": ENG, "source": "kiosk-1"})
    assert full.code is ErrorCode.SLOT_FULL and full.error
    nxt = full.error.extra("next_free")
    assert nxt["start"] == datetime(2026, 11, 30, 9, 30, tzinfo=TZ).isoformat()
    took = bus.send("book", {"service": ENG, "source": "kiosk-1", "start": nxt["start"]})
    assert took.ok and took.appointment and took.appointment.start.isoformat() == nxt["start"]
    cid = str(uuid.uuid4())  # idempotent by id: a retried booking is the same booking
    one = bus.request("book", {"service": ENG, "source": "kiosk-1", "start": nxt["start"]}, command_id=cid)
    two = bus.request("book", {"service": ENG, "source": "kiosk-1", "start": nxt["start"]}, command_id=cid)
    assert one == two and one["ok"]


def test_a_night_booking_survives_a_restart_and_is_checked_in_next_morning(hall, broker, tmp_path, monkeypatch):
    """Booked at 22:00, the controller restarted overnight (a new hall day is rebuilt from the
    event log), checked in at 09:00: the booking was carried across the day like a platform's."""
    from tideq.contract import BusClient

    monkeypatch.setenv("TIDEQ_HALL_SECRET", HALL_SECRET)
    clock = ManualClock(datetime(2026, 11, 26, 22, 0, tzinfo=TZ))
    svc = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
    bus = BusClient(broker.url, "xian-hitech", f"test-{uuid.uuid4().hex[:8]}").connect()
    try:
        booked = bus.send("book", {"service": "tax", "source": "kiosk-1"})
        assert booked.ok and booked.appointment
        code = booked.appointment.code
        assert booked.appointment.start == datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
        svc.stop()
        clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
        svc = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
        assert code in svc.engine.appointments
        t = bus.send("checkin", {"code": code, "source": "kiosk-1"})
        assert t.ok and t.ticket and t.ticket.priority is Priority.APPOINTMENT, t
    finally:
        bus.close()
        svc.stop()
