"""The visitor kiosk (issue 4): PySide6 full-screen app talking to the controller only over the
MQTT contract and printing through `tideq.drivers.printer`. See docs/kiosk.md.

Importing this package (as `tideq` CLI does for `kiosk.cli`) must not import Qt."""

from .errors import DeviceError, IdentityError, KioskError, KioskSetupError, ScannerError, SecretMissing

__all__ = ["DeviceError", "IdentityError", "KioskError", "KioskSetupError", "ScannerError", "SecretMissing"]
