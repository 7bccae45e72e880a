"""Full screen on a bare X server (docs/deploy.md, "The kiosk session")."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def show_full_screen(widget: QWidget) -> None:
    """`showFullScreen()`, and the window given its screen's whole geometry.

    The units run the screens on an X server with no window manager. There `showFullScreen()`
    only sets `_NET_WM_STATE_FULLSCREEN`, which nothing honours, so the window keeps its size
    hint: under systemd in the VM run (bench/vm_deploy.py) the kiosk filled 1164x722 of a
    1920x1080 screen, the rest black. With a window manager the geometry is the same."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        widget.setGeometry(screen.geometry())
        widget.show()  # mapped at the screen's geometry first: a window never shown kept its minimum size
    widget.showFullScreen()
