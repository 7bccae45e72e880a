"""Printer health on the bus: retained `tideq/{hall}/health/{device}` so staff see paper running
low on the hall dashboard before a visitor finds an empty printer."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from tideq.contract import DeviceKind, Health, HealthState
from tideq.drivers.printer.status import PrinterState, PrinterStatus

if TYPE_CHECKING:
    from tideq.contract import BusClient


def printer_health(device: str, status: PrinterStatus, at: datetime | None = None) -> Health:
    """The printer's `health/{device}` (kind `printer`): its state, and the raw status in `detail`."""
    return Health(
        ts=at or datetime.now().astimezone(),
        device=device,
        kind=DeviceKind.PRINTER,
        state=HealthState(status.state.value),
        detail=status.to_dict(),
    )  # type: ignore[arg-type]


class PrinterHealth:
    """A status listener for TicketPrinter: publishes when the state changes (and the first
    time), retained and QoS 1. Use as `TicketPrinter(url, on_status=PrinterHealth(bus, "p1"))`.

    It has no last will of its own (MQTT allows one per connection and the kiosk's is its own
    health): a dashboard reads a printer of an `offline` kiosk as unknown."""

    def __init__(self, bus: BusClient, device: str) -> None:
        self.bus, self.device = bus, device
        self.topic = bus.topics.health(device)
        self._last: tuple[PrinterState, bool] | None = None
        self._lock = threading.Lock()

    def __call__(self, status: PrinterStatus) -> None:
        self.publish(status)

    def publish(self, status: PrinterStatus, *, force: bool = False) -> bool:
        key = (status.state, status.reachable)
        with self._lock:
            if key == self._last and not force:
                return False
            self._last = key
        self.bus.publish(self.topic, printer_health(self.device, status), qos=1, retain=True)
        return True
