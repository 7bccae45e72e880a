"""Framing shared by tideq's RS-485/RS-232 hall devices (LED strips, keypads, evaluators)."""
from .framing import Frame, FrameDecoder, FrameError, crc16_modbus, encode

__all__ = ["Frame", "FrameDecoder", "FrameError", "crc16_modbus", "encode"]
