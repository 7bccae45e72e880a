"""The hall picture a board shows, folded from the controller's retained state and call events.

Pure: no Qt, no clock reads. Every decision takes `now` (and ages) as arguments, so highlight
expiry and staleness are tested by moving a hand clock. Messages arrive already decoded into the
contract's typed messages (`tideq.ui.qtbus` drops a payload that is not one), so a bad payload
never half-updates the picture. The picture keeps only what a screen draws (`ServiceView`,
`WindowView`, ...), which is what makes "nothing visible changed, no repaint" a plain comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from tideq.contract import (
    STATE_TOPICS,
    BiText,
    CallEvent,
    CallItem,
    CallsState,
    ControllerStatus,
    ServicesState,
    TidalState,
    WindowsState,
    WindowStatus,
)

HallMessage = ServicesState | WindowsState | CallsState | TidalState | CallEvent | ControllerStatus
"""What a board folds: the four retained states, `event/call` and `status/controller`."""
STATE_MESSAGES = (ServicesState, WindowsState, CallsState, TidalState)
HALL_MESSAGES = (*STATE_MESSAGES, CallEvent, ControllerStatus)

_PARTS: dict[type, str] = {model: name for name, model in STATE_TOPICS.items()}


class Liveness(Enum):
    """How far the board can trust what it shows, worst case first."""

    LINK_DOWN = "link_down"  # this board lost (or never had) the broker
    OFFLINE = "offline"  # the controller said offline: clean stop or its last will
    WAITING = "waiting"  # linked, but not every state topic received since (re)connecting
    STALE = "stale"  # no fresh state for stale_s: the controller hangs or its clock/link does
    LIVE = "live"


@dataclass(frozen=True)
class CallView:
    """One call, from `state/calls` or from `event/call` (which arrives first)."""

    ticket: str
    window: str
    service: str
    at: datetime
    recall: bool = False

    @classmethod
    def of_item(cls, c: CallItem) -> CallView:
        return cls(c.ticket, c.window, c.service, c.at, c.recall)

    @classmethod
    def of_event(cls, e: CallEvent) -> CallView:
        return cls(e.ticket, e.window, e.service, e.ts.replace(microsecond=0), e.recall)


@dataclass(frozen=True)
class WindowView:
    id: str
    name: BiText
    status: WindowStatus
    ticket: str | None
    services: tuple[str, ...]
    tidal: bool
    pause_reason: str | None


@dataclass(frozen=True)
class ServiceView:
    id: str
    name: BiText
    open: bool
    waiting: int
    eta_s: int
    windows_open: int


@dataclass(frozen=True)
class TidalView:
    window: str
    service: str
    since: datetime | None


@dataclass
class HallState:
    """The folded picture. Each state topic is a full snapshot and replaces its part wholesale.

    `controller` starts as `online`: only an `offline` status changes what a board shows, and a
    board is not live before every state topic has arrived anyway (`received`)."""

    services: tuple[ServiceView, ...] = ()
    windows: tuple[WindowView, ...] = ()
    calls: tuple[CallView, ...] = ()  # newest first
    tidal: tuple[TidalView, ...] = ()
    controller: ControllerStatus = ControllerStatus.ONLINE
    newest_ts: datetime | None = None
    received: set[str] = field(default_factory=set)

    def apply(self, message: HallMessage) -> bool:
        """Fold one message; True if the picture changed."""
        if isinstance(message, ControllerStatus):
            changed, self.controller = message is not self.controller, message
            return changed
        if isinstance(message, CallEvent):
            return self._add_call(CallView.of_event(message))
        part = _PARTS[type(message)]
        parsed = _VIEWS[part](message)
        self.newest_ts = message.ts if self.newest_ts is None else max(message.ts, self.newest_ts)
        self.received.add(part)
        changed = getattr(self, part) != parsed
        setattr(self, part, parsed)
        return changed

    def _add_call(self, call: CallView) -> bool:
        """A call event arrives just before state/calls: show it at once, state/calls confirms it."""
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


def call_key(c: CallView) -> tuple[str, str, bool, datetime]:
    """One call whether it came from `event/call` (ts to the second) or `state/calls` (to the ms)."""
    return c.ticket, c.window, c.recall, c.at.replace(microsecond=0)


def current_calls(
    calls: tuple[CallView, ...], age_s: Callable[[CallView], float], highlight_s: float
) -> list[CallView]:
    """Calls to show as "now calling": younger than highlight_s by `age_s` (real seconds, see
    BoardModel), newest first, one per window (a window that called again has moved on) and one
    per ticket (a recall replaces the call). The newest call of a window or ticket decides: an
    expired recall does not bring back the call it repeated."""
    out: list[CallView] = []
    windows: set[str] = set()
    tickets: set[str] = set()
    for c in calls:
        if c.window in windows or c.ticket in tickets:
            continue
        windows.add(c.window)
        tickets.add(c.ticket)
        if age_s(c) > highlight_s:
            continue
        out.append(c)
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


# what a board draws of each state ----------------------------------------------------------
def _services(m: ServicesState) -> tuple[ServiceView, ...]:
    return tuple(ServiceView(s.id, s.name, s.open, s.waiting, s.eta_s or 0, s.windows_open) for s in m.services)


def _windows(m: WindowsState) -> tuple[WindowView, ...]:
    return tuple(
        WindowView(w.id, w.name, w.status, w.ticket or None, tuple(w.services), w.tidal, w.pause_reason or None)
        for w in m.windows
    )


def _calls(m: CallsState) -> tuple[CallView, ...]:
    return tuple(CallView.of_item(c) for c in m.calls)


def _tidal(m: TidalState) -> tuple[TidalView, ...]:
    # an open tidal window without a service has nothing to announce on the notice line
    return tuple(TidalView(t.window, t.service, t.since) for t in m.open if t.service)


_VIEWS: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "services": _services,
    "windows": _windows,
    "calls": _calls,
    "tidal": _tidal,
}
