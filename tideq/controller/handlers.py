"""What each command does: validate its payload against its model, call the engine, and build
the result its reply carries. A Refusal propagates to dispatch.py, which answers with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tideq.contract import (
    COMMANDS,
    AppointmentInfo,
    AppointmentsCmd,
    BiText,
    CheckinCmd,
    Command,
    ErrorCode,
    PayloadError,
    RejoinCmd,
    TicketCmd,
    TidalCmd,
    TidalCommand,
    TidalRef,
    WindowAction,
    WindowCmd,
    WindowRef,
)
from tideq.contract.wire import check_version
from tideq.contract.wire import validate as validate_model

from . import refusals as R
from .engine import Engine
from .events import Event
from .tidal import Decision, TidalPolicy

LATE_NOTE = BiText.of(
    "您已超过预约时段，已为您转为现场号，按到达顺序办理",
    "You came after your slot, so this is a walk-in ticket served in arrival order",
)


@dataclass(frozen=True, slots=True)
class Done:
    """A command carried out: its reply's result, the events it made, and tidal notices to announce."""

    result: dict[str, Any]  # the reply's result fields (contract types), see tideq.contract.Reply
    events: list[Event]
    notices: tuple[Decision, ...] = ()


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

    def __init__(self, tidal: TidalPolicy) -> None:
        self.tidal = tidal

    def run(self, engine: Engine, name: str, body: dict[str, Any], now: datetime) -> Done:
        """Carry out `cmd/{name}`; raises a Refusal (nothing changed) when the hall says no."""
        base, _, arg = name.partition("/")
        spec = COMMANDS.get(base)
        if spec is None or spec.scoped != bool(arg) or "/" in arg:
            raise R.unknown_command(name)
        match validate(spec.model, body):
            case TicketCmd() as cmd:
                return self._ticket(engine, cmd, now)
            case CheckinCmd() as cmd:
                return self._checkin(engine, cmd, now)
            case RejoinCmd() as cmd:
                events = engine.rejoin(cmd.ticket, now)
                return Done({"ticket": engine.ticket_view(engine.ticket(cmd.ticket), now)}, events)
            case WindowCmd() as cmd:
                return self._window(engine, arg, cmd, now)
            case TidalCmd() as cmd:
                return self._tidal(engine, cmd, now)
            case AppointmentsCmd() as cmd:
                items = [a.model_dump(mode="json", exclude_none=True) for a in cmd.appointments]
                return Done({"imported": len(items)}, engine.import_appointments(items, now))
        raise R.unknown_command(name)  # pragma: no cover - COMMANDS holds only the models above

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

    def _window(self, engine: Engine, wid: str, cmd: WindowCmd, now: datetime) -> Done:
        if cmd.action in (WindowAction.NEXT, WindowAction.CALL) and wid in self.tidal.draining():
            raise R.window_draining(wid)
        events, t = engine.window_action(
            wid,
            cmd.action,
            now,
            ticket=cmd.ticket,
            to_service=cmd.to_service,
            to_window=cmd.to_window,
            reason=cmd.reason,
            rating=cmd.rating,
        )
        w = engine.windows[wid]
        return Done(
            {
                "window": WindowRef(id=w.id, status=w.status, ticket=w.ticket),
                "ticket": engine.ticket_view(t, now) if t else None,
            },
            events,
        )

    def _tidal(self, engine: Engine, cmd: TidalCmd, now: datetime) -> Done:
        reason = cmd.reason or "manual"
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
