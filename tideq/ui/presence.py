"""A staff device's presence on the bus: its retained `health/{device}`.

The manager console must tell a caller terminal that is running from one whose PC crashed. So a
terminal, an evaluator tablet and a manager console each connect with a last will (`offline`,
published by the broker when the connection dies without a goodbye), say `ok` on every
(re)connect and again every minute (an `ok` older than five minutes reads as doubtful), and say
`offline` themselves on a clean stop, which sends no will.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer

from tideq.contract import DeviceKind, Health, HealthState, Topics

from .bus_protocol import Bus

REPORT_EVERY_S = 60.0


def wall_now() -> datetime:
    """Device health is stamped with the device's own clock, like a camera's readings."""
    return datetime.now().astimezone()


def presence_will(hall: str, device: str, kind: DeviceKind, at: datetime | None = None) -> tuple[str, Health]:
    """The `will=` to connect with: `health/{device}` offline (its ts is the connect time)."""
    return Topics(hall).health(device), Health.last_will(device, kind, at or wall_now())


class Presence(QObject):
    """Publishes `ok` for `device` on every connect and every `every_s` while connected."""

    def __init__(
        self,
        bus: Bus,
        device: str,
        kind: DeviceKind,
        *,
        every_s: float = REPORT_EVERY_S,
        now: Callable[[], datetime] = wall_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bus, self.device, self.kind, self.now = bus, device, kind, now
        self.topic = bus.topics.health(device)
        self._timer = QTimer(self)
        self._timer.setInterval(int(every_s * 1000))
        self._timer.timeout.connect(self.report)
        bus.connection.connect(self._on_connection)

    def _on_connection(self, up: bool) -> None:
        if up:
            self.report()
            self._timer.start()
        else:
            self._timer.stop()

    def report(self, state: HealthState = HealthState.OK, reason: str | None = None) -> None:
        self.bus.publish(
            self.topic,
            Health(ts=self.now(), device=self.device, kind=self.kind, state=state, reason=reason),
            retain=True,
        )

    def goodbye(self) -> None:
        """Before a clean stop (call it, then stop the bus: the publish goes out ahead of DISCONNECT)."""
        self._timer.stop()
        self.report(HealthState.OFFLINE, "stopped")
