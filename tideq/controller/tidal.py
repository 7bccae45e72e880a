"""Tidal window (潮汐窗口) policy: when to warn, open a pool window for a service, and close it.

Pure: `evaluate(engine, now, crowd)` reads the engine and returns decisions; it never
changes the engine, reads no clock and does no I/O. The caller applies OPEN/CLOSE decisions
(`Decision.apply(engine, now)`), publishes every decision on `event/tidal`, and the standing
`alerts()` on `state/tidal`.

State machine per service:  calm -> hot (a threshold crossed) -> sustained (held `sustain_s`:
warning; opening if capacity is short) -> calm. Per policy-opened window: open -> cool (load
below the lower thresholds) -> sustained cool and open >= `min_open_s` -> drain (if busy) ->
close. Every open/close counts against `max_switches_per_hour` (hall-wide, trailing hour).

Memory (debounce timers, pending proposals, declines, drains) lives in this object and only
covers the last minutes. Everything longer-lived (what is open, since when, by whom, the
switches of the last hour, manual closes) is read from the engine, which is rebuilt from the
event log. So after a restart a fresh `TidalPolicy` is safe: at worst it waits one more
`sustain_s` before acting and forgets declined proposals (they are re-proposed once).
"""
from __future__ import annotations
import math

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from tideq.config.schema import Level, TidalConfig

from . import refusals as R
from .engine import Engine
from .eta import excess_wait_s
from .events import Event
from .hours import is_open, spans_for
from .model import WindowState, WindowStatus

CROWD_RANK = {Level.LOW: 0, Level.BUSY: 1, Level.CROWDED: 2}


class Mode(str, Enum):
    AUTO = "auto"        # decisions are applied at once
    CONFIRM = "confirm"  # decisions are proposals; the hall manager confirms or declines (cmd/tidal)
    OFF = "off"


class Action(str, Enum):
    WARN = "warn"                    # alert raised or changed level
    CLEAR = "clear"                  # alert gone
    PROPOSE_OPEN = "propose_open"
    PROPOSE_CLOSE = "propose_close"
    OPEN = "open"                    # apply: engine.tidal_open
    CLOSE = "close"                  # apply: engine.tidal_close
    PROPOSE_MOVE = "propose_move"
    MOVE = "move"                    # apply: engine.tidal_move (an open tidal window goes straight to
                                     # another service: one switch instead of a closing and an opening)
    DRAIN = "drain"                  # window should finish its visitor and call nobody new
    DECLINED = "declined"            # the manager declined a proposal


ENGINE_ACTIONS = frozenset({Action.OPEN, Action.CLOSE, Action.MOVE})   # decisions the service applies via Decision.apply()


class AlertLevel(str, Enum):
    WARNING = "warning"    # a threshold held for sustain_s
    CRITICAL = "critical"  # ... and the policy cannot add a window (none free, budget spent, held)


class Camera(str, Enum):
    OK = "ok"
    STALE = "stale"        # reading older than crowd_max_age_s: ignored, queue signals alone
    MISSING = "missing"    # no reading for the zone
    UNMAPPED = "unmapped"  # the service has no zone


@dataclass(frozen=True)
class Tuning:
    """Policy settings not in the hall config (defaults chosen in docs/tidal.md)."""

    crowd_max_age_s: float = 90.0    # a camera silent this long is treated as dead
    trend_window_s: float = 1800.0   # arrival rate measured over this trailing window
    horizon_s: float = 600.0         # queue growth projected this far (a window takes minutes to staff)
    open_eta_factor: float = 0.5     # open a window once the projected wait passes this share of warn_eta_s
    open_min_queue: int = 4          # ... with at least this many (projected) waiting: a window for one
                                     # visitor of a slow service buys little
    crowd_eta_factor: float = 0.5    # ... and this further share of it when the zone is crowded
    close_queue_factor: float = 0.5  # close only below this share of warn_queue
    close_load: float = 0.9          # ... and when arrivals are below this share of the capacity left
    proposal_ttl_s: float = 300.0    # an unconfirmed proposal lapses (and may be proposed again)
    hold_s: float = 1800.0           # after a manual close or a decline: no new proposal for it
    target_wait_s: float = 300.0     # value of a window: visitor-seconds of wait beyond this it saves ...
    value_horizon_s: float = 1800.0  # ... over this horizon (eta.excess_wait_s)
    trend_weight: float = 0.5        # arrival rate used for that: last trend_window_s + this share of its change
    open_gain_s: float = math.inf    # a window saving this much counts as capacity short, whatever the wait
                                     # (off: on peak-day it bought its p90 with too many window-hours)
    move_factor: float = 0.5         # with no free pool window, move one whose loss is below this share of the gain
    close_z: float = 1.5             # close only if arrivals + close_z * their Poisson noise are below close_load
                                     # of the capacity left (a peak's noise must not close its window)


