"""The clairvoyant bound: the best tidal schedule for a day whose arrivals are known in advance.

A mixed-integer program over time slots (5 minutes by default) decides how many pool windows
are open in each slot and how their time, and that of the hall's shared regular windows, is split
between services, under the hall's own limits:

- a pool window opened stays open at least `min_open_s` (aggregated minimum-up constraint: the
  windows open in a slot are at least those opened in the last `min_open_s`);
- openings plus closings, hall-wide, at most `max_switches_per_hour` in every hour (every run of
  3600 s of slots);
- a window opened in a slot loses `setup_s` of it (staff walk over and log in);
- pool-window hours while the hall is open at most `pool_hours` (the window-hour budget).

Queues are a fluid: per service and slot, `queue = queue before + arrivals - served`, served at
most the window time given to the service divided by its mean service time (a no-show costs the
window `no_show_wait_s`). The objective is the visitor-seconds of queue (the fluid's total wait)
plus the same again for the queue beyond what the service's regular windows clear in
`target_wait_s` (waits past the target count double: this pulls the schedule toward the tail,
p90, and not only the mean). A pool window serves the services its `pool_services` allow.

The schedule is then played in the real simulator (`SchedulePolicy`), with the same seed and so
the same arrivals, so its figures compare like with like with every other policy. Moves are not
used (an opening and a closing are two switches; a pool window serves every allowed service
anyway). Solved with HiGHS (`highspy`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import highspy

from tideq.controller.engine import Engine
from tideq.controller.hours import spans_for
from tideq.controller.tidal import Action, Decision

from .core import APPOINT, ARRIVE, Simulation
from .policies import StaticPolicy
from .scenarios import Scenario

SLOT_S = 300.0
TAIL_S = 1800.0  # slots modelled after the hall closes: the queue left is still served (and waits)
TARGET_WAIT_S = 300.0
EFFICIENCY = 0.9  # the fluid serves at this share of the windows' rate: random arrivals and service
# times queue before a window is fully loaded, and a fluid at full rate would see no wait there


@dataclass(frozen=True)
class Opening:
    """One pool window's opening in the schedule: when, for which services (by priority), until when."""

    group: int
    open_s: float  # seconds after midnight
    services: tuple[str, ...]


@dataclass(frozen=True)
class Closing:
    group: int
    close_s: float


@dataclass
class Bound:
    """The solved schedule and its figures (fluid objective, solve time, what the MILP chose)."""

    slot_s: float
    start_s: float
    groups: list[list[str]]  # pool windows per group (same allowed services)
    allowed: list[list[str]]
    open_count: list[list[int]]  # per group, per slot
    openings: list[Opening] = field(default_factory=list)
    closings: list[Closing] = field(default_factory=list)
    objective: float = 0.0
    fluid_wait_s: float = 0.0  # visitor-seconds of the fluid queue
    solve_s: float = 0.0
    status: str = ""
    gap: float = 0.0  # relative MIP gap HiGHS proved (0 when optimal; a time limit leaves a gap)
    pool_hours: float = 0.0
    switches: int = 0


def day_arrivals(sc: Scenario, seed: int) -> list[tuple[float, str]]:
    """(due time in seconds after midnight, service) of every visitor the simulator's seed `seed`
    brings on the scenario's first day: walk-ins at their arrival, appointment holders at
    max(check-in, slot start). The same generator and draws as `Simulation.run`."""
    sim = Simulation(sc, StaticPolicy(), seed)
    day = sc.day
    sim.midnight = datetime.combine(day, datetime.min.time(), sim.tz)
    sim.engine.roll_day(sim.midnight)
    sim._arrivals(day)
    out = []
    for t, _, kind, key, data in sim.heap:
        if kind == ARRIVE:
            out.append((t, key))
        elif kind == APPOINT:
            out.append((max(t, float(data)), sim.engine.appointments[key].service))  # type: ignore[arg-type]
    return sorted(out)


class _Model:
    """Columns and rows for HiGHS, built by name-free indices."""

    def __init__(self) -> None:
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.n = 0
        self.integers: list[int] = []

    def var(self, lb: float = 0.0, ub: float = math.inf, cost: float = 0.0, integer: bool = False) -> int:
        self.h.addCol(cost, lb, ub, 0, [], [])
        if integer:
            self.integers.append(self.n)
        self.n += 1
        return self.n - 1

    def row(self, terms: dict[int, float], lb: float = -math.inf, ub: float = math.inf) -> None:
        idx = list(terms)
        self.h.addRow(lb, ub, len(idx), idx, [terms[i] for i in idx])

    def solve(self, time_limit_s: float, gap: float) -> tuple[list[float], str, float, float]:
        for j in self.integers:
            self.h.changeColIntegrality(j, highspy.HighsVarType.kInteger)
        self.h.setOptionValue("time_limit", time_limit_s)
        self.h.setOptionValue("mip_rel_gap", gap)
        self.h.setOptionValue("threads", 1)
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        info = self.h.getInfo()
        return list(self.h.getSolution().col_value), status, float(info.objective_function_value), float(info.mip_gap)


