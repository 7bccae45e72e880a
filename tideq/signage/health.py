"""The LED strip line's retained `health/{bus_id}`, and the last will that marks it offline when
the process dies without a word (kill -9, power cut): then the broker publishes it at once (the
TCP connection closes) or within the keep-alive (the link went silent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tideq.contract.health import Health
from tideq.contract.topics import Topics
from tideq.contract.vocab import DeviceKind, HealthState, LinkState
from tideq.drivers.rs485.state import LineHealth


def health_report(bus_id: str, health: LineHealth, at: datetime) -> Health:
    """The line's health: strips ok / quiet (not answering) / offline (port down)."""
    return Health(
        ts=at,
        device=bus_id,
        kind=DeviceKind.LEDSTRIP,
        state=HealthState(health.state.value),
        strips={str(a): LinkState(s.value) for a, s in sorted(health.devices.items())},
    )


def will_for(topics: Topics, bus_id: str, addresses: Iterable[int]) -> tuple[str, Health]:
    """Last will: the line and every strip on it `offline` (its ts is the connect time)."""
    will = Health.last_will(bus_id, DeviceKind.LEDSTRIP, datetime.now().astimezone())
    will = will.model_copy(update={"strips": {str(a): LinkState.OFFLINE for a in sorted(addresses)}})
    return topics.health(bus_id), will
