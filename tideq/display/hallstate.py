"""The hall picture a board shows, folded from the controller's retained state and call events.

Pure: no Qt, no clock reads. Every decision takes `now` (and ages) as arguments, so highlight
expiry and staleness are tested by moving a hand clock, and a payload that is not what the
contract says raises `PayloadError` instead of half-updating the picture.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from .errors import DisplayError


class PayloadError(DisplayError):
    """A state or event payload does not have the contract v1 shape."""


class Liveness(Enum):
    """How far the board can trust what it shows, worst case first."""

    LINK_DOWN = "link_down"     # this board lost (or never had) the broker
    OFFLINE = "offline"         # the controller said offline: clean stop or its last will
    WAITING = "waiting"         # linked, but not every state topic received since (re)connecting
    STALE = "stale"             # no fresh state for stale_s: the controller hangs or its clock/link does
    LIVE = "live"


class ControllerStatus(Enum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


class WindowStatus(str, Enum):
    IDLE = "idle"
    SERVING = "serving"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def open(self) -> bool:
        return self in (WindowStatus.IDLE, WindowStatus.SERVING)


@dataclass(frozen=True)
class Name:
    zh: str
    en: str


@dataclass(frozen=True)
class CallView:
    ticket: str
    window: str
    service: str
    at: datetime
    recall: bool = False


@dataclass(frozen=True)
class WindowView:
    id: str
    name: Name
    status: WindowStatus
    ticket: str | None
    services: tuple[str, ...]
    tidal: bool
    pause_reason: str | None


@dataclass(frozen=True)
class ServiceView:
    id: str
    name: Name
    open: bool
    waiting: int
    eta_s: int
    windows_open: int


@dataclass(frozen=True)
class TidalView:
    window: str
    service: str
    since: datetime | None


STATE_TOPICS = ("services", "windows", "calls", "tidal")


@dataclass
class HallState:
    """The folded picture. Each state topic is a full snapshot and replaces its part wholesale."""

    services: tuple[ServiceView, ...] = ()
    windows: tuple[WindowView, ...] = ()
    calls: tuple[CallView, ...] = ()            # newest first
    tidal: tuple[TidalView, ...] = ()
    controller: ControllerStatus = ControllerStatus.UNKNOWN
    newest_ts: datetime | None = None
    received: set[str] = field(default_factory=set)

    def apply(self, name: str, data: Any) -> bool:
        """Fold one message (`name` is the topic after the hall prefix); True if the picture changed."""
        try:
            return self._apply(name, data)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise PayloadError(f"{name}: {type(err).__name__}: {err}") from err

    def _apply(self, name: str, data: Any) -> bool:
        if name == "status/controller":
            status = ControllerStatus.ONLINE if data == "online" else ControllerStatus.OFFLINE
            changed, self.controller = status != self.controller, status
            return changed
        if name == "event/call":
            return self._add_call(data)
        part = name.removeprefix("state/")
        if part not in STATE_TOPICS or not isinstance(data, dict):
            return False
        parsed = _PARSERS[part](data)
        ts = _dt(data["ts"])
        self.newest_ts = ts if self.newest_ts is None else max(ts, self.newest_ts)
        self.received.add(part)
        changed = getattr(self, part) != parsed
        setattr(self, part, parsed)
        return changed

    def _add_call(self, data: dict[str, Any]) -> bool:
        """A call event arrives just before state/calls: show it at once, state/calls confirms it."""
        call = CallView(str(data["ticket"]), str(data["window"]), str(data.get("service", "")),
                        _dt(data["ts"]).replace(microsecond=0), bool(data.get("recall", False)))
        if call in self.calls:
            return False
        self.calls = (call, *self.calls)[:10]
        return True

    def window(self, wid: str) -> WindowView | None:
        return next((w for w in self.windows if w.id == wid), None)

    def service(self, sid: str) -> ServiceView | None:
        return next((s for s in self.services if s.id == sid), None)


def liveness(*, link_up: bool, state: HallState, rx_age_s: float | None, now: datetime, stale_s: float) -> Liveness:
    """`rx_age_s`: seconds since the last state message arrived (monotonic), None if none did.
    State is stale when it has not arrived for stale_s, or when what arrived is older than that
    by its own `ts` (a retained snapshot of a controller that died without its will)."""
    if not link_up:
        return Liveness.LINK_DOWN
    if state.controller is ControllerStatus.OFFLINE:
        return Liveness.OFFLINE
    if rx_age_s is None or state.received != set(STATE_TOPICS) or state.newest_ts is None:
        return Liveness.WAITING
    if rx_age_s > stale_s or (now - state.newest_ts).total_seconds() > stale_s:
        return Liveness.STALE
    return Liveness.LIVE


def current_calls(calls: tuple[CallView, ...], now: datetime, highlight_s: float) -> list[CallView]:
    """Calls to show as "now calling": younger than highlight_s, newest first, one per window
    (a window that called again has moved on) and one per ticket (a recall replaces the call)."""
    out: list[CallView] = []
    windows: set[str] = set()
    tickets: set[str] = set()
    for c in calls:
        if (now - c.at).total_seconds() > highlight_s or c.window in windows or c.ticket in tickets:
            continue
        out.append(c)
        windows.add(c.window)
        tickets.add(c.ticket)
    return out


def recent_calls(calls: tuple[CallView, ...], shown: list[CallView], limit: int) -> list[CallView]:
    """Earlier calls, newest first, without the ones shown as current and without repeats."""
    seen = {c.ticket for c in shown}
    out: list[CallView] = []
    for c in calls:
        if c.ticket not in seen:
            out.append(c)
            seen.add(c.ticket)
    return out[:limit]


def window_key(wid: str) -> tuple[int, int, str]:
    return (0, int(wid), wid) if wid.isdigit() else (1, 0, wid)


def alternatives(state: HallState, wid: str, services: tuple[str, ...] = ()) -> list[WindowView]:
    """Open windows that serve what window `wid` serves: where to go when it is paused or closed."""
    me = state.window(wid)
    wanted = set(services or (me.services if me else ()))
    found = [w for w in state.windows if w.id != wid and w.status.open and wanted & set(w.services)]
    return sorted(found, key=lambda w: window_key(w.id))


# parsing ------------------------------------------------------------------------------------
def _dt(value: Any) -> datetime:
    at = datetime.fromisoformat(str(value))
    if at.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return at


def _name(value: Any, fallback: str) -> Name:
    if isinstance(value, dict):
        return Name(str(value.get("zh") or fallback), str(value.get("en") or fallback))
    return Name(fallback, fallback)


def _services(data: dict[str, Any]) -> tuple[ServiceView, ...]:
    return tuple(ServiceView(str(s["id"]), _name(s.get("name"), str(s["id"])), bool(s.get("open", True)),
                             int(s.get("waiting", 0)), int(s.get("eta_s") or 0), int(s.get("windows_open", 0)))
                 for s in data["services"])


def _windows(data: dict[str, Any]) -> tuple[WindowView, ...]:
    return tuple(WindowView(str(w["id"]), _name(w.get("name"), str(w["id"])), WindowStatus(w["status"]),
                            str(w["ticket"]) if w.get("ticket") else None, tuple(str(s) for s in w.get("services", ())),
                            bool(w.get("tidal", False)), w.get("pause_reason") or None)
                 for w in data["windows"])


def _calls(data: dict[str, Any]) -> tuple[CallView, ...]:
    return tuple(CallView(str(c["ticket"]), str(c["window"]), str(c.get("service", "")), _dt(c["at"]),
                          bool(c.get("recall", False))) for c in data["calls"])


def _tidal(data: dict[str, Any]) -> tuple[TidalView, ...]:
    return tuple(TidalView(str(t["window"]), str(t["service"]), _dt(t["since"]) if t.get("since") else None)
                 for t in data.get("open", ()))


_PARSERS = {"services": _services, "windows": _windows, "calls": _calls, "tidal": _tidal}
