"""LED strips over RS-485/RS-232: protocol, driver, simulated line and MQTT controller.

Wire format: docs/ledstrip-protocol.md. No Qt here.
"""
from .driver import CLEARED, Display, LedStripBus, StripState
from .errors import LedStripError, PortUnavailable, ProtocolError, StripNak, StripOffline, StripTimeout
from .protocol import BROADCAST, Charset, Command, Mode, NakCode, encode_text
from .render import LedTexts, WindowStatus

__all__ = [
    "BROADCAST", "CLEARED", "Charset", "Command", "Display", "LedStripBus", "LedStripError", "LedTexts", "Mode",
    "NakCode", "PortUnavailable", "ProtocolError", "StripNak", "StripOffline", "StripState", "StripTimeout",
    "WindowStatus", "encode_text",
]
