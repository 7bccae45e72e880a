"""Tidal windows as comprehensive emergency windows (综合性应急窗口): a pool window opens for a set
of services (those its `pool_services` allow), ordered by priority, and its `next` calls them in
that order; old single-service event logs still fold; the set reaches state/tidal and event/tidal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tideq.config.schema import HallConfig
from tideq.contract import TidalEvent, TidalKind
from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal
from tideq.controller.events import Event, Kind
from tideq.controller.state import open_tidal
from tideq.controller.tidal import Action, Mode, TidalPolicy
from tideq.controller.tidal.thresholds import cooling

from .conftest import THURSDAY_10

T = THURSDAY_10


def at(s: float) -> datetime:
    return T + timedelta(seconds=s)


def hall_with(hall, **pools: list[str]) -> HallConfig:
    """The example hall with `pool_services` set on some pool windows (the hall file's checks of
    that field are in tests/config)."""
    windows = [w.model_copy(update={"pool_services": pools[w.id]}) if w.id in pools else w for w in hall.hall.windows]
    return hall.hall.model_copy(update={"windows": windows})


def test_open_serves_every_allowed_service_primary_first(hall, engine):
    events = engine.tidal_open("19", "tax", at(0))
    every = [s.id for s in hall.hall.services]
    w = engine.windows["19"]
    assert w.services == ["tax", *[s for s in every if s != "tax"]]
    assert events[0].data["services"] == w.services and events[0].data["service"] == "tax"
    assert w.tidal_service == "tax"


def test_next_calls_by_the_windows_priority_not_by_wait(engine):
    engine.tidal_open("19", "tax", at(0), services=["housing-fund", "general-consult"])
    engine.window_action("19", "resume", at(0))
    consult = engine.issue("general-consult", "k", at(1))[1]
    housing = engine.issue("housing-fund", "k", at(2), identity="id-1")[1]
    tax = engine.issue("tax", "k", at(3))[1]  # waited least, but the window's first service
    assert engine.next_for("19", at(10)) is tax
    engine.window_action("19", "next", at(10))
    engine.window_action("19", "finish", at(20))
    assert engine.next_for("19", at(21)) is housing  # then the order the opening gave
    engine.window_action("19", "next", at(21))
    engine.window_action("19", "finish", at(30))
    assert engine.next_for("19", at(31)) is consult
    # a regular shared window (14: housing-fund, then social-insurance) still calls longest wait first
    first = engine.issue("social-insurance", "k", at(35), identity="id-2")[1]
    engine.issue("housing-fund", "k", at(40), identity="id-3")
    assert engine.windows["14"].services[0] == "housing-fund"
    assert engine.next_for("14", at(41)) is first


def test_a_service_the_hall_file_leaves_out_is_refused(hall):
    cfg = hall_with(hall, **{"19": ["tax", "business-setup"]})
    e = Engine(cfg, b"s")
    e.roll_day(T)
    with pytest.raises(Refusal) as info:
        e.tidal_open("19", "general-consult", at(0))
    assert info.value.code == "tidal_not_allowed" and "pool_services" in info.value.guide.en
    with pytest.raises(Refusal) as info:
        e.tidal_open("19", "tax", at(0), services=["real-estate"])
    assert info.value.code == "tidal_not_allowed"
    e.tidal_open("19", "tax", at(0))
    assert e.windows["19"].services == ["tax", "business-setup"]


def test_old_single_service_event_log_still_folds(hall):
    old = [
        Event(Kind.DAY_OPENED, T, {"day": T.date().isoformat()}),
        Event(Kind.TIDAL_OPENED, at(1), {"window": "19", "service": "tax", "reason": "manual"}),
    ]
    e = Engine(hall.hall, b"s")
    for ev in old:
        e.apply(ev)
    w = e.windows["19"]
    assert w.services == ["tax"] and w.tidal_service == "tax"
    assert e.departure_rate("tax") > Engine(hall.hall, b"s").departure_rate("tax")
    e.apply(Event(Kind.TIDAL_CLOSED, at(2), {"window": "19", "service": "tax", "reason": "manual"}))
    assert e.windows["19"].services == [] and not e.windows["19"].tidal


def test_replay_of_a_comprehensive_opening_gives_the_same_state(hall, engine):
    log = [Event(Kind.DAY_OPENED, T, {"day": T.date().isoformat()})]
    log += engine.tidal_open("20", "real-estate", at(0), services=["tax", "general-consult"])
    log += engine.tidal_move("20", "tax", at(5))
    fresh = Engine(hall.hall, b"test-secret")
    for ev in log:
        fresh.apply(ev)
    assert fresh.windows["20"].services == engine.windows["20"].services
    assert engine.windows["20"].services[0] == "tax"


def test_the_eta_model_counts_a_fresh_pool_window_for_its_first_service(hall, engine):
    before = {s: engine.departure_rate(s) for s in ("tax", "general-consult")}
    engine.tidal_open("19", "tax", at(0))
    engine.window_action("19", "resume", at(0))
    mean_tax = engine.service_time["tax"].mean_s
    assert engine.departure_rate("tax") == pytest.approx(before["tax"] + 1 / mean_tax)
    assert engine.departure_rate("general-consult") == pytest.approx(before["general-consult"])


def test_state_and_event_carry_the_services(hall, engine):
    events = engine.tidal_open("19", "tax", at(0), services=["general-consult"])
    entry = open_tidal(engine)[0]
    assert entry.service == "tax" and entry.services[:2] == ["tax", "general-consult"]
    ev = TidalEvent.model_validate({**events[0].data, "ts": events[0].at, "kind": TidalKind.OPENED.value})
    assert ev.services == engine.windows["19"].services


def _overload(engine, sid: str, n: int) -> None:
    for i in range(n):
        engine.issue(sid, "k", at(0), identity=f"id-{sid}-{i}")
    for w in engine.windows.values():
        if sid in w.services and not w.tidal_pool and engine.next_for(w.id, at(0)):
            engine.window_action(w.id, "next", at(0))


def test_policy_opens_for_a_set_the_overloaded_service_first_then_by_value(hall):
    cfg = hall_with(hall, **{"19": ["tax"], "20": ["general-consult", "tax", "real-estate"]})
    e = Engine(cfg, b"s")
    e.roll_day(T)
    _overload(e, "general-consult", 30)
    _overload(e, "real-estate", 12)  # a queue a window is worth something for
    p = TidalPolicy(cfg.tidal, Mode.AUTO)
    p.evaluate(e, at(0))
    out = [d for d in p.evaluate(e, at(130)) if d.action is Action.OPEN and d.service == "general-consult"]
    assert out, "the overloaded service gets a window"
    d = out[0]
    assert d.window == "20", "window 19 may not serve general-consult"
    assert d.services[0] == "general-consult" and set(d.services) == {"general-consult", "tax", "real-estate"}
    gains = {s: p.signals(e, s, at(130), {}).gain_s for s in d.services[1:]}
    assert list(d.services[1:]) == sorted(gains, key=lambda s: -gains[s])
    d.apply(e, at(130))
    assert e.windows["20"].services == list(d.services)
    assert e.tidal_log[-1].service == "general-consult"


def test_a_window_still_carrying_another_services_queue_is_not_closed(hall):
    """A comprehensive window opened for one service also serves the others its pool_services
    allow. Once its first service is fine without it, it stays open while another of its services
    would not be: closing it there only spent a switch that service then needed to get a window
    back (on peak-day the rule cut tideq's p90 from 9.4 to 7.6 min; docs/benchmarks.md)."""
    cfg = hall_with(
        hall, **{"19": ["general-consult", "tax"], "20": ["real-estate"], "21": ["real-estate"], "22": ["real-estate"]}
    )
    e = Engine(cfg, b"s")
    e.roll_day(T)
    # the opening threshold raised so that tax's queue below never asks for a window of its own
    p = TidalPolicy(cfg.tidal.model_copy(update={"warn_eta_s": 3600}), Mode.AUTO)
    _overload(e, "general-consult", 30)
    p.evaluate(e, at(0))
    opened = next(d for d in p.evaluate(e, at(130)) if d.action is Action.OPEN)
    assert opened.window == "19"
    opened.apply(e, at(130))
    e.window_action("19", "resume", at(140))
    for w in ("17", "18", "19"):  # general-consult served: its windows finish
        while e.waiting["general-consult"] and e.next_for(w, at(200)):
            e.window_action(w, "next", at(200))
        if e.windows[w].ticket:
            e.window_action(w, "finish", at(200))
    for i in range(9):  # tax's own windows (5, 6, 7) take three; six wait
        e.issue("tax", "k", at(201), identity=f"id-tax-{i}")
    for w in ("5", "6", "7"):
        e.window_action(w, "next", at(201))
    assert len(e.waiting["tax"]) == 6
    sg = {s: p.signals(e, s, at(2100), {}) for s in ("general-consult", "tax")}
    w19 = e.windows["19"]
    assert cooling(e, w19, sg["general-consult"], p.cfg, p.tuning).cool, "fine for general-consult alone"
    assert not cooling(e, w19, sg["general-consult"], p.cfg, p.tuning, [sg["tax"]]).cool
    for t in range(2000, 3600, 60):  # general-consult's arrivals have left the trend window at 1800 s
        out = p.evaluate(e, at(t))
        assert not [d for d in out if d.window == "19" and d.action in (Action.CLOSE, Action.DRAIN)], t
        for d in out:
            d.apply(e, at(t))
    while e.waiting["tax"]:  # tax served too: now it closes
        e.window_action("19", "next", at(3600))
        e.window_action("19", "finish", at(3600))
    closed = []
    for t in range(3600, 4000, 60):
        for d in p.evaluate(e, at(t)):
            d.apply(e, at(t))
            closed += [d.window] if d.action is Action.CLOSE else []
    assert closed == ["19"] and not e.windows["19"].tidal
