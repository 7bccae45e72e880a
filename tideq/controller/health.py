"""What `health/controller` says: `ok`, or `degraded` with every standing problem and its fix.

Problems: the event log cannot be written (disk full, read-only: until a write succeeds again),
and stored events quarantined on rebuild (until the hall day ends; see docs/reliability.md).
"""

from __future__ import annotations

from datetime import datetime

from tideq.contract import DeviceKind, Health, HealthState
from tideq.contract.wire import scrub

DEVICE = "controller"


class ControllerHealth:
    def __init__(self) -> None:
        self.problems: dict[str, str] = {}  # what -> the reason and its fix, for people
        self.changed = True  # publish on the next burst

    def _set(self, key: str, reason: str | None) -> None:
        if self.problems.get(key) == reason:
            return
        if reason is None:
            self.problems.pop(key, None)
        else:
            self.problems[key] = reason
        self.changed = True

    def storage_failed(self, advice: str) -> None:
        self._set("storage", f"storage: {advice}")

    def storage_ok(self) -> None:
        self._set("storage", None)

    def quarantined(self, n: int) -> None:
        self._set(
            "quarantine",
            f"quarantine: {n} stored event(s) could not be read and were left out of today's state; the hall"
            " carries on. Check the controller log and the event log's quarantine table"
            if n
            else None,
        )

    @property
    def state(self) -> HealthState:
        return HealthState.DEGRADED if self.problems else HealthState.OK

    def message(self, now: datetime) -> Health:
        return Health(
            ts=now,
            device=DEVICE,
            kind=DeviceKind.CONTROLLER,
            state=self.state,
            reason=scrub("; ".join(self.problems.values()), 1900) if self.problems else None,
        )