@dataclass(frozen=True)
class Signals:
    """What the policy knows about one service at one moment (the `inputs` of its decisions)."""

    service: str
    waiting: int
    oldest_wait_s: int
    eta_s: int | None                 # predicted wait of a new arrival
    projected_waiting: int            # waiting after `horizon_s` of the current net inflow
    projected_eta_s: int | None       # ... after `horizon_s` of the current net inflow
    arrivals_per_h: float
    arrivals_prev_per_h: float
    departures_per_h: float
    crowd: str | None
    crowd_age_s: int | None
    camera: Camera
    gain_s: float = 0.0               # visitor-seconds beyond target_wait_s one more window saves (value_horizon_s)
    open_ahead_s: float | None = None  # seconds the service still takes tickets within value_horizon_s

    @property
    def trend_per_h(self) -> float:
        return self.arrivals_per_h - self.arrivals_prev_per_h

    def as_inputs(self) -> dict[str, Any]:
        return {"waiting": self.waiting, "oldest_wait_s": self.oldest_wait_s, "eta_s": self.eta_s,
                "projected_waiting": self.projected_waiting,
                "projected_eta_s": self.projected_eta_s, "arrivals_per_h": round(self.arrivals_per_h, 1),
                "arrival_trend_per_h": round(self.trend_per_h, 1), "departures_per_h": round(self.departures_per_h, 1),
                "crowd": self.crowd, "crowd_age_s": self.crowd_age_s, "camera": self.camera.value,
                "window_gain_s": round(self.gain_s)}


@dataclass(frozen=True)
class Decision:
    action: Action
    at: datetime
    service: str | None
    window: str | None
    reason: dict[str, str]                  # {"zh", "en"}: short, shown to the manager and on boards
    inputs: dict[str, Any] = field(default_factory=dict)
    level: AlertLevel | None = None

    @property
    def engine_reason(self) -> str:
        return f"{self.reason['zh']} / {self.reason['en']}"

    def apply(self, engine: Engine, now: datetime) -> list[Event]:
        """Carry out an OPEN or CLOSE on the engine (the `inputs` mark it as the policy's own)."""
        inputs = {**self.inputs, "by": "policy"}
        if self.action is Action.OPEN:
            return engine.tidal_open(self.window or "", self.service or "", now, self.engine_reason, inputs)
        if self.action is Action.CLOSE:
            return engine.tidal_close(self.window or "", now, self.engine_reason, inputs)
        if self.action is Action.MOVE:
            return engine.tidal_move(self.window or "", self.service or "", now, self.engine_reason, inputs)
        return []

    def payload(self) -> dict[str, Any]:
        """Body of `event/tidal` (the caller adds `v` and `ts`)."""
        body: dict[str, Any] = {"kind": f"tidal_{self.action.value}", "service": self.service, "window": self.window,
                                "reason": self.reason, "inputs": self.inputs}
        if self.level:
            body["level"] = self.level.value
        return body


@dataclass
class _Alert:
    level: AlertLevel
    reason: dict[str, str]


