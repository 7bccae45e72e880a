"""`tideq printer-sim`: the virtual printer on TCP (port 9100) and on a pty serial device.

TCP: one thread per connection, each its own parser session; the `drop` fault resets the
connection (RST) when print data arrives. pty: `os.openpty()` in raw mode; we keep the slave
open ourselves so a client closing it does not turn the master into EIO.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import struct
import threading
import tty
from pathlib import Path

from .virtual import VirtualPrinter

log = logging.getLogger(__name__)


class PrinterSim:
    def __init__(
        self,
        printer: VirtualPrinter,
        *,
        host: str = "127.0.0.1",
        port: int | None = 9100,
        pty: bool = True,
        pty_link: str | Path | None = None,
    ) -> None:
        self.printer = printer
        self.host, self.port = host, port
        self.want_pty = pty
        self.pty_link = Path(pty_link) if pty_link else None
        self.pty_path: str | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = os.pipe()

    # lifecycle ----------------------------------------------------------------------
    def start(self) -> PrinterSim:
        if self.port is not None:
            self._listener = socket.socket()
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind((self.host, self.port))
            self._listener.listen(8)
            self.port = self._listener.getsockname()[1]
            self._spawn(self._accept_loop, "printer-sim-accept")
        if self.want_pty:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            self.pty_path = os.ttyname(self._slave)
            if self.pty_link:
                self.pty_link.unlink(missing_ok=True)
                self.pty_link.symlink_to(self.pty_path)
            self._spawn(self._pty_loop, "printer-sim-pty")
        return self

    def stop(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        self.drop_connections()
        for t in self._threads:
            t.join(5)
        if self._listener:
            self._listener.close()
        if self.want_pty and self.pty_path:
            os.close(self._master)
            os.close(self._slave)
            if self.pty_link:
                self.pty_link.unlink(missing_ok=True)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def __enter__(self) -> PrinterSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target, name: str, *args) -> None:  # type: ignore[no-untyped-def]
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def drop_connections(self) -> int:
        """Reset every open TCP connection now, as a pulled cable or a printer reboot would."""
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RD)  # wakes its thread, which then resets the connection
            except OSError:
                pass
        return len(conns)

    # TCP ----------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener.fileno(), self._wake_r], [], [])
            if self._stop.is_set():
                return
            if self._listener.fileno() in ready:
                conn, peer = self._listener.accept()
                with self._lock:
                    self._conns.add(conn)
                self._spawn(self._serve, f"printer-sim-{peer[1]}", conn)

    def _serve(self, conn: socket.socket) -> None:
        session = self.printer.session(lambda b: _send(conn, b))
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                if session.should_drop(data):
                    log.info("printer-sim: drop fault, resetting the connection")
                    break
                session.feed(data)
        finally:
            with self._lock:
                self._conns.discard(conn)
            _reset(conn)
            session.close()

    # pty ----------------------------------------------------------------------------
    def _pty_loop(self) -> None:
        def respond(data: bytes) -> None:
            os.write(self._master, data)

        session = self.printer.session(respond)
        while not self._stop.is_set():
            select.select([self._master, self._wake_r], [], [])
            if self._stop.is_set():
                break
            try:
                data = os.read(self._master, 65536)
            except OSError:
                break
            session.feed(data)
        session.close()


def _send(conn: socket.socket, data: bytes) -> None:
    try:
        conn.sendall(data)
    except OSError:
        pass  # the peer went away; its next read will say so


def _reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0) so the peer sees a dropped link, not a polite goodbye."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    except OSError:
        pass
