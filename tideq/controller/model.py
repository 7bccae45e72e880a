"""Queue state objects. Mutated only by Engine.apply(), one event at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tideq.contract.vocab import Priority, TicketStatus, WindowAction, WindowStatus

# The contract's vocabulary, named here for the engine (one definition: tideq.contract.vocab).
__all__ = [
    "PRIORITY_RANK",
    "Appointment",
    "Call",
    "HelpRequest",
    "Priority",
    "Ticket",
    "TicketStatus",
    "WindowAction",
    "WindowState",
    "WindowStatus",
]

PRIORITY_RANK: dict[Priority, int] = {Priority.APPOINTMENT: 0, Priority.GREEN: 1, Priority.NORMAL: 2}
"""Order of service classes: checked-in appointments, green channel (绿色通道), walk-ins."""


@dataclass
class Ticket:
    number: str
    service: str
    priority: Priority
    issued_at: datetime  # original issue time; kept across transfers
    seq: int  # global issue order, the final tie-breaker
    source: str
    identity: str | None = None  # HMAC of the ID number, never the number
    appointment: str | None = None
    slot_start: datetime | None = None
    status: TicketStatus = TicketStatus.WAITING
    queued_at: datetime | None = None  # when it (re)joined the queue; order key with issued_at
    window: str | None = None
    target_window: str | None = None  # transferred to a specific window
    called_at: datetime | None = None
    first_called_at: datetime | None = None
    calls: int = 0
    skipped_at: datetime | None = None
    rejoined: bool = False
    finished_at: datetime | None = None
    rating: int | str | None = None
    rated_at: datetime | None = None
    rating_channel: str | None = None  # RatingChannel value; None in events logged before it was recorded
    rating_staff: str | None = None  # 工号 of the clerk who finished it, as the rating event says (None: nobody)
    transfers: int = 0
    staff: str | None = None  # 工号 of the clerk who called it, then who finished it (None: nobody signed in)
    green_reason: str | None = None  # GreenReason value (a category); green tickets only
    issued_by: str | None = None  # the staff login (window-3, manager) that issued a green ticket
    reprints: int = 0  # times printed again (补打)

    def order_key(self, now: datetime) -> tuple[int, datetime, int]:
        """Priority first, then longest wait. An appointment counts as priority from its slot."""
        rank = PRIORITY_RANK[self.priority]
        at = self.queued_at or self.issued_at
        if self.priority is Priority.APPOINTMENT and self.slot_start is not None:
            at = self.slot_start
            if now < self.slot_start:
                rank = PRIORITY_RANK[Priority.NORMAL]
        return rank, at, self.seq


@dataclass
class WindowState:
    id: str
    services: list[str]
    tidal_pool: bool
    status: WindowStatus
    ticket: str | None = None
    pause_reason: str | None = None
    tidal_service: str | None = None
    tidal_since: datetime | None = None
    tidal_reason: str | None = None
    served: int = 0
    skipped: int = 0
    transferred: int = 0
    ratings: list[int] = field(default_factory=list)
    # presence (eta.absent): stretches of sitting idle while people it could call wait, since the
    # window's own last action (call, recall, skip, finish, transfer, resume, tidal opening)
    neglect_since: datetime | None = None  # the stretch running now
    neglect_longest_s: float = 0.0  # the longest finished stretch
    neglect_first: datetime | None = None  # start of the first stretch: nobody has called since
    absences: int = 0  # today's absences it came back from (eta.absent, then an own action)
    absent_s: float = 0.0  # their total length, s (from the first stretch's start to the return)
    staff: str | None = None  # 工号 of the clerk signed in here; None: nobody (the window may still be open)

    @property
    def tidal(self) -> bool:
        return self.tidal_service is not None

    @property
    def open(self) -> bool:
        return self.status in (WindowStatus.IDLE, WindowStatus.SERVING)


@dataclass
class Appointment:
    code: str
    service: str
    start: datetime
    end: datetime
    name_masked: str
    phone_masked: str
    identity: str | None = None
    ticket: str | None = None
    cancelled_at: datetime | None = None  # the booking platform cancelled it (cmd/booking)
    checked_in_at: datetime | None = None


@dataclass
class HelpRequest:
    """A kiosk's call for staff to its 绿色通道; `ticket` once staff issued the green ticket."""

    id: str
    kiosk: str
    service: str | None
    at: datetime
    ticket: str | None = None


@dataclass(frozen=True)
class Call:
    ticket: str
    window: str
    service: str
    at: datetime
    recall: bool


@dataclass
class StaffStats:
    """One clerk's figures today, folded from the events that carry their 工号."""

    id: str
    window: str | None = None  # where signed in now
    served: int = 0
    handling_s: float = 0.0  # first call to finish, summed over the tickets served
    skipped: int = 0
    transferred: int = 0
    ratings: list[int] = field(default_factory=list)
