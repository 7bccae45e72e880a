"""A simulated serial QR/barcode scanner on a pty (tests, demos, screenshots)."""

from __future__ import annotations

from tideq.drivers.ptypair import PtyPair


class SimulatedScanner(PtyPair):
    def scan(self, text: str) -> None:
        """A code in front of the scanner: its text and the CR the scanner ends it with."""
        self.write(text.encode("utf-8") + b"\r")
