"""Exceptions of the camera driver; lower errors (cv2, OS) are wrapped with `raise ... from err`."""

from __future__ import annotations


class CameraError(Exception):
    """Base of camera driver errors."""


class CameraUnavailable(CameraError):
    """The source cannot be opened or stopped delivering frames; the counter reconnects."""


class CameraConfigError(CameraError):
    """The camera id or a zone in the hall file cannot be used; the message says the fix."""
