"""The tidal policy's vocabulary: modes, actions, alert levels, camera states, tuning, and the
Decision it hands back (what to do, why, and on which inputs)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, TypedDict

from tideq.contract import AlertLevel as AlertLevel  # the contract's; named here for the policy
from tideq.contract import BiText, TidalEvent, TidalKind, TidalMode

from ..engine import Engine
from ..events import Event

Text = dict[str, str]  # {"zh", "en"}: short, shown to the manager and on boards
CrowdReading = tuple[str, datetime]  # a zone's level ("low", "busy", "crowded") and the hall time it was read


Mode = TidalMode  # auto: decisions are applied at once; confirm: proposals the hall manager answers; off


class Action(str, Enum):
    WARN = "warn"  # alert raised or changed level
    CLEAR = "clear"  # alert gone
    PROPOSE_OPEN = "propose_open"
    PROPOSE_CLOSE = "propose_close"
    OPEN = "open"  # apply: engine.tidal_open
    CLOSE = "close"  # apply: engine.tidal_close
    PROPOSE_MOVE = "propose_move"
    MOVE = "move"  # apply: engine.tidal_move (an open tidal window goes straight to
    # another service: one switch instead of a closing and an opening)
    DRAIN = "drain"  # window should finish its visitor and call nobody new
    DECLINED = "declined"  # the manager declined a proposal


ENGINE_ACTIONS = frozenset({Action.OPEN, Action.CLOSE, Action.MOVE})  # what the worker applies (Decision.apply)

# the `kind` a decision is reported as; a move is an opening for its new service (the engine's
# events of it are a tidal_closed with moved_to and a tidal_opened with moved_from)
EVENT_KIND: dict[Action, TidalKind] = {
    Action.WARN: TidalKind.WARN,
    Action.CLEAR: TidalKind.CLEAR,
    Action.PROPOSE_OPEN: TidalKind.PROPOSE_OPEN,
    Action.PROPOSE_CLOSE: TidalKind.PROPOSE_CLOSE,
    Action.PROPOSE_MOVE: TidalKind.PROPOSE_MOVE,
    Action.OPEN: TidalKind.OPENED,
    Action.CLOSE: TidalKind.CLOSED,
    Action.MOVE: TidalKind.OPENED,
    Action.DRAIN: TidalKind.DRAIN,
    Action.DECLINED: TidalKind.DECLINED,
}


class Camera(str, Enum):
    OK = "ok"
    STALE = "stale"  # reading older than crowd_max_age_s: ignored, queue signals alone
    MISSING = "missing"  # no reading for the zone
    UNMAPPED = "unmapped"  # the service has no zone


@dataclass(frozen=True)
class Tuning:
    """Policy settings not in the hall config (defaults chosen in docs/tidal.md)."""

    crowd_max_age_s: float = 90.0  # a camera silent this long is treated as dead
    trend_window_s: float = 1800.0  # arrival rate measured over this trailing window
    horizon_s: float = 900.0  # queue growth projected this far (a window takes minutes to staff; 600
    # before the issue 13 re-tuning, docs/tidal.md)
    open_eta_factor: float = 0.5  # open a window once the projected wait passes this share of warn_eta_s
    open_min_queue: int = 8  # ... with at least this many (projected) waiting: a window for a short
    # queue of a slow service buys little (4 before the re-tuning; the previous defaults gave p90
    # 7.6 min at +7 % window-hours on peak-day, these 9.4 at +4.6 %)
    crowd_eta_factor: float = 0.5  # ... and this further share of it when the zone is crowded
    close_queue_factor: float = 0.5  # close only below this share of warn_queue
    close_load: float = 1.2  # ... and when arrivals are below this share of the capacity left (above 1:
    # comprehensive pool windows and shared windows absorb a little excess; 1.1 before the re-tuning)
    proposal_ttl_s: float = 300.0  # an unconfirmed proposal lapses (and may be proposed again)
    hold_s: float = 1800.0  # after a manual close or a decline: no new proposal for it
    target_wait_s: float = 300.0  # value of a window: visitor-seconds of wait beyond this it saves ...
    value_horizon_s: float = 1800.0  # ... over this horizon (eta.excess_wait_s)
    trend_weight: float = 0.5  # arrival rate used for that: last trend_window_s + this share of its change
    open_gain_s: float = math.inf  # a window saving this much counts as capacity short, whatever the wait
    # (off: on peak-day it bought its p90 with too many window-hours)
    move_factor: float = 0.5  # with no free pool window, move one whose loss is below this share of the gain
    close_z: float = 0.0  # close only if arrivals + close_z * their Poisson noise are below close_load
    # of the capacity left (1.5 before issue 13: with comprehensive windows it kept them open +3 h a day)


class Thresholds(TypedDict):
    """The hall's `[tidal]` limits, as every decision's `inputs` carry them."""

    warn_queue: int
    warn_eta_s: int
    warn_crowd: str
    sustain_s: int
    close_eta_s: int
    min_open_s: int
    max_switches_per_hour: int


class PoolCandidate(TypedDict):
    """A free pool window the policy could open (`inputs.candidates`, best first)."""

    window: str
    idle: bool
    load: int


class MoveCandidate(TypedDict):
    """An open policy window of another service that could move (`inputs.movable`, best first)."""

    window: str
    service: str
    cool: bool
    loss_s: int
    busy: bool
    open_s: int


@dataclass(frozen=True)
class Decision:
    action: Action
    at: datetime
    service: str | None
    window: str | None
    reason: Text  # {"zh", "en"}: short, shown to the manager and on boards
    inputs: dict[str, Any] = field(default_factory=dict)
    level: AlertLevel | None = None
    services: tuple[str, ...] = ()  # OPEN/MOVE: what the window serves, by priority ( `service` first);
    # empty: the engine's default (the rest of the window's pool_services, in hall-file order)

    @property
    def engine_reason(self) -> str:
        return f"{self.reason['zh']} / {self.reason['en']}"

    def apply(self, engine: Engine, now: datetime) -> list[Event]:
        """Carry out an OPEN, CLOSE or MOVE on the engine (the `inputs` mark it as the policy's own)."""
        inputs = {**self.inputs, "by": "policy"}
        order = list(self.services) or None
        if self.action is Action.OPEN:
            return engine.tidal_open(self.window or "", self.service or "", now, self.engine_reason, inputs, order)
        if self.action is Action.CLOSE:
            return engine.tidal_close(self.window or "", now, self.engine_reason, inputs)
        if self.action is Action.MOVE:
            return engine.tidal_move(self.window or "", self.service or "", now, self.engine_reason, inputs, order)
        return []

    def event(self) -> TidalEvent:
        """This decision as `event/tidal` (warnings, proposals, drains and declines)."""
        return TidalEvent(
            ts=self.at,
            kind=EVENT_KIND[self.action],
            service=self.service,
            window=self.window,
            reason=BiText.model_validate(self.reason),
            inputs=self.inputs,
            level=self.level,
        )
