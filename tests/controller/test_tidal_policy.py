"""Tidal policy: debounce, hysteresis, minimum open time, switch budget, window choice, dead
camera, confirm vs auto, and the audit trail (reason + inputs) of every decision."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tideq.contract import TidalKind
from tideq.controller.errors import Refusal
from tideq.controller.tidal import Action, AlertLevel, Decision, Mode, TidalPolicy

from .conftest import THURSDAY_10

T = THURSDAY_10
SID = "general-consult"  # windows 17, 18; 240 s; no camera zone
ZONED = "tax"  # zone-a


def at(s: float) -> datetime:
    return T + timedelta(seconds=s)


def policy(hall, mode: str = "auto", **cfg) -> TidalPolicy:
    return TidalPolicy(hall.hall.tidal.model_copy(update=cfg), Mode(mode))


def load_up(engine, sid: str, n: int, t: float = 0.0) -> None:
    """n visitors waiting for `sid`, its windows busy."""
    for i in range(n):
        engine.issue(sid, "k", at(t), identity=f"id-{sid}-{t}-{i}")
    for w in engine.windows.values():
        if sid in w.services and not w.tidal_pool and w.ticket is None and engine.next_for(w.id, at(t)):
            engine.window_action(w.id, "next", at(t))


def drain(engine, sid: str, t: float) -> None:
    """Serve everybody of `sid`: windows finish and call until nobody waits, then finish."""
    for w in list(engine.windows.values()):
        if sid in w.services:
            while engine.waiting[sid]:
                if engine.next_for(w.id, at(t)) is None:
                    break
                engine.window_action(w.id, "next", at(t))
            if w.ticket:
                engine.window_action(w.id, "finish", at(t))


def step(p: TidalPolicy, engine, t: float, crowd=None, apply: bool = True) -> list[Decision]:
    out = p.evaluate(engine, at(t), crowd or {})
    if apply:
        for d in out:
            d.apply(engine, at(t))
    return out


def actions(ds: list[Decision]) -> list[Action]:
    return [d.action for d in ds]


def test_no_action_before_sustain_then_warn_and_open(hall, engine):
    p = policy(hall)
    load_up(engine, SID, 20)
    assert step(p, engine, 0) == []
    assert step(p, engine, 119) == []  # sustain_s is 120
    out = step(p, engine, 121)
    assert Action.OPEN in actions(out) and Action.WARN in actions(out)
    opened = next(d for d in out if d.action is Action.OPEN)
    assert engine.windows[opened.window].tidal_service == SID
    assert p.alerts()[0]["service"] == SID and p.alerts()[0]["level"] == "warning"


def test_a_blip_resets_the_debounce(hall, engine):
    p = policy(hall)
    load_up(engine, SID, 20)
    step(p, engine, 0)
    drain(engine, SID, 60)  # condition gone for a moment
    step(p, engine, 60)
    load_up(engine, SID, 40, t=61)  # more people: the drain taught the model 60 s services
    step(p, engine, 61)
    assert Action.OPEN not in actions(step(p, engine, 150))  # only 89 s of the new episode
    assert Action.OPEN in actions(step(p, engine, 182))


def open_one(hall, engine, mode="auto", **cfg):
    p = policy(hall, mode, **cfg)
    load_up(engine, SID, 20)
    step(p, engine, 0)
    out = step(p, engine, 121)
    return p, next(d for d in out if d.action in (Action.OPEN, Action.PROPOSE_OPEN))


def test_min_open_time_then_close_with_hysteresis(hall, engine):
    p, opened = open_one(hall, engine)
    wid = opened.window
    drain(engine, SID, 200)
    assert step(p, engine, 200) == [] or Action.CLOSE not in actions(step(p, engine, 200))
    assert Action.CLOSE not in actions(step(p, engine, 400))  # cool since 200 s, open only 279 s
    assert Action.CLOSE not in actions(step(p, engine, 1300))  # min_open_s 1200 not reached (1179 s)
    out = step(p, engine, 1330)
    closing = [d for d in out if d.action is Action.CLOSE]
    assert [d.window for d in closing] == [wid] and not engine.windows[wid].tidal


def test_no_close_while_the_lower_threshold_is_not_reached(hall, engine):
    p, opened = open_one(hall, engine)
    # 8 still waiting: below the 15 warning queue but not below the closing one (7.5)
    drain(engine, SID, 200)
    load_up(engine, SID, 10, t=201)  # windows 17, 18 take two: 8 wait
    for t in range(201, 4000, 60):
        assert Action.CLOSE not in actions(step(p, engine, t))
    assert engine.windows[opened.window].tidal


def test_busy_window_is_drained_then_closed(hall, engine):
    p, opened = open_one(hall, engine)
    wid = opened.window
    drain(engine, SID, 200)
    engine.issue(SID, "k", at(201))
    engine.window_action(wid, "next", at(201))  # the tidal window is serving
    step(p, engine, 1300)
    out = step(p, engine, 1500)
    assert actions(out) == [Action.DRAIN] and wid in p.draining()
    assert Action.DRAIN not in actions(step(p, engine, 1520))  # said once
    engine.window_action(wid, "finish", at(1530))
    out = step(p, engine, 1531)
    assert Action.CLOSE in actions(out) and not engine.windows[wid].tidal and wid not in p.draining()


def test_switch_budget_caps_openings_and_raises_critical(hall, engine):
    p = policy(hall, max_switches_per_hour=1)
    for sid in (SID, "tax"):
        load_up(engine, sid, 25)
    step(p, engine, 0)
    out = step(p, engine, 121)
    assert actions(out).count(Action.OPEN) == 1
    levels = {a["service"]: a["level"] for a in p.alerts()}
    assert AlertLevel.CRITICAL.value in levels.values()
    critical = next(d for d in out if d.level is AlertLevel.CRITICAL)
    assert critical.inputs["switches_last_hour"] == 1 and "manager" in critical.reason["en"]
    assert Action.OPEN not in actions(step(p, engine, 3600 + 60))  # the hour is not over
    assert Action.OPEN in actions(step(p, engine, 3600 + 122))


def test_idle_pool_window_first_then_least_loaded(hall, engine):
    p = policy(hall)
    load_up(engine, SID, 20)
    step(p, engine, 0)
    first = next(d for d in step(p, engine, 121) if d.action is Action.OPEN)
    assert first.window == "19"  # all idle: the first in the pool
    assert [c["idle"] for c in first.inputs["candidates"]] == [True] * 4
    # the remaining pool windows have nobody to serve: still idle ones; pick the next in order
    second = next(d for d in step(p, engine, 400) if d.action is Action.OPEN)
    assert second.window == "20"


def test_least_loaded_when_no_pool_window_is_idle(hall):
    from tideq.config.schema import Window
    from tideq.controller.engine import Engine

    cfg = hall.hall
    windows = [w for w in cfg.windows if not w.tidal_pool] + [
        Window(id="30", name=cfg.windows[0].name, services=["tax"], tidal_pool=True),
        Window(id="31", name=cfg.windows[0].name, services=["housing-fund"], tidal_pool=True),
    ]
    e = Engine(cfg.model_copy(update={"windows": windows}), b"k")
    e.roll_day(T)
    load_up(e, "tax", 8)  # windows 5, 6, 7 take three: 5 wait (pool window 30 serves tax)
    load_up(e, "housing-fund", 4)  # windows 10, 13, 14 take three: 1 waits (pool window 31)
    p = TidalPolicy(cfg.tidal, Mode.AUTO)
    load_up(e, SID, 20)
    step(p, e, 0)
    d = next(x for x in step(p, e, 121, apply=False) if x.action is Action.OPEN)
    loads = {c["window"]: c["load"] for c in d.inputs["candidates"]}
    assert loads["31"] < loads["30"] and d.window == "31"


def test_dead_camera_falls_back_to_queue_signals(hall, engine):
    p = policy(hall, warn_queue=50, warn_eta_s=7200)  # only the crowd can trigger
    fresh = {"zone-a": ("crowded", at(0))}
    load_up(engine, ZONED, 3)
    step(p, engine, 0, fresh)
    out = step(p, engine, 121, {"zone-a": ("crowded", at(120))})
    warn = next(d for d in out if d.action is Action.WARN)
    assert warn.inputs["camera"] == "ok" and warn.inputs["crossed"] == ["crowd"]
    q = policy(hall, warn_queue=50, warn_eta_s=7200)
    dead = {"zone-a": ("crowded", at(0))}  # never updated again
    step(q, engine, 0, dead)
    out = step(q, engine, 240, dead)
    assert out == [] and q.signals(engine, ZONED, at(240), dead).camera.value == "stale"


def test_dead_camera_still_opens_on_queue_alone(hall, engine):
    p = policy(hall)
    dead = {"zone-a": ("low", at(-3600))}
    load_up(engine, ZONED, 30)
    step(p, engine, 0, dead)
    out = step(p, engine, 121, dead)
    opened = next(d for d in out if d.action is Action.OPEN)
    assert opened.inputs["camera"] == "stale" and opened.inputs["crowd"] is None


def test_confirm_mode_proposes_and_the_manager_decides(hall, engine):
    p, prop = open_one(hall, engine, mode="confirm")
    assert prop.action is Action.PROPOSE_OPEN and not engine.windows[prop.window].tidal
    assert not any(d.action is Action.PROPOSE_OPEN for d in step(p, engine, 130))  # not repeated
    d = p.confirm(prop.window, at(140))
    assert d.action is Action.OPEN and d.inputs["confirmed"]
    d.apply(engine, at(140))
    assert engine.windows[prop.window].tidal_service == SID
    with pytest.raises(Refusal) as info:
        p.confirm(prop.window, at(141))
    assert info.value.code == "no_proposal"


def test_declined_proposal_is_not_repeated_for_the_hold_time(hall, engine):
    p, prop = open_one(hall, engine, mode="confirm")
    d = p.decline(prop.window, at(130))
    assert d.action is Action.DECLINED and d.inputs["proposal"] == "propose_open"
    for t in range(150, 1800, 60):
        assert not any(x.action is Action.PROPOSE_OPEN for x in step(p, engine, t))
    assert any(x.action is Action.PROPOSE_OPEN for x in step(p, engine, 1931))


def test_expired_proposal_cannot_be_confirmed(hall, engine):
    p, prop = open_one(hall, engine, mode="confirm")
    with pytest.raises(Refusal):
        p.confirm(prop.window, at(121 + 301))


def test_manual_open_is_never_closed_by_the_policy(hall, engine):
    p = policy(hall)
    engine.tidal_open("19", SID, at(0), "manager")
    for t in range(0, 4000, 60):
        assert Action.CLOSE not in actions(step(p, engine, t))
    assert engine.windows["19"].tidal


def test_manual_close_holds_off_reopening(hall, engine):
    p, opened = open_one(hall, engine)
    engine.tidal_close(opened.window, at(200), "manager")
    load_up(engine, SID, 20, t=201)
    for t in range(201, 1700, 60):
        assert Action.OPEN not in actions(step(p, engine, t))
    assert p.alerts()[0]["level"] == "critical"


def test_off_mode_does_nothing(hall, engine):
    p = policy(hall, "off")
    load_up(engine, SID, 30)
    assert step(p, engine, 0) == [] and step(p, engine, 500) == []


def test_every_decision_carries_reason_and_inputs(hall, engine):
    p = policy(hall, max_switches_per_hour=20)
    load_up(engine, SID, 25)
    seen = []
    for t in range(0, 600, 15):
        seen += step(p, engine, t)
    drain(engine, SID, 600)
    for t in range(600, 3000, 15):
        seen += step(p, engine, t)
    assert {Action.WARN, Action.OPEN, Action.CLOSE, Action.CLEAR} <= set(actions(seen))
    for d in seen:
        assert d.reason["zh"] and d.reason["en"]
        if d.action is not Action.CLEAR:
            assert {
                "waiting",
                "eta_s",
                "projected_eta_s",
                "oldest_wait_s",
                "arrivals_per_h",
                "camera",
                "thresholds",
            } <= d.inputs.keys()
        assert d.event().kind.value.startswith("tidal_")
    tidal_events = list(engine.tidal_log)
    assert tidal_events and all(s.by_policy and s.reason for s in tidal_events)


# ---------------------------------------------------------------------- moves (one switch, not two)
def test_engine_move_is_a_closing_and_an_opening_marked_as_one_move(hall, engine):
    engine.tidal_open("19", SID, at(0), "manager")
    events = engine.tidal_move("19", "tax", at(10), "why", {"gain_s": 1})
    assert [e.kind.value for e in events] == ["tidal_closed", "tidal_opened"]
    assert events[0].data["moved_to"] == "tax" and events[1].data["moved_from"] == SID
    assert events[1].data["inputs"] == {"gain_s": 1}
    w = engine.windows["19"]
    assert w.tidal_service == "tax" and w.services[0] == "tax" and w.tidal_since == at(10)
    assert sorted(w.services) == sorted(hall.hall.pool_services("19"))  # a comprehensive window: tax first
    assert [(s.opened, s.move, s.by_policy) for s in engine.tidal_log] == [
        (True, False, False),
        (False, True, True),
        (True, True, True),
    ]
    with pytest.raises(Refusal):
        engine.tidal_move("19", "tax", at(20))  # already that service
    with pytest.raises(Refusal):
        engine.tidal_move("20", "tax", at(20))  # not open
    engine.issue("tax", "k", at(30))
    engine.window_action("19", "next", at(30))
    with pytest.raises(Refusal) as info:
        engine.tidal_move("19", SID, at(40))  # busy
    assert info.value.code == "window_busy"


def setup_move(hall, engine):
    """Window 19 opened by the policy for SID and drained; 20-22 held by the manager; tax overloaded."""
    p = policy(hall, max_switches_per_hour=10)
    for wid in ("20", "21", "22"):
        engine.tidal_open(wid, "housing-fund", at(0), "manager")
    load_up(engine, SID, 20)
    step(p, engine, 0)
    opened = next(d for d in step(p, engine, 121) if d.action is Action.OPEN)
    assert opened.window == "19"
    drain(engine, SID, 200)
    for t in range(200, 1100, 60):
        step(p, engine, t)
    load_up(engine, "tax", 30, t=1100)
    for t in range(1100, 1320, 15):
        out = step(p, engine, t)
        assert not {Action.MOVE, Action.CLOSE} & set(actions(out))  # 19 not open min_open_s yet
    return p


def test_a_cool_window_moves_to_the_short_service_instead_of_closing(hall, engine):
    p = setup_move(hall, engine)
    out = step(p, engine, 1325)
    assert Action.CLOSE not in actions(out)
    move = next(d for d in out if d.action is Action.MOVE)
    assert (move.window, move.service) == ("19", "tax") and engine.windows["19"].tidal_service == "tax"
    assert move.inputs["from_service"] == SID and move.inputs["window_gain_s"] > move.inputs["loss_s"] >= 0
    assert move.inputs["movable"][0] == {
        "window": "19",
        "service": SID,
        "cool": True,
        "busy": False,
        "loss_s": move.inputs["loss_s"],
        "open_s": 1204,
    }
    assert "move" in move.reason["en"] and "改办" in move.reason["zh"]
    assert move.event().kind is TidalKind.OPENED
    assert sum(not (s.move and not s.opened) for s in engine.tidal_log) == 5  # 3 manual, 1 opening, 1 move
    assert p.evaluate(engine, at(1340)) is not None and p._switches(engine, at(1340)) == 5
    assert all(s.by_policy for s in engine.tidal_log[-2:])
    # the moved window starts a new minimum open time: no move or close for min_open_s
    for t in range(1350, 2500, 60):
        assert not {Action.MOVE, Action.CLOSE} & set(actions(step(p, engine, t)))


def test_a_busy_window_finishes_its_visitor_then_moves(hall, engine):
    p = setup_move(hall, engine)
    engine.issue(SID, "k", at(1316))
    engine.window_action("19", "next", at(1316))
    out = step(p, engine, 1325)
    assert actions(out).count(Action.DRAIN) == 1 and Action.MOVE not in actions(out)
    drain_ = next(d for d in out if d.action is Action.DRAIN)
    assert drain_.service == "tax" and "moves to" in drain_.reason["en"] and "19" in p.draining()
    assert Action.MOVE not in actions(step(p, engine, 1350))
    engine.window_action("19", "finish", at(1360))
    out = step(p, engine, 1361)
    assert Action.MOVE in actions(out) and engine.windows["19"].tidal_service == "tax"
    assert "19" not in p.draining()


def test_confirm_mode_proposes_a_move_and_confirm_applies_it(hall, engine):
    p = setup_move(hall, engine)
    p.mode = Mode.CONFIRM
    out = step(p, engine, 1325, apply=False)
    prop = next(d for d in out if d.action is Action.PROPOSE_MOVE)
    assert engine.windows["19"].tidal_service == SID
    d = p.confirm("19", at(1340))
    assert d.action is Action.MOVE and d.inputs["confirmed"]
    d.apply(engine, at(1340))
    assert engine.windows["19"].tidal_service == "tax" and prop.window == "19"


def test_manual_windows_are_never_moved(hall, engine):
    p = policy(hall, max_switches_per_hour=10)
    for wid in ("19", "20", "21", "22"):
        engine.tidal_open(wid, "housing-fund", at(0), "manager")
    load_up(engine, "tax", 30, t=0)
    for t in range(0, 3000, 60):
        assert Action.MOVE not in actions(step(p, engine, t))
    assert p.alerts()[0]["level"] == "critical"
