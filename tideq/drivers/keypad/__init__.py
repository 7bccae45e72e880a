"""Caller keypads on an RS-485 line: wire protocol, polling bus master and a pty simulator."""
from .errors import KeypadError, KeypadPayloadError
from ..rs485.polled import BusHealth, BusState, DeviceState, LineError, PortUnavailable
from .master import KeyEvent, KeypadMaster
from .protocol import Caps, DisplayStyle, Key

__all__ = [
    "BusHealth", "BusState", "Caps", "DeviceState", "DisplayStyle", "Key", "KeyEvent", "KeypadError",
    "KeypadMaster", "KeypadPayloadError", "LineError", "PortUnavailable",
]
