"""Events: the only way queue state changes. Appended to the log, folded back on start."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Kind(str, Enum):
    DAY_OPENED = "day_opened"
    TICKET_ISSUED = "ticket_issued"
    CALLED = "called"
    RECALLED = "recalled"
    SKIPPED = "skipped"
    REJOINED = "rejoined"
    FINISHED = "finished"
    RATED = "rated"
    TRANSFERRED = "transferred"
    WINDOW_PAUSED = "window_paused"
    WINDOW_RESUMED = "window_resumed"
    APPOINTMENTS_IMPORTED = "appointments_imported"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    TIDAL_OPENED = "tidal_opened"
    TIDAL_CLOSED = "tidal_closed"
    STAFF_SIGNED_IN = "staff_signed_in"  # a clerk signed in at a window (a shift starts); the window stays open
    STAFF_SIGNED_OUT = "staff_signed_out"  # the clerk signed out (or the next one signed in: a shift change)
    REPRINTED = "reprinted"  # a ticket printed again (补打)
    HELP_REQUESTED = "help_requested"  # a kiosk called staff to its 绿色通道
    HELP_CLOSED = "help_closed"  # the kiosk printed the green ticket staff issued, or the request was cancelled


@dataclass(frozen=True)
class Event:
    kind: Kind
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_row(cls, kind: str, at: str, data: str) -> Event:
        return cls(Kind(kind), datetime.fromisoformat(at), json.loads(data))
