"""Exception tree of the LED strip signage process (the strips' own errors are tideq.drivers.ledstrip's)."""

from __future__ import annotations


class SignageError(Exception):
    """Base of signage errors."""


class SignageConfigError(SignageError):
    """The hall config names no LED line by that id, or the line is not of kind "led"."""
