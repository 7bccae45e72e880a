"""Engine.clone, the rollback point of every burst: it copies every attribute the engine has, and
nothing done to the copy shows in the original (or the other way round)."""

from __future__ import annotations

from datetime import timedelta

from tideq.controller.engine import Engine

from .conftest import THURSDAY_10

SHARED = {"cfg", "tz", "secret", "services"}  # the hall file and the secret: read-only, shared


def busy(engine: Engine) -> None:
    t = THURSDAY_10
    for i in range(6):
        engine.issue("tax", "kiosk-1", t + timedelta(seconds=i))
    engine.window_action("5", "next", t + timedelta(minutes=1))
    engine.window_action("5", "finish", t + timedelta(minutes=2), rating=5)
    engine.window_action("5", "next", t + timedelta(minutes=3))
    engine.window_action("5", "skip", t + timedelta(minutes=4))
    engine.window_action("6", "pause", t + timedelta(minutes=5), reason="lunch")
    engine.tidal_open("19", "tax", t + timedelta(minutes=6), "manual")


def state(engine: Engine) -> str:
    def plain(v: object) -> object:  # objects without a repr (CallMix, ServiceTime) by their fields
        return vars(v) if type(v).__repr__ is object.__repr__ and hasattr(v, "__dict__") else v

    out = {}
    for k, v in vars(engine).items():
        if k not in SHARED:
            out[k] = {i: plain(x) for i, x in v.items()} if isinstance(v, dict) else plain(v)
    return repr(out)


def test_clone_copies_every_attribute(engine):
    busy(engine)
    c = engine.clone()
    assert set(vars(c)) == set(vars(engine))
    for name in set(vars(engine)) - SHARED:
        value = getattr(engine, name)
        if isinstance(value, (dict, list)) or hasattr(value, "__dict__"):
            assert getattr(c, name) is not value, f"{name} is shared with the clone"
    assert state(c) == state(engine)


def test_what_happens_to_the_clone_stays_in_the_clone(engine):
    busy(engine)
    before = state(engine)
    c = engine.clone()
    t = THURSDAY_10 + timedelta(minutes=9)
    for i in range(4):  # more of the morning, on the copy only
        c.issue("tax", "kiosk-1", t + timedelta(seconds=i))
    c.window_action("5", "next", t)
    c.window_action("6", "resume", t)
    c.window_action("6", "next", t)
    c.tidal_close("19", t, "manual")
    assert state(engine) == before
    engine.issue("tax", "kiosk-1", THURSDAY_10 + timedelta(minutes=10))
    assert "B013" not in c.tickets or c.tickets["B013"] is not engine.tickets.get("B013")


def test_the_clone_folds_on_like_the_original(engine):
    busy(engine)
    c = engine.clone()
    t = THURSDAY_10 + timedelta(minutes=20)
    for e in (engine, c):
        e.window_action("5", "next", t)
        e.window_action("5", "transfer", t, to_service="general-consult", reason="x")
    assert state(c) == state(engine)
