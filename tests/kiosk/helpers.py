"""Small helpers for kiosk tests: tap a widget like a finger, wait for a screen; watch a device's
health on the bus and start an application in its own process (also used by tests/display)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from PySide6.QtCore import Qt

from tideq.contract import BusClient, Health, HealthState
from tideq.kiosk.model import Screen

T = 5000  # ms: generous, the box is shared


def tap(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: widget.isVisible() and widget.isEnabled(), timeout=T)  # new widgets show queued
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def wait_screen(qtbot, rig, screen: Screen) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: rig.model.screen is screen and rig.window.stack.currentWidget() is rig.view(screen), timeout=T
    )


def home_tile(rig, screen: Screen):  # type: ignore[no-untyped-def]
    return rig.view(Screen.HOME).tiles[screen]


def service_tile(qtbot, rig, sid: str):  # type: ignore[no-untyped-def]
    view = rig.view(Screen.SERVICES)
    qtbot.waitUntil(lambda: sid in view.tiles and view.tiles[sid].isVisible(), timeout=T)
    return view.tiles[sid]


class HealthWatch:
    """Every `health/{device}` report as the contract's typed `Health`, in arrival order, from a
    client of its own. `wait(state)` blocks until one in that state has arrived (for a device in
    another process); `has(state)` does not, for `qtbot.waitUntil` while this process's Qt loop
    must run to publish."""

    def __init__(self, url: str, hall: str, device: str) -> None:
        self.reports: list[tuple[float, Health]] = []
        self._cond = threading.Condition()
        self.client = BusClient(url, hall, f"test-health-{uuid.uuid4().hex[:6]}")
        self.client.on(self.client.topics.health(device), Health, self._on_health)
        self.client.connect()

    def _on_health(self, _topic: str, health: Health) -> None:
        with self._cond:
            self.reports.append((time.monotonic(), health))
            self._cond.notify_all()

    def first(self, state: HealthState, after: int = 0) -> tuple[float, Health] | None:
        """(monotonic arrival time, report) of the first report in `state` from index `after` on."""
        with self._cond:
            return next((r for r in self.reports[after:] if r[1].state is state), None)

    def has(self, state: HealthState, after: int = 0) -> bool:
        return self.first(state, after) is not None

    def wait(self, state: HealthState, timeout: float = T / 1000) -> tuple[float, Health]:
        with self._cond:
            if not self._cond.wait_for(lambda: self.first(state) is not None, timeout):
                raise TimeoutError(f"no {state.value} health within {timeout} s; got {self.states()}")
        found = self.first(state)
        assert found is not None
        return found

    def wait_any(self, timeout: float = T / 1000) -> Health:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self.reports), timeout):
                raise TimeoutError(f"no health report within {timeout} s")
            return self.reports[0][1]

    def states(self) -> list[str]:
        with self._cond:
            return [h.state.value for _, h in self.reports]

    def close(self) -> None:
        self.client.close()


def retained_health(url: str, hall: str, device: str, timeout: float = T / 1000) -> Health:
    """What a dashboard that subscribes now is told about `device`: the retained report."""
    watch = HealthWatch(url, hall, device)
    try:
        return watch.wait_any(timeout)
    finally:
        watch.close()


def start_app(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """`tideq <args>` in its own process, offscreen, as an installer runs it (output to `log`)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tideq.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
