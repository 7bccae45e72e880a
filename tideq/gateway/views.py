"""What the pages show, built from the snapshot (pure: no I/O, the time is passed in).

A ticket's status, in the order it is decided: at a window in `state/windows` -> `called`; in
its service's `state/queue` list -> `waiting` (with `ahead`, `eta_s`, and `near` once
`notify_ahead` or fewer are ahead); in `state/queue`'s `skipped` -> `skipped` (with
`rejoin_until`); none of these -> `done`. Nothing personal: ticket numbers, service and window
names, counts and times.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tideq.config.schema import HallConfig
from tideq.controller.hours import spans_for

from .bus import Snapshot

STALE_S = 30.0  # the controller republishes every 10 s; older than this, the page says so
RECENT_CALLS = 5


def _text(t: Any) -> dict[str, str]:
    return {"zh": t.zh, "en": t.en}


def _service_name(cfg: HallConfig, snap: Snapshot, sid: str) -> dict[str, str]:
    if snap.services is not None:
        for s in snap.services.services:
            if s.id == sid:
                return _text(s.name)
    svc = cfg.service(sid)
    return _text(svc.name) if svc else {"zh": sid, "en": sid}


def _window_name(cfg: HallConfig, snap: Snapshot, wid: str) -> dict[str, str]:
    if snap.windows is not None:
        for w in snap.windows.windows:
            if w.id == wid:
                return _text(w.name)
    conf = cfg.window(wid)
    return _text(conf.name) if conf else {"zh": f"{wid}号窗口", "en": f"Window {wid}"}


def _service_of(cfg: HallConfig, number: str) -> str | None:
    """The service whose prefix the number carries (a transferred ticket keeps its number)."""
    return next((s.id for s in cfg.services if number.startswith(s.prefix)), None)


def _issued_yet(snap: Snapshot, sid: str, number: str) -> bool:
    """Has `state/queue` counted this number among its service's issued tickets? (A page opened
    within milliseconds of its ticket sees the reply's number before the queue that holds it.)"""
    digits = number[1:]
    if snap.queue is None or not digits.isdigit():
        return True
    issued = next((q.issued for q in snap.queue.services if q.id == sid), None)
    return issued is None or int(digits) <= issued


def is_stale(snap: Snapshot, monotonic_now: float) -> bool:
    return snap.received_at is None or monotonic_now - snap.received_at > STALE_S


def ticket_view(cfg: HallConfig, snap: Snapshot, number: str, *, notify_ahead: int, stale: bool) -> dict[str, Any]:
    """The ticket page's data for `number` (a number the caller has authenticated for today)."""
    view: dict[str, Any] = {
        "v": 1,
        "number": number,
        "status": "done",
        "ahead": None,
        "eta_s": None,
        "near": False,
        "window": None,
        "rejoin_until": None,
        "controller": snap.controller.value if snap.controller else None,
        "stale": stale,
    }  # no `ts`: the 10 s refresh would then push every open page an update that changes nothing
    sid = _service_of(cfg, number)
    w = snap.at_window.get(number)
    place = snap.places.get(number)
    skipped = snap.skipped.get(number)
    if w is not None:
        view["status"] = "called"
        view["window"] = {"id": w.id, "name": _text(w.name)}
        view["eta_s"] = 0
        view["ahead"] = 0
    elif place is not None:
        sid = place.service
        # "3 away": notify_ahead or fewer people before it
        view.update(status="waiting", ahead=place.ahead, eta_s=place.eta_s, near=place.ahead <= notify_ahead)
    elif skipped is not None:
        sid = skipped.service
        view.update(status="skipped", rejoin_until=skipped.rejoin_until.isoformat())
    elif sid is not None and not _issued_yet(snap, sid, number):
        view["status"] = "waiting"  # issued a moment ago: the next state/queue brings its place
    view["service"] = {"id": sid, "name": _service_name(cfg, snap, sid)} if sid else None
    return view


def _hours(cfg: HallConfig, sid: str, day: date) -> list[list[str]]:
    svc = cfg.service(sid)
    return [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in spans_for(cfg, svc, day)]


def hall_view(cfg: HallConfig, snap: Snapshot, *, today: date, stale: bool) -> dict[str, Any]:
    """The hall live page: every service's waiting count, expected wait, hours today, and the
    tidal notices (windows opened for a service, overload warnings)."""
    tidal_for: dict[str, list[dict[str, str]]] = {}
    notices: list[dict[str, Any]] = []
    if snap.tidal is not None:
        for o in snap.tidal.open:
            if o.service is None:
                continue
            wname = _window_name(cfg, snap, o.window)
            tidal_for.setdefault(o.service, []).append(wname)
            sname = _service_name(cfg, snap, o.service)
            notices.append(
                {
                    "kind": "tidal_open",
                    "window": {"id": o.window, "name": wname},
                    "service": {"id": o.service, "name": sname},
                    "text": {
                        "zh": f"潮汐窗口已开放：{wname['zh']}增办{sname['zh']}",
                        "en": f"Tidal window open: {wname['en']} now also serves {sname['en']}",
                    },
                }
            )
        for a in snap.tidal.alerts:
            sname = _service_name(cfg, snap, a.service)
            notices.append(
                {
                    "kind": "alert",
                    "level": a.level.value,
                    "service": {"id": a.service, "name": sname},
                    "text": {
                        "zh": f"{sname['zh']}当前排队较多，请耐心等候",
                        "en": f"{sname['en']}: the queue is long at the moment, thank you for your patience",
                    },
                }
            )
    services = []
    for s in snap.services.services if snap.services else ():
        services.append(
            {
                "id": s.id,
                "name": _text(s.name),
                "prefix": s.prefix,
                "open": s.open,
                "next_open": s.next_open.isoformat() if s.next_open else None,
                "waiting": s.waiting,
                "eta_s": s.eta_s,
                "windows_open": s.windows_open,
                "hours": _hours(cfg, s.id, today),
                "tidal_windows": tidal_for.get(s.id, []),
            }
        )
    calls = []
    if snap.calls is not None:
        for c in snap.calls.calls[:RECENT_CALLS]:
            calls.append({"ticket": c.ticket, "window": {"id": c.window, "name": _window_name(cfg, snap, c.window)}})
    return {
        "v": 1,
        "hall": _text(cfg.hall.name),
        "ts": snap.ts.isoformat() if snap.ts else None,
        "controller": snap.controller.value if snap.controller else None,
        "stale": stale,
        "hours": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in spans_for(cfg, None, today)],
        "services": services,
        "notices": notices,
        "calls": calls,
    }


def hall_today(cfg: HallConfig, snap: Snapshot, now: datetime) -> date:
    """The hall day: the controller's (state/queue) if known, else this machine's clock in the hall's zone."""
    from zoneinfo import ZoneInfo

    return snap.day or now.astimezone(ZoneInfo(cfg.hall.timezone)).date()
