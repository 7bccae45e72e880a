"""The virtual printer: a software ESC/POS printer with settable faults.

One `VirtualPrinter` holds the fault state and the output folder; each connection to it (TCP,
pty, or the in-process `virtual://` link) gets its own parser `Session`. Every cut renders the
ticket to `NAME-0001.png` and `NAME-0001.txt`. Tests wait on `wait_for_tickets()`, which
blocks on a condition, never on a sleep.
"""

from __future__ import annotations

import itertools
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import LinkLost
from .link import PrinterUrl
from .page import Page
from .parser import EscPosParser, Hooks
from .render import to_png
from .status import Paper

DOTS = {58: 384, 80: 576}
_STATUS_ONLY = re.compile(rb"(?:\x10\x04[\x01-\x04])+\Z")


@dataclass(frozen=True)
class SimState:
    """Faults to exercise. `mute`: answer no status query; `drop`: cut the link on print data."""

    paper: Paper = Paper.ADEQUATE
    cover_open: bool = False
    offline: bool = False
    error: bool = False
    mute: bool = False
    drop: bool = False

    @property
    def can_print(self) -> bool:
        return not (self.cover_open or self.offline or self.error or self.paper is Paper.OUT)


@dataclass(frozen=True)
class PrintedTicket:
    seq: int
    text: str
    png: Path
    txt: Path
    cut: bool  # False: the job ended (link closed) without a cut


