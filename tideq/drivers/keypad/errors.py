"""Exceptions of the keypad driver."""
from __future__ import annotations


class KeypadError(Exception):
    """Base of keypad driver errors."""


class KeypadPayloadError(KeypadError, ValueError):
    """A checksum-valid frame whose payload does not follow the keypad protocol (wrong firmware?)."""
