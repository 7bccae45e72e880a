"""The clairvoyant reference: the best tidal schedule found for one seed's day, played in the real
simulator under the hall's limits (issue 13).

A schedule is a list of `Stint`s: pool window `window` serves `services` (by priority) from
`start_s` until `end_s` (seconds after midnight); a stint that starts on the same window the
instant the previous one ends is a **move** (one switch). `StintPlayer` plays a schedule in the
simulator, keeping the hall's limits itself whatever the schedule says:

- a window stays open `min_open_s` (a closing or move waits for it);
- openings, closings and moves, hall-wide, at most `max_switches_per_hour` in the trailing hour
  (a switch that has no room waits for it); a window busy with a visitor at its closing drains
  (calls nobody new) and closes once idle, as every policy's windows do;
- an opening or move costs `setup_s` of staffing (the simulator's, as for every policy);
- as for tideq and the threshold rules, a closing while the hall does not take tickets (lunch,
  evening) needs no room in the budget and no minimum (it counts for later switches).

`search` is a simulation-in-the-loop local search: it starts from the schedules the compared
policies actually ran (`stints_of` reads them from a run's decisions; played again they give the
same day, so the reference is never worse than a policy it started from), and optionally the
MILP's (`bound.py`), and moves openings and closings, changes a window's first service, adds
stints where the day's longest waits are and removes stints, keeping a change when the played
day is better: lower p90 within the window-hour budget (then lower mean). The objective is the
simulator itself with the seed's visitors (arrivals, service demands and no-shows, the same for
every schedule: `core.Draw`), so every schedule it reports is achievable: an upper bound on the
best possible p90, not a proof of optimality.

What the reference knows is a choice (`blind`). By default it plans on the day itself: every
visitor's arrival, service demand and no-show. With `blind` draws it knows **the arrivals only**,
as issue 13 states the bound: each schedule is judged by its mean figures over those other draws
of the visitors' demands and no-shows for the same arrivals (a sample-average plan), the search's
hot spots come from those days too, and the schedule chosen is then played once on the real day,
whose figures it never saw.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tideq.config.schema import HallConfig
from tideq.controller.engine import Engine
from tideq.controller.hours import spans_for
from tideq.controller.tidal import Action, Decision

from .core import Result, Simulation
from .scenarios import Scenario


@dataclass(frozen=True, order=True)
class Stint:
    """Pool window `window` open for `services` (by priority) from `start_s` to `end_s`."""

    start_s: float
    window: str
    end_s: float
    services: tuple[str, ...]


Schedule = tuple[Stint, ...]


def _midnight(sc: Scenario) -> datetime:
    return datetime.combine(sc.day, datetime.min.time(), Engine(sc.hall).tz)


def _spans(sc: Scenario) -> list[tuple[float, float]]:
    m = _midnight(sc)
    return [((a - m).total_seconds(), (b - m).total_seconds()) for a, b in spans_for(sc.hall, None, sc.day)]


def _default_order(cfg: HallConfig, wid: str, sid: str) -> tuple[str, ...]:
    return (sid, *[s for s in cfg.pool_services(wid) if s != sid])


def stints_of(sc: Scenario, result: Result) -> Schedule:
    """The schedule a policy ran, read from its applied decisions. A closing (or move) that waited
    for a last visitor ends where the drain began, as the player drains from the end."""
    m = _midnight(sc)
    cur: dict[str, tuple[float, tuple[str, ...]]] = {}
    drain: dict[str, float] = {}
    out: list[Stint] = []
    for d in result.decisions:
        wid = d.window or ""
        t = (d.at - m).total_seconds()
        if d.action is Action.DRAIN:
            if wid in cur:
                drain[wid] = t
            continue
        if d.action not in (Action.OPEN, Action.CLOSE, Action.MOVE):
            continue
        if d.action in (Action.CLOSE, Action.MOVE) and wid in cur:
            start, services = cur.pop(wid)
            end = drain.pop(wid, t)
            out.append(Stint(start, wid, end, services))
            t = end if d.action is Action.MOVE else t
        if d.action in (Action.OPEN, Action.MOVE):
            drain.pop(wid, None)
            cur[wid] = (t, tuple(d.services) or _default_order(sc.hall, wid, d.service or ""))
    end_of_day = _spans(sc)[-1][1] + 4 * 3600
    out += [Stint(start, wid, end_of_day, services) for wid, (start, services) in cur.items()]
    return tuple(sorted(out))


class StintPlayer:
    """Plays a schedule in the simulator within the hall's limits (see module doc)."""

    name = "reference"

    def __init__(self, sc: Scenario, stints: Sequence[Stint]) -> None:
        t = sc.hall.tidal
        self.min_open_s = float(t.min_open_s)
        self.max_switches = t.max_switches_per_hour
        self.spans = _spans(sc)
        self._queue: dict[str, list[Stint]] = {}
        for s in sorted(stints):
            self._queue.setdefault(s.window, []).append(s)
        self._current: dict[str, Stint] = {}
        self._draining: set[str] = set()

    def _in_hours(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.spans)

    def step(self, engine: Engine, now: datetime) -> list[Decision]:
        t = (now - datetime.combine(now.date(), datetime.min.time(), now.tzinfo)).total_seconds()
        hour = timedelta(hours=1)
        used = sum(1 for s in engine.tidal_log if now - s.at < hour and not (s.move and not s.opened))
        out: list[Decision] = []
        due = []
        for wid, queue in self._queue.items():
            cur = self._current.get(wid)
            if cur is not None and t >= cur.end_s:
                due.append((cur.end_s, wid))
            elif cur is None and queue and t >= queue[0].start_s:
                due.append((queue[0].start_s, wid))
        for _, wid in sorted(due):  # the earliest due first: it gets the budget
            w = engine.windows[wid]
            queue = self._queue[wid]
            cur = self._current.get(wid)
            if cur is not None:
                nxt = queue[0] if queue and queue[0].start_s <= cur.end_s else None
                if w.ticket:
                    self._draining.add(wid)
                    continue
                exempt = nxt is None and not self._in_hours(t)
                opened_s = (now - (w.tidal_since or now)).total_seconds()
                if not exempt and (used >= self.max_switches or opened_s < self.min_open_s):
                    self._draining.discard(wid)  # no room yet: keep serving meanwhile
                    continue
                self._draining.discard(wid)
                if nxt is not None:
                    queue.pop(0)
                    self._current[wid] = nxt
                    out.append(_decision(Action.MOVE, now, wid, nxt.services))
                else:
                    del self._current[wid]
                    out.append(_decision(Action.CLOSE, now, wid, ()))
                used += 1
            else:
                if w.tidal or w.ticket or used >= self.max_switches:
                    continue
                self._current[wid] = queue.pop(0)
                out.append(_decision(Action.OPEN, now, wid, self._current[wid].services))
                used += 1
        return out

    def draining(self) -> set[str]:
        return set(self._draining)


