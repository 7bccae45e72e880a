"""A stand-in for systemd's end of the notify protocol: a datagram socket the test binds and
hands to the service as $NOTIFY_SOCKET."""

from __future__ import annotations

import os
import socket
from pathlib import Path


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.seen: list[dict[str, str]] = []

    def env(self, watchdog_s: float | None = None, pid: int | None = None) -> dict[str, str]:
        env = {**os.environ, "NOTIFY_SOCKET": str(self.path)}
        if watchdog_s:
            env["WATCHDOG_USEC"] = str(int(watchdog_s * 1e6))
        if pid:
            env["WATCHDOG_PID"] = str(pid)
        return env

    def receive(self, timeout: float = 20.0) -> dict[str, str]:
        """The next message, as its fields; socket.timeout if none comes within `timeout`."""
        self.sock.settimeout(timeout)
        data = self.sock.recv(4096).decode()
        fields = dict(line.split("=", 1) for line in data.split("\n") if line)
        self.seen.append(fields)
        return fields

    def until(self, key: str, timeout: float = 20.0) -> dict[str, str]:
        """Read messages until one carries `key` (e.g. READY); the ones before stay in `seen`."""
        while True:
            fields = self.receive(timeout)
            if key in fields:
                return fields

    def pending(self) -> bytes | None:
        """A message already queued, without waiting; None if there is none."""
        self.sock.setblocking(False)
        try:
            return self.sock.recv(4096)
        except BlockingIOError:
            return None
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()
