"""Exception tree of the kiosk. Device errors never reach a visitor as a crash: the kiosk
logs them, flags itself to staff and keeps the other ways in (keypad, staff window) open."""

from __future__ import annotations


class KioskError(Exception):
    """Base of every kiosk error."""


class KioskSetupError(KioskError):
    """The kiosk cannot start as configured (unknown kiosk id, unreadable config)."""


class SecretMissing(KioskSetupError):
    """No hall secret in the environment: identities cannot be hashed, so they are not read."""


class DeviceError(KioskError):
    """A kiosk device (ID card reader, scanner, camera) cannot be opened or read."""


class IdentityError(DeviceError):
    """The ID card reader sent something that is not a valid resident ID number."""


class ScannerError(DeviceError):
    """The serial scanner or the camera cannot be opened."""
