"""What each command does: validate its payload against its model, call the engine, and build
the result its reply carries. A Refusal propagates to dispatch.py, which answers with it.

Free text never carries an ID or phone number into the event log: `source` of cmd/ticket,
checkin and rejoin must be a device the hall file knows ([[devices.kiosks]] and [rules]
sources), and a kiosk's own id when a kiosk's login sent it (the sender is the client id of the
command topic, which the broker binds to the login); every `reason` (pause, transfer, tidal) has
its runs of five or more digits (ID numbers, phone numbers) replaced by `***`; a pause reason
from [rules] pause_reasons is kept as it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tideq.config.logins import evaluator_user, kiosk_logins, window_user
from tideq.config.schema import HallConfig
from tideq.contract import (
    COMMANDS,
    AppointmentInfo,
    AppointmentsCmd,
    BiText,
    BookCmd,
    BookingAction,
    BookingCmd,
    BookingInfo,
    CheckinCmd,
    Command,
    ErrorCode,
    LookupCmd,
    PayloadError,
    RatingChannel,
    RatingRecord,
    RejoinCmd,
    RowResult,
    SlotInfo,
    SlotsCmd,
    StaffRef,
    TicketCmd,
    TidalCmd,
    TidalCommand,
    TidalRef,
    WindowAction,
    WindowCmd,
    WindowRef,
)
from tideq.contract.commands import GreenCmd, HelpCmd, ReprintCmd
from tideq.contract.ticket_page import read_page_token
from tideq.contract.vocab import HelpAction, HelpStatus, Priority
from tideq.contract.wire import check_version
from tideq.contract.wire import validate as validate_model

from . import refusals as R
from .engine import Engine
from .errors import Refusal
from .events import Event
from .model import Appointment
from .state import help_ref
from .tidal import Decision, TidalPolicy

LATE_NOTE = BiText.of(
    "您已超过预约时段，已为您转为现场号，按到达顺序办理",
    "You came after your slot, so this is a walk-in ticket served in arrival order",
)


DIGIT_RUN = re.compile(r"[0-9０-９](?:[\s.\-]?[0-9０-９]){4,}[XxＸ]?")  # 5+ digits: an ID, a phone number
KNOWN_SHOWN = 20  # known sources named in a refusal at most


def scrub_reason(text: str | None) -> str | None:
    """A free-text reason without digit runs that could be an ID or a phone number."""
    return None if text is None else DIGIT_RUN.sub("***", text)


def pause_reason(text: str | None, allowed: list[str]) -> str | None:
    """A configured pause reason (or one of its words, e.g. `lunch` for `午休 lunch`) as sent;
    anything else scrubbed."""
    if text is None:
        return None
    t = text.strip().casefold()
    if any(t == a.casefold() or t in a.casefold().split() for a in allowed):
        return text
    return scrub_reason(text)


@dataclass(frozen=True, slots=True)
class Done:
    """A command carried out: its reply's result, the events it made, and tidal notices to announce."""

    result: dict[str, Any]  # the reply's result fields (contract types), see tideq.contract.Reply
    events: list[Event]
    notices: tuple[Decision, ...] = ()
    query: bool = False  # a read-only answer (booking status, ratings): not stored in the event log


PIN_TRIES = 5  # wrong PINs at one window before it stops taking PINs for PIN_LOCK
PIN_LOCK = timedelta(minutes=5)
RATINGS_DAYS = 31  # cmd/booking `ratings` answers for today and this many days back
PastDay = Callable[[date], Engine]  # the engine as it stood at the end of a past hall day (a replay)


def rating_channel(sender: str, window: str) -> RatingChannel:
    """Where a rating was given, from the login that sent it (the broker binds sender to login)."""
    if sender == evaluator_user(window):
        return RatingChannel.TABLET
    if sender.startswith("bridge-"):
        return RatingChannel.KEYPAD
    if sender == window_user(window):
        return RatingChannel.COUNTER
    return RatingChannel.OTHER


