"""The report's figures against a day driven through the real Engine and written by the real
EventStore, and against the simulator's own statistics for the same simulated day."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.report import api, figures, source
from tideq.report.simlog import RecordingEngine, simulate_to_log, write_events
from tideq.sim import scenarios, stats

from ..conftest import TZ

DAY = datetime(2026, 11, 26, tzinfo=TZ)  # a Thursday: 09:00-12:00, 13:00-17:30
OPEN_S = 7.5 * 3600
WAIT_TOL_S = 1e-3  # the simulator's float seconds vs the log's microsecond timestamps


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return DAY.replace(hour=hh, minute=mm, second=ss)


@pytest.fixture(scope="module")
def loaded():
    return load(EXAMPLE_HALL)


@pytest.fixture
def hand_day(loaded, tmp_path):
    """A small day with every kind of figure, through the real Engine."""
    e = RecordingEngine(loaded.hall, b"test")
    e.roll_day(DAY)
    tax1 = e.issue("tax", "kiosk-1", at(9, 0))[1].number
    tax2 = e.issue("tax", "kiosk-1", at(9, 10))[1].number
    gen = e.issue("general-consult", "kiosk-2", at(9, 20))[1].number
    e.issue("general-consult", "kiosk-2", at(13, 5))  # never called: counts as an arrival only
    assert e.window_action("5", "next", at(9, 5))[1].number == tax1
    e.window_action("5", "finish", at(9, 15), rating=5)
    assert e.window_action("5", "next", at(9, 15))[1].number == tax2
    e.window_action("5", "skip", at(9, 16))
    e.window_action("17", "call", at(9, 30), ticket=gen)
    e.window_action("17", "finish", at(9, 40))
    e.window_action("17", "rate", at(9, 41), ticket=gen, rating=2)
    e.window_action("6", "pause", at(10, 0), reason="break")
    e.window_action("6", "resume", at(10, 30))
    e.tidal_open("19", "tax", at(11, 0), reason="queue long")
    e.tidal_close("19", at(11, 30), reason="queue short")
    tax3 = e.issue("tax", "kiosk-1", at(11, 40))[1].number
    assert e.window_action("5", "next", at(11, 45))[1].number == tax3
    e.window_action("5", "transfer", at(11, 50), to_service="general-consult")
    assert e.window_action("17", "next", at(11, 55))[1].number == tax3
    e.window_action("17", "finish", at(11, 58))
    write_events(e.log, tmp_path)
    return tmp_path


def test_hand_built_day_figures(loaded, hand_day):
    r = api.build(loaded, DAY.date(), DAY.date(), hand_day)
    tax, gen = r.services["tax"], r.services["general-consult"]
    # the transferred ticket's wait is its first one, in the queue it joined; it is served in the other
    assert (tax.arrivals, tax.served, tax.skips, tax.no_shows, tax.waits) == (3, 1, 1, 1, [300.0, 300.0])
    assert (gen.arrivals, gen.served, gen.no_shows, gen.waits) == (2, 2, 0, [600.0])
    assert r.hourly == {9: {"tax": 2, "general-consult": 1}, 11: {"tax": 1}, 13: {"general-consult": 1}}
    w5, w6, w17, w19 = (r.windows[i] for i in ("5", "6", "17", "19"))
    assert (w5.served, w5.skips, w5.transfers, w5.busy_s, w5.staffed_s) == (1, 1, 1, 960.0, OPEN_S)
    assert w5.utilisation == pytest.approx(960 / OPEN_S)
    assert (w6.paused_s, w6.staffed_s, w6.busy_s) == (1800.0, OPEN_S - 1800, 0.0)
    assert (w17.served, w17.busy_s, w17.ratings) == (2, 780.0, [2])
    assert (w19.staffed_s, w19.tidal_s, w19.utilisation) == (1800.0, 1800.0, 0.0)
    assert r.windows["1"].utilisation == 0.0
    assert r.ratings == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert (r.rated, r.satisfied, r.satisfaction) == (2, 1, 0.5)
    assert [(t.opened, t.window, t.service, t.reason, t.by) for t in r.tidal] == [
        (True, "19", "tax", "queue long", "manual"),
        (False, "19", "tax", "queue short", "manual"),
    ]
    assert r.staff == {}  # no staff sign-in in the event log yet


def test_a_day_is_the_hall_day_not_the_utc_day(loaded, hand_day):
    """An event at 09:00 in Shanghai is 01:00 UTC: it belongs to the 26th, hour 9."""
    r = api.build(loaded, DAY.date() - timedelta(days=1), DAY.date() - timedelta(days=1), hand_day)
    assert r.total_arrivals == 0 and r.events == 0


def test_no_personal_data_reaches_the_report(loaded, tmp_path):
    e = RecordingEngine(loaded.hall, b"test")
    e.roll_day(DAY)
    e.issue("social-insurance", "kiosk-1", at(9, 0), identity="hmac-of-an-id-number")
    write_events(e.log, tmp_path)
    _, files = api.make_report(loaded, DAY.date(), out=tmp_path / "out", data_dir=tmp_path)
    assert "hmac-of-an-id-number" not in files.html.read_text(encoding="utf-8")


def test_reading_never_blocks_the_writer(loaded, hand_day):
    """A report in the middle of its read (a read transaction open) and the controller's next
    durable write both go ahead."""
    from tideq.controller.events import Event, Kind
    from tideq.controller.store import EventStore

    rows = source.rows_between(hand_day, DAY.date(), DAY.date())
    first = next(rows)  # the read is under way
    store = EventStore(hand_day / "events.sqlite3")
    store.db.execute("PRAGMA busy_timeout=0")  # a blocked write would fail at once, not wait
    store.append(DAY.date(), [Event(Kind.WINDOW_PAUSED, at(16, 0), {"window": "8", "reason": "x"})], {})
    store.close()
    assert first.seq == 1 and len(list(rows)) > 5


def test_cross_check_with_the_simulators_statistics(loaded, tmp_path):
    """The same simulated day: what the simulator counted and what the report reads from its
    event log. Counts are exact; waits agree to WAIT_TOL_S."""
    sc = scenarios.build("peak-day", loaded.hall)
    res = simulate_to_log(sc, "tideq", 7, tmp_path)
    r = figures.build(sc.hall, source.rows_between(tmp_path, sc.day, sc.day), sc.day, sc.day)
    s = stats.summary(res)
    waits = r.all_waits
    assert r.total_arrivals == len(res.visits)
    assert r.total_served == s["served"] == len(waits)
    assert sum(x.no_shows for x in r.services.values()) == s["no_shows"]
    assert sum(waits) / len(waits) == pytest.approx(s["mean_wait_s"], abs=0.05)  # summary rounds to 0.1
    assert sum(w > stats.OVER_S for w in waits) / len(waits) == pytest.approx(s["share_over_30min"], abs=5e-5)
    by_service: dict[str, list[float]] = defaultdict(list)
    arrivals: dict[str, int] = defaultdict(int)
    for v in res.visits:
        arrivals[v.service] += 1
        if v.wait_s is not None:
            by_service[v.service].append(v.wait_s)
    for sid, fig in r.services.items():
        assert fig.arrivals == arrivals[sid], sid
        assert fig.served == len(by_service[sid]), sid
        if by_service[sid]:
            ws = by_service[sid]
            assert fig.mean_wait_s == pytest.approx(sum(ws) / len(ws), abs=WAIT_TOL_S), sid
            assert fig.p90_wait_s == pytest.approx(stats.percentile(ws, 90), abs=WAIT_TOL_S), sid
    switches = sum(1 for t in r.tidal if t.opened or not t.moved)  # a move (closing + opening) counts once
    assert switches == res.switches > 0
    assert r.rated == 0  # the simulator gives no ratings: the hand-built day checks those


def test_the_log_is_opened_read_only(loaded, hand_day):
    db = source.open_ro(hand_day / "events.sqlite3")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM events")
    db.close()


def test_green_tickets_and_reprints_are_counted_per_service(loaded, tmp_path):
    """Green tickets (by reason category) and reprints, from the events the real Engine writes;
    the XLSX/HTML tables carry both columns."""
    from tideq.contract.vocab import Priority
    from tideq.report import render

    e = RecordingEngine(loaded.hall, b"test")
    e.roll_day(DAY)
    g1 = e.issue("tax", "window-5", at(9, 0), Priority.GREEN, green_reason="elderly", by="window-5")[1]
    e.issue("tax", "manager", at(9, 1), Priority.GREEN, green_reason="pregnant", by="manager")
    plain = e.issue("general-consult", "kiosk-1", at(9, 2))[1]
    e.reprint(g1.number, at(9, 3), "kiosk-1", "kiosk-1")
    e.reprint(plain.number, at(9, 4), "window-17", "window-17")
    e.reprint(plain.number, at(9, 5), "kiosk-2", "kiosk-2")
    write_events(e.log, tmp_path)
    r = api.build(loaded, DAY.date(), DAY.date(), tmp_path)
    tax, gen = r.services["tax"], r.services["general-consult"]
    assert (tax.green, tax.green_reasons, tax.reprints) == (2, {"elderly": 1, "pregnant": 1}, 1)
    assert (gen.green, gen.reprints) == (0, 2)
    _, header, rows = next(t for t in render.tables(r) if t[0].startswith("业务等候"))
    assert header[-2:] == ["绿色通道 Green", "补打 Reprints"]
    assert [row[-2:] for row in rows if row[0].startswith("税务")] == [[2, 1]]
