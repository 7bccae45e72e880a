"""LED strips over RS-485/RS-232: protocol, driver and simulated line (the bus follower is tideq.signage).

Wire format: docs/ledstrip-protocol.md. The line itself is `tideq.drivers.rs485`. No Qt, no MQTT here.
"""

from tideq.drivers.rs485.framing import BROADCAST
from tideq.drivers.rs485.state import BusState, DeviceState

from .driver import CLEARED, Display, LedStripBus
from .errors import LedStripError, PortUnavailable, ProtocolError, StripNak, StripQuiet, StripTimeout
from .protocol import Charset, Command, Mode, NakCode, encode_text

__all__ = [
    "BROADCAST",
    "CLEARED",
    "BusState",
    "Charset",
    "Command",
    "DeviceState",
    "Display",
    "LedStripBus",
    "LedStripError",
    "Mode",
    "NakCode",
    "PortUnavailable",
    "ProtocolError",
    "StripNak",
    "StripQuiet",
    "StripTimeout",
    "encode_text",
]
