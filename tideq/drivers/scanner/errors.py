"""Exceptions of the scanner drivers."""

from __future__ import annotations


class ScannerError(Exception):
    """Base of scanner errors."""


class ScannerUnavailable(ScannerError):
    """The serial scanner's port or the camera cannot be opened."""
