"""Exception tree of the LED strip driver: callers catch `LedStripError`, tests the leaves."""
from __future__ import annotations


class LedStripError(Exception):
    """Base of every LED strip error."""


class PortUnavailable(LedStripError):
    """The serial port cannot be opened or was lost (USB adapter unplugged, wrong path)."""


class StripTimeout(LedStripError):
    """No valid answer from a strip within timeout after every retry."""


class StripOffline(LedStripError):
    """The strip is marked offline; the command was remembered and is replayed on recovery."""


class StripNak(LedStripError):
    """The strip answered NAK: it received the frame but refused it (code says why)."""

    def __init__(self, addr: int, code: int, message: str) -> None:
        super().__init__(f"strip {addr} refused the command: {message} (NAK code {code:#04x})")
        self.addr = addr
        self.code = code


class ProtocolError(LedStripError):
    """A frame that is valid on the wire but not in the LED strip protocol."""
