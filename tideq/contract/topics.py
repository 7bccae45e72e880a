"""Topic names of the contract, under the prefix `tideq/{hall}`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CONTRACT_VERSION = 1


def now_iso(at: datetime | None = None) -> str:
    """ISO 8601 with offset, to the millisecond (the contract's timestamp form)."""
    return (at or datetime.now().astimezone()).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Topics:
    hall: str

    @property
    def prefix(self) -> str:
        return f"tideq/{self.hall}"

    def t(self, suffix: str) -> str:
        return f"{self.prefix}/{suffix}"

    # retained state
    @property
    def status_controller(self) -> str:
        return self.t("status/controller")

    def state(self, name: str) -> str:
        """state/services, state/windows, state/calls, state/tidal."""
        return self.t(f"state/{name}")

    def event(self, name: str) -> str:
        return self.t(f"event/{name}")

    def health(self, device: str) -> str:
        """Retained device health (printers, strips, keypads, cameras)."""
        return self.t(f"health/{device}")

    def sensor_crowd(self, zone: str) -> str:
        return self.t(f"sensor/crowd/{zone}")

    def cmd(self, name: str) -> str:
        """cmd/ticket, cmd/checkin, cmd/window/{id}, cmd/tidal, cmd/appointments, ..."""
        return self.t(f"cmd/{name}")

    def reply(self, client_id: str) -> str:
        return self.t(f"reply/{client_id}")
