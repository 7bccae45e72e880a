"""Staffing policies the simulator compares: static staffing, a simple threshold, tideq's policy."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from tideq.config.schema import TidalConfig
from tideq.controller.engine import Engine
from tideq.controller.hours import is_open
from tideq.controller.model import WindowStatus
from tideq.controller.tidal import Action, Decision, Mode, TidalPolicy, Tuning


class SimPolicy(Protocol):
    name: str

    def step(self, engine: Engine, now: datetime) -> list[Decision]: ...

    def draining(self) -> set[str]: ...


class StaticPolicy:
    """The configured windows all day; the tidal pool stays closed."""

    name = "static"

    def step(self, engine: Engine, now: datetime) -> list[Decision]:
        return []

    def draining(self) -> set[str]:
        return set()


@dataclass
class ThresholdPolicy:
    """The simple threshold policy: open a free pool window when a queue exceeds `open_above` (at
    most one per service every `cooldown_s`), close it when the queue falls below `close_below`
    and the window is idle.

    With `limits` (the hall's `[tidal]`), as the hall runs it, it obeys the hall's stability limits
    like any policy there: a window stays open at least `min_open_s`, and openings plus closings in
    the trailing hour, hall-wide, stay within `max_switches_per_hour` (a hall's staff cannot be
    sent back and forth faster, whatever rule sends them). As in tideq, a window whose service has
    closed for the day (or lunch) with nobody waiting closes at once, outside those limits.
    Without `limits` it is the reference `threshold-unlimited`, which no real hall can run: it
    switches a pool window every few minutes.
    """

    open_above: int = 15
    close_below: int = 5
    cooldown_s: float = 120.0
    name: str = "threshold"
    limits: TidalConfig | None = None
    _last: dict[str, datetime] = field(default_factory=dict)

    def step(self, engine: Engine, now: datetime) -> list[Decision]:
        out: list[Decision] = []
        budget = self._budget(engine, now)
        for w in engine.windows.values():
            sid = w.tidal_service
            if not sid or len(engine.waiting[sid]) >= self.close_below or w.ticket:
                continue
            done = not engine.waiting[sid] and not is_open(engine.cfg, engine.services[sid], now)
            if self.limits and not done:
                opened_s = (now - w.tidal_since).total_seconds() if w.tidal_since else 0.0
                if opened_s < self.limits.min_open_s or budget <= 0:
                    continue
                budget -= 1
            out.append(
                Decision(
                    Action.CLOSE, now, sid, w.id, _why("queue below threshold"), {"waiting": len(engine.waiting[sid])}
                )
            )
        busy = sorted(engine.services, key=lambda s: -len(engine.waiting[s]))
        for sid in busy:
            n = len(engine.waiting[sid])
            last = self._last.get(sid)
            if n <= self.open_above or (last and now - last < timedelta(seconds=self.cooldown_s)):
                continue
            if budget <= 0:
                break
            free = next(
                (
                    w
                    for w in engine.windows.values()
                    if w.tidal_pool
                    and sid in engine.cfg.pool_services(w.id)
                    and not w.tidal
                    and not w.ticket
                    and w.status is not WindowStatus.PAUSED
                    and w.id not in {d.window for d in out}
                ),
                None,
            )
            if free is None:
                break
            self._last[sid] = now
            budget -= 1
            out.append(Decision(Action.OPEN, now, sid, free.id, _why("queue above threshold"), {"waiting": n}))
        return out

    def _budget(self, engine: Engine, now: datetime) -> float:
        """Switches left in the trailing hour (unlimited without `limits`)."""
        if self.limits is None:
            return math.inf
        hour = timedelta(hours=1)
        used = sum(1 for s in engine.tidal_log if now - s.at < hour)
        return self.limits.max_switches_per_hour - used

    def draining(self) -> set[str]:
        return set()


class TideqPolicy:
    """tideq's TidalPolicy in auto mode (the hall file's mode is for the live hall)."""

    name = "tideq"

    def __init__(self, cfg: TidalConfig, tuning: Tuning | None = None) -> None:
        self.policy = TidalPolicy(cfg, Mode.AUTO, tuning)

    def step(self, engine: Engine, now: datetime) -> list[Decision]:
        return self.policy.evaluate(engine, now, {})

    def draining(self) -> set[str]:
        return self.policy.draining()


def _why(en: str) -> dict[str, str]:
    return {"zh": "排队人数阈值", "en": en}


POLICY_NAMES = ("static", "threshold", "threshold-unlimited", "tideq")


def make(name: str, cfg: TidalConfig) -> SimPolicy:
    if name == "static":
        return StaticPolicy()
    if name == "threshold":
        return ThresholdPolicy(
            open_above=cfg.warn_queue,
            close_below=max(1, cfg.warn_queue // 3),
            cooldown_s=float(cfg.sustain_s),
            limits=cfg,
        )
    if name == "threshold-unlimited":
        return ThresholdPolicy(
            open_above=cfg.warn_queue,
            close_below=max(1, cfg.warn_queue // 3),
            cooldown_s=float(cfg.sustain_s),
            name="threshold-unlimited",
        )
    if name == "tideq":
        return TideqPolicy(cfg)
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICY_NAMES)}")
