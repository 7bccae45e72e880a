"""The ID card reader's frames (a 二代证 reader behind a small serial adapter).

The tideq serial frame (`tideq/drivers/rs485/framing.py`: 0xAA 0x55, addr, cmd, seq, len,
payload, CRC-16/MODBUS), sent by the reader unprompted when a card is placed:

    addr 0x01, cmd 0x31 CARD, payload = the 18-character resident ID number in ASCII
    addr 0x01, cmd 0x32 STAFF_CARD, payload = an M1/IC staff card's UID, 8 to 32 hex digits in ASCII

A reader at a window that reads staff cards (工作证) sends STAFF_CARD; the same adapter firmware
serves both, so one driver and one simulator cover them.
"""

from __future__ import annotations

from tideq.drivers.rs485.framing import Frame, encode

READER_ADDR = 0x01
CMD_CARD = 0x31
CMD_STAFF_CARD = 0x32
NUMBER_LEN = 18


def card_frame(number: str, seq: int = 1) -> bytes:
    """What the reader sends for a card (simulators, tests)."""
    return encode(Frame(READER_ADDR, CMD_CARD, seq & 0xFF, number.encode("ascii")))


def card_number(frame: Frame) -> str | None:
    """The number a CARD frame carries (unchecked: the check digit is the contract's), None for
    a frame that is not CARD; ValueError for a CARD whose payload is no 18-character ASCII text."""
    if frame.cmd != CMD_CARD:
        return None
    number = frame.payload.decode("ascii")  # UnicodeDecodeError is a ValueError
    if len(number.strip()) != NUMBER_LEN:
        raise ValueError(f"CARD payload is {len(number)} characters, not {NUMBER_LEN}")
    return number


def staff_card_frame(uid: str, seq: int = 1) -> bytes:
    """What the reader sends for a staff card (simulators, tests)."""
    return encode(Frame(READER_ADDR, CMD_STAFF_CARD, seq & 0xFF, uid.encode("ascii")))


def staff_card_uid(frame: Frame) -> str | None:
    """The UID a STAFF_CARD frame carries, None for another frame; ValueError for one that is not
    ASCII (the form, 8 to 32 hex digits, is checked by tideq.contract.staff.card_hash)."""
    if frame.cmd != CMD_STAFF_CARD:
        return None
    return frame.payload.decode("ascii").strip()