def solve(
    sc: Scenario,
    seed: int,
    pool_hours: float | None = None,
    slot_s: float = SLOT_S,
    time_limit_s: float = 20.0,
    gap: float = 0.02,
    target_wait_s: float = TARGET_WAIT_S,
    efficiency: float = EFFICIENCY,
) -> Bound:
    """The clairvoyant schedule of seed `seed`'s day (see module doc); `pool_hours` caps the
    pool-window hours while the hall is open (None: no cap beyond the pool's size)."""
    t0 = time.perf_counter()
    cfg, tidal = sc.hall, sc.hall.tidal
    midnight = datetime.combine(sc.day, datetime.min.time(), Engine(cfg).tz)
    spans = [((a - midnight).total_seconds(), (b - midnight).total_seconds()) for a, b in spans_for(cfg, None, sc.day)]
    start, close = spans[0][0], spans[-1][1]
    slots = math.ceil((close + TAIL_S - start) / slot_s)
    in_hours = [any(a <= start + (t + 0.5) * slot_s < b for a, b in spans) for t in range(slots)]
    sids = [s.id for s in cfg.services]
    loads = {ld.service: ld for ld in sc.loads}
    work = {  # window-seconds one arrival costs: its service, or the wait before a no-show is skipped
        s: (1 - loads[s].no_show) * loads[s].mean_s + loads[s].no_show * sc.no_show_wait_s for s in sids
    }
    arrivals = [[0.0] * slots for _ in sids]
    for due, sid in day_arrivals(sc, seed):
        t = min(slots - 1, max(0, int((due - start) // slot_s)))
        arrivals[sids.index(sid)][t] += 1
    # regular windows: single-service ones are fixed capacity; shared ones split their time
    fixed: defaultdict[str, float] = defaultdict(float)
    shared = []
    for w in cfg.windows:
        if w.tidal_pool or not w.services:
            continue
        if len(w.services) == 1:
            fixed[w.services[0]] += 1
        else:
            shared.append(list(w.services))
    groups: dict[tuple[str, ...], list[str]] = {}
    for w in cfg.windows:
        if w.tidal_pool:
            groups.setdefault(tuple(cfg.pool_services(w.id)), []).append(w.id)
    allowed = [list(k) for k in groups]
    members = list(groups.values())

    m = _Model()
    k_min = max(1, math.ceil(tidal.min_open_s / slot_s))
    per_hour = max(1, round(3600 / slot_s))
    setup = min(1.0, sc.setup_s / slot_s)
    n = [[m.var(0, len(g), 1e-3, integer=True) for _ in range(slots)] for g in members]
    up = [[m.var(0, len(g), 1e-3, integer=True) for _ in range(slots)] for g in members]
    down = [[m.var(0, len(g), 1e-3, integer=True) for _ in range(slots)] for g in members]
    for gi in range(len(members)):
        for t in range(slots):
            terms = {n[gi][t]: 1.0, up[gi][t]: -1.0, down[gi][t]: 1.0}
            if t:
                terms[n[gi][t - 1]] = -1.0
            m.row(terms, 0.0, 0.0)
            if start + t * slot_s >= close:
                m.row({up[gi][t]: 1.0}, ub=0.0)  # nobody opens a window after the hall closes
            recent = {up[gi][tau]: -1.0 for tau in range(max(0, t - k_min + 1), t + 1)}
            m.row({n[gi][t]: 1.0, **recent}, 0.0)  # opened in the last min_open_s: still open
    for t in range(slots):
        terms = {}
        for gi in range(len(members)):
            for tau in range(t, min(slots, t + per_hour)):
                terms[up[gi][tau]] = 1.0
                terms[down[gi][tau]] = 1.0
        m.row(terms, ub=tidal.max_switches_per_hour)
    if pool_hours is not None:
        m.row(
            {n[gi][t]: slot_s / 3600 for gi in range(len(members)) for t in range(slots) if in_hours[t]}, ub=pool_hours
        )
    # capacity given to each service (in windows, for the slot)
    give: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)  # (service index, slot) -> terms
    alloc: list[list[dict[int, int]]] = []
    for gi, names in enumerate(allowed):
        per_slot = []
        for t in range(slots):
            cols = {sids.index(s): m.var() for s in names}
            m.row({**dict.fromkeys(cols.values(), 1.0), n[gi][t]: -1.0, up[gi][t]: setup}, ub=0.0)
            for si, c in cols.items():
                give[(si, t)][c] = 1.0
            per_slot.append(cols)
        alloc.append(per_slot)
    for names in shared:
        for t in range(slots):
            cols = {sids.index(s): m.var() for s in names}
            m.row(dict.fromkeys(cols.values(), 1.0), ub=1.0)
            for si, c in cols.items():
                give[(si, t)][c] = 1.0
    queue_terms: list[list[int]] = []
    for si, sid in enumerate(sids):
        rate = efficiency * slot_s / work[sid]  # people one window serves in a slot
        target = max(1.0, fixed[sid]) * target_wait_s / work[sid]  # queue its own windows clear in target
        qs: list[int] = []
        for t in range(slots):
            q = m.var(cost=slot_s)
            excess = m.var(cost=slot_s)
            served = m.var()
            m.row({excess: 1.0, q: -1.0}, lb=-target)
            # served <= (fixed + given) * rate
            m.row({served: 1.0, **dict.fromkeys(give[si, t], -rate)}, ub=fixed[sid] * rate)
            terms = {q: 1.0, served: 1.0}
            if t:
                terms[qs[-1]] = -1.0
            m.row(terms, arrivals[si][t], arrivals[si][t])
            qs.append(q)
        queue_terms.append(qs)
    values, status, objective, mip_gap = m.solve(time_limit_s, gap)
    counts = [[round(values[n[gi][t]]) for t in range(slots)] for gi in range(len(members))]
    b = Bound(slot_s, start, members, allowed, counts, objective=objective, status=status, gap=mip_gap)
    b.fluid_wait_s = sum(values[q] for qs in queue_terms for q in qs) * slot_s
    b.pool_hours = sum(c * slot_s / 3600 for gi in range(len(members)) for t, c in enumerate(counts[gi]) if in_hours[t])
    _schedule(b, values, up, down, alloc, sids, k_min)
    b.solve_s = time.perf_counter() - t0
    return b


def _schedule(
    b: Bound,
    values: list[float],
    up: list[list[int]],
    down: list[list[int]],
    alloc: list[list[dict[int, int]]],
    sids: list[str],
    k_min: int,
) -> None:
    """Openings (with each window's services by priority) and closings from the MILP's solution.
    A window opened serves first the service that the schedule gives the most pool time over its
    first `min_open_s`, less what the windows already open for it cover."""
    for gi, slots in enumerate(alloc):
        primaries: list[str] = []  # of the windows open, oldest first
        for t in range(len(slots)):
            for _ in range(round(values[down[gi][t]])):
                b.closings.append(Closing(gi, b.start_s + t * b.slot_s))
                if primaries:
                    primaries.pop(0)
                b.switches += 1
            for _ in range(round(values[up[gi][t]])):
                need: dict[str, float] = {}
                for si in slots[t]:
                    window = range(t, min(len(slots), t + k_min))
                    need[sids[si]] = sum(values[alloc[gi][tau][si]] for tau in window)
                for p in primaries:
                    need[p] = need.get(p, 0.0) - k_min
                order = sorted(need, key=lambda s: (-need[s], b.allowed[gi].index(s)))
                primaries.append(order[0])
                b.openings.append(Opening(gi, b.start_s + t * b.slot_s, tuple(order)))
                b.switches += 1


class SchedulePolicy:
    """Plays a `Bound`'s schedule in the simulator: at each opening time opens a free pool window
    of its group for the opening's services; at each closing time closes the group's window open
    longest (once idle: a busy one drains). Never passes the hall's `max_switches_per_hour` in
    the trailing hour, nor closes a window open less than `min_open_s` (a switch delayed by a
    last visitor waits for the budget)."""

    name = "bound"

    def __init__(self, bound: Bound, min_open_s: float, max_switches_per_hour: int) -> None:
        self.bound = bound
        self.min_open_s = min_open_s
        self.max_switches = max_switches_per_hour
        self._openings = sorted(bound.openings, key=lambda o: o.open_s)
        self._closings = sorted(bound.closings, key=lambda c: c.close_s)
        self._draining: set[str] = set()

    def step(self, engine: Engine, now: datetime) -> list[Decision]:
        t = (now - datetime.combine(now.date(), datetime.min.time(), now.tzinfo)).total_seconds()
        out: list[Decision] = []
        used = self._switches(engine, now)
        for wid in list(self._draining):
            w = engine.windows[wid]
            if not w.tidal:
                self._draining.discard(wid)
            elif not w.ticket and used < self.max_switches:
                out.append(_decision(Action.CLOSE, now, w.tidal_service, wid, ()))
                self._draining.discard(wid)
                used += 1
        while self._closings and self._closings[0].close_s <= t and used < self.max_switches:
            c = self._closings[0]
            oldest = self._oldest_open(engine, c.group, now)
            if oldest is None:
                break
            self._closings.pop(0)
            if engine.windows[oldest].ticket:
                self._draining.add(oldest)
                continue
            out.append(_decision(Action.CLOSE, now, engine.windows[oldest].tidal_service, oldest, ()))
            used += 1
        while self._openings and self._openings[0].open_s <= t and used < self.max_switches:
            o = self._openings[0]
            claimed = {d.window for d in out}
            free = next(
                (
                    w
                    for w in self.bound.groups[o.group]
                    if not engine.windows[w].tidal and not engine.windows[w].ticket and w not in claimed
                ),
                None,
            )
            if free is None:
                break
            self._openings.pop(0)
            out.append(_decision(Action.OPEN, now, o.services[0], free, o.services))
            used += 1
        return out

    def _oldest_open(self, engine: Engine, group: int, now: datetime) -> str | None:
        ready = [
            engine.windows[w]
            for w in self.bound.groups[group]
            if engine.windows[w].tidal
            and w not in self._draining
            and (now - (engine.windows[w].tidal_since or now)).total_seconds() >= self.min_open_s
        ]
        ready.sort(key=lambda w: w.tidal_since or now)
        return ready[0].id if ready else None

    @staticmethod
    def _switches(engine: Engine, now: datetime) -> int:
        hour = timedelta(hours=1)
        return sum(1 for s in engine.tidal_log if now - s.at < hour and not (s.move and not s.opened))

    def draining(self) -> set[str]:
        return set(self._draining)


def _decision(action: Action, now: datetime, sid: str | None, wid: str, services: tuple[str, ...]) -> Decision:
    why = {"zh": "预知排程", "en": "clairvoyant schedule"}
    inputs: dict[str, Any] = {"schedule": True}
    return Decision(action, now, sid, wid, why, inputs, services=services)


@dataclass
class Best:
    """The best of the clairvoyant schedules tried, as played in the simulator."""

    bound: Bound
    summary: dict[str, Any]
    tried: list[tuple[float, float, dict[str, Any]]]  # (efficiency, pool_hours, simulated summary)
    solve_s: float  # all the solves together


def clairvoyant(
    sc: Scenario,
    seed: int,
    max_window_hours: float,
    efficiencies: tuple[float, ...] = (0.85, 0.9),
    stretch: tuple[float, ...] = (1.0, 1.3),
    time_limit_s: float = 20.0,
) -> Best:
    """The best clairvoyant schedule of seed `seed` played in the simulator within
    `max_window_hours` (as the simulator counts them): the MILP solved for each fluid efficiency
    and each pool-hour budget (`stretch` times the hours left over static staffing; played windows
    also serve through lunch and after closing, so the MILP's hours and the simulator's differ),
    each schedule simulated with the same seed, the lowest p90 within the hours kept (the lowest
    window-hours if none fits)."""
    from . import stats  # here: stats imports core, and bench users import bound alone

    static = stats.summary(Simulation(sc, StaticPolicy(), seed).run())
    spare = max(0.5, max_window_hours - static["window_hours"])
    tried: list[tuple[float, float, dict[str, Any]]] = []
    best: tuple[tuple[bool, float], Bound, dict[str, Any]] | None = None
    solve_s = 0.0
    for eff in efficiencies:
        for k in stretch:
            b = solve(sc, seed, pool_hours=spare * k, efficiency=eff, time_limit_s=time_limit_s)
            solve_s += b.solve_s
            tidal = sc.hall.tidal
            s = stats.summary(
                Simulation(sc, SchedulePolicy(b, tidal.min_open_s, tidal.max_switches_per_hour), seed).run()
            )
            tried.append((eff, spare * k, s))
            key = (
                s["window_hours"] > max_window_hours,
                s["p90_wait_s"] if s["window_hours"] <= max_window_hours else s["window_hours"],
            )
            if best is None or key < best[0]:
                best = (key, b, s)
    assert best is not None
    return Best(best[1], best[2], tried, solve_s)
