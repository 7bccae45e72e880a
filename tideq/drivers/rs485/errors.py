"""One exception tree for every device family on a tideq serial line (LED strips, keypads,
evaluators). A family's own errors subclass both its family base and the leaf here, so a caller
can catch `StripTimeout` or any `DeviceTimeout` alike."""

from __future__ import annotations


class Rs485Error(Exception):
    """Base of every serial-line error."""


class FrameError(Rs485Error, ValueError):
    """A frame that cannot be built (bad address, payload too long)."""


class PortUnavailable(Rs485Error):
    """The serial port cannot be opened, or was lost (USB adapter unplugged, wrong path, busy)."""


class DeviceTimeout(Rs485Error):
    """No usable answer from a device within the timeout, after every attempt."""

    def __init__(self, message: str, addr: int, attempts: int) -> None:
        super().__init__(message)
        self.addr = addr
        self.attempts = attempts


class DeviceQuiet(Rs485Error):
    """The device stopped answering; the request was not sent (it is only probed now)."""


class DeviceNak(Rs485Error):
    """The device received the request and refused it; `code` says why."""

    def __init__(self, message: str, addr: int, code: int) -> None:
        super().__init__(message)
        self.addr = addr
        self.code = code


class PayloadError(Rs485Error, ValueError):
    """A checksum-valid frame whose payload does not follow the family's protocol (wrong firmware?)."""
