"""One RS-485 line for every addressed hall device (LED strips, keypads, evaluators): the frame
format, the line (port, sequence numbers, send-and-await, retries, device states, statistics),
one error tree, a polling master and the pty simulator base. Hardware only: no MQTT, no Qt."""

from .errors import DeviceNak, DeviceQuiet, DeviceTimeout, FrameError, PayloadError, PortUnavailable, Rs485Error
from .framing import BROADCAST, Frame, FrameDecoder, crc16_modbus, encode
from .line import LineStats, Rs485Line, Verdict
from .state import BusState, DeviceState, LineHealth

__all__ = [
    "BROADCAST",
    "BusState",
    "DeviceNak",
    "DeviceQuiet",
    "DeviceState",
    "DeviceTimeout",
    "Frame",
    "FrameDecoder",
    "FrameError",
    "LineHealth",
    "LineStats",
    "PayloadError",
    "PortUnavailable",
    "Rs485Error",
    "Rs485Line",
    "Verdict",
    "crc16_modbus",
    "encode",
]
