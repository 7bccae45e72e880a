"""Errors of the staff applications at a window (caller terminal, evaluator tablet)."""

from __future__ import annotations


class CounterError(Exception):
    """Base of tideq.counter errors."""


class KeymapError(CounterError, ValueError):
    """A --keys entry names no action of the terminal, or no key, or binds a key twice."""


class UnknownWindow(CounterError, KeyError):
    """The window is not in the hall file; the message lists the windows it has."""
