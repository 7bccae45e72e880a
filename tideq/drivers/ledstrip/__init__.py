"""LED strips over RS-485/RS-232: protocol, driver and simulated line (the bus follower is tideq.signage).

Wire format: docs/ledstrip-protocol.md. No Qt here.
"""
from .driver import CLEARED, Display, LedStripBus, StripState
from .errors import LedStripError, PortUnavailable, ProtocolError, StripNak, StripOffline, StripTimeout
from .protocol import BROADCAST, Charset, Command, Mode, NakCode, encode_text

__all__ = [
    "BROADCAST", "CLEARED", "Charset", "Command", "Display", "LedStripBus", "LedStripError", "Mode",
    "NakCode", "PortUnavailable", "ProtocolError", "StripNak", "StripOffline", "StripState", "StripTimeout",
    "encode_text",
]
