"""Engine rules, one behaviour a test; time is passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tideq.controller.errors import Refusal
from tideq.controller.model import Priority, TicketStatus, WindowStatus

from .conftest import THURSDAY_10, TZ

T = THURSDAY_10


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def refused(expected: str, fn, *args, **kw) -> Refusal:
    with pytest.raises(Refusal) as info:
        fn(*args, **kw)
    assert info.value.code == expected, info.value
    assert info.value.guide.zh and info.value.guide.en
    return info.value


def test_numbers_per_service_with_prefix(engine):
    a = [engine.issue("business-setup", "k", at(i))[1].number for i in range(3)]
    b = engine.issue("tax", "k", at(4))[1].number
    assert a == ["A001", "A002", "A003"] and b == "B001"


def test_numbers_restart_at_hall_local_midnight(engine):
    engine.issue("tax", "k", at(0))
    tomorrow = datetime(2026, 11, 27, 9, 5, tzinfo=TZ)
    assert engine.roll_day(tomorrow)
    assert engine.issue("tax", "k", tomorrow)[1].number == "B001"
    assert engine.tickets.keys() == {"B001"}


def test_priority_then_longest_wait(engine):
    engine.issue("tax", "k", at(0))  # B001 normal
    engine.issue("tax", "k", at(1), Priority.GREEN)  # B002 green
    engine.issue("tax", "k", at(2))  # B003 normal
    order = [engine.window_action("5", "next", at(10 + i))[1].number for i in range(3)]
    assert order == ["B002", "B001", "B003"]


def test_window_serves_across_its_services_longest_wait_first(engine):
    engine.issue("business-setup", "k", at(1))  # A001, served by window 7 too
    engine.issue("tax", "k", at(0))  # B001 waited longer
    assert engine.window_action("7", "next", at(5))[1].number == "B001"
    assert engine.window_action("7", "next", at(6))[1].number == "A001"


def test_next_finishes_the_current_ticket(engine):
    engine.issue("tax", "k", at(0))
    engine.issue("tax", "k", at(1))
    engine.window_action("5", "next", at(2))
    engine.window_action("5", "next", at(9))
    assert engine.tickets["B001"].status is TicketStatus.DONE
    assert engine.windows["5"].served == 1


def test_no_ticket_waiting_changes_nothing(engine):
    engine.issue("tax", "k", at(0))
    engine.window_action("5", "next", at(1))
    refused("no_ticket_waiting", engine.window_action, "5", "next", at(2))
    assert engine.windows["5"].ticket == "B001"


def test_call_specific_ticket_out_of_order(engine):
    for i in range(3):
        engine.issue("tax", "k", at(i))
    assert engine.window_action("6", "call", at(5), ticket="B003")[1].number == "B003"
    assert engine.window_action("5", "next", at(6))[1].number == "B001"


def test_call_ticket_of_another_service_points_to_its_windows(engine):
    engine.issue("policy-redemption", "k", at(0))
    r = refused("ticket_other_service", engine.window_action, "5", "call", at(1), ticket="F001")
    assert "4, 15" in r.guide.en


def test_recall_counts_calls_and_is_announced(engine):
    engine.issue("tax", "k", at(0))
    engine.window_action("5", "next", at(1))
    _, t = engine.window_action("5", "recall", at(2))
    assert t.calls == 2 and engine.calls[0].recall is True


def test_skip_then_rejoin_once_within_time(engine):
    engine.issue("tax", "k", at(0))
    engine.issue("tax", "k", at(1))
    engine.window_action("5", "next", at(2))
    engine.window_action("5", "skip", at(3))
    assert engine.tickets["B001"].status is TicketStatus.SKIPPED
    assert engine.windows["5"].status is WindowStatus.IDLE
    engine.rejoin("B001", at(10))
    assert engine.tickets["B001"].status is TicketStatus.WAITING
    assert engine.window_action("5", "next", at(11))[1].number == "B002"  # rejoined at the back
    assert engine.window_action("5", "next", at(12))[1].number == "B001"
    engine.window_action("5", "skip", at(13))
    refused("already_rejoined", engine.rejoin, "B001", at(14))


def test_rejoin_after_the_configured_time_is_refused(engine):
    engine.issue("tax", "k", at(0))
    engine.window_action("5", "next", at(1))
    engine.window_action("5", "skip", at(2))
    refused("rejoin_expired", engine.rejoin, "B001", at(2 + engine.cfg.rules.skip_rejoin_min + 1))


def test_transfer_keeps_number_and_original_issue_time(engine):
    engine.issue("tax", "k", at(0))  # B001 issued first
    engine.issue("business-setup", "k", at(5))  # A001
    engine.window_action("5", "next", at(6))
    engine.window_action("5", "transfer", at(7), to_service="business-setup", reason="needs licence first")
    t = engine.tickets["B001"]
    assert t.service == "business-setup" and t.status is TicketStatus.WAITING and t.issued_at == at(0)
    assert engine.window_action("1", "next", at(8))[1].number == "B001"  # waited longer than A001


def test_transfer_to_window_is_called_there_first(engine):
    engine.issue("tax", "k", at(0))
    engine.issue("tax", "k", at(1))
    engine.window_action("5", "next", at(2))
    engine.window_action("5", "transfer", at(3), to_window="6")
    assert engine.window_action("5", "next", at(4))[1].number == "B002"
    engine.issue("tax", "k", at(4))
    assert engine.window_action("6", "next", at(5))[1].number == "B001"


def test_transfer_to_closed_service_is_refused(engine):
    engine.issue("tax", "k", at(0))
    engine.window_action("5", "next", at(1))
    evening = datetime(2026, 11, 26, 17, 10, tzinfo=TZ)  # engineering permits close 17:00
    refused("service_closed", engine.window_action, "5", "transfer", evening, to_service="engineering-permit")
    assert engine.windows["5"].ticket == "B001"


def test_pause_and_resume(engine):
    engine.issue("tax", "k", at(0))
    engine.window_action("5", "pause", at(1), reason="lunch")
    refused("window_paused", engine.window_action, "5", "next", at(2))
    engine.window_action("5", "resume", at(3))
    assert engine.window_action("5", "next", at(4))[1].number == "B001"
    refused("window_busy", engine.window_action, "5", "pause", at(5))


def test_finish_with_rating_and_later_rating(engine):
    engine.issue("tax", "k", at(0))
    engine.issue("tax", "k", at(1))
    engine.window_action("5", "next", at(2))
    engine.window_action("5", "finish", at(8), rating=5)
    assert engine.tickets["B001"].rating == 5 and engine.windows["5"].ratings == [5]
    engine.window_action("5", "next", at(9))
    engine.window_action("5", "finish", at(15))
    engine.window_action("5", "rate", at(16), ticket="B002", rating="not_rated")
    assert engine.tickets["B002"].rating == "not_rated"
    refused("not_rateable", engine.window_action, "5", "rate", at(17), ticket="B002", rating=4)


def test_service_time_estimate_learns(engine):
    before = engine.service_time["tax"].mean_s
    engine.issue("tax", "k", at(0))
    engine.window_action("5", "next", at(1))
    engine.window_action("5", "finish", at(1 + 20))
    assert engine.service_time["tax"].mean_s == pytest.approx(1200)
    assert before != 1200


def test_eta_grows_with_queue_and_shrinks_with_windows(engine):
    for i in range(10):
        engine.issue("tax", "k", at(i * 0.1))
    eta_3_windows = engine.eta_s("tax", 10)
    engine.window_action("6", "pause", at(2), reason="meeting")
    assert engine.eta_s("tax", 10) > eta_3_windows > engine.eta_s("tax", 2)


def test_closed_hall_says_when_it_opens(engine):
    r = refused("hall_closed", engine.issue, "tax", "k", datetime(2026, 11, 26, 12, 30, tzinfo=TZ))
    assert r.extra["next_open"].startswith("2026-11-26T13:00")


def test_weekend_service_and_holidays(engine):
    saturday = datetime(2026, 11, 28, 9, 30, tzinfo=TZ)
    engine.roll_day(saturday)
    assert engine.issue("tax", "k", saturday)[1].number == "B001"  # 周末不打烊
    holiday = datetime(2027, 1, 1, 10, 0, tzinfo=TZ)
    engine.roll_day(holiday)
    refused("hall_closed", engine.issue, "tax", "k", holiday)


def test_quota_offers_alternatives(engine):
    quota = engine.services["engineering-permit"].daily_quota
    for i in range(quota):
        engine.issue("engineering-permit", "k", at(i * 0.01))
    r = refused("quota_reached", engine.issue, "engineering-permit", "k", at(5))
    assert "appointment" in r.guide.en and "General Enquiries" in r.guide.en


def test_identity_required_and_daily_limit(engine):
    refused("identity_required", engine.issue, "social-insurance", "k", at(0))
    who = "ab" * 32
    for i in range(engine.cfg.rules.identity_daily_limit):
        engine.issue("social-insurance", "k", at(i), identity=who)
    refused("identity_limit", engine.issue, "housing-fund", "k", at(5), identity=who)
    engine.issue("social-insurance", "k", at(6), identity="cd" * 32)


def _import(engine, start: datetime, code: str = "YY20261126") -> None:
    engine.import_appointments(
        [
            {
                "code": code,
                "service": "tax",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "name_masked": "张*",
                "phone_masked": "138****5678",
            }
        ],
        at(0),
    )


def test_checkin_in_slot_gets_priority(engine):
    engine.issue("tax", "k", at(0))
    _import(engine, at(10))
    _, t, _, late = engine.checkin(at(12), "k", code="yy20261126")
    assert t.priority is Priority.APPOINTMENT and not late
    assert engine.window_action("5", "next", at(13))[1].number == t.number


def test_early_checkin_is_told_when_to_come_back(engine):
    _import(engine, at(120))
    r = refused("appointment_early", engine.checkin, at(0), "k", code="YY20261126")
    assert "11:30" in r.message.zh


def test_late_checkin_becomes_walk_in(engine):
    _import(engine, at(-60))
    _, t, _, late = engine.checkin(at(0), "k", code="YY20261126")
    assert late and t.priority is Priority.NORMAL


def test_checkin_twice_gives_the_same_ticket(engine):
    _import(engine, at(5))
    t1 = engine.checkin(at(0), "k", code="YY20261126")[1]
    events, t2, _, _ = engine.checkin(at(1), "k", code="YY20261126")
    assert t1 is t2 and events == []


def test_unknown_and_other_day_appointments(engine):
    refused("appointment_unknown", engine.checkin, at(0), "k", code="NOPE1234")
    _import(engine, at(60 * 24))
    refused("appointment_other_day", engine.checkin, at(0), "k", code="YY20261126")


def test_tidal_window_opens_for_a_service_and_closes(engine):
    engine.issue("business-setup", "k", at(0))
    refused("window_closed", engine.window_action, "19", "next", at(1))
    engine.tidal_open("19", "business-setup", at(1))
    assert engine.window_action("19", "next", at(2))[1].number == "A001"
    refused("window_busy", engine.tidal_close, "19", at(3))
    engine.window_action("19", "finish", at(4))
    engine.tidal_close("19", at(5))
    assert engine.windows["19"].status is WindowStatus.CLOSED
    refused("tidal_not_pool", engine.tidal_open, "5", "tax", at(6))


def test_verify_string_is_bound_to_hall_day_and_number(engine):
    t = engine.issue("tax", "k", at(0))[1]
    v = engine.verify_string(t)
    assert v.startswith("tideq:xian-hitech:2026-11-26:B001:") and len(v.rsplit(":", 1)[1]) == 10
