"""The report's figures: one fold of the stored events, one definition of each figure.

Definitions (docs/reports.md says the same, for people):
- arrival: a `ticket_issued` event (walk-in, green channel or appointment check-in), counted in the
  hour of the hall's own zone in which it was issued;
- served: a ticket with a `finished` event, counted for the window that finished it and the
  service it had then;
- wait: first `called` minus the ticket's due time, for served tickets only. The due time is the
  issue time, or for an appointment checked in on time its slot start when that is later (the
  visitor came early by choice; the simulator counts it the same way). Counted for the service
  the ticket was issued for. A transferred ticket's second queue is not a second wait;
- p90: the linear-interpolated 90th percentile (tideq.sim.stats.percentile, numpy's default);
- over 30 minutes: served tickets whose wait exceeds 1800 s (strictly), count and share;
- skip: a `skipped` event; no-show: a ticket skipped and never finished that day;
- utilisation of a window: busy time / staffed time. Busy: from a `called` at the window to the
  `finished`, `skipped` or `transferred` that frees it. Staffed: the hall's opening hours for a
  window with services of its own, plus the time it was open as a tidal window, plus any busy
  time outside both, minus the time it was paused;
- ratings: 1..5 from `finished` (with a rating) and `rated` events; "not_rated" counts apart;
  satisfaction rate: ratings of 基本满意 (3) or better / all ratings (tideq.contract.vocab
  SATISFIED_AT_LEAST, as the console counts it);
- tidal: every `tidal_opened` and `tidal_closed` with its reason; a move is a closing and an
  opening at the same instant, marked moved_to / moved_from;
- green: `ticket_issued` with priority `green` (绿色通道), per service as issued, and by reason
  category; reprints: `reprinted` events (补打), per service of the ticket.

Staff: while a clerk is signed in at a window (`staff_signed_in`, docs/protocol.md), `finished`
and `rated` carry the clerk's 工号 in `staff`, and served and ratings are counted per 工号 as well
as per window; days or windows without a sign-in count per window only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tideq.config.schema import HallConfig
from tideq.contract.vocab import SATISFIED_AT_LEAST
from tideq.controller.events import Kind
from tideq.controller.hours import spans_for
from tideq.sim.stats import OVER_S, percentile

from .source import Row

Span = tuple[datetime, datetime]


@dataclass
class TicketFacts:
    day: date
    number: str
    service: str  # as issued: the queue whose wait it is
    issued_at: datetime
    due_at: datetime
    appointment: bool
    final_service: str = ""
    first_called_at: datetime | None = None
    finished_at: datetime | None = None
    window: str | None = None  # the window that finished it
    skips: int = 0

    @property
    def wait_s(self) -> float | None:
        if self.finished_at is None or self.first_called_at is None:
            return None
        return max(0.0, (self.first_called_at - self.due_at).total_seconds())


@dataclass
class WindowFacts:
    id: str
    served: int = 0
    skips: int = 0
    transfers: int = 0
    busy_s: float = 0.0
    staffed_s: float = 0.0
    paused_s: float = 0.0
    tidal_s: float = 0.0  # open as a tidal window
    ratings: list[int] = field(default_factory=list)

    @property
    def utilisation(self) -> float | None:
        return self.busy_s / self.staffed_s if self.staffed_s > 0 else None


@dataclass(frozen=True)
class TidalRow:
    at: datetime
    opened: bool
    window: str
    service: str
    reason: str
    by: str  # "policy" or "manual"/the console: who decided
    moved: str | None  # the other service of a move


@dataclass
class ServiceFigures:
    id: str
    arrivals: int = 0
    served: int = 0
    skips: int = 0
    no_shows: int = 0
    waits: list[float] = field(default_factory=list)
    green: int = 0  # green-channel tickets issued (绿色通道)
    reprints: int = 0  # tickets printed again (补打)
    green_reasons: dict[str, int] = field(default_factory=dict)  # reason category -> green tickets

    @property
    def mean_wait_s(self) -> float | None:
        return sum(self.waits) / len(self.waits) if self.waits else None

    @property
    def p90_wait_s(self) -> float | None:
        return percentile(self.waits, 90) if self.waits else None

    @property
    def over_30(self) -> int:
        return sum(w > OVER_S for w in self.waits)


@dataclass
class DayLine:
    day: date
    arrivals: int
    served: int
    no_shows: int
    mean_wait_s: float | None
    p90_wait_s: float | None
    rated: int
    satisfied: int


@dataclass
class Report:
    """The figures of hall days first..last, summed over the period (one day: that day)."""

    hall: str
    hall_name: str
    first: date
    last: date
    services: dict[str, ServiceFigures]
    windows: dict[str, WindowFacts]
    staff: dict[str, dict[str, int]]  # staff id -> {"served", "rated", "satisfied"}
    hourly: dict[int, dict[str, int]]  # local hour -> service -> arrivals
    ratings: dict[int, int]  # 1..5 -> count
    not_rated: int
    tidal: list[TidalRow]
    days: list[DayLine]
    events: int
    names: dict[str, str]  # service and window ids -> "中文 / English"

    @property
    def all_waits(self) -> list[float]:
        return [w for s in self.services.values() for w in s.waits]

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfied(self) -> int:
        return sum(n for r, n in self.ratings.items() if r >= SATISFIED_AT_LEAST)

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def total_arrivals(self) -> int:
        return sum(s.arrivals for s in self.services.values())

    @property
    def total_served(self) -> int:
        return sum(s.served for s in self.services.values())


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return " / ".join(str(value[k]) for k in ("zh", "en") if value.get(k))
    return "" if value is None else str(value)


def _merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif a < b:
            out.append((a, b))
    return out


def _length(spans: Iterable[Span]) -> float:
    return sum((b - a).total_seconds() for a, b in spans)


def _overlap(a: list[Span], b: list[Span]) -> float:
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            total += (hi - lo).total_seconds()
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


class _Day:
    """The fold of one hall day's events (they arrive in `seq` order)."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.tickets: dict[str, TicketFacts] = {}
        self.busy: dict[str, list[Span]] = defaultdict(list)
        self.paused: dict[str, list[Span]] = defaultdict(list)
        self.tidal: dict[str, list[Span]] = defaultdict(list)
        self.current: dict[str, datetime] = {}  # window -> call that made it busy
        self.pause_from: dict[str, datetime] = {}
        self.tidal_from: dict[str, datetime] = {}
        self.skips: dict[str, int] = defaultdict(int)
        self.transfers: dict[str, int] = defaultdict(int)
        self.ratings: list[tuple[str, str | None, int | str, str | None]] = []  # window, service, rating, staff
        self.staff_served: dict[str, int] = defaultdict(int)
        self.tidal_rows: list[TidalRow] = []
        self.last_at: datetime | None = None
        self.events = 0
        self.green: list[tuple[str, str]] = []  # service, reason category of each green ticket
        self.reprints: list[str] = []  # the service of each reprinted ticket

    def _free(self, wid: str, at: datetime) -> None:
        start = self.current.pop(wid, None)
        if start is not None:
            self.busy[wid].append((start, at))

    def fold(self, kind: str, at: datetime, d: dict[str, Any]) -> None:
        self.events += 1
        self.last_at = at if self.last_at is None else max(self.last_at, at)
        if kind == Kind.TICKET_ISSUED:
            slot = d.get("slot_start")
            due = max(at, datetime.fromisoformat(slot)) if slot else at
            n = d["number"]
            self.tickets[n] = TicketFacts(self.day, n, d["service"], at, due, bool(slot), d["service"])
            if d.get("priority") == "green":
                self.green.append((d["service"], str(d.get("green_reason") or "other")))
        elif kind == Kind.REPRINTED:
            t = self.tickets.get(d["ticket"])
            if t is not None:
                self.reprints.append(t.service)
        elif kind == Kind.CALLED:
            t, wid = self.tickets.get(d["ticket"]), d["window"]
            if t is not None and t.first_called_at is None:
                t.first_called_at = at
            self.current[wid] = at
        elif kind == Kind.FINISHED:
            t, wid = self.tickets.get(d["ticket"]), d["window"]
            self._free(wid, at)
            if t is not None:
                t.finished_at, t.window = at, wid
            if d.get("staff"):
                self.staff_served[d["staff"]] += 1
            if d.get("rating") is not None:
                self.ratings.append((wid, t.final_service if t else None, d["rating"], d.get("staff")))
        elif kind == Kind.SKIPPED:
            t, wid = self.tickets.get(d["ticket"]), d["window"]
            self._free(wid, at)
            self.skips[wid] += 1
            if t is not None:
                t.skips += 1
        elif kind == Kind.TRANSFERRED:
            t = self.tickets.get(d["ticket"])
            if d.get("window"):
                self._free(d["window"], at)
                self.transfers[d["window"]] += 1
            if t is not None:
                t.final_service = d["to_service"]
        elif kind == Kind.RATED:
            t = self.tickets.get(d["ticket"])
            self.ratings.append((d["window"], t.final_service if t else None, d["rating"], d.get("staff")))
        elif kind == Kind.WINDOW_PAUSED:
            self.pause_from.setdefault(d["window"], at)
        elif kind == Kind.WINDOW_RESUMED:
            start = self.pause_from.pop(d["window"], None)
            if start is not None:
                self.paused[d["window"]].append((start, at))
        elif kind in (Kind.TIDAL_OPENED, Kind.TIDAL_CLOSED):
            opened, wid = kind == Kind.TIDAL_OPENED, d["window"]
            if opened:
                self.tidal_from.setdefault(wid, at)
            elif (start := self.tidal_from.pop(wid, None)) is not None:
                self.tidal[wid].append((start, at))
            by = (d.get("inputs") or {}).get("by", "manual")
            moved = d.get("moved_from") if opened else d.get("moved_to")
            self.tidal_rows.append(
                TidalRow(at, opened, wid, d.get("service") or "", _text(d.get("reason")), str(by), moved)
            )

    def close(self, cfg: HallConfig) -> dict[str, tuple[float, float, float, float]]:
        """Busy, staffed, paused and tidal-open seconds per window; what is still open runs to the day's end
        (the later of closing time and the last event)."""
        hours = _merge(spans_for(cfg, None, self.day))
        end = max([b for _, b in hours] + ([self.last_at] if self.last_at else []), default=None)
        if end is not None:
            for wid in list(self.current):
                self._free(wid, end)
            for wid, start in self.pause_from.items():
                self.paused[wid].append((start, end))
            for wid, start in self.tidal_from.items():
                self.tidal[wid].append((start, end))
        out = {}
        for w in cfg.windows:
            busy = _merge(self.busy.get(w.id, []))
            base = hours if w.services else []
            staffed = _merge([*base, *self.tidal.get(w.id, []), *busy])
            paused = _merge(self.paused.get(w.id, []))
            paused_s = _overlap(staffed, paused)
            out[w.id] = (
                _length(busy),
                _length(staffed) - paused_s,
                paused_s,
                _length(_merge(self.tidal.get(w.id, []))),
            )
        return out


