"""Appointment QR codes and barcodes: the serial scanner and the camera QR scanner, plain-thread
drivers that yield each code to a callback. No Qt."""

from .camera_scanner import CameraScanner
from .errors import ScannerError, ScannerUnavailable
from .serial_scanner import SerialScanner

__all__ = ["CameraScanner", "ScannerError", "ScannerUnavailable", "SerialScanner"]
