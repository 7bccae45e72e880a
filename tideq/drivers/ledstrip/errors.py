"""Exception tree of the LED strip driver: callers catch `LedStripError` (or any `Rs485Error`),
tests the leaves. Each leaf is also the line's own leaf (`StripTimeout` is a `DeviceTimeout`)."""

from __future__ import annotations

from tideq.drivers.rs485.errors import DeviceNak, DeviceQuiet, DeviceTimeout, PayloadError, PortUnavailable, Rs485Error

__all__ = ["LedStripError", "PortUnavailable", "ProtocolError", "StripNak", "StripQuiet", "StripTimeout"]


class LedStripError(Rs485Error):
    """Base of every LED strip error (the port's own `PortUnavailable` is the line's)."""


class StripTimeout(LedStripError, DeviceTimeout):
    """No valid answer from a strip within timeout after every retry."""


class StripQuiet(LedStripError, DeviceQuiet):
    """The strip stopped answering; the command was remembered and is replayed when it answers again."""


class StripNak(LedStripError, DeviceNak):
    """The strip answered NAK: it received the frame but refused it (code says why)."""

    def __init__(self, addr: int, code: int, message: str) -> None:
        super().__init__(f"strip {addr} refused the command: {message} (NAK code {code:#04x})", addr, code)


class ProtocolError(LedStripError, PayloadError):
    """A frame that is valid on the wire but not in the LED strip protocol."""
