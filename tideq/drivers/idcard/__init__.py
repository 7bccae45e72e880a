"""The serial ID card reader (二代证读卡器): a plain-thread driver that yields ID numbers to a
callback, and its pty simulator. No Qt; hashing the number is the contract's (`tideq.contract.identity`)."""

from .errors import CardFault, IdCardError, ReaderUnavailable
from .protocol import CMD_CARD, CMD_STAFF_CARD, READER_ADDR
from .reader import IdCardReader
from .staff_card import StaffCardReader

__all__ = [
    "CMD_CARD",
    "CMD_STAFF_CARD",
    "READER_ADDR",
    "CardFault",
    "IdCardError",
    "IdCardReader",
    "ReaderUnavailable",
    "StaffCardReader",
]
