"""Errors of the display package (board, window screens). Voice has its own tree in voice/errors.py."""

from __future__ import annotations


class DisplayError(Exception):
    """Base of display errors."""


class UnknownScreen(DisplayError):
    """--board or --window names something the hall file does not define."""


class BadSize(DisplayError):
    """--size is not WIDTHxHEIGHT."""
