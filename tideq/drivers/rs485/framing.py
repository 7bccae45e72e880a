"""The tideq serial frame: one format for every addressed device on a hall RS-485 line.

    0xAA 0x55 | addr | cmd | seq | len | payload (len bytes) | crc16 (lo, hi)

- addr: 1..247 device address, 0 = broadcast (no answer expected).
- cmd: device-family command or event code (see each driver).
- seq: 0..255, echoed in the answer so a late answer is not taken for a new one.
- len: 0..240 payload bytes (text is GB2312/GB18030 where a family says so).
- crc16: CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) over addr..payload, little endian.

The decoder is a stream parser: it resynchronises on the next 0xAA 0x55 after garbage or a bad
checksum, and counts what it dropped, so a noisy line costs frames, never the bridge.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FrameError

SYNC = b"\xaa\x55"
BROADCAST = 0  # the address every device applies and none answers
MAX_PAYLOAD = 240
HEADER = 6  # sync(2) addr cmd seq len


@dataclass(frozen=True)
class Frame:
    """One decoded (checksum-valid) or to-be-encoded frame."""

    addr: int
    cmd: int
    seq: int
    payload: bytes = b""


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS, the checksum every tideq serial device computes."""
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def encode(frame: Frame) -> bytes:
    """The frame's bytes on the wire; FrameError if it cannot be sent as given."""
    if not 0 <= frame.addr <= 247:
        raise FrameError(f"address {frame.addr} out of range 0..247")
    if not 0 <= frame.cmd <= 255 or not 0 <= frame.seq <= 255:
        raise FrameError("cmd and seq are single bytes (0..255)")
    if len(frame.payload) > MAX_PAYLOAD:
        raise FrameError(f"payload of {len(frame.payload)} bytes exceeds {MAX_PAYLOAD}; shorten the text")
    body = bytes((frame.addr, frame.cmd, frame.seq, len(frame.payload))) + frame.payload
    crc = crc16_modbus(body)
    return SYNC + body + bytes((crc & 0xFF, crc >> 8))


class FrameDecoder:
    """Feed bytes as they arrive; get whole, checksum-valid frames back."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.bad_crc = 0
        self.garbage_bytes = 0

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        while True:
            start = self._buf.find(SYNC)
            if start < 0:
                keep = 1 if self._buf[-1:] == SYNC[:1] else 0
                self.garbage_bytes += len(self._buf) - keep
                del self._buf[: len(self._buf) - keep]
                return frames
            if start:
                self.garbage_bytes += start
                del self._buf[:start]
            if len(self._buf) < HEADER:
                return frames
            length = self._buf[5]
            if length > MAX_PAYLOAD:
                self._drop_sync()
                continue
            total = HEADER + length + 2
            if len(self._buf) < total:
                return frames
            body = bytes(self._buf[2 : HEADER + length])
            crc = self._buf[HEADER + length] | (self._buf[HEADER + length + 1] << 8)
            if crc16_modbus(body) != crc:
                self.bad_crc += 1
                self._drop_sync()
                continue
            frames.append(Frame(body[0], body[1], body[2], body[4:]))
            del self._buf[:total]

    def _drop_sync(self) -> None:
        self.garbage_bytes += 2
        del self._buf[:2]
