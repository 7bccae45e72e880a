"""Sensor readings: what cameras publish (counts, never frames)."""

from __future__ import annotations

from typing import ClassVar

from .common import Timestamp
from .vocab import CrowdLevel
from .wire import Count, Message, Short


class CrowdReading(Message):
    """`sensor/crowd/{zone}` (retained): people counted in a zone, stamped with the camera's clock."""

    omit_none: ClassVar[bool] = True

    ts: Timestamp
    count: Count
    level: CrowdLevel
    camera: Short | None = None