def _decision(action: Action, now: datetime, wid: str, services: tuple[str, ...]) -> Decision:
    why = {"zh": "预知排程", "en": "clairvoyant schedule"}
    sid = services[0] if services else None
    return Decision(action, now, sid, wid, why, {"schedule": True}, services=services)


def play(sc: Scenario, seed: int, stints: Sequence[Stint], draws: int | None = None) -> Result:
    return Simulation(sc, StintPlayer(sc, stints), seed, draws=draws).run()


# ---------------------------------------------------------------------- the search


@dataclass
class Point:
    """A schedule as played: its figures on the real day (stats.summary), the figures the search
    judged it by (the same, or the mean over the blind draws), and where it came from."""

    schedule: Schedule
    summary: dict[str, Any]
    origin: str
    objective: dict[str, Any]


@dataclass
class Reference:
    """Every schedule played for one seed; `best(max_wh)` is the reference at a window-hour budget."""

    points: list[Point] = field(default_factory=list)
    evals: int = 0
    search_s: float = 0.0
    blind: tuple[int, ...] = ()  # the other draws a blind reference plans on (empty: the day itself)
    runs: dict[Schedule, list[Result]] = field(default_factory=dict, repr=False)  # the days planned on

    def best(self, max_window_hours: float) -> Point | None:
        """The best schedule by what the search knew (`objective`), within the budget."""
        within = [p for p in self.points if p.objective["window_hours"] <= max_window_hours + 1e-9]
        return min(within, key=_quality) if within else None

    def at(self, max_window_hours: float) -> Point:
        """`best`, or when no schedule was planned within the budget (a blind reference's plans of a
        policy's own schedule can run a few drains over that policy's day), the leanest planned."""
        return self.best(max_window_hours) or min(self.points, key=lambda p: p.objective["window_hours"])


