"""Issue 13: the announced wait counts the windows that really serve. An open window that sits idle
while people wait is absent until it acts again; a slow clerk's absence costs less than a fast
one's; an absent window is expected back after its usual absence; the prior model (what the tidal
policy reads) is unchanged; and all of it is folded from events, so a replay gives the same."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tideq.controller import eta
from tideq.controller.engine import Engine
from tideq.controller.model import WindowStatus
from tideq.controller.state import windows_state

from ..conftest import THURSDAY_10

TAX = ("5", "6", "7")  # 5 and 6 serve tax only, 7 tax and business setup


def s(seconds: float):  # type: ignore[no-untyped-def]
    return THURSDAY_10 + timedelta(seconds=seconds)


def busy_tax(engine: Engine, queue: int, at: float = 0.0) -> None:
    """Windows 5 and 6 serving, `queue` tax visitors waiting; window 7 open and idle."""
    for i in range(2 + queue):
        engine.issue("tax", "kiosk-1", s(at + i))
    engine.window_action("5", "next", s(at + 5))
    engine.window_action("6", "next", s(at + 5))


def only_tax_windows(engine: Engine) -> None:
    for w in engine.windows.values():  # every other window serving tax would blur the arithmetic
        if w.id not in TAX and "tax" in w.services:
            w.services.remove("tax")


@pytest.fixture
def hall_engine(engine: Engine) -> Engine:
    only_tax_windows(engine)
    return engine


def test_an_open_window_idle_while_people_wait_is_absent_until_it_calls(hall_engine):
    e = hall_engine
    busy_tax(e, 6)
    w7 = e.windows["7"]
    assert w7.status is WindowStatus.IDLE and w7.open
    before = e.announced_eta_s("tax", 6, s(10))
    assert not eta.absent(w7, s(10))
    later = s(5 + eta.ABSENT_AFTER_S + 1)
    assert eta.absent(w7, later)
    after = e.announced_eta_s("tax", 6, later)
    assert after is not None and before is not None and after > before
    hour = s(3600)  # away an hour: not expected back within this wait; 7 departures from 5 and 6
    assert e.announced_eta_s("tax", 6, hour) == round(7 / (2 / e.service_time["tax"].mean_s))
    assert e.eta_s("tax", 6) == before  # the prior model, which the tidal policy reads, still counts it
    e.window_action("7", "next", later)  # somebody sat down and called
    assert not eta.absent(w7, later + timedelta(hours=1))


def test_absence_stays_after_the_queue_empties_until_the_window_acts(hall_engine):
    e = hall_engine
    busy_tax(e, 1)
    gone = s(5 + eta.ABSENT_AFTER_S + 30)
    e.window_action("5", "next", gone)  # 5 takes the last visitor: nobody waits any more
    w7 = e.windows["7"]
    assert w7.neglect_since is None and eta.absent(w7, gone + timedelta(seconds=1))
    e.issue("tax", "kiosk-1", gone + timedelta(seconds=2))  # a new visitor must not see 7 as there
    eta_new = e.announced_eta_s("tax", 0, gone + timedelta(seconds=3))
    assert eta_new is not None and eta_new > 0  # the old model: "an idle window takes you at once"
    assert e.eta_s("tax", 0) == 0


def test_a_short_idle_stretch_is_not_an_absence(hall_engine):
    e = hall_engine
    busy_tax(e, 2)
    e.window_action("7", "next", s(5 + eta.ABSENT_AFTER_S - 10))
    e.window_action("7", "finish", s(400))
    assert not eta.absent(e.windows["7"], s(401))


def test_state_windows_says_since_when_nobody_called(hall_engine):
    e = hall_engine
    busy_tax(e, 3)
    quiet = windows_state(e, s(60))
    assert all(w.unattended_since is None for w in quiet.windows)
    loud = windows_state(e, s(600))
    flagged = {w.id: w.unattended_since for w in loud.windows if w.unattended_since is not None}
    assert "7" in flagged and flagged["7"] == s(0)  # idle since the first visitor was waiting
    assert "5" not in flagged and "6" not in flagged


def test_an_absent_window_is_expected_back_after_its_usual_absence(hall_engine):
    e = hall_engine
    busy_tax(e, 8)
    e.window_action("7", "next", s(10))
    for t0 in (310, 1210):  # two breaks of 10 min without pausing, each after a visitor
        e.window_action("7", "finish", s(t0))
        e.window_action("7", "next", s(t0 + 600))  # back after 10 min idle with people waiting
    w7 = e.windows["7"]
    assert w7.absences == 2 and w7.absent_s == pytest.approx(2 * 600)
    e.window_action("7", "finish", s(2110))
    now = s(2310)  # idle with people waiting for 200 s of its usual 600
    assert eta.absent(w7, now)
    assert eta.expected_back_s(w7, now) == pytest.approx(400)
    never = Engine(e.cfg, b"x")  # a window with no absences today is expected back as long again
    never.roll_day(THURSDAY_10)
    only_tax_windows(never)
    busy_tax(never, 3)
    assert eta.expected_back_s(never.windows["7"], s(5 + 900)) == pytest.approx(900, abs=6)


def test_a_slow_clerk_away_costs_less_than_a_fast_one(hall_engine):
    e = hall_engine
    base = hall_engine.service_time["tax"].mean_s
    pace = eta.WindowPace()
    for _ in range(60):
        pace.observe("5", 1.0)
        pace.observe("6", 1.7)  # the clerk at 6 takes 1.7x the mean
    assert pace.factor("6") > 1.4 and pace.factor("5") == pytest.approx(1.0)
    ws = [e.windows["5"], e.windows["6"]]
    for w in ws:
        w.status = WindowStatus.SERVING
    means = {"tax": base, "business-setup": 600.0}
    far = s(3600)
    ws[1].status, ws[1].neglect_since = WindowStatus.IDLE, s(0)  # the slow one is away
    slow_away, _, _ = eta.effective_rate("tax", ws, means, eta.CallMix(), pace, far)
    ws[1].status, ws[1].neglect_since = WindowStatus.SERVING, None
    ws[0].status, ws[0].neglect_since = WindowStatus.IDLE, s(0)  # the fast one is away
    fast_away, _, _ = eta.effective_rate("tax", ws, means, eta.CallMix(), pace, far)
    assert slow_away > 1.4 * fast_away
    # with both there, the rate is the prior model's: the service mean already weighs the slow clerk
    ws[0].status, ws[0].neglect_since = WindowStatus.SERVING, None
    both, _, returns = eta.effective_rate("tax", ws, means, eta.CallMix(), pace, far)
    assert not returns and both == pytest.approx(2 / base)


def test_returns_join_the_departures_when_they_are_expected():
    assert eta.announced_wait_s(9, 0.01, 0, []) == 1000
    assert eta.announced_wait_s(9, 0.01, 0, [(400.0, 0.01)]) == 700  # 4 by 400 s, then 6 at twice the pace
    assert eta.announced_wait_s(1, 0.01, 0, [(400.0, 0.01)]) == 200  # served before the absent one is back
    assert eta.announced_wait_s(2, 0.0, 0, [(600.0, 0.01)]) == 900  # nobody there: from the first return
    assert eta.announced_wait_s(3, 0.0, 0, []) is None


def test_presence_replays_from_the_events(hall_engine):
    e = hall_engine
    events = []
    for i in range(4):
        events += e.issue("tax", "kiosk-1", s(i))[0]
    events += e.window_action("5", "next", s(5))[0]
    events += e.window_action("6", "next", s(6))[0]
    events += e.window_action("5", "finish", s(400))[0]
    events += e.window_action("5", "next", s(401))[0]
    replay = Engine(e.cfg, b"test-secret")
    replay.roll_day(THURSDAY_10)
    only_tax_windows(replay)
    for ev in events:
        replay.apply(ev)
    for wid in TAX:
        a, b = e.windows[wid], replay.windows[wid]
        assert (a.neglect_since, a.neglect_longest_s, a.neglect_first) == (
            b.neglect_since,
            b.neglect_longest_s,
            b.neglect_first,
        )
    now = s(900)
    assert replay.announced_eta_s("tax", 1, now) == e.announced_eta_s("tax", 1, now)
    assert replay.pace.speed("5") == e.pace.speed("5")
