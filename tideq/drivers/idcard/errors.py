"""Exceptions and fault reasons of the ID card reader driver."""

from __future__ import annotations

from enum import Enum


class IdCardError(Exception):
    """Base of ID card reader errors."""


class ReaderUnavailable(IdCardError):
    """The reader's serial port cannot be opened (unplugged adapter, wrong path, busy)."""


class CardFault(str, Enum):
    """Why a card gave no number (the value is what the kiosk shows and logs)."""

    READER_ERROR = "reader_error"  # the port failed to read
    BAD_CARD = "bad_card"  # a frame whose payload is no resident ID number
