"""The discrete-event loop: a heap of timed events, a virtual clock, the real Engine.

Visitors arrive (walk-ins by a non-homogeneous Poisson process, appointment holders around their
slot), staff at an idle window call the next ticket at once, a no-show is skipped after a wait,
and the staffing policy is asked every `tick_s`. The engine and policy see only the times passed
in, so a hall day runs in about a second. Each visitor's service time and no-show are drawn with
their arrival (`Draw`), so every policy meets the same visitors.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import NormalDist
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tideq.controller.engine import Engine
from tideq.controller.errors import Refusal
from tideq.controller.hours import spans_for
from tideq.controller.model import Ticket, WindowStatus
from tideq.controller.tidal import Action, Decision

from .policies import SimPolicy
from .scenarios import Dist, Scenario, ServiceLoad, lognormal_params
from .staff import PLAIN, StaffModel

ARRIVE, APPOINT, DONE, NOSHOW, READY, TICK, SAMPLE, BACK = range(8)
ROLLING_N = 10  # the rolling-average predictor: mean wait of the service's last 10 calls
SAMPLE_S = 60.0
SLOT_S = 1800.0


@dataclass
class Visit:
    number: str
    service: str
    issued_s: float  # seconds since the first day's midnight
    due_s: float  # wait counts from here (slot start for an appointment on time)
    ahead: int
    idle: int  # idle windows serving the service at issue (staffed ones: the staff model's truth)
    eta_s: int | None  # what the ticket announced
    rolling_s: float  # what a rolling average of recent waits would have announced
    appointment: bool = False
    no_show: bool = False
    called_s: float | None = None
    prior_s: int | None = None  # the queue model alone (every open window at the average pace; before issue 13)
    les_s: float = 0.0  # last to enter service: the wait of the service's latest visitor called
    hol_s: float = 0.0  # head of line: how long the service's longest-waiting visitor has waited
    ideal_s: float | None = None  # the staff model's true expected wait when every staffed window is busy
    demand_u: float = 0.5  # the visitor's own service-time quantile (common random numbers, see Draw)

    @property
    def wait_s(self) -> float | None:
        return None if self.called_s is None or self.no_show else max(0.0, self.called_s - self.due_s)


@dataclass
class Sample:
    t_s: float
    waiting: dict[str, int]
    tidal_open: int


@dataclass
class Result:
    scenario: str
    policy: str
    seed: int
    visits: list[Visit] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    window_hours: float = 0.0
    switches: int = 0  # tidal openings, closings and moves (a move counts once)
    moves: int = 0
    refused: int = 0
    decisions: list[Decision] = field(default_factory=list)


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        policy: SimPolicy,
        seed: int = 0,
        tick_s: float = 15.0,
        progress: Callable[[float], None] | None = None,
        staff: StaffModel = PLAIN,
        draws: int | None = None,
    ) -> None:
        self.sc = scenario
        self.staff = staff
        self.back: dict[str, float] = {}  # windows whose clerk is away: when the return is scheduled
        self.policy = policy
        self.rng = random.Random(seed)
        # Draw: what each visitor brings; `draws` k redraws it for the same arrivals (the k-th other
        # day with this day's arrivals: what a reference that knows only the arrivals plans on)
        self.visitor_rng = random.Random(f"{seed}:visitors" + ("" if draws is None else f":{draws}"))
        self.tick_s = tick_s
        self.progress = progress
        self.engine = Engine(scenario.hall, b"sim")
        self.tz = ZoneInfo(scenario.hall.hall.timezone)
        self.loads = {ld.service: ld for ld in scenario.loads}
        self.order = [w.id for w in scenario.hall.windows]
        self.result = Result(scenario.name, policy.name, seed)
        self.visits: dict[str, Visit] = {}
        self.recent: dict[str, deque[float]] = {s.id: deque(maxlen=ROLLING_N) for s in scenario.hall.services}
        self.generation: dict[str, int] = {}
        self.heap: list[tuple[float, int, int, str, object]] = []
        self.seq = 0
        self.pending = 0  # visitor and window events still in the heap
        self.identities = 0
        self.offset = 0.0  # seconds from the first midnight to the current day's midnight
        self.midnight = datetime.combine(scenario.day, time(0), self.tz)

    # ------------------------------------------------------------------ loop
    def run(self) -> Result:
        for d in range(self.sc.days):
            self._day(d)
        self.result.visits = list(self.visits.values())
        return self.result

    def _push(self, t: float, kind: int, key: str = "", data: object = None) -> None:
        self.seq += 1
        self.pending += kind <= READY
        heapq.heappush(self.heap, (t, self.seq, kind, key, data))

    def _day(self, d: int) -> None:
        day = self.sc.day + timedelta(days=d)
        self.midnight = datetime.combine(day, time(0), self.tz)
        self.offset = d * 86400.0
        eng = self.engine
        eng.roll_day(self.midnight)
        self.spans = [
            ((a - self.midnight).total_seconds(), (b - self.midnight).total_seconds())
            for a, b in spans_for(self.sc.hall, None, day)
        ]
        if not self.spans:
            return
        self._arrivals(day)
        start, self.close_s = self.spans[0][0], self.spans[-1][1]
        self._push(start, TICK)
        self._push(start, SAMPLE)
        while self.heap:
            t, _, kind, key, data = heapq.heappop(self.heap)
            now = self.midnight + timedelta(seconds=t)
            self.pending -= kind <= READY
            self._handle(kind, key, data, t, now)
            if kind in (TICK, SAMPLE) and (t < self.close_s or self.pending or self._busy()):
                self._push(t + (self.tick_s if kind == TICK else SAMPLE_S), kind)
        self.result.switches += sum(1 for s in eng.tidal_log if not (s.move and not s.opened))
        self.result.moves += sum(1 for s in eng.tidal_log if s.move and s.opened)

    def _busy(self) -> bool:
        eng = self.engine
        return any(eng.waiting[s] for s in eng.waiting) or any(
            w.status is WindowStatus.SERVING for w in eng.windows.values()
        )

    def _handle(self, kind: int, key: str, data: object, t: float, now: datetime) -> None:
        eng = self.engine
        if kind == ARRIVE:
            self._walk_in(key, t, now, self._draw())
        elif kind == APPOINT:
            self._check_in(key, str(data), t, now, self._draw())
        elif kind == DONE:
            eng.window_action(key, "finish", now)
            if key in self.policy.draining():
                self._apply(self.policy.step(eng, now), t, now)
            self._dispatch(now, t)
        elif kind == NOSHOW:
            eng.window_action(key, "skip", now)
            self._dispatch(now, t)
        elif kind == READY:
            if self.generation.get(key) == data:
                eng.window_action(key, "resume", now)
                self._dispatch(now, t)
        elif kind == TICK:
            self._apply(self.policy.step(eng, now), t, now)
        elif kind == SAMPLE:
            self._sample(t)
        elif kind == BACK:
            self.back.pop(key, None)
            self._dispatch(now, t)

    # ------------------------------------------------------------------ visitors
    def _arrivals(self, day: object) -> None:
        rng = self.rng
        for ld in self.sc.loads:
            for a, b, rate in ld.segments:
                if rate <= 0:
                    continue
                t = a
                while True:
                    t += rng.expovariate(rate)
                    if t >= b:
                        break
                    self._push(t, ARRIVE, ld.service)
            if ld.appointments:
                self._appointments(ld)

    def _appointments(self, ld: ServiceLoad) -> None:
        svc = self.sc.hall.service(ld.service)
        assert svc is not None
        spans = [
            ((a - self.midnight).total_seconds(), (b - self.midnight).total_seconds())
            for a, b in spans_for(self.sc.hall, svc, self.midnight.date())
        ]
        slots = [s for a, b in spans for s in _frange(a, b - SLOT_S / 2, SLOT_S)]
        if not slots:
            return
        items = []
        for j in range(ld.appointments):
            start = slots[j * len(slots) // ld.appointments]
            code = f"S{ld.service[:3].upper()}{j:04d}"
            items.append(
                {
                    "code": code,
                    "service": ld.service,
                    "name_masked": "*",
                    "phone_masked": "*",
                    "start": (self.midnight + timedelta(seconds=start)).isoformat(),
                    "end": (self.midnight + timedelta(seconds=start + SLOT_S)).isoformat(),
                }
            )
            if self.rng.random() >= self.sc.appointment_no_show:
                opens = next(a for a, b in spans if a <= start < b)
                self._push(max(opens, start - self.rng.uniform(0, 1200)), APPOINT, code, start)
        self.engine.import_appointments(items, self.midnight)

    def _draw(self) -> Draw:
        """Each arrival's own quantiles, drawn in arrival order (which no schedule changes), so two
        policies, or two tidal schedules, meet the same visitors with the same service times and the
        same no-shows: a schedule cannot win by reshuffling whose turn draws a long service."""
        return Draw(self.visitor_rng.random(), self.visitor_rng.random())

    def _walk_in(self, sid: str, t: float, now: datetime, draw: Draw) -> None:
        identity = None
        if self.engine.services[sid].identity_required:
            self.identities += 1
            identity = f"visitor-{self.identities}"
        try:
            _, ticket = self.engine.issue(sid, "sim", now, identity=identity)
        except Refusal:
            self.result.refused += 1
            return
        self._record(ticket, t, now, t, False, draw)

    def _check_in(self, code: str, slot: object, t: float, now: datetime, draw: Draw) -> None:
        try:
            _, ticket, _, late = self.engine.checkin(now, "sim", code=code)
        except Refusal:
            self.result.refused += 1
            return
        due = t if late else max(t, float(slot))  # type: ignore[arg-type]
        self._record(ticket, t, now, due, not late, draw)

    def _record(self, ticket: Ticket, t: float, now: datetime, due: float, appointment: bool, draw: Draw) -> None:
        eng, sid = self.engine, ticket.service
        ahead = eng.ahead_of(ticket, now)
        recent = self.recent[sid]
        v = Visit(
            ticket.number,
            sid,
            self.offset + t,
            self.offset + due,
            ahead,
            self._staffed_idle(sid, t),
            eng.announced_eta_s(sid, ahead, now),
            sum(recent) / len(recent) if recent else 0.0,
            appointment,
            demand_u=draw.demand_u,
        )
        self._baselines(v, ticket, t, now)
        v.no_show = not appointment and draw.no_show_u < self.loads[sid].no_show
        self.visits[f"{self.offset}:{ticket.number}"] = v
        self._dispatch(now, t)

    # ------------------------------------------------------------------ windows
    def _dispatch(self, now: datetime, t: float) -> None:
        eng = self.engine
        draining = self.policy.draining()
        for wid in self.order:
            w = eng.windows[wid]
            if w.status is not WindowStatus.IDLE or wid in draining or eng.next_for(wid, now) is None:
                continue
            if self._away(wid, t):
                continue
            _, ticket = eng.window_action(wid, "next", now)
            assert ticket is not None
            v = self.visits[f"{self.offset}:{ticket.number}"]
            v.called_s = self.offset + t
            if v.no_show:
                self._push(t + self.sc.no_show_wait_s, NOSHOW, wid)
            else:
                self.recent[ticket.service].append(max(0.0, v.called_s - v.due_s))
                service_s = service_time(self.loads[ticket.service], v.demand_u)
                self._push(t + service_s * self.staff.pace_of(wid), DONE, wid)

    def _apply(self, decisions: list[Decision], t: float, now: datetime) -> None:
        eng = self.engine
        for d in decisions:
            if d.action not in (Action.OPEN, Action.CLOSE, Action.MOVE):
                self.result.decisions.append(d)
                continue
            try:
                d.apply(eng, now)
            except Refusal:
                continue
            self.result.decisions.append(d)
            wid = d.window or ""
            self.generation[wid] = self.generation.get(wid, 0) + 1
            if d.action in (Action.OPEN, Action.MOVE):  # a moved window's staff switch systems too
                eng.window_action(wid, "pause", now, reason="staff on the way")
                self._push(t + self.sc.setup_s, READY, wid, self.generation[wid])
        self._dispatch(now, t)

    # ------------------------------------------------------------------ staff (issue 13)
    def _away(self, wid: str, t: float) -> bool:
        """Whether the clerk of `wid` is away at `t`; schedules the dispatch at their return."""
        back = self.staff.away_until(wid, t)
        if back is None:
            return False
        if back != float("inf") and wid not in self.back:
            self.back[wid] = back
            self._push(back, BACK, wid)
        return True

    def _staffed_idle(self, sid: str, t: float) -> int:
        """Idle windows serving `sid` whose clerk is there (the engine counts every open idle window)."""
        return sum(
            1
            for w in self.engine.windows.values()
            if sid in w.services and w.status is WindowStatus.IDLE and self.staff.away_until(w.id, t) is None
        )

    def _baselines(self, v: Visit, ticket: Ticket, t: float, now: datetime) -> None:
        """What the other predictors would have announced, and the staff model's true expected wait."""
        eng, sid = self.engine, ticket.service
        v.prior_s = eng.eta_s(sid, v.ahead)
        v.les_s = self.recent[sid][-1] if self.recent[sid] else 0.0
        v.hol_s = eng.oldest_wait_s(sid, now)
        windows = [w.id for w in eng.windows.values() if sid in w.services and w.open]
        if all(len(eng.windows[w].services) == 1 for w in windows):
            v.ideal_s = self.staff.ideal_wait_s(v.ahead, t, windows, self.loads[sid].mean_s)

    def _sample(self, t: float) -> None:
        eng = self.engine
        in_hours = any(a <= t < b for a, b in self.spans)
        staffed = sum(1 for w in eng.windows.values() if w.status is WindowStatus.SERVING or (w.services and in_hours))
        self.result.window_hours += staffed * SAMPLE_S / 3600
        self.result.samples.append(
            Sample(
                self.offset + t,
                {s: len(q) for s, q in eng.waiting.items()},
                sum(1 for w in eng.windows.values() if w.tidal),
            )
        )
        if self.progress:
            first, span = self.spans[0][0], self.close_s - self.spans[0][0]
            self.progress(min(1.0, (self.offset / 86400 + max(0.0, t - first) / span) / self.sc.days))


class Draw(NamedTuple):
    """What one visitor brings, as quantiles: how long their case takes, and whether they leave."""

    demand_u: float
    no_show_u: float


def service_time(ld: ServiceLoad, u: float) -> float:
    """The service time at quantile `u` of the service's distribution (inverse transform)."""
    u = min(max(u, 1e-12), 1 - 1e-12)
    if ld.dist is Dist.EXPONENTIAL:
        return -ld.mean_s * math.log1p(-u)
    mu, sigma = lognormal_params(ld.mean_s, ld.cv)
    return math.exp(mu + sigma * _STANDARD_NORMAL.inv_cdf(u))


_STANDARD_NORMAL = NormalDist()


def _frange(a: float, b: float, step: float) -> list[float]:
    out = []
    while a < b:
        out.append(a)
        a += step
    return out
