"""The queue engine: pure, single-threaded, event-sourced.

Each command method checks everything first and raises a Refusal before touching state; then
it builds events and applies them through `apply()`, the only mutator. Replaying the stored
events through `apply()` therefore gives exactly the live state. Time is always passed in.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from tideq.config.schema import HallConfig, Service
from tideq.contract import BiText, BookingStatus, RatingChannel, RowStatus, TicketInfo
from tideq.contract.staff import proof_matches
from tideq.contract.ticket_page import VERIFY_TYPED, page_token, verify_string

from . import refusals as R
from .errors import ControllerError, Refusal
from .eta import (
    CallMix,
    ServiceTime,
    WindowPace,
    absent,
    announced_wait_s,
    departure_rate,
    effective_rate,
    wait_for_rate,
)
from .events import Event, Kind
from .hours import is_open, next_opening, spans_for
from .model import (
    Appointment,
    Call,
    HelpRequest,
    Priority,
    StaffStats,
    Ticket,
    TicketStatus,
    WindowAction,
    WindowState,
    WindowStatus,
)

RECENT_CALLS = 10
RATINGS = (1, 2, 3, 4, 5)
_T = TypeVar("_T")
E = TypeVar("E", bound=Enum)
ActionResult = tuple[list[Event], Ticket | None]  # the events a window action made, and the ticket it acted on


@dataclass(frozen=True, slots=True)
class WindowArgs:
    """What a window command carries besides its action; each action reads only what it needs."""

    ticket: str | None = None
    to_service: str | None = None
    to_window: str | None = None
    reason: str | None = None
    rating: int | str | None = None
    channel: str | None = None  # where a rating was given (RatingChannel value), told by the sender
    staff: str | None = None  # sign_in: the 工号
    pin_proof: str | None = None  # sign_in: the PIN's keyed proof (never the PIN)
    card: str | None = None  # sign_in: the staff card's keyed hash (never its number)


class Slot(NamedTuple):
    """One bookable slot of a service and the places it has left (cmd/slots, cmd/book)."""

    start: datetime
    end: datetime
    free: int
    capacity: int


B = BiText.of


class TidalSwitch(NamedTuple):
    """One tidal opening or closing of the day (what the policy counts and honours)."""

    at: datetime
    window: str
    service: str | None
    opened: bool
    reason: str | None
    by_policy: bool  # carried `inputs`: decided by the tidal policy, not typed by a manager
    move: bool = False  # half of a move (`tidal_move`): the window went straight to another service


class Engine:
    """Queue state of one hall for one hall day."""

    def __init__(self, cfg: HallConfig, secret: bytes = b"") -> None:
        self.cfg = cfg
        self.tz = ZoneInfo(cfg.hall.timezone)
        self.secret = secret
        self.services = {s.id: s for s in cfg.services}
        self.appointments: dict[str, Appointment] = {}
        self._reset(None)

    # ------------------------------------------------------------------ state
    def _reset(self, day: date | None) -> None:
        self.day = day
        self.tickets: dict[str, Ticket] = {}
        self.counters: dict[str, int] = {s.id: 0 for s in self.cfg.services}
        self.walkins: dict[str, int] = {s.id: 0 for s in self.cfg.services}
        self.identity_count: dict[str, int] = {}
        self.waiting: dict[str, dict[str, Ticket]] = {s.id: {} for s in self.cfg.services}
        self.class_count: dict[str, dict[Priority, int]] = {s.id: dict.fromkeys(Priority, 0) for s in self.cfg.services}
        self.windows: dict[str, WindowState] = {
            w.id: WindowState(
                w.id,
                list(w.services),
                w.tidal_pool,
                WindowStatus.CLOSED if w.tidal_pool and not w.services else WindowStatus.IDLE,
            )
            for w in self.cfg.windows
        }
        self.calls: list[Call] = []
        self.service_time = {s.id: ServiceTime(float(s.mean_service_s)) for s in self.cfg.services}
        self.seq = 0
        self.call_mix = CallMix()
        self.pace = WindowPace()
        self.arrivals: dict[str, list[datetime]] = {s.id: [] for s in self.cfg.services}
        self.tidal_log: list[TidalSwitch] = []
        self.staff: dict[str, StaffStats] = {}  # today's clerks by 工号 (those who signed in)
        self.help: dict[str, HelpRequest] = {}  # open and issued help requests (closed ones leave)
        self.green_issued: dict[str, int] = {s.id: 0 for s in self.cfg.services}  # green tickets today
        self.help_seq = 0

    def clone(self) -> Engine:
        """An independent copy of the state (the rollback point of a burst, see worker.py): the hall
        file and the secret are shared; tickets, windows and every counter are copied, the ticket
        objects once, so the queues of the copy point into the copy. Far cheaper than deepcopy
        (docs/reliability.md); test_engine checks that it copies every attribute there is."""
        c = Engine.__new__(Engine)
        c.cfg, c.tz, c.secret, c.services = self.cfg, self.tz, self.secret, self.services
        c.appointments = {k: _copy(a) for k, a in self.appointments.items()}
        c.day = self.day
        c.tickets = {n: _copy(t) for n, t in self.tickets.items()}
        c.counters = dict(self.counters)
        c.walkins = dict(self.walkins)
        c.identity_count = dict(self.identity_count)
        c.waiting = {sid: {n: c.tickets[n] for n in q} for sid, q in self.waiting.items()}
        c.class_count = {sid: dict(cc) for sid, cc in self.class_count.items()}
        c.windows = {
            wid: dataclasses.replace(w, services=list(w.services), ratings=list(w.ratings))
            for wid, w in self.windows.items()
        }
        c.calls = list(self.calls)
        c.service_time = {sid: copy.deepcopy(st) for sid, st in self.service_time.items()}
        c.seq = self.seq
        c.call_mix = copy.deepcopy(self.call_mix)
        c.pace = copy.deepcopy(self.pace)
        c.arrivals = {sid: list(a) for sid, a in self.arrivals.items()}
        c.tidal_log = list(self.tidal_log)
        c.staff = {k: dataclasses.replace(st, ratings=list(st.ratings)) for k, st in self.staff.items()}
        c.help = {k: _copy(h) for k, h in self.help.items()}
        c.green_issued = dict(self.green_issued)
        c.help_seq = self.help_seq
        return c

    def local_day(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def service(self, sid: str) -> Service:
        svc = self.services.get(sid)
        if svc is None:
            raise R.unknown_service(sid, sorted(self.services))
        return svc

    def window(self, wid: str) -> WindowState:
        w = self.windows.get(wid)
        if w is None:
            raise R.unknown_window(wid)
        return w

    def ticket(self, number: str) -> Ticket:
        t = self.tickets.get(number.upper())
        if t is None:
            raise R.unknown_ticket(number)
        return t

    def _name(self, sid: str) -> BiText:
        n = self.services[sid].name
        return BiText.of(n.zh, n.en)

    # ------------------------------------------------------------------ apply
    def apply(self, e: Event) -> None:
        """Fold one event into the state. The only place state changes (one fold per `Kind`)."""
        FOLDS[e.kind](self, e)
        if e.kind in OWN_ACTIONS and e.data.get("window") in self.windows:
            self._acted(self.windows[e.data["window"]], e.at)
        if e.kind in QUEUE_CHANGES:
            self._track_neglect(e.at)

    @staticmethod
    def _acted(w: WindowState, at: datetime) -> None:
        """Somebody is at the window: its presence record starts over (eta.absent); if it was away,
        the absence joins the day's record of how long its absences last."""
        if w.neglect_first is not None and absent(w, at):
            w.absences += 1
            w.absent_s += (at - w.neglect_first).total_seconds()
        w.neglect_since = w.neglect_first = None
        w.neglect_longest_s = 0.0

    def _track_neglect(self, at: datetime) -> None:
        """Open and close each window's stretch of sitting idle while people it could call wait."""
        for w in self.windows.values():
            if w.status is WindowStatus.IDLE and any(self.waiting[s] for s in w.services):
                if w.neglect_since is None:
                    w.neglect_since = at
                    w.neglect_first = w.neglect_first or at
            elif w.neglect_since is not None:
                w.neglect_longest_s = max(w.neglect_longest_s, (at - w.neglect_since).total_seconds())
                w.neglect_since = None

    def _fold_day_opened(self, e: Event) -> None:
        day = date.fromisoformat(e.data["day"])
        self._reset(day)
        horizon = datetime.combine(day, datetime.min.time(), self.tz)
        self.appointments = {c: a for c, a in self.appointments.items() if a.end >= horizon}

    def _fold_ticket_issued(self, e: Event) -> None:
        d = e.data
        self.seq += 1
        prio = Priority(d["priority"])
        t = Ticket(
            d["number"],
            d["service"],
            prio,
            e.at,
            self.seq,
            d["source"],
            d.get("identity"),
            d.get("appointment"),
            _dt(d.get("slot_start")),
        )
        t.queued_at = e.at
        t.green_reason, t.issued_by = d.get("green_reason"), d.get("by")
        self.tickets[t.number] = t
        if d.get("help") in self.help:
            self.help[d["help"]].ticket = t.number
        self.arrivals[t.service].append(e.at)
        self.counters[t.service] = int(t.number[1:])
        if prio is Priority.GREEN:
            self.green_issued[t.service] = self.green_issued.get(t.service, 0) + 1
        if prio is Priority.NORMAL and not d.get("late_appointment"):
            self.walkins[t.service] += 1
        if t.identity:
            self.identity_count[t.identity] = self.identity_count.get(t.identity, 0) + 1
        if t.appointment and t.appointment in self.appointments:
            appt = self.appointments[t.appointment]
            appt.ticket, appt.checked_in_at = t.number, e.at
        self._enqueue(t)

    def _fold_called(self, e: Event) -> None:
        t, w = self.tickets[e.data["ticket"]], self.windows[e.data["window"]]
        self._dequeue(t)
        t.status, t.window, t.called_at, t.calls = TicketStatus.SERVING, w.id, e.at, 1
        t.first_called_at = t.first_called_at or e.at
        t.target_window = None
        t.staff = e.data.get("staff")
        w.status, w.ticket = WindowStatus.SERVING, t.number
        self.call_mix.observe(w.id, t.service, w.services)
        self._remember_call(t, w.id, e.at, recall=False)

    def _fold_recalled(self, e: Event) -> None:
        t = self.tickets[e.data["ticket"]]
        t.calls += 1
        self._remember_call(t, e.data["window"], e.at, recall=True)

    def _fold_skipped(self, e: Event) -> None:
        t, w = self.tickets[e.data["ticket"]], self.windows[e.data["window"]]
        t.status, t.skipped_at, t.window = TicketStatus.SKIPPED, e.at, None
        w.status, w.ticket = WindowStatus.IDLE, None
        w.skipped += 1
        if (st := self._staff_of(e)) is not None:
            st.skipped += 1

    def _fold_rejoined(self, e: Event) -> None:
        t = self.tickets[e.data["ticket"]]
        t.status, t.rejoined, t.queued_at = TicketStatus.WAITING, True, e.at
        self._enqueue(t)

    def _fold_finished(self, e: Event) -> None:
        d = e.data
        t, w = self.tickets[d["ticket"]], self.windows[d["window"]]
        t.status, t.finished_at = TicketStatus.DONE, e.at
        t.staff = d.get("staff")
        if d.get("rating") is not None:
            self._rate(t, w, d["rating"], e)
        w.status, w.ticket = WindowStatus.IDLE, None
        w.served += 1
        clerk = self._staff_of(e)
        if clerk is not None:
            clerk.served += 1
            if t.called_at:  # this window's call (a transferred ticket was first called elsewhere)
                clerk.handling_s += (e.at - t.called_at).total_seconds()
        if t.first_called_at:
            took = (e.at - t.first_called_at).total_seconds()
            st = self.service_time[t.service]
            self.pace.observe(w.id, took / st.mean_s)
            st.observe(took)

    def _fold_rated(self, e: Event) -> None:
        self._rate(self.tickets[e.data["ticket"]], self.windows[e.data["window"]], e.data["rating"], e)

    def _fold_transferred(self, e: Event) -> None:
        d = e.data
        t = self.tickets[d["ticket"]]
        if d.get("window"):
            w = self.windows[d["window"]]
            w.status, w.ticket = WindowStatus.IDLE, None
            w.transferred += 1
            if (st := self._staff_of(e)) is not None:
                st.transferred += 1
        self._dequeue(t)
        t.service, t.target_window = d["to_service"], d.get("to_window")
        t.status, t.window, t.queued_at = TicketStatus.WAITING, None, None
        t.transfers += 1
        self._enqueue(t)

    def _fold_window_paused(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        w.status, w.pause_reason = WindowStatus.PAUSED, e.data.get("reason")

    def _fold_window_resumed(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        w.status, w.pause_reason = WindowStatus.IDLE, None

    def _fold_appointments_imported(self, e: Event) -> None:
        for a in e.data["appointments"]:
            old = self.appointments.get(a["code"])
            self.appointments[a["code"]] = Appointment(
                a["code"],
                a["service"],
                datetime.fromisoformat(a["start"]),
                datetime.fromisoformat(a["end"]),
                a.get("name_masked", ""),
                a.get("phone_masked", ""),
                a.get("identity"),
                old.ticket if old else None,
                None,  # a booking pushed again after a cancel is booked again
                old.checked_in_at if old else None,
            )

    def _fold_appointment_cancelled(self, e: Event) -> None:
        appt = self.appointments.get(e.data["code"])
        if appt is not None:  # an appointment past the carry horizon is gone: nothing to cancel
            appt.cancelled_at = e.at

    def _fold_appointment_rescheduled(self, e: Event) -> None:
        d = e.data
        appt = self.appointments.get(d["code"])
        if appt is not None:
            appt.start, appt.end = datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"])
            appt.service = d.get("service", appt.service)

    def _fold_tidal_opened(self, e: Event) -> None:
        d = e.data
        w = self.windows[d["window"]]
        w.tidal_service, w.tidal_since, w.tidal_reason = d["service"], e.at, d.get("reason")
        # the services it serves, by priority (the service it opened for first); an event logged
        # before comprehensive pool windows carries only `service`
        w.services = list(d.get("services") or [d["service"]])
        self.call_mix.prefer(w.id, w.services)
        if w.status is WindowStatus.CLOSED:
            w.status = WindowStatus.IDLE
        self.tidal_log.append(
            TidalSwitch(e.at, w.id, d["service"], True, d.get("reason"), "inputs" in d, "moved_from" in d)
        )

    def _fold_tidal_closed(self, e: Event) -> None:
        d = e.data
        w = self.windows[d["window"]]
        self.tidal_log.append(
            TidalSwitch(e.at, w.id, w.tidal_service, False, d.get("reason"), "inputs" in d, "moved_to" in d)
        )
        base = next(x for x in self.cfg.windows if x.id == w.id)
        w.services = list(base.services)
        w.tidal_service = w.tidal_since = w.tidal_reason = None
        if not w.services:
            w.status = WindowStatus.CLOSED

    def _fold_staff_signed_in(self, e: Event) -> None:
        sid, w = e.data["staff"], self.windows[e.data["window"]]
        w.staff = sid
        self.staff.setdefault(sid, StaffStats(sid)).window = w.id

    def _fold_staff_signed_out(self, e: Event) -> None:
        w = self.windows[e.data["window"]]
        st = self.staff.get(e.data["staff"])
        if st is not None and st.window == w.id:
            st.window = None
        if w.staff == e.data["staff"]:
            w.staff = None

    def _staff_of(self, e: Event) -> StaffStats | None:
        """The figures of the clerk an event names (`staff`), None when it names nobody."""
        sid = e.data.get("staff")
        return self.staff.setdefault(sid, StaffStats(sid)) if sid else None

    def staff_name(self, sid: str) -> BiText:
        """A clerk's display name from the hall file; the 工号 itself once they left the file."""
        m = self.cfg.staff_member(sid)
        return m.display if m is not None else BiText.of(sid, sid)

    def _fold_reprinted(self, e: Event) -> None:
        self.tickets[e.data["ticket"]].reprints += 1

    def _fold_help_requested(self, e: Event) -> None:
        d = e.data
        self.help_seq += 1
        self.help[d["help"]] = HelpRequest(d["help"], d["kiosk"], d.get("service"), e.at)

    def _fold_help_closed(self, e: Event) -> None:
        self.help.pop(e.data["help"], None)

    def _enqueue(self, t: Ticket) -> None:
        self.waiting[t.service][t.number] = t
        self.class_count[t.service][t.priority] += 1

    def _dequeue(self, t: Ticket) -> None:
        if self.waiting[t.service].pop(t.number, None) is not None:
            self.class_count[t.service][t.priority] -= 1

    def _remember_call(self, t: Ticket, wid: str, at: datetime, recall: bool) -> None:
        self.calls.insert(0, Call(t.number, wid, t.service, at, recall))
        del self.calls[RECENT_CALLS:]

    def _rate(self, t: Ticket, w: WindowState, rating: int | str, e: Event) -> None:
        t.rating, t.rated_at, t.rating_channel = rating, e.at, e.data.get("channel")
        t.rating_staff = e.data.get("staff")
        if isinstance(rating, int):
            w.ratings.append(rating)
            if (st := self._staff_of(e)) is not None:
                st.ratings.append(rating)

    def _emit(self, events: list[Event]) -> list[Event]:
        for e in events:
            self.apply(e)
        return events

    # ------------------------------------------------------------------ day
    def roll_day(self, now: datetime) -> list[Event]:
        """Open a new hall day at local midnight: numbers restart, yesterday's queue is gone."""
        today = self.local_day(now)
        if self.day == today:
            return []
        return self._emit([Event(Kind.DAY_OPENED, now, {"day": today.isoformat()})])

    # ------------------------------------------------------------------ tickets
    def issue(
        self,
        service: str,
        source: str,
        now: datetime,
        priority: Priority = Priority.NORMAL,
        identity: str | None = None,
        green_reason: str | None = None,
        by: str | None = None,
        help_id: str | None = None,
    ) -> tuple[list[Event], Ticket]:
        """Take a number. A green ticket carries its reason category and the staff login that
        issued it (`by`), and may answer a kiosk's help request (`help_id`)."""
        svc = self.service(service)
        if priority is Priority.APPOINTMENT:
            raise R.bad_payload("priority 'appointment' comes only from cmd/checkin")
        if help_id is not None:
            h = self.help.get(help_id)
            if h is None or h.ticket is not None:
                raise R.help_unknown(help_id, sorted(k for k, v in self.help.items() if v.ticket is None))
        self._check_open(svc, now)
        if svc.identity_required and not identity:
            raise R.identity_required(self._name(svc.id))
        if svc.daily_quota and self.walkins[svc.id] >= svc.daily_quota:
            raise R.quota_reached(self._name(svc.id), svc.appointments, _b(svc.guide.online))
        if identity and self.identity_count.get(identity, 0) >= self.cfg.rules.identity_daily_limit:
            raise R.identity_limit(self.cfg.rules.identity_daily_limit)
        extra = {"green_reason": green_reason, "by": by, "help": help_id} if priority is Priority.GREEN else {}
        ev = self._ticket_event(svc, source, now, priority, identity, **extra)
        return self._emit([ev]), self.tickets[ev.data["number"]]

    # ------------------------------------------------------------------ reprint, help
    def reprint(
        self, number: str, now: datetime, source: str, by: str, verify: str | None = None
    ) -> tuple[list[Event], Ticket]:
        """Print a ticket of today again (补打); `verify`, when given, must be the last characters of
        its verify string (what a visitor types at a kiosk)."""
        t = self.ticket(number)
        if verify is not None and not hmac.compare_digest(
            self.verify_string(t)[-VERIFY_TYPED:].lower(), verify.lower()
        ):
            raise R.verify_mismatch(t.number)
        if t.status is TicketStatus.DONE:
            raise R.ticket_finished(t.number)
        ev = Event(Kind.REPRINTED, now, {"ticket": t.number, "source": source, "by": by})
        return self._emit([ev]), t

    def request_help(self, kiosk: str, service: str | None, now: datetime) -> tuple[list[Event], HelpRequest]:
        """A kiosk calls staff to its 绿色通道 (one open request per kiosk: a repeat returns it)."""
        if service is not None:
            self.service(service)
        for h in self.help.values():
            if h.kiosk == kiosk and h.ticket is None:
                return [], h
        hid = f"H{self.help_seq + 1:03d}"
        ev = Event(Kind.HELP_REQUESTED, now, {"help": hid, "kiosk": kiosk, "service": service})
        self._emit([ev])
        return [ev], self.help[hid]

    def close_help(self, help_id: str, now: datetime, why: str) -> tuple[list[Event], HelpRequest]:
        """A help request leaves `state/help`: collected (the kiosk printed its ticket) or cancelled."""
        h = self.help.get(help_id)
        if h is None:
            raise R.help_unknown(help_id, sorted(self.help))
        return self._emit([Event(Kind.HELP_CLOSED, now, {"help": help_id, "why": why})]), h

    def _ticket_event(
        self, svc: Service, source: str, now: datetime, priority: Priority, identity: str | None, **extra: Any
    ) -> Event:
        number = f"{svc.prefix}{self.counters[svc.id] + 1:03d}"
        data: dict[str, Any] = {"number": number, "service": svc.id, "priority": priority.value, "source": source}
        if identity:
            data["identity"] = identity
        data.update({k: v for k, v in extra.items() if v is not None})
        return Event(Kind.TICKET_ISSUED, now, data)

    def _check_open(self, svc: Service, now: datetime) -> None:
        if not is_open(self.cfg, None, now):
            raise R.hall_closed(next_opening(self.cfg, svc, now))
        if not is_open(self.cfg, svc, now):
            raise R.service_closed(self._name(svc.id), next_opening(self.cfg, svc, now))

    def checkin(
        self, now: datetime, source: str, code: str | None = None, identity: str | None = None
    ) -> tuple[list[Event], Ticket, Appointment, bool]:
        """Check in an appointment. Returns (events, ticket, appointment, late)."""
        appt = self._find_appointment(code, identity, now)
        if appt.cancelled_at is not None:
            raise R.appointment_cancelled(appt.code)
        if appt.ticket and appt.ticket in self.tickets:
            return [], self.tickets[appt.ticket], appt, False  # already checked in: same ticket
        svc = self.service(appt.service)
        local_start = appt.start.astimezone(self.tz)
        if local_start.date() != self.local_day(now):
            raise R.appointment_other_day(local_start)
        opens = appt.start - timedelta(minutes=self.cfg.rules.checkin_early_min)
        if now < opens:
            raise R.appointment_early(opens.astimezone(self.tz))
        self._check_open(svc, now)
        late = now > appt.start + timedelta(minutes=self.cfg.rules.checkin_late_grace_min)
        if late:
            ev = self._ticket_event(
                svc, source, now, Priority.NORMAL, appt.identity, appointment=appt.code, late_appointment=True
            )
        else:
            ev = self._ticket_event(
                svc,
                source,
                now,
                Priority.APPOINTMENT,
                appt.identity,
                appointment=appt.code,
                slot_start=appt.start.isoformat(),
            )
        self._emit([ev])
        return [ev], self.tickets[ev.data["number"]], appt, late

    def _find_appointment(self, code: str | None, identity: str | None, now: datetime) -> Appointment:
        if code:
            appt = self.appointments.get(code.strip().upper())
            if appt:
                return appt
        elif identity:
            today = self.local_day(now)
            mine = [a for a in self.appointments.values() if a.identity == identity and a.cancelled_at is None]
            mine.sort(key=lambda a: (a.start.astimezone(self.tz).date() != today, a.start))
            if mine:
                return mine[0]
        raise R.appointment_unknown()

    def import_appointments(self, items: list[dict[str, Any]], now: datetime) -> list[Event]:
        seen: set[str] = set()
        clean = []
        for a in items:
            svc = self.service(a["service"])
            if not svc.appointments:
                raise R.service_not_bookable(self._name(svc.id))
            code = a["code"].strip().upper()
            if code in seen:
                raise R.duplicate_code(code)
            seen.add(code)
            clean.append({**a, "code": code})
        return self._emit([Event(Kind.APPOINTMENTS_IMPORTED, now, {"appointments": clean})])

    def import_rows(self, items: list[dict[str, Any]], now: datetime) -> tuple[list[Event], list[dict[str, Any]]]:
        """A per-row import (the booking API): each booking imported or refused on its own. Returns
        the one event of the rows that changed (none when nothing did: a repeated push) and one
        result per item, in order: `{"code", "status", "error"?}` (contract RowResult)."""
        seen: set[str] = set()
        clean: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        for a in items:
            code = a["code"].strip().upper()
            try:
                svc = self.service(a["service"])
                if not svc.appointments:
                    raise R.service_not_bookable(self._name(svc.id))
                if code in seen:
                    raise R.duplicate_code(code)
            except Refusal as refusal:
                results.append({"code": code, "status": RowStatus.REFUSED, "error": refusal.as_error()})
                continue
            seen.add(code)
            row = {**a, "code": code}
            old = self.appointments.get(code)
            if old is None:
                status = RowStatus.CREATED
            elif old.cancelled_at is None and _booking_fields(old) == _row_fields(row):
                status = RowStatus.UNCHANGED
            else:
                status = RowStatus.UPDATED
            results.append({"code": code, "status": status})
            if status is not RowStatus.UNCHANGED:
                clean.append(row)
        events = self._emit([Event(Kind.APPOINTMENTS_IMPORTED, now, {"appointments": clean})]) if clean else []
        return events, results

    def booking(self, code: str) -> Appointment:
        appt = self.appointments.get(code.strip().upper())
        if appt is None:
            raise R.booking_unknown(code)
        return appt

    def booking_status(self, appt: Appointment, now: datetime) -> BookingStatus:
        """Where a booking stands: cancelled, checked in (it has a ticket), no-show (its slot ended
        without a check-in) or pending."""
        if appt.cancelled_at is not None:
            return BookingStatus.CANCELLED
        if appt.ticket is not None:
            return BookingStatus.CHECKED_IN
        return BookingStatus.NO_SHOW if now >= appt.end else BookingStatus.PENDING

    def cancel_booking(self, code: str, now: datetime, reason: str | None = None) -> tuple[list[Event], Appointment]:
        """The platform cancels a booking; cancelling it again changes nothing. A checked-in
        booking has a ticket in the queue: it is no longer the platform's to cancel."""
        appt = self.booking(code)
        if appt.cancelled_at is not None:
            return [], appt
        if appt.ticket is not None:
            raise R.appointment_checked_in(appt.code, appt.ticket)
        data: dict[str, Any] = {"code": appt.code}
        if reason:
            data["reason"] = reason
        return self._emit([Event(Kind.APPOINTMENT_CANCELLED, now, data)]), appt

    def reschedule_booking(
        self, code: str, start: datetime, end: datetime, now: datetime, service: str | None = None
    ) -> tuple[list[Event], Appointment]:
        """The platform moves a booking to another slot (and, optionally, service); the same slot
        again changes nothing."""
        appt = self.booking(code)
        if appt.cancelled_at is not None:
            raise R.appointment_cancelled(appt.code)
        if appt.ticket is not None:
            raise R.appointment_checked_in(appt.code, appt.ticket)
        sid = appt.service
        if service is not None:
            svc = self.service(service)
            if not svc.appointments:
                raise R.service_not_bookable(self._name(svc.id))
            sid = svc.id
        if (appt.start, appt.end, appt.service) == (start, end, sid):
            return [], appt
        data = {"code": appt.code, "start": start.isoformat(), "end": end.isoformat(), "service": sid}
        return self._emit([Event(Kind.APPOINTMENT_RESCHEDULED, now, data)]), appt

    # ------------------------------------------------------------------ kiosk bookings (24-hour self-service)
    def slots(self, sid: str, day: date, now: datetime) -> list[Slot]:
        """The slots of `sid` on hall day `day` that have not begun, with the places each has left
        (none past `book_days`). Platform bookings count too: a slot holds `slot_capacity`
        bookings, whoever made them."""
        svc = self.service(sid)
        if day > self.local_day(now) + timedelta(days=self.cfg.rules.book_days):
            return []
        cap = self.cfg.slot_capacity(svc)
        step = timedelta(minutes=svc.slot_min)
        starts = sorted(a.start for a in self.appointments.values() if a.service == sid and a.cancelled_at is None)
        out = []
        for a, b in spans_for(self.cfg, svc, day):
            t = a
            while t + step <= b:
                if t > now:
                    taken = bisect.bisect_left(starts, t + step) - bisect.bisect_left(starts, t)
                    out.append(Slot(t, t + step, max(0, cap - taken), cap))
                t += step
        return out

    def first_bookable_day(self, sid: str, now: datetime) -> date:
        """The day of the service's next opening (today while it is still to open today)."""
        svc = self.service(sid)
        nxt = next_opening(self.cfg, svc, now, self.cfg.rules.book_days + 1)
        if is_open(self.cfg, svc, now) or nxt is None:
            return self.local_day(now)
        return nxt.astimezone(self.tz).date()

    def next_free_slot(self, sid: str, after: datetime, now: datetime) -> Slot | None:
        """The first slot of `sid` starting at or after `after` with a place left, within `book_days`."""
        today = self.local_day(now)
        day = max(after.astimezone(self.tz).date(), today)
        while day <= today + timedelta(days=self.cfg.rules.book_days):
            for slot in self.slots(sid, day, now):
                if slot.start >= after and slot.free:
                    return slot
            day += timedelta(days=1)
        return None

    def book(
        self, sid: str, source: str, now: datetime, key: str, start: datetime | None = None, identity: str | None = None
    ) -> tuple[list[Event], Appointment]:
        """Book a slot at a kiosk (cmd/book): the slot starting at `start`, or without it the first
        slot of the service's next opening. The code (8 digits, what the kiosk's keypad takes) is
        derived from `key`, the command id, under the hall secret: replayable, unguessable."""
        svc = self.service(sid)
        name = self._name(svc.id)
        days = self.cfg.rules.book_days
        if not self.cfg.slot_capacity(svc):
            raise R.not_bookable_here(name)
        if svc.identity_required and not identity:
            raise R.identity_required(name)
        if identity:
            held = [
                a
                for a in self.appointments.values()
                if a.identity == identity
                and a.service == svc.id
                and a.cancelled_at is None
                and a.ticket is None
                and a.end > now
            ]
            if held:
                raise R.booking_limit(name, held[0].start.astimezone(self.tz))
        if start is None:
            opening = next_opening(self.cfg, svc, now, days + 1)
            if opening is None:
                raise R.slot_unavailable(
                    name, now, B("近期不开放", f"it does not open in the next {days} days"), None, days
                )
            start = opening
        start = start.astimezone(self.tz)
        today = self.local_day(now)
        slot = next((x for x in self.slots(sid, start.date(), now) if x.start == start), None)
        if slot is None:
            if start <= now:
                why = B("该时段已开始或已过", "that time has begun or passed")
            elif start.date() > today + timedelta(days=days):
                why = B(f"只能预约{days}天内的时段", f"slots can be booked up to {days} days ahead")
            else:
                why = B("该时间不是时段起点或不开放", "no slot starts then, or the service is closed then")
            free = self.next_free_slot(sid, max(start, now), now) or self.next_free_slot(sid, now, now)
            raise R.slot_unavailable(name, start, why, (free.start, free.end) if free else None, days)
        if not slot.free:
            free = self.next_free_slot(sid, slot.end, now)
            raise R.slot_full(name, slot.start, (free.start, free.end) if free else None, days)
        row: dict[str, Any] = {
            "code": self._booking_code(key),
            "service": svc.id,
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
        }
        if identity:
            row["identity"] = identity
        events = self._emit([Event(Kind.APPOINTMENTS_IMPORTED, now, {"appointments": [row], "source": source})])
        return events, self.appointments[row["code"]]

    def _booking_code(self, key: str) -> str:
        """8 digits from HMAC(secret, hall:key), moved on past any code already in use."""
        for n in range(1000):
            mac = hmac.new(self.secret, f"{self.cfg.hall.id}:book:{key}:{n}".encode(), hashlib.sha256).digest()
            code = f"{int.from_bytes(mac[:8], 'big') % 10**8:08d}"
            if code not in self.appointments:
                return code
        raise ControllerError("no free booking code in 1000 tries")  # pragma: no cover - 10^8 codes

    def lookup_ticket(self, number: str, verify: str) -> Ticket:
        """Today's ticket `number` if `verify` is its QR's verify string, its check code (the MAC,
        at least 6 of its hex digits) or its phone page token; a wrong one reads as unknown, so the
        lookup tells nothing about other people's tickets."""
        t = self.tickets.get(number.strip().upper())
        if t is not None:
            full = self.verify_string(t)
            mac = full.rsplit(":", 1)[-1]
            v = verify.strip()
            page = page_token(self.secret, self.cfg.hall.id, self.day or date.min, t.number)
            low = v.lower()
            if (
                hmac.compare_digest(v, full)
                or hmac.compare_digest(v, page)
                or (len(low) >= 6 and hmac.compare_digest(low, mac[: len(low)]))
            ):
                return t
        raise R.unknown_ticket(number)

    def ratings(self) -> list[dict[str, Any]]:
        """The hall day's 好差评 ratings (1..5; `not_rated` is no rating), in the order given: the
        contract's RatingRecord fields. The id `{hall}:{day}:{ticket}` is stable (a ticket is rated
        once a day), so a receiver keeps each rating once."""
        rated = [t for t in self.tickets.values() if isinstance(t.rating, int) and t.window and t.rated_at]
        rated.sort(key=lambda t: (t.rated_at, t.seq))
        return [self.rating_record(t) for t in rated]

    def rating_record(self, t: Ticket) -> dict[str, Any]:
        """One rated ticket as the contract's RatingRecord fields."""
        hall = self.cfg.hall.id
        return {
            "rating_id": f"{hall}:{self.day}:{t.number}",
            "hall": hall,
            "day": self.day,
            "ticket": t.number,
            "service": t.service,
            "window": t.window,
            "staff": t.rating_staff,
            "rating": t.rating,
            "channel": t.rating_channel or RatingChannel.OTHER.value,
            "at": t.rated_at,
        }

    def rejoin(self, number: str, now: datetime) -> list[Event]:
        t = self.ticket(number)
        if t.status is not TicketStatus.SKIPPED:
            raise R.ticket_not_waiting(t.number, t.status.value)
        if t.rejoined:
            raise R.already_rejoined(t.number)
        limit = self.cfg.rules.skip_rejoin_min
        if t.skipped_at and now - t.skipped_at > timedelta(minutes=limit):
            raise R.rejoin_expired(t.number, limit)
        return self._emit([Event(Kind.REJOINED, now, {"ticket": t.number})])

    # ------------------------------------------------------------------ windows
    def next_for(self, wid: str, now: datetime) -> Ticket | None:
        """The ticket `wid` would call next: targeted to it first, then priority, then wait."""
        w = self.windows[wid]
        best: tuple[Any, ...] | None = None
        chosen: Ticket | None = None
        for rank, sid in enumerate(w.services):
            # an open tidal window calls its services by priority (the list's order); any other
            # window calls across its services by class, then by wait
            order = rank if w.tidal else 0
            for t in self.waiting.get(sid, {}).values():
                if t.target_window and t.target_window != wid:
                    continue
                key = (0 if t.target_window == wid else 1, order, *t.order_key(now))
                if best is None or key < best:
                    best, chosen = key, t
        for t in self._targeted_elsewhere(wid):
            key = (0, 0, *t.order_key(now))
            if best is None or key < best:
                best, chosen = key, t
        return chosen

    def _targeted_elsewhere(self, wid: str) -> Iterable[Ticket]:
        """Tickets transferred to this window for a service it does not list."""
        served = set(self.windows[wid].services)
        for sid, queue in self.waiting.items():
            if sid not in served:
                yield from (t for t in queue.values() if t.target_window == wid)

    def window_action(
        self,
        wid: str,
        action: WindowAction | str,
        now: datetime,
        *,
        ticket: str | None = None,
        to_service: str | None = None,
        to_window: str | None = None,
        reason: str | None = None,
        rating: int | str | None = None,
        channel: str | None = None,
        staff: str | None = None,
        pin_proof: str | None = None,
        card: str | None = None,
    ) -> tuple[list[Event], Ticket | None]:
        """One action of a window (`cmd/window/{id}`); each action reads the arguments it needs.
        `channel` (RatingChannel value) is where a rating came from: recorded with it."""
        w = self.window(wid)
        try:
            act = WindowAction(action)
        except ValueError as err:
            raise R.bad_payload(f"unknown window action {action!r}") from err
        return WINDOW_ACTIONS[act](
            self, w, now, WindowArgs(ticket, to_service, to_window, reason, rating, channel, staff, pin_proof, card)
        )

    def _usable(self, w: WindowState) -> None:
        if w.status is WindowStatus.PAUSED:
            raise R.window_paused(w.id, w.pause_reason)
        if w.status is WindowStatus.CLOSED:
            raise R.window_closed(w.id)

    def _current(self, w: WindowState) -> Ticket:
        if w.ticket is None:
            raise R.no_current_ticket(w.id)
        return self.tickets[w.ticket]

    @staticmethod
    def _needs(value: _T | None, action: str, name: str) -> _T:
        if value is None:
            raise R.bad_payload(f"action '{action}' needs '{name}'")
        return value

    def _act_next(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        self._usable(w)
        nxt = self.next_for(w.id, now)
        if nxt is None:
            raise R.no_ticket_waiting([self._name(s) for s in w.services])
        events = []
        if w.ticket:
            events.append(Event(Kind.FINISHED, now, self._by(w, {"ticket": w.ticket, "window": w.id})))
        events.append(
            Event(Kind.CALLED, now, self._by(w, {"ticket": nxt.number, "window": w.id, "service": nxt.service}))
        )
        return self._emit(events), nxt

    def _act_call(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        self._usable(w)
        t = self.ticket(self._needs(args.ticket, "call", "ticket"))
        if w.ticket:
            raise R.window_busy(w.id, w.ticket)
        if t.status is TicketStatus.SKIPPED:
            limit = self.cfg.rules.skip_rejoin_min
            if t.skipped_at and now - t.skipped_at > timedelta(minutes=limit):
                raise R.rejoin_expired(t.number, limit)
        elif t.status is not TicketStatus.WAITING:
            raise R.ticket_not_waiting(t.number, t.status.value)
        if t.service not in w.services and t.target_window != w.id:
            others = [x.id for x in self.windows.values() if t.service in x.services and x.open]
            raise R.ticket_other_service(t.number, others)
        events = []
        if t.status is TicketStatus.SKIPPED:
            events.append(Event(Kind.REJOINED, now, {"ticket": t.number, "by_window": w.id}))
        events.append(Event(Kind.CALLED, now, self._by(w, {"ticket": t.number, "window": w.id, "service": t.service})))
        return self._emit(events), t

    def _act_recall(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        self._usable(w)
        t = self._current(w)
        data = self._by(w, {"ticket": t.number, "window": w.id, "service": t.service})
        return self._emit([Event(Kind.RECALLED, now, data)]), t

    def _act_skip(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        t = self._current(w)
        return self._emit([Event(Kind.SKIPPED, now, self._by(w, {"ticket": t.number, "window": w.id}))]), t

    def _act_finish(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        t = self._current(w)
        data: dict[str, Any] = self._by(w, {"ticket": t.number, "window": w.id})
        if args.rating is not None:
            data["rating"] = args.rating
            if args.channel:
                data["channel"] = args.channel
        return self._emit([Event(Kind.FINISHED, now, data)]), t

    def _act_rate(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        t = self.ticket(self._needs(args.ticket, "rate", "ticket"))
        rating = self._needs(args.rating, "rate", "rating")
        if t.status is not TicketStatus.DONE or t.window != w.id or t.rating is not None:
            raise R.not_rateable(t.number)
        data: dict[str, Any] = {"ticket": t.number, "window": w.id, "rating": rating}
        if t.staff:  # the clerk who finished it, even when the next shift is at the window now
            data["staff"] = t.staff
        if args.channel:
            data["channel"] = args.channel
        return self._emit([Event(Kind.RATED, now, data)]), t

    def _act_transfer(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        t = self._current(w)
        if args.to_window:
            target = self.window(args.to_window)
            self._usable(target)
            service = args.to_service or (t.service if t.service in target.services else target.services[0])
        else:
            service = args.to_service or t.service
        svc = self.service(service)
        if not is_open(self.cfg, svc, now):
            raise R.service_closed(self._name(svc.id), next_opening(self.cfg, svc, now))
        data = {
            "ticket": t.number,
            "window": w.id,
            "from_service": t.service,
            "to_service": svc.id,
            "to_window": args.to_window,
            "reason": args.reason,
            "staff": w.staff,
        }
        return self._emit([Event(Kind.TRANSFERRED, now, {k: v for k, v in data.items() if v is not None})]), t

    def _act_pause(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        if w.status is WindowStatus.CLOSED:
            raise R.window_closed(w.id)
        if w.ticket:
            raise R.window_busy(w.id, w.ticket)
        if w.status is WindowStatus.PAUSED:
            return [], None
        return self._emit([Event(Kind.WINDOW_PAUSED, now, {"window": w.id, "reason": args.reason})]), None

    def _act_resume(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        if w.status is not WindowStatus.PAUSED:
            return [], None
        return self._emit([Event(Kind.WINDOW_RESUMED, now, {"window": w.id})]), None

    def _act_sign_in(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        """A clerk signs in by 工号 + PIN proof or by staff card; the one signed in before is signed
        out in the same step (a shift change), and the window stays as it is."""
        if args.card:
            member = next((m for m in self.cfg.staff if m.card_hash == args.card), None)
            if member is None:
                raise R.staff_unknown(None)
        else:
            sid = self._needs(args.staff, "sign_in", "staff")
            member = self.cfg.staff_member(sid)
            if member is None:
                raise R.staff_unknown(sid)
            if not member.pin_hash or not proof_matches(
                member.pin_hash, self._needs(args.pin_proof, "sign_in", "pin_proof")
            ):
                raise R.staff_bad_pin(sid, 0)  # handlers.py counts the guesses and fills attempts_left
        if w.staff == member.id:
            return [], None
        other = self.staff.get(member.id)
        if other is not None and other.window is not None and other.window != w.id:
            raise R.staff_elsewhere(member.id, other.window)
        events = []
        if w.staff:
            events.append(Event(Kind.STAFF_SIGNED_OUT, now, {"window": w.id, "staff": w.staff, "by": member.id}))
        events.append(Event(Kind.STAFF_SIGNED_IN, now, {"window": w.id, "staff": member.id}))
        return self._emit(events), None

    def _act_sign_out(self, w: WindowState, now: datetime, args: WindowArgs) -> ActionResult:
        if w.staff is None:
            raise R.staff_not_signed_in(w.id)
        return self._emit([Event(Kind.STAFF_SIGNED_OUT, now, {"window": w.id, "staff": w.staff})]), None

    @staticmethod
    def _by(w: WindowState, data: dict[str, Any]) -> dict[str, Any]:
        """An action's event data with the clerk signed in at the window (`staff`), if any."""
        if w.staff:
            data["staff"] = w.staff
        return data

    # ------------------------------------------------------------------ tidal
    def tidal_open(
        self,
        wid: str,
        service: str,
        now: datetime,
        reason: str = "manual",
        inputs: dict[str, Any] | None = None,
        services: Sequence[str] | None = None,
    ) -> list[Event]:
        """Open pool window `wid` for `service` (潮汐窗口, a comprehensive emergency window): it
        serves `service` first, then `services` in their order (default: the rest of the services
        the hall file allows it, in hall-file order); every one must be among those allowed."""
        w = self.window(wid)
        svc = self.service(service)
        if not w.tidal_pool:
            raise R.tidal_not_pool(wid)
        if w.tidal:
            raise R.tidal_already_open(wid, w.tidal_service or "")
        if w.ticket:
            raise R.window_busy(w.id, w.ticket)
        order = self._pool_order(wid, svc.id, services)
        data: dict[str, Any] = {"window": wid, "service": svc.id, "services": order, "reason": reason}
        if inputs:
            data["inputs"] = inputs
        return self._emit([Event(Kind.TIDAL_OPENED, now, data)])

    def _pool_order(self, wid: str, primary: str, services: Sequence[str] | None) -> list[str]:
        """The services pool window `wid` serves, by priority: `primary`, then `services` (or the
        rest of its allowed set); refused if the hall file does not allow one of them there."""
        allowed = self.cfg.pool_services(wid)
        rest = [s for s in allowed if s != primary] if services is None else list(services)
        order = list(dict.fromkeys([primary, *rest]))
        for sid in order:
            self.service(sid)
            if sid not in allowed:
                raise R.tidal_not_allowed(wid, sid, allowed)
        return order

    def tidal_close(
        self, wid: str, now: datetime, reason: str = "manual", inputs: dict[str, Any] | None = None
    ) -> list[Event]:
        w = self.window(wid)
        if not w.tidal:
            raise R.tidal_not_open(wid)
        if w.ticket:
            raise R.window_busy(w.id, w.ticket)
        data: dict[str, Any] = {"window": wid, "service": w.tidal_service, "reason": reason}
        if inputs:
            data["inputs"] = inputs
        return self._emit([Event(Kind.TIDAL_CLOSED, now, data)])

    def tidal_move(
        self,
        wid: str,
        service: str,
        now: datetime,
        reason: str = "manual",
        inputs: dict[str, Any] | None = None,
        services: Sequence[str] | None = None,
    ) -> list[Event]:
        """Give an open tidal window straight to another service: a closing and an opening at the
        same instant, marked `moved_to` / `moved_from` (one switch for the hall, two events). The
        window then serves `service` first, then `services` (as for `tidal_open`)."""
        w = self.window(wid)
        svc = self.service(service)
        if not w.tidal:
            raise R.tidal_not_open(wid)
        if w.tidal_service == svc.id:
            raise R.tidal_already_open(wid, svc.id)
        if w.ticket:
            raise R.window_busy(w.id, w.ticket)
        order = self._pool_order(wid, svc.id, services)
        old = w.tidal_service
        closed: dict[str, Any] = {"window": wid, "service": old, "reason": reason, "moved_to": svc.id}
        opened: dict[str, Any] = {
            "window": wid,
            "service": svc.id,
            "services": order,
            "reason": reason,
            "moved_from": old,
        }
        if inputs:
            closed["inputs"] = opened["inputs"] = inputs
        return self._emit([Event(Kind.TIDAL_CLOSED, now, closed), Event(Kind.TIDAL_OPENED, now, opened)])

    # ------------------------------------------------------------------ queries
    def ahead_of(self, t: Ticket, now: datetime) -> int:
        if t.status is not TicketStatus.WAITING:
            return 0
        if t.seq == self.seq and t.priority is not Priority.APPOINTMENT and not t.target_window:
            return self._ahead_of_newest(t, now)
        mine = t.order_key(now)
        return sum(1 for o in self.waiting[t.service].values() if o is not t and o.order_key(now) < mine)

    def _ahead_of_newest(self, t: Ticket, now: datetime) -> int:
        """O(appointments) count for the ticket just issued: every earlier ticket of its class
        or better is ahead, except appointments whose slot has not begun (they rank from it)."""
        counts = self.class_count[t.service]
        ahead = counts[Priority.APPOINTMENT] + counts[Priority.GREEN] - (t.priority is Priority.GREEN)
        if t.priority is Priority.NORMAL:
            ahead += counts[Priority.NORMAL] - 1
        if counts[Priority.APPOINTMENT]:
            mine = t.order_key(now)
            ahead -= sum(
                1
                for o in self.waiting[t.service].values()
                if o.priority is Priority.APPOINTMENT and o.order_key(now) > mine
            )
        return ahead

    def capacity(self, sid: str) -> tuple[float, int]:
        """(share of windows serving `sid`, idle windows serving it)."""
        cap, idle = 0.0, 0
        for w in self.windows.values():
            if sid in w.services and w.open:
                cap += 1 / len(w.services)
                idle += w.status is WindowStatus.IDLE
        return cap, idle

    def departure_rate(self, sid: str, without: str | None = None) -> float:
        """Departures of `sid` per second from its open windows (optionally as if `without` closed)."""
        means = {s: st.mean_s for s, st in self.service_time.items()}
        return departure_rate(sid, (w for w in self.windows.values() if w.id != without), means, self.call_mix)

    def eta_s(self, sid: str, ahead: int, without: str | None = None) -> int | None:
        idle = sum(
            1 for w in self.windows.values() if w.id != without and sid in w.services and w.status is WindowStatus.IDLE
        )
        return wait_for_rate(ahead, self.departure_rate(sid, without), idle)

    def announced_eta_s(self, sid: str, ahead: int, now: datetime) -> int | None:
        """The wait a ticket of `sid` with `ahead` before it announces (eta.effective_rate): the
        windows really serving it, at their own pace. `eta_s` (every open window at the average
        pace) stays the prior model and what the tidal policy reads."""
        means = {s: st.mean_s for s, st in self.service_time.items()}
        rate, idle, returns = effective_rate(sid, self.windows.values(), means, self.call_mix, self.pace, now)
        return announced_wait_s(ahead, rate, idle, returns)

    def oldest_wait_s(self, sid: str, now: datetime) -> float:
        """How long the longest-waiting visitor of `sid` has waited (0 if nobody waits)."""
        starts = [t.queued_at or t.issued_at for t in self.waiting[sid].values()]
        return max(0.0, (now - min(starts)).total_seconds()) if starts else 0.0

    def arrivals_between(self, sid: str, start: datetime, end: datetime) -> int:
        """Tickets issued for `sid` in [start, end)."""
        times = self.arrivals[sid]
        return bisect.bisect_left(times, end) - bisect.bisect_left(times, start)

    def ticket_view(self, t: Ticket, now: datetime) -> TicketInfo:
        """The contract's `ticket` object."""
        ahead = self.ahead_of(t, now)
        return TicketInfo(
            number=t.number,
            service=t.service,
            priority=t.priority,
            issued_at=t.issued_at,
            status=t.status,
            ahead=ahead,
            eta_s=self.announced_eta_s(t.service, ahead, now) if t.status is TicketStatus.WAITING else 0,
            verify=self.verify_string(t),
            window=t.window or None,
            page=page_token(self.secret, self.cfg.hall.id, self.day or self.local_day(now), t.number),
            green_reason=t.green_reason,
            reprints=t.reprints or None,
        )

    def verify_string(self, t: Ticket) -> str:
        """What the ticket's QR carries without a gateway: hall, day, number and a short MAC against
        forgery (tideq.contract.ticket_page.verify_string)."""
        assert self.day is not None  # a ticket exists only within a hall day
        return verify_string(self.secret, self.cfg.hall.id, self.day, t.number)


Fold = Callable[[Engine, Event], None]
WindowHandler = Callable[[Engine, WindowState, datetime, WindowArgs], ActionResult]

# One fold per event kind and one handler per window action; checked complete at import, so a new
# Kind or WindowAction without its entry fails every test run, not a hall at night.
FOLDS: Mapping[Kind, Fold] = MappingProxyType(
    {
        Kind.DAY_OPENED: Engine._fold_day_opened,
        Kind.TICKET_ISSUED: Engine._fold_ticket_issued,
        Kind.CALLED: Engine._fold_called,
        Kind.RECALLED: Engine._fold_recalled,
        Kind.SKIPPED: Engine._fold_skipped,
        Kind.REJOINED: Engine._fold_rejoined,
        Kind.FINISHED: Engine._fold_finished,
        Kind.RATED: Engine._fold_rated,
        Kind.TRANSFERRED: Engine._fold_transferred,
        Kind.WINDOW_PAUSED: Engine._fold_window_paused,
        Kind.WINDOW_RESUMED: Engine._fold_window_resumed,
        Kind.APPOINTMENTS_IMPORTED: Engine._fold_appointments_imported,
        Kind.APPOINTMENT_CANCELLED: Engine._fold_appointment_cancelled,
        Kind.APPOINTMENT_RESCHEDULED: Engine._fold_appointment_rescheduled,
        Kind.TIDAL_OPENED: Engine._fold_tidal_opened,
        Kind.TIDAL_CLOSED: Engine._fold_tidal_closed,
        Kind.STAFF_SIGNED_IN: Engine._fold_staff_signed_in,
        Kind.STAFF_SIGNED_OUT: Engine._fold_staff_signed_out,
        Kind.REPRINTED: Engine._fold_reprinted,
        Kind.HELP_REQUESTED: Engine._fold_help_requested,
        Kind.HELP_CLOSED: Engine._fold_help_closed,
    }
)
# events by which a window's staff show they are there (the event's "window"), and events that can
# change whether a window sits idle while people wait (eta.absent)
OWN_ACTIONS = frozenset(
    {
        Kind.CALLED,
        Kind.RECALLED,
        Kind.SKIPPED,
        Kind.FINISHED,
        Kind.TRANSFERRED,
        Kind.WINDOW_RESUMED,
        Kind.TIDAL_OPENED,
        Kind.STAFF_SIGNED_IN,
    }
)
QUEUE_CHANGES = frozenset(FOLDS) - {
    Kind.RATED,
    Kind.REPRINTED,
    Kind.HELP_REQUESTED,
    Kind.HELP_CLOSED,
    Kind.APPOINTMENTS_IMPORTED,
    Kind.APPOINTMENT_CANCELLED,
    Kind.APPOINTMENT_RESCHEDULED,
    Kind.DAY_OPENED,
    Kind.STAFF_SIGNED_IN,
    Kind.STAFF_SIGNED_OUT,
}
WINDOW_ACTIONS: Mapping[WindowAction, WindowHandler] = MappingProxyType(
    {
        WindowAction.NEXT: Engine._act_next,
        WindowAction.CALL: Engine._act_call,
        WindowAction.RECALL: Engine._act_recall,
        WindowAction.SKIP: Engine._act_skip,
        WindowAction.FINISH: Engine._act_finish,
        WindowAction.RATE: Engine._act_rate,
        WindowAction.TRANSFER: Engine._act_transfer,
        WindowAction.PAUSE: Engine._act_pause,
        WindowAction.RESUME: Engine._act_resume,
        WindowAction.SIGN_IN: Engine._act_sign_in,
        WindowAction.SIGN_OUT: Engine._act_sign_out,
    }
)


def missing_entries(table: Mapping[E, object], keys: type[E]) -> list[str]:
    """Members of the enum `keys` that `table` has no entry for (empty when it is complete)."""
    return sorted(str(k.value) for k in keys if k not in table)


for _missing in (missing_entries(FOLDS, Kind), missing_entries(WINDOW_ACTIONS, WindowAction)):
    if _missing:  # pragma: no cover - caught by tests/controller/test_tables.py
        raise ControllerError(f"engine table misses {_missing}")


def _copy(obj: _T) -> _T:
    """A shallow copy of a plain dataclass instance (its fields are immutable values)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _booking_fields(a: Appointment) -> tuple[Any, ...]:
    return (a.service, a.start, a.end, a.name_masked, a.phone_masked, a.identity)


def _row_fields(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        row["service"],
        datetime.fromisoformat(row["start"]),
        datetime.fromisoformat(row["end"]),
        row.get("name_masked", ""),
        row.get("phone_masked", ""),
        row.get("identity"),
    )


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _b(text: Any) -> BiText | None:
    return BiText.of(text.zh, text.en) if text is not None else None
