"""Caller keypads on an RS-485 line: wire protocol, polling bus master and a pty simulator."""

from tideq.drivers.rs485.errors import PortUnavailable, Rs485Error
from tideq.drivers.rs485.state import BusState, DeviceState, LineHealth

from .errors import KeypadError, KeypadPayloadError
from .master import KeyEvent, KeypadMaster
from .protocol import Caps, DisplayStyle, Key

__all__ = [
    "BusState",
    "Caps",
    "DeviceState",
    "DisplayStyle",
    "Key",
    "KeyEvent",
    "KeypadError",
    "KeypadMaster",
    "KeypadPayloadError",
    "LineHealth",
    "PortUnavailable",
    "Rs485Error",
]
