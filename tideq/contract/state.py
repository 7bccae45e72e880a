"""Retained state the controller publishes on change and every 10 s (`state/{name}`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, JsonValue, field_validator, model_validator

from .common import BiText, StaffRef, Timestamp
from .replies import HelpRef
from .vocab import SATISFIED_AT_LEAST, AlertLevel, ProposalAction, Rating, TidalKind, TidalMode, WindowStatus
from .wire import Count, Message, Part, SafeStr, Short

Inputs = dict[str, JsonValue]
"""What the tidal policy saw (`waiting`, `oldest_wait_s`, `eta_s`, `crowd`, …): see docs/tidal.md."""


class ServiceItem(Part):
    id: Short
    name: BiText
    prefix: Short
    open: bool = Field(description="takes tickets now (hall hours ∩ service hours)")
    next_open: Timestamp | None = Field(None, description="when closed: when it next opens; null if not within 3 weeks")
    waiting: Count
    eta_s: Count | None = Field(None, description="expected wait for a ticket taken now; null when no window serves it")
    windows_open: Count
    quota_left: Count | None = Field(None, description="walk-in tickets left today; null without a quota")
    capacity: float = Field(0.0, description="windows' share serving it (a window serving k services counts 1/k)")
    green: Count = Field(0, description="green-channel tickets (绿色通道) issued for it today")


class ServicesState(Message):
    """`state/services`."""

    ts: Timestamp
    services: list[ServiceItem]


Ratings = dict[Annotated[str, Field(pattern=r"^[1-5]$")], Count]


class WindowItem(Part):
    id: Short
    name: BiText
    status: WindowStatus
    ticket: Short | None = None
    services: list[Short] = Field(default_factory=list)
    tidal: bool = False
    pause_reason: SafeStr | None = None
    served: Count = 0
    skipped: Count = 0
    transferred: Count = 0
    ratings: Ratings = Field(default_factory=dict, description='today\'s ratings by value, e.g. {"5": 20, "4": 3}')
    unattended_since: Timestamp | None = Field(
        None,
        description="open but nobody serving: it has sat idle while people it could call waited (2 min in one "
        "stretch), and has called nobody since this time; null while it serves. Such a window does not count "
        "in the announced waits",
    )
    staff: StaffRef | None = Field(None, description="the clerk signed in at the window; null: nobody")

    @field_validator("ratings")
    @classmethod
    def _known(cls, v: dict[str, int]) -> dict[str, int]:
        return {k: n for k, n in v.items() if n}

    def rating_count(self, rating: Rating) -> int:
        return self.ratings.get(str(int(rating)), 0)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfied(self) -> int:
        """Ratings of 基本满意 or better (the 满意率 numerator)."""
        return sum(n for k, n in self.ratings.items() if int(k) >= SATISFIED_AT_LEAST)


class StaffItem(Part):
    """One clerk's figures today (by 工号, whichever windows they worked at)."""

    id: Short
    name: BiText
    window: Short | None = Field(None, description="where signed in now; null: signed out")
    served: Count = 0
    handling_s: Count = Field(0, description="total seconds from first call to finish of the tickets served")
    skipped: Count = 0
    transferred: Count = 0
    ratings: Ratings = Field(default_factory=dict, description="today's ratings of their service by value")

    @property
    def mean_handling_s(self) -> float | None:
        return self.handling_s / self.served if self.served else None

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfied(self) -> int:
        return sum(n for k, n in self.ratings.items() if int(k) >= SATISFIED_AT_LEAST)


class WindowsState(Message):
    """`state/windows`, and `staff`: today's figures of every clerk who signed in."""

    ts: Timestamp
    windows: list[WindowItem]
    staff: list[StaffItem] = Field(default_factory=list)


class CallItem(Part):
    ticket: Short
    window: Short
    service: Short
    at: Timestamp
    recall: bool = False


class CallsState(Message):
    """`state/calls`: the last 10 calls, newest first."""

    ts: Timestamp
    calls: list[CallItem]


