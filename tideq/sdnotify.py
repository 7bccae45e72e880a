"""systemd's notify protocol, without libsystemd: one datagram per message to $NOTIFY_SOCKET.

A unit with `Type=notify` is "started" only once the service says READY=1 (so units ordered
after the controller wait for it to really serve), and with `WatchdogSec=` systemd restarts a
service that stops sending WATCHDOG=1. A watchdog is only worth having if the ping proves the
service works: `Watchdog` pings only while the service's own liveness check passes (the
controller's worker loop turned recently, a Qt event loop turns, a serial line's thread lives),
never blindly from a thread of its own. Outside systemd (no $NOTIFY_SOCKET) everything here is a
no-op, so services call it unconditionally.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def _address() -> str | None:
    path = os.environ.get("NOTIFY_SOCKET")
    if not path or path[0] not in "/@":
        return None
    return "\0" + path[1:] if path[0] == "@" else path  # '@' names a Linux abstract socket


def notify(*fields: str) -> bool:
    """Send `fields` (e.g. "READY=1", "STATUS=...") as one message; False if not under systemd or
    the socket refused it (a service never fails because its supervisor is gone)."""
    address = _address()
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.sendto("\n".join(fields).encode(), address)
    except OSError as err:
        log.debug("sd_notify %s: %s", fields, err)
        return False
    return True


def ready(status: str | None = None) -> bool:
    return notify("READY=1", *([f"STATUS={status}"] if status else []))


def stopping(status: str = "stopping") -> bool:
    return notify("STOPPING=1", f"STATUS={status}")


def watchdog_interval() -> float | None:
    """WatchdogSec= in seconds, if systemd expects pings from this process (WATCHDOG_PID, when set,
    names the process: a child that inherited the environment must not ping for its parent)."""
    usec, pid = os.environ.get("WATCHDOG_USEC"), os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        seconds = int(usec) / 1e6
    except ValueError:
        return None
    return seconds if seconds > 0 else None


class Heartbeat:
    """A loop stamps it each turn; a liveness check asks how long ago the last turn was."""

    def __init__(self) -> None:
        self.at = time.monotonic()

    def beat(self) -> None:
        self.at = time.monotonic()

    def age(self) -> float:
        return time.monotonic() - self.at


class Watchdog:
    """Pings WATCHDOG=1 every half WatchdogSec while `alive()` is true. When the check fails it
    says why on STATUS= and stops pinging: systemd then kills and restarts the service."""

    def __init__(self, alive: Callable[[], bool], what: str, interval: float | None = None) -> None:
        self.alive = alive
        self.what = what
        self.interval = interval if interval is not None else watchdog_interval()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)

    def start(self) -> Watchdog:
        if self.interval:  # no WatchdogSec: nothing to ping
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        assert self.interval
        healthy = True
        while not self._stop.wait(self.interval / 2):
            try:
                ok = self.alive()
            except Exception:  # a broken check is a failed check
                log.exception("watchdog check failed")
                ok = False
            if ok:
                notify("WATCHDOG=1", *([] if healthy else ["STATUS=running"]))
            elif healthy:
                log.error("watchdog: %s; not pinging systemd, which restarts the service", self.what)
                notify(f"STATUS=not alive: {self.what}")
            healthy = ok