class VirtualPrinter:
    def __init__(
        self,
        name: str = "virtual",
        out_dir: str | Path | None = None,
        width_mm: int = 80,
        *,
        chinese_default: bool = False,
    ) -> None:
        self.name = name
        self.dots = DOTS[width_mm]
        self.width_mm = width_mm
        self.chinese_default = chinese_default
        self.out_dir = Path(out_dir) if out_dir else Path(tempfile.gettempdir()) / "tideq-printer" / name
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._state = SimState()
        self._cond = threading.Condition()
        self._seq = itertools.count(_last_seq(self.out_dir, name) + 1)  # never overwrite an earlier ticket
        self.tickets: list[PrintedTicket] = []
        self.discarded = 0  # tickets sent while faulted: a real printer would not print them
        self.status_queries = 0
        self.listeners: list[Callable[[PrintedTicket], None]] = []

    # state --------------------------------------------------------------------------
    @property
    def state(self) -> SimState:
        return self._state

    def set_state(self, **changes: object) -> SimState:
        if "paper" in changes:
            changes["paper"] = Paper(changes["paper"])
        self._state = replace(self._state, **changes)  # type: ignore[arg-type]
        return self._state

    def status_byte(self, n: int) -> int | None:
        s = self._state
        with self._cond:
            self.status_queries += 1
        if s.mute:
            return None
        out = s.paper is Paper.OUT
        if n == 1:
            return 0x12 | (0x08 if not s.can_print else 0)
        if n == 2:
            return 0x12 | (0x04 if s.cover_open else 0) | (0x20 if out else 0) | (0x40 if s.error else 0)
        if n == 3:
            return 0x12 | (0x08 if s.error else 0)
        if n == 4:
            return 0x12 | (0x0C if out or s.paper is Paper.NEAR_END else 0) | (0x60 if out else 0)
        return None

    # sessions -----------------------------------------------------------------------
    def session(self, respond: Callable[[bytes], None]) -> Session:
        return Session(self, respond)

    def link(self) -> VirtualLink:
        return VirtualLink(self)

    def _emit(self, page: Page, *, cut: bool) -> None:
        if not self._state.can_print:
            with self._cond:
                self.discarded += 1
                self._cond.notify_all()
            return
        seq = next(self._seq)
        stem = self.out_dir / f"{self.name}-{seq:04d}"
        text = page.text_dump() + ("" if cut else "[NO CUT: job ended]\n")
        txt = stem.with_suffix(".txt")
        txt.write_text(text, encoding="utf-8")
        png = to_png(page, stem.with_suffix(".png"))
        ticket = PrintedTicket(seq, text, png, txt, cut)
        with self._cond:
            self.tickets.append(ticket)
            self._cond.notify_all()
        for listener in list(self.listeners):
            listener(ticket)

    def wait_for_tickets(self, count: int, timeout: float = 5.0) -> list[PrintedTicket]:
        """Block until `count` tickets were printed; raises TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.tickets) >= count, timeout):
                raise TimeoutError(f"{self.name}: {len(self.tickets)} of {count} tickets after {timeout}s")
            return list(self.tickets)

    def wait_for_discarded(self, count: int, timeout: float = 5.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self.discarded >= count, timeout):
                raise TimeoutError(f"{self.name}: {self.discarded} of {count} discarded after {timeout}s")


class Session:
    """One byte stream into the printer (a TCP connection, the pty, an in-process link)."""

    def __init__(self, printer: VirtualPrinter, respond: Callable[[bytes], None]) -> None:
        self.printer = printer
        self.parser = EscPosParser(
            printer.dots,
            Hooks(status=printer.status_byte, respond=respond, cut=lambda p: printer._emit(p, cut=True)),
            chinese_default=printer.chinese_default,
        )

    def should_drop(self, data: bytes) -> bool:
        """The `drop` fault: the link dies as print data arrives (status queries still pass)."""
        return self.printer.state.drop and not _STATUS_ONLY.match(data)

    def feed(self, data: bytes) -> None:
        self.parser.feed(data)

    def close(self) -> None:
        page = self.parser.finish()
        if page is not None:
            self.printer._emit(page, cut=False)


class VirtualLink:
    """`virtual://NAME`: an in-process link, same parser and faults as the TCP/pty simulator."""

    kind = "virtual"
    can_read = True

    def __init__(self, printer: VirtualPrinter) -> None:
        self._inbox = bytearray()
        self._cond = threading.Condition()
        self._session = printer.session(self._respond)
        self._closed = False

    def _respond(self, data: bytes) -> None:
        with self._cond:
            self._inbox += data
            self._cond.notify_all()

    def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkLost("virtual printer link is closed")
        if self._session.should_drop(data):
            self._closed = True
            raise LinkLost("virtual printer dropped the link (drop fault)")
        self._session.feed(data)

    def read(self, n: int, timeout: float) -> bytes:
        end = time.monotonic() + timeout
        with self._cond:
            while not self._inbox:
                left = end - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    return b""
            out = bytes(self._inbox[:n])
            del self._inbox[:n]
            return out

    def discard_input(self) -> None:
        with self._cond:
            self._inbox.clear()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._session.close()


_registry: dict[str, VirtualPrinter] = {}
_registry_lock = threading.Lock()


def virtual_printer(name: str, **kwargs: object) -> VirtualPrinter:
    """The process-wide virtual printer called NAME (created on first use)."""
    with _registry_lock:
        if name not in _registry:
            _registry[name] = VirtualPrinter(name, **kwargs)  # type: ignore[arg-type]
        return _registry[name]


def forget_virtual_printer(name: str) -> None:
    with _registry_lock:
        _registry.pop(name, None)


def open_virtual(p: PrinterUrl) -> VirtualLink:
    """The opener of `virtual://NAME?out=DIR&width=58` (link.py's registry)."""
    opts: dict[str, object] = {}
    if "out" in p.options:
        opts["out_dir"] = p.options["out"]
    if "width" in p.options:
        opts["width_mm"] = int(p.options["width"])
    return virtual_printer(p.target, **opts).link()


def _last_seq(folder: Path, name: str) -> int:
    """The highest `{name}-NNNN` already in `folder` (0 if none): a printer started again on the same
    folder (a continued demo day) numbers on instead of overwriting the tickets it printed before."""
    last = 0
    for p in folder.glob(f"{name}-*.*"):
        tail = p.stem[len(name) + 1 :]
        if tail.isdigit():
            last = max(last, int(tail))
    return last
