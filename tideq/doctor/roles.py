"""The roles a machine can play in a hall; its own module so that `tideq --help` can list them
without importing the checks (paho, the drivers)."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    CONTROLLER = "controller"
    KIOSK = "kiosk"
    BOARD = "board"
    WINDOW = "window"
    CAMERA = "camera"
    BRIDGE = "bridge"
    LEDSTRIPS = "ledstrips"
    GATEWAY = "gateway"
    MANAGER = "manager"
