"""Device health: retained `health/{device}`, and every device's last will."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field, JsonValue

from .common import Timestamp
from .vocab import DeviceKind, HealthState, LinkState
from .wire import Count, Message, SafeStr, Short


class Health(Message):
    """One device's health. `kind` says which optional fields it fills (docs/protocol.md)."""

    omit_none: ClassVar[bool] = True

    ts: Timestamp
    device: Short
    kind: DeviceKind
    state: HealthState
    reason: SafeStr | None = None
    detail: dict[str, JsonValue] | None = Field(None, description="printer: raw status bits and reachability")
    problems: dict[str, SafeStr] | None = Field(None, description="kiosk: what needs staff, by part")
    last_ticket: Short | None = None
    fps: float | None = Field(None, description="camera: frames counted per second")
    strips: dict[str, LinkState] | None = Field(None, description="ledstrip: state by strip address")
    keypads: dict[str, LinkState] | None = Field(None, description="keypad-bus: state by keypad address")
    evaluators: dict[str, LinkState] | None = Field(None, description="evaluator-bus: state by evaluator address")
    bad_frames: Count | None = None
    garbage_bytes: Count | None = None
    duplicates: Count | None = None

    @classmethod
    def last_will(cls, device: str, kind: DeviceKind, at: datetime) -> Health:
        """What the broker publishes for a device that vanished without a goodbye. Its `ts` is
        the connect time: readers judge it by `state`, not age."""
        return cls(ts=at, device=device, kind=kind, state=HealthState.OFFLINE, reason="connection lost")