def validate(model: type[Command], body: dict[str, Any]) -> Command:
    """The payload as `model`, or a Refusal naming the first bad field (the version first)."""
    try:
        check_version(body)
        return validate_model(model, body)
    except PayloadError as err:
        if err.code is ErrorCode.UNSUPPORTED_VERSION:
            raise R.unsupported_version(body.get("v")) from err
        raise R.bad_payload(err.detail) from err


class Handlers:
    """Runs one validated command on the engine; the tidal policy answers cmd/tidal and drains."""

    def __init__(self, cfg: HallConfig, tidal: TidalPolicy) -> None:
        self.tidal = tidal
        self.known_sources = [k.id for k in cfg.devices.kiosks] + list(cfg.rules.sources)
        self.kiosks = kiosk_logins(cfg)  # kiosk login -> its device id
        # logins whose staff may confirm a green-channel ticket: each window's caller terminal, the manager
        self.staff = {window_user(w.id) for w in cfg.windows} | {MANAGER_LOGIN}
        self.past_day: PastDay | None = None  # set by the worker: replays a past day from the event log
        # wrong PINs per window: (count, locked until). Kept in memory on purpose: a refusal is no
        # event, and a restart (which takes longer than guessing would gain) may forget them
        self.pin_misses: dict[str, tuple[int, datetime | None]] = {}

    def run(self, engine: Engine, name: str, body: dict[str, Any], now: datetime, sender: str) -> Done:
        """Carry out `cmd/{sender}/{name}`; raises a Refusal (nothing changed) when the hall says no."""
        base, _, arg = name.partition("/")
        spec = COMMANDS.get(base)
        if spec is None or spec.scoped != bool(arg) or "/" in arg:
            raise R.unknown_command(name)
        match validate(spec.model, body):
            case TicketCmd() as cmd:
                if cmd.priority is Priority.GREEN:
                    return self._green(engine, cmd.service, cmd.reason, None, now, sender)
                self._source(sender, cmd.source)
                return self._ticket(engine, cmd, now)
            case CheckinCmd() as cmd:
                self._source(sender, cmd.source)
                return self._checkin(engine, cmd, now)
            case RejoinCmd() as cmd:
                self._source(sender, cmd.source)
                events = engine.rejoin(cmd.ticket, now)
                return Done({"ticket": engine.ticket_view(engine.ticket(cmd.ticket), now)}, events)
            case WindowCmd() as cmd:
                return self._window(engine, arg, cmd, now, sender)
            case TidalCmd() as cmd:
                return self._tidal(engine, cmd, now)
            case AppointmentsCmd() as cmd:
                items = [a.model_dump(mode="json", exclude_none=True) for a in cmd.appointments]
                if cmd.per_row:
                    events, rows = engine.import_rows(items, now)
                    results = [RowResult.model_validate(r) for r in rows]
                    imported = sum(r.status.value != "refused" for r in results)
                    return Done({"imported": imported, "results": results}, events)
                return Done({"imported": len(items)}, engine.import_appointments(items, now))
            case BookingCmd() as cmd:
                return self._booking(engine, cmd, now)
            case BookCmd() as cmd:
                self._source(sender, cmd.source)
                events, appt = engine.book(cmd.service, cmd.source, now, cmd.id, cmd.start, cmd.identity)
                info = AppointmentInfo(code=appt.code, service=appt.service, start=appt.start, end=appt.end)
                return Done({"appointment": info, "booking": booking_info(engine, appt, now)}, events)
            case SlotsCmd() as cmd:
                day = cmd.day or engine.first_bookable_day(cmd.service, now)
                slots = [
                    SlotInfo(start=x.start, end=x.end, free=x.free, capacity=x.capacity)
                    for x in engine.slots(cmd.service, day, now)
                ]
                return Done({"slots": slots, "day": day}, [], query=True)
            case LookupCmd() as cmd:
                self._source(sender, cmd.source)
                if cmd.code:
                    found = engine.appointments.get(cmd.code.strip().upper())
                    if found is None:
                        raise R.appointment_unknown()
                    return Done({"booking": booking_info(engine, found, now)}, [], query=True)
                t = engine.lookup_ticket(cmd.ticket or "", cmd.verify or "")
                return Done({"ticket": engine.ticket_view(t, now)}, [], query=True)
            case GreenCmd() as cmd:
                return self._green(engine, cmd.service, cmd.reason, cmd.help, now, sender)
            case HelpCmd() as cmd:
                return self._help(engine, cmd, now, sender)
            case ReprintCmd() as cmd:
                return self._reprint(engine, cmd, now, sender)
        raise R.unknown_command(name)  # pragma: no cover - COMMANDS holds only the models above

    def _source(self, sender: str, source: str) -> None:
        """`source` names a device of this hall (free text there could carry an ID or phone number),
        and a kiosk names only itself."""
        own = self.kiosks.get(sender)
        if own is not None and source != own:
            raise R.bad_payload(f"'source' of kiosk login {sender!r} must be its own device id {own!r}")
        known = self.known_sources
        if source not in known:
            shown = ", ".join(known[:KNOWN_SHOWN]) + (" …" if len(known) > KNOWN_SHOWN else "")
            raise R.bad_payload(
                f"'source' must be a device of this hall ([[devices.kiosks]] or [rules] sources): one of {shown}"
            )

    def _green(
        self, engine: Engine, service: str, reason: str | None, help_id: str | None, now: datetime, sender: str
    ) -> Done:
        """A green-channel ticket, only from staff (a kiosk cannot tell who qualifies; 窗口无否决权:
        the refusal says how to get one). A help request's ticket is the requesting kiosk's."""
        if sender not in self.staff:
            raise R.green_needs_staff()
        if not reason:
            raise R.green_reason_required()
        source = engine.help[help_id].kiosk if help_id in engine.help else sender
        events, t = engine.issue(service, source, now, Priority.GREEN, green_reason=reason, by=sender, help_id=help_id)
        result: dict[str, Any] = {"ticket": engine.ticket_view(t, now)}
        if help_id is not None:
            result["help"] = help_ref(engine.help[help_id])
        return Done(result, events)

    def _help(self, engine: Engine, cmd: HelpCmd, now: datetime, sender: str) -> Done:
        """Kiosks request and collect; a kiosk cancels only its own request, staff any."""
        own = self.kiosks.get(sender)
        if cmd.action is HelpAction.REQUEST:
            if own is None:
                raise R.bad_payload("only a kiosk requests help; staff answer with cmd/green and 'help'")
            self._source(sender, cmd.source or "")
            events, made = engine.request_help(own, cmd.service, now)
            return Done({"help": help_ref(made)}, events)
        hid = cmd.help or ""
        h = engine.help.get(hid)
        if h is None or (own is not None and h.kiosk != own) or (own is None and sender not in self.staff):
            raise R.help_unknown(hid, sorted(k for k, v in engine.help.items() if own is None or v.kiosk == own))
        if cmd.action is HelpAction.COLLECT:
            if own is None or h.ticket is None:
                raise R.bad_payload(
                    f"help {hid} has no ticket yet: wait for staff to issue it (state/help shows it 'issued')"
                )
            t = engine.ticket(h.ticket)
            events, _ = engine.close_help(hid, now, "collected")
            return Done({"help": help_ref(h, HelpStatus.CLOSED), "ticket": engine.ticket_view(t, now)}, events)
        events, _ = engine.close_help(hid, now, "cancelled")
        return Done({"help": help_ref(h, HelpStatus.CLOSED)}, events)

    def _reprint(self, engine: Engine, cmd: ReprintCmd, now: datetime, sender: str) -> Done:
        """A kiosk proves it holds the ticket (its QR page token, or the number plus the last verify
        characters); staff reprint by number."""
        own = self.kiosks.get(sender)
        number = cmd.ticket
        if cmd.page:
            ref = read_page_token(engine.secret, engine.cfg.hall.id, cmd.page)
            if ref is None or ref.day != engine.day:
                raise R.bad_payload(
                    "'page' is not a ticket of this hall today: scan today's ticket, or type its number and verify code"
                )
            number = ref.number
        elif own is not None and not cmd.verify:
            raise R.bad_payload("a kiosk reprints by 'page' (scan the QR code) or 'ticket' with 'verify' (last 4)")
        if own is not None:
            self._source(sender, cmd.source or "")
        source = own or sender
        events, t = engine.reprint(number or "", now, source, sender, cmd.verify if not cmd.page else None)
        return Done({"ticket": engine.ticket_view(t, now)}, events)

    @staticmethod
    def _ticket(engine: Engine, cmd: TicketCmd, now: datetime) -> Done:
        events, t = engine.issue(cmd.service, cmd.source, now, cmd.priority, cmd.identity)
        return Done({"ticket": engine.ticket_view(t, now)}, events)

    @staticmethod
    def _checkin(engine: Engine, cmd: CheckinCmd, now: datetime) -> Done:
        events, t, appt, late = engine.checkin(now, cmd.source, cmd.code, cmd.identity)
        result: dict[str, Any] = {
            "ticket": engine.ticket_view(t, now),
            "appointment": AppointmentInfo(
                code=appt.code,
                service=appt.service,
                start=appt.start,
                end=appt.end,
                name_masked=appt.name_masked,
                late=late,
            ),
        }
        if late:
            result["note"] = LATE_NOTE
        return Done(result, events)

    def _window(self, engine: Engine, wid: str, cmd: WindowCmd, now: datetime, sender: str) -> Done:
        if sender == evaluator_user(wid) and cmd.action is not WindowAction.RATE:
            raise R.bad_payload(
                f"the evaluator of window {wid} only rates (action 'rate'); staff act from the caller terminal"
            )
        if cmd.action in (WindowAction.NEXT, WindowAction.CALL) and wid in self.tidal.draining():
            raise R.window_draining(wid)
        if cmd.action is WindowAction.SIGN_IN:
            return self._sign_in(engine, wid, cmd, now)
        events, t = engine.window_action(
            wid,
            cmd.action,
            now,
            ticket=cmd.ticket,
            to_service=cmd.to_service,
            to_window=cmd.to_window,
            reason=(
                pause_reason(cmd.reason, engine.cfg.rules.pause_reasons)
                if cmd.action is WindowAction.PAUSE
                else scrub_reason(cmd.reason)
            ),
            rating=cmd.rating,
            channel=rating_channel(sender, wid).value,
        )
        return Done({"window": window_ref(engine, wid), "ticket": engine.ticket_view(t, now) if t else None}, events)

    def _sign_in(self, engine: Engine, wid: str, cmd: WindowCmd, now: datetime) -> Done:
        """Sign a clerk in, counting wrong PINs per window: after PIN_TRIES the window takes no
        PIN for PIN_LOCK (a staff card still works), so a 4-digit PIN cannot be guessed at a counter."""
        engine.window(wid)
        misses, until = self.pin_misses.get(wid, (0, None))
        if until is not None and now < until and not cmd.card:
            raise R.staff_locked(wid, until.astimezone(engine.tz))
        try:
            events, _ = engine.window_action(
                wid, WindowAction.SIGN_IN, now, staff=cmd.staff, pin_proof=cmd.pin_proof, card=cmd.card
            )
        except Refusal as err:
            if err.code is not ErrorCode.STAFF_BAD_PIN:
                raise
            misses = 0 if until is not None else misses  # a lock that ran out starts a fresh count
            misses += 1
            if misses >= PIN_TRIES:
                lock = now + PIN_LOCK
                self.pin_misses[wid] = (0, lock)
                raise R.staff_locked(wid, lock.astimezone(engine.tz)) from err
            self.pin_misses[wid] = (misses, None)
            raise R.staff_bad_pin(cmd.staff or "", PIN_TRIES - misses) from err
        self.pin_misses.pop(wid, None)
        return Done({"window": window_ref(engine, wid)}, events)

    def _tidal(self, engine: Engine, cmd: TidalCmd, now: datetime) -> Done:
        reason = scrub_reason(cmd.reason) or "manual"
        wid = cmd.window or ""
        engine.window(wid)
        notices: tuple[Decision, ...] = ()
        if cmd.action is TidalCommand.OPEN:
            events = engine.tidal_open(wid, cmd.service or "", now, reason)
        elif cmd.action is TidalCommand.CLOSE:
            events = engine.tidal_close(wid, now, reason)
        elif cmd.action is TidalCommand.CONFIRM:
            events = self.tidal.confirm(wid, now).apply(engine, now)
        else:  # decline: nothing changes in the engine; the decline is announced with this burst
            notices = (self.tidal.decline(wid, now),)
            events = []
        w = engine.windows[wid]
        return Done({"tidal": TidalRef(window=w.id, service=w.tidal_service, open=w.tidal)}, events, notices)

    def _booking(self, engine: Engine, cmd: BookingCmd, now: datetime) -> Done:
        if cmd.action is BookingAction.RATINGS:
            return self._ratings(engine, cmd, now)
        code = cmd.code or ""
        if cmd.action is BookingAction.CANCEL:
            events, appt = engine.cancel_booking(code, now, scrub_reason(cmd.reason))
        elif cmd.action is BookingAction.RESCHEDULE:
            assert cmd.start is not None and cmd.end is not None  # BookingCmd checked
            events, appt = engine.reschedule_booking(code, cmd.start, cmd.end, now, cmd.service)
        else:
            return Done({"booking": booking_info(engine, engine.booking(code), now)}, [], query=True)
        return Done({"booking": booking_info(engine, appt, now)}, events)

    def _ratings(self, engine: Engine, cmd: BookingCmd, now: datetime) -> Done:
        today = engine.local_day(now)
        day = cmd.day or today
        if day > today or day < today - timedelta(days=RATINGS_DAYS):
            raise R.bad_payload(f"'day' must be within the last {RATINGS_DAYS} days (today is {today})")
        source = engine if day == today else (self.past_day(day) if self.past_day else None)
        records = source.ratings() if source is not None and source.day == day else []
        page = records[cmd.offset : cmd.offset + cmd.limit]
        return Done(
            {
                "ratings": [RatingRecord.model_validate(r) for r in page],
                "more": cmd.offset + len(page) < len(records),
                "day": day,
            },
            [],
            query=True,
        )


def window_ref(engine: Engine, wid: str) -> WindowRef:
    """The reply's view of a window, with the clerk signed in there."""
    w = engine.windows[wid]
    staff = StaffRef(id=w.staff, name=engine.staff_name(w.staff)) if w.staff else None
    return WindowRef(id=w.id, status=w.status, ticket=w.ticket, staff=staff)


MANAGER_LOGIN = "manager"  # `tideq manager` (tideq.broker.acl)


def booking_info(engine: Engine, appt: Appointment, now: datetime) -> BookingInfo:
    """The contract's view of one booking."""
    t = engine.tickets.get(appt.ticket) if appt.ticket else None
    return BookingInfo(
        code=appt.code,
        service=appt.service,
        start=appt.start,
        end=appt.end,
        status=engine.booking_status(appt, now),
        ticket=appt.ticket,
        ticket_status=t.status if t else None,
        checked_in_at=appt.checked_in_at,
        cancelled_at=appt.cancelled_at,
    )