def _quality(p: Point) -> tuple[float, float]:
    return (p.objective["p90_wait_s"], p.objective["mean_wait_s"])


def _key(s: dict[str, Any], budget: float) -> tuple[float, ...]:
    over = s["window_hours"] - budget
    return (1.0, over, 0.0) if over > 1e-9 else (0.0, s["p90_wait_s"], s["mean_wait_s"])


class _Space:
    """What a feasible schedule may do in this hall: the limits and the windows' allowed services."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        t = sc.hall.tidal
        self.min_open_s = float(t.min_open_s)
        self.max_switches = t.max_switches_per_hour
        self.spans = _spans(sc)
        self.open_s, self.close_s = self.spans[0][0], self.spans[-1][1]
        self.pool = [w.id for w in sc.hall.windows if w.tidal_pool]
        self.allowed = {w: sc.hall.pool_services(w) for w in self.pool}

    def in_hours(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.spans)

    def feasible(self, sched: Schedule) -> bool:
        return self.violations(sched) == 0

    def violations(self, sched: Schedule) -> int:
        """How many of the hall's limits the schedule breaks as written (a window's stints overlap,
        a service it may not serve or an opening outside hours: many). A schedule read from a
        policy's run may break a few as written (a drain ends its stint before the real closing);
        the player keeps the limits anyway, so the search only refuses a change that breaks more."""
        bad = 1000
        by: dict[str, list[Stint]] = {}
        for s in sched:
            if s.window not in self.allowed or not s.services or s.services[0] not in self.allowed[s.window]:
                return bad
            if not (self.open_s <= s.start_s < self.close_s):
                return bad
            by.setdefault(s.window, []).append(s)
        n = 0
        events: list[tuple[float, bool]] = []  # (time, exempt)
        for stints in by.values():
            stints.sort()
            for i, s in enumerate(stints):
                nxt = stints[i + 1] if i + 1 < len(stints) else None
                if nxt is not None and nxt.start_s < s.end_s:
                    return bad
                move_next = nxt is not None and nxt.start_s == s.end_s
                exempt = not move_next and not self.in_hours(s.end_s)
                if s.end_s - s.start_s < self.min_open_s and not exempt:
                    n += 1
                prev_move = i > 0 and stints[i - 1].end_s == s.start_s
                if not prev_move:
                    events.append((s.start_s, False))
                if s.end_s < self.close_s + 3 * 3600:
                    events.append((s.end_s, exempt))
        events.sort()
        times = [e[0] for e in events]
        for t, exempt in events:
            if exempt:
                continue
            if sum(1 for x in times if t - 3600 < x <= t) > self.max_switches:
                n += 1
        return n


def _round(t: float, q: float = 60.0) -> float:
    return round(t / q) * q


def _neighbour(
    sched: Schedule, space: _Space, rng: random.Random, hot: list[tuple[float, str]], budget_left: float
) -> Schedule:
    """One random change of the schedule (it may be infeasible; the caller checks)."""
    stints = list(sched)
    kinds = ["shift_start", "shift_end", "shift", "service", "add", "remove", "extend_cut"]
    weights = [3, 3, 3, 1, 2 if budget_left > 0 else 1, 1, 2]
    kind = rng.choices(kinds, weights)[0]
    delta = rng.choice([-1200, -600, -300, -120, 120, 300, 600, 1200])
    if kind == "add" or not stints:
        if not hot:
            return sched
        due, sid = rng.choice(hot)
        start = _round(max(space.open_s, due - rng.uniform(0, 1800)), 300)
        length = space.min_open_s + rng.choice([0, 600, 1200, 2400])
        cands = [w for w in space.pool if sid in space.allowed[w]]
        if not cands:
            return sched
        wid = rng.choice(cands)
        rest = [s for s in space.allowed[wid] if s != sid]
        return tuple(sorted([*stints, Stint(start, wid, start + length, (sid, *rest))]))
    i = rng.randrange(len(stints))
    s = stints[i]
    if kind == "shift_start":
        stints[i] = replace(s, start_s=s.start_s + delta)
    elif kind == "shift_end":
        stints[i] = replace(s, end_s=s.end_s + delta)
    elif kind == "shift":
        stints[i] = replace(s, start_s=s.start_s + delta, end_s=s.end_s + delta)
    elif kind == "service":
        sid = rng.choice(space.allowed[s.window])
        if hot and rng.random() < 0.5:
            sid = rng.choice([h[1] for h in hot if h[1] in space.allowed[s.window]] or [sid])
        rest = [x for x in s.services if x != sid] or [x for x in space.allowed[s.window] if x != sid]
        stints[i] = replace(s, services=(sid, *rest))
    elif kind == "remove":
        del stints[i]
    elif kind == "extend_cut":  # trade window time: one stint longer, another shorter
        stints[i] = replace(s, end_s=s.end_s + abs(delta))
        j = rng.randrange(len(stints))
        o = stints[j]
        if j != i:
            stints[j] = replace(o, end_s=o.end_s - abs(delta))
    return tuple(sorted(stints))


def _hot(results: Sequence[Result], start_s: float, close_s: float, n: int = 40) -> list[tuple[float, str]]:
    """(due time, service) of the longest waits of the days planned on: where another window would help."""
    visits = [v for r in results for v in r.visits if v.wait_s is not None and v.wait_s > 0]
    visits.sort(key=lambda v: -(v.wait_s or 0.0))
    return [(min(close_s - 600, max(start_s, v.due_s)), v.service) for v in visits[:n]]


def search(
    sc: Scenario,
    seed: int,
    starts: dict[str, tuple[Schedule, Result | None]],
    budget_wh: float,
    evals: int = 120,
    ref: Reference | None = None,
    rng_seed: int = 0,
    progress: Callable[[int, Point], None] | None = None,
    blind: Sequence[int] = (),
) -> Reference:
    """Improve the best of `starts` (name -> (schedule, its run or None to play it)) for p90 within
    `budget_wh` window-hours by `evals` simulator runs of neighbouring schedules (each played on
    every `blind` draw too, if any: module doc). Every schedule played is kept in the returned
    `Reference` (so `best(h)` answers any budget); a `ref` passed in keeps its own `blind`."""
    from . import stats  # stats imports core; keep this module light to import

    t0 = time.perf_counter()
    ref = ref or Reference(blind=tuple(blind))
    space = _Space(sc)
    seen: dict[Schedule, Point] = {p.schedule: p for p in ref.points}
    runs = ref.runs

    def planned(sched: Schedule, real: Result | None = None) -> list[Result]:
        """The days the search judges `sched` on: the blind draws, or the real day."""
        if ref.blind:
            return [play(sc, seed, sched, k) for k in ref.blind]
        return [real or play(sc, seed, sched)]

    def evaluate(sched: Schedule, origin: str, result: Result | None = None) -> Point:
        if sched in seen and result is None:
            return seen[sched]
        r = result if result is not None else play(sc, seed, sched)
        if result is None:
            ref.evals += 1
        days = planned(sched, r)
        summary = stats.summary(r)
        objective = stats.mean_summary([stats.summary(d) for d in days]) if ref.blind else summary
        p = Point(sched, summary, origin, objective)
        seen[sched] = p
        runs[sched] = days
        ref.points.append(p)
        return p

    for name, (sched, result) in starts.items():
        evaluate(sched, name, result)
    if not ref.points:
        raise ValueError("no schedule to start from")
    current = min(ref.points, key=lambda p: _key(p.objective, budget_wh))
    rng = random.Random(rng_seed * 7919 + seed)
    for k in range(evals):
        allowed = space.violations(current.schedule)
        if current.schedule not in runs:
            runs[current.schedule] = planned(current.schedule)
        hot = _hot(runs[current.schedule], space.open_s, space.close_s)
        left = budget_wh - current.objective["window_hours"]
        cand = current.schedule
        for _ in range(50):
            cand = _neighbour(current.schedule, space, rng, hot, left)
            if rng.random() < 0.3:
                cand = _neighbour(cand, space, rng, hot, left)
            if cand not in seen and space.violations(cand) <= allowed:
                break
        else:
            continue
        p = evaluate(cand, "search")
        if _key(p.objective, budget_wh) < _key(current.objective, budget_wh):
            current = p
            if progress:
                progress(k, p)
        else:
            runs.pop(cand, None)  # keep only the days worth starting from (a day is ~1 MB)
    ref.search_s += time.perf_counter() - t0
    return ref


def ratio(p90_s: float, ref: Point | None) -> float:
    return p90_s / ref.summary["p90_wait_s"] if ref and ref.summary["p90_wait_s"] > 0 else math.nan