def build(cfg: HallConfig, rows: Iterable[Row], first: date, last: date) -> Report:
    """Fold `rows` (events of days first..last, in seq order) into the period's Report."""
    tz = ZoneInfo(cfg.hall.timezone)
    days: dict[date, _Day] = {}
    for r in rows:
        fold = days.get(r.day)
        if fold is None:
            fold = days[r.day] = _Day(r.day)
        fold.fold(r.kind, datetime.fromisoformat(r.at), json.loads(r.data))
    names = {s.id: f"{s.name.zh} / {s.name.en}" for s in cfg.services}
    names.update({w.id: f"{w.name.zh} / {w.name.en}" for w in cfg.windows})
    services = {s.id: ServiceFigures(s.id) for s in cfg.services}
    windows = {w.id: WindowFacts(w.id) for w in cfg.windows}
    staff: dict[str, dict[str, int]] = defaultdict(lambda: {"served": 0, "rated": 0, "satisfied": 0})
    hourly: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ratings = dict.fromkeys(range(1, 6), 0)
    not_rated, events = 0, 0
    tidal: list[TidalRow] = []
    lines: list[DayLine] = []
    for day in sorted(days):
        f = days[day]
        events += f.events
        day_waits: list[float] = []
        for t in f.tickets.values():
            sf = services.setdefault(t.service, ServiceFigures(t.service))
            sf.arrivals += 1
            hourly[t.issued_at.astimezone(tz).hour][t.service] += 1
            sf.skips += t.skips
            if t.finished_at is None:
                sf.no_shows += t.skips > 0
                continue
            services.setdefault(t.final_service, ServiceFigures(t.final_service)).served += 1
            if (w := t.wait_s) is not None:
                sf.waits.append(w)
                day_waits.append(w)
            if t.window:
                windows.setdefault(t.window, WindowFacts(t.window)).served += 1
        for wid, (busy, staffed, paused, tidal_s) in f.close(cfg).items():
            wf = windows[wid]
            wf.busy_s += busy
            wf.staffed_s += staffed
            wf.paused_s += paused
            wf.tidal_s += tidal_s
        for sid, reason in f.green:
            sf = services.setdefault(sid, ServiceFigures(sid))
            sf.green += 1
            sf.green_reasons[reason] = sf.green_reasons.get(reason, 0) + 1
        for sid in f.reprints:
            services.setdefault(sid, ServiceFigures(sid)).reprints += 1
        for wid, n in f.skips.items():
            windows.setdefault(wid, WindowFacts(wid)).skips += n
        for wid, n in f.transfers.items():
            windows.setdefault(wid, WindowFacts(wid)).transfers += n
        for sid, n in f.staff_served.items():
            staff[sid]["served"] += n
        rated = satisfied = 0
        for wid, _, value, who in f.ratings:
            if not isinstance(value, int) or not 1 <= value <= 5:
                not_rated += 1
                continue
            ratings[value] += 1
            windows.setdefault(wid, WindowFacts(wid)).ratings.append(value)
            rated += 1
            satisfied += value >= SATISFIED_AT_LEAST
            if who:
                staff[who]["rated"] += 1
                staff[who]["satisfied"] += value >= SATISFIED_AT_LEAST
        tidal.extend(replace(t, at=t.at.astimezone(tz)) for t in f.tidal_rows)
        lines.append(
            DayLine(
                day,
                len(f.tickets),
                sum(t.finished_at is not None for t in f.tickets.values()),
                sum(t.finished_at is None and t.skips > 0 for t in f.tickets.values()),
                sum(day_waits) / len(day_waits) if day_waits else None,
                percentile(day_waits, 90) if day_waits else None,
                rated,
                satisfied,
            )
        )
    return Report(
        cfg.hall.id,
        f"{cfg.hall.name.zh} / {cfg.hall.name.en}",
        first,
        last,
        services,
        windows,
        dict(staff),
        {h: dict(v) for h, v in sorted(hourly.items())},
        ratings,
        not_rated,
        tidal,
        lines,
        events,
        names,
    )


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
