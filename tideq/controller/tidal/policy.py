"""The tidal policy's state machine: debounce, hysteresis, minimum open time and switch budget.

Per service:  calm -> hot (a threshold crossed) -> sustained (held `sustain_s`: warning; opening
if capacity is short) -> calm. Per policy-opened window: open -> cool (load below the lower
thresholds) -> sustained cool and open >= `min_open_s` -> drain (if busy) -> close; or, when
another service is shorter of capacity, move (one switch instead of a closing and an opening).
Every open/close/move counts against `max_switches_per_hour` (hall-wide, trailing hour).

Memory (debounce timers, pending proposals, declines, drains) lives in this object and only
covers the last minutes. Everything longer-lived (what is open, since when, by whom, the
switches of the last hour, manual closes) is read from the engine, which is rebuilt from the
event log. So after a restart a fresh `TidalPolicy` is safe: at worst it waits one more
`sustain_s` before acting and forgets declined proposals (they are re-proposed once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tideq.config.schema import TidalConfig

from .. import refusals as R
from ..engine import Engine
from ..hours import is_open
from ..model import WindowState, WindowStatus
from . import reasons
from .signals import Signals, loss, read_signals
from .thresholds import Cooling, cooling, crossed, limits, short_of_capacity
from .types import Action, AlertLevel, CrowdReading, Decision, Mode, MoveCandidate, PoolCandidate, Text, Tuning


@dataclass
class _Alert:
    level: AlertLevel
    reason: Text


class TidalPolicy:
    """Debounced, hysteretic tidal window policy for one hall (see module doc).

    Pure: `evaluate(engine, now, crowd)` reads the engine and returns decisions; it never changes
    the engine, reads no clock and does no I/O. The caller applies OPEN/CLOSE/MOVE decisions
    (`Decision.apply(engine, now)`), publishes every decision on `event/tidal`, and the standing
    `alerts()` on `state/tidal`.
    """

    def __init__(self, cfg: TidalConfig, mode: Mode | str | None = None, tuning: Tuning | None = None) -> None:
        self.cfg = cfg
        self.mode = Mode(mode or cfg.mode)
        self.tuning = tuning or Tuning()
        self._hot_since: dict[str, datetime] = {}  # service -> a warning threshold crossed since
        self._short_since: dict[str, datetime] = {}  # service -> capacity short since
        self._cool_since: dict[str, datetime] = {}
        self._alerts: dict[str, _Alert] = {}
        self._proposals: dict[str, Decision] = {}  # window -> pending proposal
        self._draining: set[str] = set()
        self._declined: dict[tuple[str, str], datetime] = {}  # (action, service or window) -> until
        self._claimed: set[str] = set()  # windows decided on in the current evaluation
        self._moving: dict[str, str] = {}  # window -> service it moves to once its current visitor is done
        self._closing_now: set[str] = set()  # windows closed in the current evaluation (a move may replace it)
        self._moved_now: dict[str, str] = {}  # window -> service it moved (or drains) to in this evaluation
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
    def evaluate(
        self, engine: Engine, now: datetime, crowd: Mapping[str, CrowdReading] | None = None
    ) -> list[Decision]:
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
        for sid in sorted(signals, key=lambda x: -signals[x].gain_s):  # the most valuable window first
            out += self._service(engine, now, signals[sid])
        # a window moved (or about to move) in this evaluation is not also closed or drained for closing
        return [
            d
            for d in out
            if not (
                d.action in (Action.CLOSE, Action.PROPOSE_CLOSE, Action.DRAIN)
                and d.window in self._moved_now
                and d.service != self._moved_now[d.window]
            )
        ]

    def signals(self, engine: Engine, sid: str, now: datetime, crowd: Mapping[str, CrowdReading]) -> Signals:
        """What the policy reads of service `sid` now (see signals.py)."""
        return read_signals(engine, sid, now, crowd, self.tuning)

    # ------------------------------------------------------------------ per service: warn / open
    def _service(self, engine: Engine, now: datetime, sg: Signals) -> list[Decision]:
        """Warn when a threshold held `sustain_s`; open a window when capacity stayed short as long."""
        sid = sg.service
        closed = not sg.waiting and not is_open(engine.cfg, engine.services[sid], now)
        hot = [] if closed else crossed(sg, self.cfg)
        short = not closed and short_of_capacity(sg, self.cfg, self.tuning)
        out: list[Decision] = []
        blocked: Text | None = None
        inputs = {
            **sg.as_inputs(),
            "crossed": hot,
            "thresholds": limits(self.cfg),
            "switches_last_hour": self._switches(engine, now),
        }
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
        reason = reasons.warn(engine, sg, hot, blocked)
        old = self._alerts.get(sid)
        if old is None or old.level is not level or old.reason != reason:
            self._alerts[sid] = _Alert(level, reason)
            if old is None or old.level is not level:
                out.insert(0, Decision(Action.WARN, now, sid, None, reason, inputs, level))
        return out

    def _open(
        self, engine: Engine, now: datetime, sg: Signals, inputs: dict[str, Any]
    ) -> tuple[list[Decision], Text | None]:
        """Open (or propose) a pool window for the service; or say why not."""
        sid = sg.service
        if any(
            p.service == sid and p.action in (Action.PROPOSE_OPEN, Action.PROPOSE_MOVE)
            for p in self._proposals.values()
        ):
            return [], None  # waiting for the manager
        if sid in self._moving.values() or any(
            w.tidal_service == sid and w.status is WindowStatus.PAUSED for w in engine.windows.values()
        ):
            self._short_since[sid] = now
            return [], None  # a window is on its way: judge again once it is staffed
        held = self._held(engine, sid, now)
        if held:
            return [], held
        if self._switches(engine, now) >= self.cfg.max_switches_per_hour:
            return [], reasons.budget_used()
        window, ranking = self._choose(engine, sid)
        movable = self._movable(engine, now, sg)
        if movable and (
            movable[0]["cool"] or (window is None and movable[0]["loss_s"] <= self.tuning.move_factor * sg.gain_s)
        ):
            return self._move(engine, now, sg, movable, inputs), None
        if window is None:
            return [], reasons.no_free_window()
        order = self._priority(engine, window, sid)
        d = Decision(
            Action.OPEN,
            now,
            sid,
            window,
            reasons.open_window(engine, window, sg),
            {**inputs, "candidates": ranking, "services": list(order)},
            services=order,
        )
        self._claimed.add(window)
        self._short_since[sid] = now  # the next window for it needs its own sustained evidence
        if self.mode is Mode.CONFIRM:
            d = replace(d, action=Action.PROPOSE_OPEN)
            self._proposals[window] = d
        return [d], None

    def _movable(self, engine: Engine, now: datetime, sg: Signals) -> list[MoveCandidate]:
        """Policy-opened windows of other services that could move to `sg.service`: open at least
        `min_open_s`, not waiting for the manager; cool ones (about to close anyway) first, then by
        the visitor-seconds their service would lose."""
        ranked: list[MoveCandidate] = []
        for w in engine.windows.values():
            if not w.tidal or w.tidal_service == sg.service or w.id in self._moving or w.id in self._moved_now:
                continue
            if sg.service not in engine.cfg.pool_services(w.id):
                continue
            if w.id not in self._closing_now and (  # closed (or proposed for closing) just now: a move replaces that
                w.id in self._proposals or w.id in self._claimed or not self._by_policy(engine, w.id)
            ):
                continue
            opened_s = (now - w.tidal_since).total_seconds() if w.tidal_since else 0.0
            if opened_s < self.cfg.min_open_s:
                continue
            origin = self._signals[w.tidal_service or ""]
            cool = cooling(engine, w, origin, self.cfg, self.tuning).cool  # its own service only (docs/tidal.md)
            ranked.append(
                {
                    "window": w.id,
                    "service": origin.service,
                    "cool": cool,
                    "loss_s": round(loss(engine, w, origin, self.tuning)),
                    "busy": bool(w.ticket),
                    "open_s": int(opened_s),
                }
            )
        ranked.sort(key=lambda r: (not r["cool"], r["loss_s"]))
        return ranked

    def _move(
        self, engine: Engine, now: datetime, sg: Signals, movable: list[MoveCandidate], inputs: dict[str, Any]
    ) -> list[Decision]:
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
            reason = reasons.move_after_visitor(engine, wid, origin, sg.service)
            return [Decision(Action.DRAIN, now, sg.service, wid, reason, inputs)]
        return [self._move_decision(engine, now, wid, origin, sg, inputs)]

    def _move_decision(
        self, engine: Engine, now: datetime, wid: str, origin: str, sg: Signals, inputs: dict[str, Any]
    ) -> Decision:
        order = self._priority(engine, wid, sg.service)
        d = Decision(
            Action.MOVE,
            now,
            sg.service,
            wid,
            reasons.move(engine, wid, origin, sg),
            {**inputs, "services": list(order)},
            services=order,
        )
        self._short_since[sg.service] = now  # the next window for it needs its own sustained evidence
        self._claimed.add(wid)
        self._moved_now[wid] = sg.service
        self._cool_since.pop(wid, None)
        self._draining.discard(wid)
        if self.mode is Mode.CONFIRM:
            d = replace(d, action=Action.PROPOSE_MOVE)
            self._proposals[wid] = d
        return d

    def _moves_due(self, engine: Engine, now: datetime, signals: dict[str, Signals]) -> list[Decision]:
        """Carry out moves waiting for a window's last visitor; drop those no longer needed."""
        out: list[Decision] = []
        for wid, sid in list(self._moving.items()):
            w = engine.windows.get(wid)
            sg = signals.get(sid)
            if (
                w is None
                or not w.tidal
                or sg is None
                or w.tidal_service == sid
                or not short_of_capacity(sg, self.cfg, self.tuning)
            ):
                del self._moving[wid]
                self._draining.discard(wid)
                continue
            if w.ticket or self._switches(engine, now) >= self.cfg.max_switches_per_hour:
                continue
            del self._moving[wid]
            origin = w.tidal_service or ""
            inputs = {
                **sg.as_inputs(),
                "from_service": origin,
                "thresholds": limits(self.cfg),
                "switches_last_hour": self._switches(engine, now),
                "loss_s": round(loss(engine, w, signals[origin], self.tuning)),
            }
            out.append(self._move_decision(engine, now, wid, origin, sg, inputs))
        return out

    def _held(self, engine: Engine, sid: str, now: datetime) -> Text | None:
        """A manager closed a window of this service recently, or declined a proposal: respect it."""
        until = self._declined.get(("open", sid))
        if until and now < until:
            return reasons.declined_opening()
        hold = timedelta(seconds=self.tuning.hold_s)
        for s in reversed(engine.tidal_log):
            if now - s.at > hold:
                break
            if s.service == sid and not s.opened and not s.by_policy:
                return reasons.manually_closed()
        return None

    def _priority(self, engine: Engine, wid: str, sid: str) -> tuple[str, ...]:
        """What pool window `wid` serves when opened for `sid`, by priority: `sid`, then the other
        services its pool_services allow, the most valuable window first (`window_gain_s`, as the
        services are judged), then hall-file order."""
        allowed = engine.cfg.pool_services(wid)
        rank = {s: i for i, s in enumerate(allowed)}
        gain = {s: self._signals[s].gain_s if s in self._signals else 0.0 for s in allowed}
        rest = sorted((s for s in allowed if s != sid), key=lambda s: (-gain[s], rank[s]))
        return (sid, *rest)

    def _choose(self, engine: Engine, sid: str) -> tuple[str | None, list[PoolCandidate]]:
        """Idle pool windows first (closed, or idle with nobody waiting for them), then the least
        loaded; only windows whose pool_services allow `sid`."""
        ranked = []
        for i, w in enumerate(engine.windows.values()):
            if (
                not w.tidal_pool
                or sid not in engine.cfg.pool_services(w.id)
                or w.tidal
                or w.ticket
                or w.status is WindowStatus.PAUSED
                or w.id in self._proposals
                or w.id in self._draining
                or w.id in self._claimed
            ):
                continue
            load = sum(len(engine.waiting[s]) for s in w.services)
            ranked.append((0 if load == 0 else 1, load, i, w.id))
        ranked.sort()
        ranking: list[PoolCandidate] = [{"window": r[3], "idle": r[0] == 0, "load": r[1]} for r in ranked]
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
        cool, eta_without, left_per_h = self._cooling(engine, w, sg)
        if not cool:
            self._cool_since.pop(w.id, None)
            self._draining.discard(w.id)
            return []
        since = self._cool_since.setdefault(w.id, now)
        held = (now - since).total_seconds()
        opened_s = (now - w.tidal_since).total_seconds() if w.tidal_since else 0.0
        until = self._declined.get(("close", w.id))
        done = not sg.waiting and not is_open(engine.cfg, engine.services[sg.service], now)
        if not done and (
            held < self.cfg.sustain_s
            or opened_s < self.cfg.min_open_s
            or (until and now < until)
            or self._switches(engine, now) >= self.cfg.max_switches_per_hour
        ):
            return []
        inputs = {
            **sg.as_inputs(),
            "eta_without_window_s": eta_without,
            "held_s": int(held),
            "departures_without_window_per_h": round(left_per_h, 1),
            "open_s": int(opened_s),
            "thresholds": limits(self.cfg),
            "switches_last_hour": self._switches(engine, now),
        }
        if w.ticket and self.mode is Mode.AUTO:
            if w.id in self._draining:
                return []
            self._draining.add(w.id)
            return [Decision(Action.DRAIN, now, sg.service, w.id, reasons.close_after_visitor(engine, w.id), inputs)]
        self._draining.discard(w.id)
        d = Decision(Action.CLOSE, now, sg.service, w.id, reasons.close(engine, w.id, eta_without), inputs)
        self._claimed.add(w.id)
        self._closing_now.add(w.id)
        if self.mode is Mode.CONFIRM:
            d = replace(d, action=Action.PROPOSE_CLOSE)
            self._proposals[w.id] = d
        self._cool_since.pop(w.id, None)
        return [d]

    def _cooling(self, engine: Engine, w: WindowState, sg: Signals) -> Cooling:
        """thresholds.cooling for the window's service `sg` and every other service it serves."""
        also = [self._signals[s] for s in w.services if s != sg.service and s in self._signals]
        return cooling(engine, w, sg, self.cfg, self.tuning, also)

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
            n += not (s.move and not s.opened)  # a move is one switch (its closing half is not counted)
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
        return Decision(Action.CLEAR, now, sid, None, reasons.cleared())