class AlertItem(Part):
    service: Short
    level: AlertLevel
    reason: BiText


class OpenTidal(Part):
    """An open tidal window: `service` is the one it was opened for; `services` all it serves, by
    priority (that one first); empty from a controller older than comprehensive pool windows."""

    window: Short
    service: Short | None = None
    services: list[Short] = Field(default_factory=list)
    since: Timestamp | None = None
    reason: SafeStr | BiText | None = None


class ProposalItem(Part):
    window: Short
    service: Short | None = None
    action: ProposalAction
    at: Timestamp
    reason: BiText | SafeStr | None = None
    inputs: Inputs = Field(default_factory=dict)


class DecisionItem(Part):
    """One of today's openings and closings, in `event/tidal`'s shape."""

    ts: Timestamp
    kind: TidalKind
    window: Short | None = None
    service: Short | None = None
    reason: BiText | SafeStr | None = None
    inputs: Inputs = Field(default_factory=dict)


class TidalState(Message):
    """`state/tidal`: standing alerts, open tidal windows, proposals, draining windows, today's log."""

    ts: Timestamp
    mode: TidalMode = TidalMode.OFF
    alerts: list[AlertItem] = Field(default_factory=list)
    open: list[OpenTidal] = Field(default_factory=list)
    proposals: list[ProposalItem] = Field(default_factory=list)
    draining: list[Short] = Field(default_factory=list)
    decisions: list[DecisionItem] = Field(default_factory=list)


class QueueService(Part):
    """One service's waiting tickets in the order they will be called (priority class, then wait)."""

    id: Short
    tickets: list[Short] = Field(default_factory=list, description="waiting ticket numbers, next to be called first")
    eta_s: list[Count | None] = Field(
        default_factory=list,
        description="expected seconds until each of `tickets` is called (same model as a ticket's `eta_s`); "
        "null when no window serves the service",
    )
    issued: Count = Field(0, description="tickets issued for this service today (its numbering counter)")

    @model_validator(mode="after")
    def _parallel(self) -> QueueService:
        if len(self.eta_s) != len(self.tickets):
            raise ValueError(f"eta_s has {len(self.eta_s)} entries for {len(self.tickets)} tickets")
        return self


class SkippedItem(Part):
    """A skipped ticket that may still rejoin (`cmd/rejoin`, once, until `rejoin_until`)."""

    number: Short
    service: Short
    at: Timestamp
    rejoin_until: Timestamp


class QueueState(Message):
    """`state/queue`: every service's waiting ticket numbers in call order, and the skipped tickets
    that may still rejoin. Ticket numbers only, nothing personal (what the boards show anyway); what
    a visitor's phone page (`tideq gateway`) reads to show one ticket's place."""

    ts: Timestamp
    day: date = Field(description="the hall day these numbers belong to (hall-local date)")
    services: list[QueueService] = Field(default_factory=list)
    skipped: list[SkippedItem] = Field(default_factory=list)


QUEUE_TOPIC = "queue"
"""`state/queue` is kept out of STATE_TOPICS: the boards' liveness waits for every topic there, and a
board has no use for the queue's order (it reads `state/queue` never; the gateway does)."""

STATE_TOPICS: dict[str, type[Message]] = {
    "services": ServicesState,
    "windows": WindowsState,
    "calls": CallsState,
    "tidal": TidalState,
}

HELP_TOPIC = "help"
"""`state/help` is kept out of STATE_TOPICS too (boards wait for every topic there): the manager
console and the caller terminals read it."""


class HelpState(Message):
    """`state/help`: kiosks' open and issued help requests (绿色通道), oldest first; a closed one leaves."""

    ts: Timestamp
    requests: list[HelpRef] = Field(default_factory=list)


EVERY_STATE_TOPIC: dict[str, type[Message]] = {**STATE_TOPICS, QUEUE_TOPIC: QueueState, HELP_TOPIC: HelpState}
"""Every retained `state/` topic and its model: what a subscriber to `state/#` meets."""