class TidalPolicy:
    """Debounced, hysteretic tidal window policy for one hall (see module doc)."""

    def __init__(self, cfg: TidalConfig, mode: Mode | str | None = None, tuning: Tuning | None = None) -> None:
        self.cfg = cfg
        self.mode = Mode(mode or cfg.mode)
        self.tuning = tuning or Tuning()
        self._hot_since: dict[str, datetime] = {}     # service -> a warning threshold crossed since
        self._short_since: dict[str, datetime] = {}   # service -> capacity short since
        self._cool_since: dict[str, datetime] = {}
        self._alerts: dict[str, _Alert] = {}
        self._proposals: dict[str, Decision] = {}     # window -> pending proposal
        self._draining: set[str] = set()
        self._declined: dict[tuple[str, str], datetime] = {}  # (action, service or window) -> until
        self._claimed: set[str] = set()   # windows decided on in the current evaluation
        self._moving: dict[str, str] = {}  # window -> service it moves to once its current visitor is done
        self._closing_now: set[str] = set()  # windows closed in the current evaluation (a move may replace it)
        self._moved_now: dict[str, str] = {}   # window -> service it moved (or drains) to in this evaluation
        self._signals: dict[str, Signals] = {}

    # ------------------------------------------------------------------ queries
    def alerts(self) -> list[dict[str, Any]]:
        """Standing alerts for `state/tidal`: [{"service", "level", "reason"}]."""
        return [{"service": s, "level": a.level.value, "reason": a.reason} for s, a in sorted(self._alerts.items())]

    def proposals(self) -> list[Decision]:
        return list(self._proposals.values())

    def draining(self) -> set[str]:
        """Windows that should finish their current visitor and call nobody new."""
        return set(self._draining)

    # ------------------------------------------------------------------ manager answers
    def confirm(self, window: str, now: datetime) -> Decision:
        """The OPEN/CLOSE/MOVE decision for a proposal the manager confirmed; apply it to the engine."""
        p = self._take_proposal(window, now)
        action = {Action.PROPOSE_OPEN: Action.OPEN, Action.PROPOSE_MOVE: Action.MOVE}.get(p.action, Action.CLOSE)
        return replace(p, action=action, at=now, inputs={**p.inputs, "confirmed": True})

    def decline(self, window: str, now: datetime) -> Decision:
        """Record a declined proposal; the same proposal is not made again for `hold_s`."""
        p = self._take_proposal(window, now)
        key = ("open", p.service or "") if p.action in (Action.PROPOSE_OPEN, Action.PROPOSE_MOVE) else ("close", window)
        self._declined[key] = now + timedelta(seconds=self.tuning.hold_s)
        return replace(p, action=Action.DECLINED, at=now, inputs={**p.inputs, "proposal": p.action.value})

    def _take_proposal(self, window: str, now: datetime) -> Decision:
        p = self._proposals.pop(window, None)
        if p is None or (now - p.at).total_seconds() > self.tuning.proposal_ttl_s:
            raise R.no_proposal(window)
        return p

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, engine: Engine, now: datetime,
                 crowd: dict[str, tuple[Any, datetime]] | None = None) -> list[Decision]:
        """Decisions for this moment. Call every few seconds and after each burst of commands."""
        if self.mode is Mode.OFF:
            return [self._clear(s, now) for s in list(self._alerts)]
        self._expire(now)
        self._claimed, self._closing_now, self._moved_now = set(), set(), {}
        crowd = crowd or {}
        signals = {sid: self.signals(engine, sid, now, crowd) for sid in engine.services}
        self._signals = signals
        out = self._moves_due(engine, now, signals)
        out += self._closings(engine, now, signals)
        for sid in sorted(signals, key=lambda x: -signals[x].gain_s):   # the most valuable window first
            out += self._service(engine, now, signals[sid])
        # a window moved (or about to move) in this evaluation is not also closed or drained for closing
        return [d for d in out if not (d.action in (Action.CLOSE, Action.PROPOSE_CLOSE, Action.DRAIN)
                                       and d.window in self._moved_now and d.service != self._moved_now[d.window])]

    def signals(self, engine: Engine, sid: str, now: datetime, crowd: dict[str, tuple[Any, datetime]]) -> Signals:
        t = self.tuning
        waiting = len(engine.waiting[sid])
        span = timedelta(seconds=t.trend_window_s)
        per_h = 3600 / t.trend_window_s
        arrivals = engine.arrivals_between(sid, now - span, now) * per_h
        before = engine.arrivals_between(sid, now - 2 * span, now - span) * per_h
        departures = engine.departure_rate(sid) * 3600
        grown = waiting + max(0.0, arrivals - departures) * t.horizon_s / 3600
        level, age, camera = self._crowd(engine, sid, now, crowd)
        rate = engine.departure_rate(sid)
        mean = engine.service_time[sid].mean_s
        ahead = self._open_ahead_s(engine, sid, now)
        gain = (self._excess(waiting, arrivals, before, rate, mean, ahead)
                - self._excess(waiting, arrivals, before, rate + 1 / mean, mean, ahead))
        return Signals(sid, waiting, int(engine.oldest_wait_s(sid, now)), engine.eta_s(sid, waiting), round(grown),
                       engine.eta_s(sid, round(grown)), arrivals, before, departures, level, age, camera, gain, ahead)

    def _open_ahead_s(self, engine: Engine, sid: str, now: datetime) -> float:
        """Seconds within value_horizon_s in which the service still takes tickets (lunch, evening)."""
        end = now + timedelta(seconds=self.tuning.value_horizon_s)
        return sum(max(0.0, (min(b, end) - max(a, now)).total_seconds())
                   for a, b in spans_for(engine.cfg, engine.services[sid], now.date()))

    def _excess(self, waiting: int, arrivals_per_h: float, before_per_h: float, rate: float, mean_s: float,
                open_ahead_s: float | None = None) -> float:
        """eta.excess_wait_s for the service's queue at departure rate `rate` (per second)."""
        t = self.tuning
        lam = max(0.0, arrivals_per_h + t.trend_weight * (arrivals_per_h - before_per_h)) / 3600
        return excess_wait_s(waiting, lam, rate, rate * mean_s, t.value_horizon_s, t.target_wait_s, open_ahead_s)

    def _loss(self, engine: Engine, w: WindowState, sg: Signals) -> float:
        """Visitor-seconds beyond target_wait_s that taking window `w` away from its service would add."""
        without = engine.departure_rate(sg.service, without=w.id)
        rate = engine.departure_rate(sg.service)
        mean = engine.service_time[sg.service].mean_s
        return (self._excess(sg.waiting, sg.arrivals_per_h, sg.arrivals_prev_per_h, without, mean, sg.open_ahead_s)
                - self._excess(sg.waiting, sg.arrivals_per_h, sg.arrivals_prev_per_h, rate, mean, sg.open_ahead_s))

    def _crowd(self, engine: Engine, sid: str, now: datetime,
               crowd: dict[str, tuple[Any, datetime]]) -> tuple[str | None, int | None, Camera]:
        zone = engine.services[sid].zone
        if zone is None:
            return None, None, Camera.UNMAPPED
        reading = crowd.get(zone)
        if reading is None:
            return None, None, Camera.MISSING
        level, ts = reading
        age = (now - ts).total_seconds()
        if age > self.tuning.crowd_max_age_s:
            return None, int(age), Camera.STALE
        return Level(level).value, int(age), Camera.OK

    # ------------------------------------------------------------------ per service: warn / open
    def _hot(self, sg: Signals) -> list[str]:
        """Which warning thresholds are crossed now."""
        c = self.cfg
        hot = []
        if (sg.eta_s is None and sg.waiting) or (sg.eta_s or 0) >= c.warn_eta_s:
            hot.append("eta")
        if sg.waiting >= c.warn_queue:
            hot.append("queue")
        if self._crowded(sg):
            hot.append("crowd")
        return hot

    def _crowded(self, sg: Signals) -> bool:
        return sg.crowd is not None and CROWD_RANK[Level(sg.crowd)] >= CROWD_RANK[Level(self.cfg.warn_crowd)]

    def _short_of_capacity(self, sg: Signals) -> bool:
        """Worth a window: the projected wait passes the threshold (lowered when the zone is crowded),
        or the queue is long and not moving fast enough to drain under the closing threshold."""
        if sg.projected_eta_s is None:
            return sg.waiting > 0
        if sg.gain_s >= self.tuning.open_gain_s and sg.waiting >= 1:
            return True
        if sg.projected_waiting < self.tuning.open_min_queue:
            return False
        limit = self.cfg.warn_eta_s * self.tuning.open_eta_factor
        limit *= self.tuning.crowd_eta_factor if self._crowded(sg) else 1.0
        return sg.projected_eta_s >= limit or (sg.waiting >= self.cfg.warn_queue and sg.eta_s is not None
                                               and sg.eta_s >= self.cfg.close_eta_s)

    def _service(self, engine: Engine, now: datetime, sg: Signals) -> list[Decision]:
        """Warn when a threshold held `sustain_s`; open a window when capacity stayed short as long."""
        sid = sg.service
        closed = not sg.waiting and not is_open(engine.cfg, engine.services[sid], now)
        hot = [] if closed else self._hot(sg)
        short = not closed and self._short_of_capacity(sg)
        out: list[Decision] = []
        blocked: dict[str, str] | None = None
        inputs = {**sg.as_inputs(), "crossed": hot, "thresholds": self._thresholds(),
                  "switches_last_hour": self._switches(engine, now)}
        if short:
            held = self._held_for(self._short_since, sid, now)
            if held >= self.cfg.sustain_s:
                out, blocked = self._open(engine, now, sg, {**inputs, "held_s": int(held)})
        else:
            self._short_since.pop(sid, None)
        if not hot:
            self._hot_since.pop(sid, None)
            return out + ([self._clear(sid, now)] if sid in self._alerts else [])
        held = self._held_for(self._hot_since, sid, now)
        if held < self.cfg.sustain_s:
            return out
        inputs["held_s"] = int(held)
        level = AlertLevel.CRITICAL if blocked else AlertLevel.WARNING
        reason = _warn_reason(engine, sg, hot, self.cfg, blocked)
        old = self._alerts.get(sid)
        if old is None or old.level is not level or old.reason != reason:
            self._alerts[sid] = _Alert(level, reason)
            if old is None or old.level is not level:
                out.insert(0, Decision(Action.WARN, now, sid, None, reason, inputs, level))
        return out

    def _open(self, engine: Engine, now: datetime, sg: Signals,
              inputs: dict[str, Any]) -> tuple[list[Decision], dict[str, str] | None]:
        """Open (or propose) a pool window for the service; or say why not."""
        sid = sg.service
        if any(p.service == sid and p.action in (Action.PROPOSE_OPEN, Action.PROPOSE_MOVE)
               for p in self._proposals.values()):
            return [], None  # waiting for the manager
        if sid in self._moving.values() or any(w.tidal_service == sid and w.status is WindowStatus.PAUSED
                                                  for w in engine.windows.values()):
            self._short_since[sid] = now
            return [], None  # a window is on its way: judge again once it is staffed
        held = self._held(engine, sid, now)
        if held:
            return [], held
        if self._switches(engine, now) >= self.cfg.max_switches_per_hour:
            return [], {"zh": "本小时潮汐切换次数已用完", "en": "tidal switch budget for this hour is used"}
        window, ranking = self._choose(engine)
        movable = self._movable(engine, now, sg)
        if movable and (movable[0]["cool"] or (window is None and movable[0]["loss_s"]
                                                 <= self.tuning.move_factor * sg.gain_s)):
            return self._move(engine, now, sg, movable, inputs), None
        if window is None:
            return [], {"zh": "无空闲潮汐窗口", "en": "no free tidal window"}
        w = engine.cfg.window(window)
        name = engine.cfg.service(sid)
        reason = {"zh": f"开放{w.name.zh if w else window}办理{name.name.zh if name else sid}：预计等待"
                        f"{_min(sg.projected_eta_s)}分钟",
                  "en": f"open {w.name.en if w else window} for {name.name.en if name else sid}: "
                        f"predicted wait {_min(sg.projected_eta_s)} min"}
        d = Decision(Action.OPEN, now, sid, window, reason, {**inputs, "candidates": ranking})
        self._claimed.add(window)
        self._short_since[sid] = now  # the next window for it needs its own sustained evidence
        if self.mode is Mode.CONFIRM:
            d = replace(d, action=Action.PROPOSE_OPEN)
            self._proposals[window] = d
        return [d], None

    def _movable(self, engine: Engine, now: datetime, sg: Signals) -> list[dict[str, Any]]:
        """Policy-opened windows of other services that could move to `sg.service`: open at least
        `min_open_s`, not waiting for the manager; cool ones (about to close anyway) first, then by
        the visitor-seconds their service would lose."""
        ranked = []
        for w in engine.windows.values():
            if not w.tidal or w.tidal_service == sg.service or w.id in self._moving or w.id in self._moved_now:
                continue
            if w.id not in self._closing_now and (  # closed (or proposed for closing) just now: a move replaces that
                    w.id in self._proposals or w.id in self._claimed or not self._by_policy(engine, w.id)):
                continue
            opened_s = (now - w.tidal_since).total_seconds() if w.tidal_since else 0.0
            if opened_s < self.cfg.min_open_s:
                continue
            origin = self._signals[w.tidal_service or ""]
            cool = self._cool(engine, w, origin)[0]
            ranked.append({"window": w.id, "service": origin.service, "cool": cool,
                           "loss_s": round(self._loss(engine, w, origin)), "busy": bool(w.ticket),
                           "open_s": int(opened_s)})
        ranked.sort(key=lambda r: (not r["cool"], r["loss_s"]))
        return ranked

    def _move(self, engine: Engine, now: datetime, sg: Signals, movable: list[dict[str, Any]],
              inputs: dict[str, Any]) -> list[Decision]:
        """Move the first of `movable` to the service (after its current visitor, if busy)."""
        best = movable[0]
        wid, origin = best["window"], best["service"]
        self._short_since[sg.service] = now
        inputs = {**inputs, "from_service": origin, "loss_s": best["loss_s"], "movable": movable}
        w = engine.windows[wid]
        if w.ticket and self.mode is Mode.AUTO:
            self._moving[wid] = self._moved_now[wid] = sg.service
            self._draining.add(wid)
            self._cool_since.pop(wid, None)
            names = self._names(engine, wid, origin, sg.service)
            reason = {"zh": f"{names[0]}办完当前业务后改办{names[4]}", "en": f"{names[1]} moves to {names[5]} after its current visitor"}
            return [Decision(Action.DRAIN, now, sg.service, wid, reason, inputs)]
        return [self._move_decision(engine, now, wid, origin, sg, inputs)]

    def _move_decision(self, engine: Engine, now: datetime, wid: str, origin: str, sg: Signals,
                       inputs: dict[str, Any]) -> Decision:
        names = self._names(engine, wid, origin, sg.service)
        reason = {"zh": f"{names[0]}由{names[2]}改办{names[4]}：预计等待{_min(sg.projected_eta_s)}分钟",
                  "en": f"move {names[1]} from {names[3]} to {names[5]}: predicted wait {_min(sg.projected_eta_s)} min"}
        d = Decision(Action.MOVE, now, sg.service, wid, reason, inputs)
        self._short_since[sg.service] = now  # the next window for it needs its own sustained evidence
        self._claimed.add(wid)
        self._moved_now[wid] = sg.service
        self._cool_since.pop(wid, None)
        self._draining.discard(wid)
        if self.mode is Mode.CONFIRM:
            d = replace(d, action=Action.PROPOSE_MOVE)
            self._proposals[wid] = d
        return d

    @staticmethod
    def _names(engine: Engine, wid: str, *sids: str) -> tuple[str, ...]:
        """(zh, en) of the window, then of each service."""
        w = engine.cfg.window(wid)
        out = [w.name.zh if w else wid, w.name.en if w else wid]
        for sid in sids:
            svc = engine.cfg.service(sid)
            out += [svc.name.zh if svc else sid, svc.name.en if svc else sid]
        return tuple(out)

    def _moves_due(self, engine: Engine, now: datetime, signals: dict[str, Signals]) -> list[Decision]:
        """Carry out moves waiting for a window's last visitor; drop those no longer needed."""
        out: list[Decision] = []
        for wid, sid in list(self._moving.items()):
            w = engine.windows.get(wid)
            sg = signals.get(sid)
            if w is None or not w.tidal or sg is None or w.tidal_service == sid or not self._short_of_capacity(sg):
                del self._moving[wid]
                self._draining.discard(wid)
                continue
            if w.ticket or self._switches(engine, now) >= self.cfg.max_switches_per_hour:
                continue
            del self._moving[wid]
            origin = w.tidal_service or ""
            inputs = {**sg.as_inputs(), "from_service": origin, "thresholds": self._thresholds(),
                      "switches_last_hour": self._switches(engine, now),
                      "loss_s": round(self._loss(engine, w, signals[origin]))}
            out.append(self._move_decision(engine, now, wid, origin, sg, inputs))
        return out

    def _held(self, engine: Engine, sid: str, now: datetime) -> dict[str, str] | None:
        """A manager closed a window of this service recently, or declined a proposal: respect it."""
        until = self._declined.get(("open", sid))
        if until and now < until:
            return {"zh": "管理员已拒绝开放建议", "en": "the manager declined opening"}
        hold = timedelta(seconds=self.tuning.hold_s)
        for s in reversed(engine.tidal_log):
            if now - s.at > hold:
                break
            if s.service == sid and not s.opened and not s.by_policy:
                return {"zh": "管理员刚手动关闭该业务潮汐窗口", "en": "the manager closed its tidal window"}
        return None

    def _choose(self, engine: Engine) -> tuple[str | None, list[dict[str, Any]]]:
        """Idle pool windows first (closed, or idle with nobody waiting for them), then the least loaded."""
        ranked = []
        for i, w in enumerate(engine.windows.values()):
            if (not w.tidal_pool or w.tidal or w.ticket or w.status is WindowStatus.PAUSED
                    or w.id in self._proposals or w.id in self._draining or w.id in self._claimed):
                continue
            load = sum(len(engine.waiting[s]) for s in w.services)
            ranked.append((0 if load == 0 else 1, load, i, w.id))
        ranked.sort()
        ranking = [{"window": r[3], "idle": r[0] == 0, "load": r[1]} for r in ranked]
        return (ranked[0][3] if ranked else None), ranking

    # ------------------------------------------------------------------ per window: close
    def _closings(self, engine: Engine, now: datetime, signals: dict[str, Signals]) -> list[Decision]:
        out: list[Decision] = []
        tidal = [w for w in engine.windows.values() if w.tidal]
        open_ids = {w.id for w in tidal}
        self._draining &= open_ids
        for wid in [k for k in self._cool_since if k not in open_ids]:
            del self._cool_since[wid]
        for w in tidal:
            if w.id not in self._moving:
                out += self._closing(engine, now, w, signals[w.tidal_service or ""])
        return out

    def _closing(self, engine: Engine, now: datetime, w: WindowState, sg: Signals) -> list[Decision]:
        if not self._by_policy(engine, w.id) or w.id in self._proposals:
            return []  # manual openings are the manager's to close; or waiting for an answer
        cool, eta_without, left_per_h = self._cool(engine, w, sg)
        if not cool:
            self._cool_since.pop(w.id, None)
            self._draining.discard(w.id)
            return []
        since = self._cool_since.setdefault(w.id, now)
        held = (now - since).total_seconds()
        opened_s = (now - w.tidal_since).total_seconds() if w.tidal_since else 0.0
        until = self._declined.get(("close", w.id))
        done = not sg.waiting and not is_open(engine.cfg, engine.services[sg.service], now)
        if not done and (held < self.cfg.sustain_s or opened_s < self.cfg.min_open_s or (until and now < until)
                or self._switches(engine, now) >= self.cfg.max_switches_per_hour):
            return []
        inputs = {**sg.as_inputs(), "eta_without_window_s": eta_without, "held_s": int(held),
                  "departures_without_window_per_h": round(left_per_h, 1),
                  "open_s": int(opened_s), "thresholds": self._thresholds(),
                  "switches_last_hour": self._switches(engine, now)}
        wcfg = engine.cfg.window(w.id)
        wname = (wcfg.name.zh, wcfg.name.en) if wcfg else (w.id, w.id)
        if w.ticket and self.mode is Mode.AUTO:
            if w.id in self._draining:
                return []
            self._draining.add(w.id)
            reason = {"zh": f"{wname[0]}办完当前业务后关闭", "en": f"{wname[1]} closes after its current visitor"}
            return [Decision(Action.DRAIN, now, sg.service, w.id, reason, inputs)]
        self._draining.discard(w.id)
        reason = {"zh": f"关闭{wname[0]}：负荷已回落，预计等待{_min(eta_without)}分钟",
                  "en": f"close {wname[1]}: load is down, predicted wait {_min(eta_without)} min without it"}
        d = Decision(Action.CLOSE, now, sg.service, w.id, reason, inputs)
        self._claimed.add(w.id)
        self._closing_now.add(w.id)
        if self.mode is Mode.CONFIRM:
            d = replace(d, action=Action.PROPOSE_CLOSE)
            self._proposals[w.id] = d
        self._cool_since.pop(w.id, None)
        return [d]

    def _cool(self, engine: Engine, w: WindowState, sg: Signals) -> tuple[bool, int | None, float]:
        """Is the service fine without window `w`? (cool, predicted wait without it, rate left per hour)"""
        eta_without = engine.eta_s(sg.service, sg.waiting, without=w.id)
        left_per_h = engine.departure_rate(sg.service, without=w.id) * 3600
        targeted = any(t.target_window == w.id for t in engine.waiting[sg.service].values())
        per_h = 3600 / self.tuning.trend_window_s
        upper = sg.arrivals_per_h + self.tuning.close_z * math.sqrt(sg.arrivals_per_h * per_h)
        cool = (eta_without is not None and eta_without < self.cfg.close_eta_s
                and upper < self.tuning.close_load * left_per_h
                and sg.waiting < self.tuning.close_queue_factor * self.cfg.warn_queue
                and not self._crowded(sg) and not targeted)
        return cool, eta_without, left_per_h

    @staticmethod
    def _by_policy(engine: Engine, wid: str) -> bool:
        last = next((s for s in reversed(engine.tidal_log) if s.window == wid), None)
        return bool(last and last.opened and last.by_policy)

    # ------------------------------------------------------------------ helpers
    def _switches(self, engine: Engine, now: datetime) -> int:
        """Openings and closings in the trailing hour, including those decided in this evaluation."""
        hour = timedelta(hours=1)
        n = len(self._claimed)
        for s in reversed(engine.tidal_log):
            if now - s.at >= hour:
                break
            n += not (s.move and not s.opened)   # a move is one switch (its closing half is not counted)
        return n

    @staticmethod
    def _held_for(timers: dict[str, datetime], key: str, now: datetime) -> float:
        return (now - timers.setdefault(key, now)).total_seconds()

    def _expire(self, now: datetime) -> None:
        ttl = self.tuning.proposal_ttl_s
        for wid in [w for w, p in self._proposals.items() if (now - p.at).total_seconds() > ttl]:
            del self._proposals[wid]
        for key in [k for k, until in self._declined.items() if now >= until]:
            del self._declined[key]

    def _clear(self, sid: str, now: datetime) -> Decision:
        self._alerts.pop(sid, None)
        return Decision(Action.CLEAR, now, sid, None, {"zh": "负荷已恢复正常", "en": "load back to normal"})

    def _thresholds(self) -> dict[str, Any]:
        c = self.cfg
        return {"warn_queue": c.warn_queue, "warn_eta_s": c.warn_eta_s, "warn_crowd": c.warn_crowd,
                "sustain_s": c.sustain_s, "close_eta_s": c.close_eta_s, "min_open_s": c.min_open_s,
                "max_switches_per_hour": c.max_switches_per_hour}


def _min(seconds: int | None) -> str:
    return "?" if seconds is None else str(round(seconds / 60))


def _warn_reason(engine: Engine, sg: Signals, hot: list[str], cfg: TidalConfig,
                 blocked: dict[str, str] | None) -> dict[str, str]:
    svc = engine.cfg.service(sg.service)
    zh_name, en_name = (svc.name.zh, svc.name.en) if svc else (sg.service, sg.service)
    zh, en = [], []
    if "eta" in hot:
        zh.append(f"预计等待{_min(sg.eta_s)}分钟")
        en.append(f"predicted wait {_min(sg.eta_s)} min")
    if "queue" in hot:
        zh.append(f"{sg.waiting}人排队")
        en.append(f"{sg.waiting} waiting")
    if "crowd" in hot:
        zh.append("区域拥挤")
        en.append("zone crowded")
    text = {"zh": f"{zh_name}：{'，'.join(zh)}", "en": f"{en_name}: {', '.join(en)}"}
    if blocked:
        text = {"zh": f"{text['zh']}（{blocked['zh']}，请管理员处理）", "en": f"{text['en']} ({blocked['en']}; manager please act)"}
    return text
