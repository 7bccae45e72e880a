"""What the tidal policy reads from the hall for one service at one moment: the queue and its
oldest wait, predicted waits now and after `horizon_s` of the current inflow, arrival rates and
their trend, the value of one more window, and the zone's crowd reading with how fresh it is.

Pure reads of the engine; nothing here changes state or reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tideq.config.schema import Level

from ..engine import Engine
from ..eta import excess_wait_s
from ..hours import spans_for
from ..model import WindowState
from .types import Camera, CrowdReading, Tuning

CROWD_RANK = {Level.LOW: 0, Level.BUSY: 1, Level.CROWDED: 2}


@dataclass(frozen=True)
class Signals:
    """What the policy knows about one service at one moment (the `inputs` of its decisions)."""

    service: str
    waiting: int
    oldest_wait_s: int
    eta_s: int | None  # predicted wait of a new arrival
    projected_waiting: int  # waiting after `horizon_s` of the current net inflow
    projected_eta_s: int | None  # ... after `horizon_s` of the current net inflow
    arrivals_per_h: float
    arrivals_prev_per_h: float
    departures_per_h: float
    crowd: str | None
    crowd_age_s: int | None
    camera: Camera
    gain_s: float = 0.0  # visitor-seconds beyond target_wait_s one more window saves (value_horizon_s)
    open_ahead_s: float | None = None  # seconds the service still takes tickets within value_horizon_s

    @property
    def trend_per_h(self) -> float:
        return self.arrivals_per_h - self.arrivals_prev_per_h

    def as_inputs(self) -> dict[str, Any]:
        return {
            "waiting": self.waiting,
            "oldest_wait_s": self.oldest_wait_s,
            "eta_s": self.eta_s,
            "projected_waiting": self.projected_waiting,
            "projected_eta_s": self.projected_eta_s,
            "arrivals_per_h": round(self.arrivals_per_h, 1),
            "arrival_trend_per_h": round(self.trend_per_h, 1),
            "departures_per_h": round(self.departures_per_h, 1),
            "crowd": self.crowd,
            "crowd_age_s": self.crowd_age_s,
            "camera": self.camera.value,
            "window_gain_s": round(self.gain_s),
        }


def read_signals(engine: Engine, sid: str, now: datetime, crowd: Mapping[str, CrowdReading], tuning: Tuning) -> Signals:
    """The service's signals now, `crowd` being the latest reading per zone."""
    t = tuning
    waiting = len(engine.waiting[sid])
    span = timedelta(seconds=t.trend_window_s)
    per_h = 3600 / t.trend_window_s
    arrivals = engine.arrivals_between(sid, now - span, now) * per_h
    before = engine.arrivals_between(sid, now - 2 * span, now - span) * per_h
    rate = engine.departure_rate(sid)
    departures = rate * 3600
    grown = waiting + max(0.0, arrivals - departures) * t.horizon_s / 3600
    level, age, camera = crowd_state(engine, sid, now, crowd, t)
    mean = engine.service_time[sid].mean_s
    ahead = open_ahead_s(engine, sid, now, t)
    gain = excess(t, waiting, arrivals, before, rate, mean, ahead) - excess(
        t, waiting, arrivals, before, rate + 1 / mean, mean, ahead
    )
    return Signals(
        sid,
        waiting,
        int(engine.oldest_wait_s(sid, now)),
        engine.eta_s(sid, waiting),
        round(grown),
        engine.eta_s(sid, round(grown)),
        arrivals,
        before,
        departures,
        level,
        age,
        camera,
        gain,
        ahead,
    )


def open_ahead_s(engine: Engine, sid: str, now: datetime, tuning: Tuning) -> float:
    """Seconds within value_horizon_s in which the service still takes tickets (lunch, evening)."""
    end = now + timedelta(seconds=tuning.value_horizon_s)
    return sum(
        max(0.0, (min(b, end) - max(a, now)).total_seconds())
        for a, b in spans_for(engine.cfg, engine.services[sid], now.date())
    )


def excess(
    tuning: Tuning,
    waiting: int,
    arrivals_per_h: float,
    before_per_h: float,
    rate: float,
    mean_s: float,
    open_ahead: float | None = None,
) -> float:
    """eta.excess_wait_s for the service's queue at departure rate `rate` (per second)."""
    t = tuning
    lam = max(0.0, arrivals_per_h + t.trend_weight * (arrivals_per_h - before_per_h)) / 3600
    return excess_wait_s(waiting, lam, rate, rate * mean_s, t.value_horizon_s, t.target_wait_s, open_ahead)


def loss(engine: Engine, w: WindowState, sg: Signals, tuning: Tuning) -> float:
    """Visitor-seconds beyond target_wait_s that taking window `w` away from its service would add."""
    without = engine.departure_rate(sg.service, without=w.id)
    rate = engine.departure_rate(sg.service)
    mean = engine.service_time[sg.service].mean_s
    return excess(
        tuning, sg.waiting, sg.arrivals_per_h, sg.arrivals_prev_per_h, without, mean, sg.open_ahead_s
    ) - excess(tuning, sg.waiting, sg.arrivals_per_h, sg.arrivals_prev_per_h, rate, mean, sg.open_ahead_s)


def crowd_state(
    engine: Engine, sid: str, now: datetime, crowd: Mapping[str, CrowdReading], tuning: Tuning
) -> tuple[str | None, int | None, Camera]:
    """(level, age in s, camera state) of the service's zone; a stale reading's level is ignored."""
    zone = engine.services[sid].zone
    if zone is None:
        return None, None, Camera.UNMAPPED
    reading = crowd.get(zone)
    if reading is None:
        return None, None, Camera.MISSING
    level, ts = reading
    age = (now - ts).total_seconds()
    if age > tuning.crowd_max_age_s:
        return None, int(age), Camera.STALE
    return Level(level).value, int(age), Camera.OK
