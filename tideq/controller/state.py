"""Retained state and event messages built from the engine (the contract's types)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tideq.contract import (
    BiText,
    CallEvent,
    CallItem,
    CallsState,
    OpenTidal,
    QueueService,
    QueueState,
    ServiceItem,
    ServicesState,
    SkippedItem,
    StaffItem,
    StaffRef,
    WindowItem,
    WindowsState,
)
from tideq.contract.replies import HelpRef
from tideq.contract.state import HelpState
from tideq.contract.vocab import HelpStatus

from .engine import Engine
from .eta import absent, announced_wait_s, effective_rate
from .hours import is_open, next_opening
from .model import Call, HelpRequest, TicketStatus


def services_state(engine: Engine, now: datetime) -> ServicesState:
    out = []
    for svc in engine.cfg.services:
        waiting = len(engine.waiting[svc.id])
        cap, _ = engine.capacity(svc.id)
        open_now = is_open(engine.cfg, svc, now)
        out.append(
            ServiceItem(
                id=svc.id,
                name=svc.name,
                prefix=svc.prefix,
                open=open_now,
                next_open=None if open_now else next_opening(engine.cfg, svc, now),
                waiting=waiting,
                eta_s=engine.announced_eta_s(svc.id, waiting, now),
                windows_open=sum(1 for w in engine.windows.values() if svc.id in w.services and w.open),
                quota_left=(svc.daily_quota - engine.walkins[svc.id]) if svc.daily_quota else None,
                capacity=round(cap, 2),
                green=engine.green_issued.get(svc.id, 0),
            )
        )
    return ServicesState(ts=now, services=out)


def windows_state(engine: Engine, now: datetime) -> WindowsState:
    out = []
    for w in engine.cfg.windows:
        s = engine.windows[w.id]
        out.append(
            WindowItem(
                id=w.id,
                name=w.name,
                status=s.status,
                ticket=s.ticket,
                services=list(s.services),
                tidal=s.tidal,
                pause_reason=s.pause_reason,
                served=s.served,
                skipped=s.skipped,
                transferred=s.transferred,
                ratings={str(r): s.ratings.count(r) for r in range(1, 6) if r in s.ratings},
                unattended_since=s.neglect_first if absent(s, now) else None,
                staff=StaffRef(id=s.staff, name=engine.staff_name(s.staff)) if s.staff else None,
            )
        )
    staff = [
        StaffItem(
            id=st.id,
            name=engine.staff_name(st.id),
            window=st.window,
            served=st.served,
            handling_s=round(st.handling_s),
            skipped=st.skipped,
            transferred=st.transferred,
            ratings={str(r): st.ratings.count(r) for r in range(1, 6) if r in st.ratings},
        )
        for st in sorted(engine.staff.values(), key=lambda x: x.id)
    ]
    return WindowsState(ts=now, windows=out, staff=staff)


def calls_state(engine: Engine, now: datetime) -> CallsState:
    return CallsState(ts=now, calls=[_call(c) for c in engine.calls])


def queue_state(engine: Engine, now: datetime) -> QueueState:
    """`state/queue`: each service's waiting numbers in call order (the order `ahead` counts in)
    with each one's expected wait, and the skipped tickets that may still rejoin."""
    means = {s: st.mean_s for s, st in engine.service_time.items()}
    services = []
    for svc in engine.cfg.services:
        queue = sorted(engine.waiting[svc.id].values(), key=lambda t: t.order_key(now))
        etas: list[int | None] = []
        if queue:
            rate, idle, returns = effective_rate(
                svc.id, engine.windows.values(), means, engine.call_mix, engine.pace, now
            )
            etas = _waits(len(queue), rate, idle, returns)
        # built, not validated: the engine's own numbers (validating ~1,000 strings a burst cost ~1 ms)
        services.append(
            QueueService.model_construct(
                id=svc.id, tickets=[t.number for t in queue], eta_s=etas, issued=engine.counters[svc.id]
            )
        )
    limit = timedelta(minutes=engine.cfg.rules.skip_rejoin_min)
    skipped = [
        SkippedItem(number=t.number, service=t.service, at=t.skipped_at, rejoin_until=t.skipped_at + limit)
        for t in engine.tickets.values()
        if t.status is TicketStatus.SKIPPED and not t.rejoined and t.skipped_at and now - t.skipped_at <= limit
    ]
    day = engine.day or engine.local_day(now)
    return QueueState(ts=now, day=day, services=services, skipped=skipped)


def _waits(n: int, rate: float, idle: int, returns: list[tuple[float, float]]) -> list[int | None]:
    """`announced_wait_s(ahead, rate, idle, returns)` for ahead = 0..n-1; without absent windows
    it is `round(need / rate)`, computed here without the general function's loop (same floats)."""
    if returns:
        return [announced_wait_s(a, rate, idle, returns) for a in range(n)]
    if rate <= 0:
        return [0 if a - idle + 1 <= 0 else None for a in range(n)]
    return [round(max(0, a - idle + 1) / rate) for a in range(n)]


def open_tidal(engine: Engine) -> list[OpenTidal]:
    return [
        OpenTidal(
            window=w.id, service=w.tidal_service, services=list(w.services), since=w.tidal_since, reason=w.tidal_reason
        )
        for w in engine.windows.values()
        if w.tidal
    ]


def _call(c: Call) -> CallItem:
    return CallItem(ticket=c.ticket, window=c.window, service=c.service, at=c.at, recall=c.recall)


def call_event(engine: Engine, ticket: str, window: str, service: str, recall: bool, now: datetime) -> CallEvent:
    w = engine.cfg.window(window)
    zh_w = w.name.zh if w else f"{window}号窗口"
    en_w = w.name.en if w else f"window {window}"
    return CallEvent(
        ts=now,
        ticket=ticket,
        window=window,
        service=service,
        recall=recall,
        announce=BiText.of(f"请{ticket}号到{zh_w}办理", f"Number {ticket}, please go to {en_w}"),
    )


def help_state(engine: Engine, now: datetime) -> HelpState:
    """`state/help`: open and issued help requests, oldest first."""
    return HelpState(ts=now, requests=[help_ref(h) for h in sorted(engine.help.values(), key=lambda h: h.at)])


def help_ref(h: HelpRequest, status: HelpStatus | None = None) -> HelpRef:
    """The contract's view of one help request."""
    st = status or (HelpStatus.ISSUED if h.ticket else HelpStatus.OPEN)
    return HelpRef(id=h.id, kiosk=h.kiosk, service=h.service, status=st, at=h.at, ticket=h.ticket)
