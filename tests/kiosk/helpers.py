"""Small helpers for kiosk tests: tap a widget like a finger, wait for a screen."""
from __future__ import annotations

from PySide6.QtCore import Qt

from tideq.kiosk.model import Screen

T = 5000  # ms: generous, the box is shared


def tap(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: widget.isVisible() and widget.isEnabled(), timeout=T)  # new widgets show queued
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def wait_screen(qtbot, rig, screen: Screen) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: rig.model.screen is screen and rig.window.stack.currentWidget() is rig.view(screen),
                    timeout=T)


def home_tile(rig, screen: Screen):  # type: ignore[no-untyped-def]
    return rig.view(Screen.HOME).tiles[screen]


def service_tile(qtbot, rig, sid: str):  # type: ignore[no-untyped-def]
    view = rig.view(Screen.SERVICES)
    qtbot.waitUntil(lambda: sid in view.tiles and view.tiles[sid].isVisible(), timeout=T)
    return view.tiles[sid]
