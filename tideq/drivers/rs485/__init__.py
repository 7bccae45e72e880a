"""Shared by tideq's RS-485/RS-232 hall devices: the frame format, a polling line master and a pty
line simulator (keypads, evaluators; LED strips use the frame format)."""
from .framing import Frame, FrameDecoder, FrameError, crc16_modbus, encode

__all__ = ["Frame", "FrameDecoder", "FrameError", "crc16_modbus", "encode"]
