"""The kiosk's printer: `print_ticket(ticket) -> PrintResult` and `status() -> PrinterStatus`.

A print is status-checked before (nothing is sent to a printer that reports a fault or does not
answer) and after (a fault that appeared while printing, or a link that died, makes the outcome
UNCERTAIN). Whatever happens the ticket stays valid: the result tells the kiosk to show it on
screen. Errors are returned in the result, never raised, so a kiosk flow cannot crash on paper.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from .errors import PrinterError, PrinterUnreachable
from .escpos_ticket import build_ticket
from .link import Link, PrinterUrl, open_link, parse_url
from .slip import SlipPrint, build_slip
from .status import STATUS_DEADLINE_S, PrinterStatus, query, unknown
from .ticket import TicketPrint

log = logging.getLogger(__name__)


class PrintOutcome(str, Enum):
    PRINTED = "printed"  # sent, and the printer reports no fault afterwards
    NOT_PRINTED = "not_printed"  # nothing was sent: fault or no answer before printing
    UNCERTAIN = "uncertain"  # sent (maybe partly), but a fault or a dead link followed,
    # or the link cannot read status at all


@dataclass(frozen=True)
class PrintResult:
    ticket: TicketPrint | SlipPrint | None  # a ticket, a slip (slip.py), or None for a document (print_document)
    outcome: PrintOutcome
    before: PrinterStatus
    after: PrinterStatus | None
    error: PrinterError | None
    bytes_sent: int
    elapsed_s: float

    @property
    def printed(self) -> bool:
        return self.outcome is PrintOutcome.PRINTED

    @property
    def show_on_screen(self) -> bool:
        """The kiosk shows the ticket (number, QR) on screen unless the paper surely came out."""
        return not self.printed

    @property
    def ticket_valid(self) -> bool:
        """Always True: the controller issued the ticket; paper is only a copy of it."""
        return True

    @property
    def guide(self) -> dict[str, str] | None:
        return dict(self.error.guide) if self.error else None


StatusListener = Callable[[PrinterStatus], None]


class TicketPrinter:
    """One printer from its config URL. Thread-safe; reconnects after a failure."""

    def __init__(
        self,
        url: str,
        width_mm: int = 80,
        *,
        status_deadline_s: float = STATUS_DEADLINE_S,
        on_status: StatusListener | None = None,
    ) -> None:
        self.url: PrinterUrl = parse_url(url)
        if width_mm not in (58, 80):
            raise ValueError("width_mm is 58 or 80")
        self.width_mm = width_mm
        self.status_deadline_s = status_deadline_s
        self.listeners: list[StatusListener] = [on_status] if on_status else []
        self._link: Link | None = None
        self._link_error: PrinterUnreachable | None = None  # why the last status query failed
        self._lock = threading.Lock()

    # public -------------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status()

    def print_ticket(self, ticket: TicketPrint) -> PrintResult:
        return self._print(ticket, build_ticket(ticket, self.width_mm, qr_native=self.url.qr_native))

    def print_slip(self, slip: SlipPrint) -> PrintResult:
        """An appointment slip or a materials list (slip.py), with the same status checks as a ticket."""
        return self._print(slip, build_slip(slip, self.width_mm, qr_native=self.url.qr_native))

    def print_document(self, data: bytes) -> PrintResult:
        """Print ESC/POS bytes built elsewhere (the kiosk's 一业一证 list), with the same status
        checks before and after as a ticket."""
        return self._print(None, data)

    def _print(self, ticket: TicketPrint | SlipPrint | None, data: bytes) -> PrintResult:
        start = time.monotonic()
        with self._lock:
            before = self._status()
            blind = not before.readable
            if not blind and not before.can_print:
                return self._result(ticket, PrintOutcome.NOT_PRINTED, before, None, self._error(before), 0, start)
            try:
                self._ensure_link().write(data)
            except PrinterError as err:
                self._drop_link()
                return self._result(ticket, PrintOutcome.UNCERTAIN, before, None, err, 0, start)
            if blind:  # sent, but this link can never tell us whether it came out
                return self._result(ticket, PrintOutcome.UNCERTAIN, before, None, None, len(data), start)
            after = self._status()
            outcome = PrintOutcome.PRINTED if after.can_print else PrintOutcome.UNCERTAIN
            return self._result(ticket, outcome, before, after, self._error(after), len(data), start)

    def close(self) -> None:
        with self._lock:
            self._drop_link()

    def __enter__(self) -> TicketPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # internals ----------------------------------------------------------------------
    def _ensure_link(self) -> Link:
        if self._link is None:
            self._link = open_link(self.url)
        return self._link

    def _drop_link(self) -> None:
        if self._link is not None:
            try:
                self._link.close()
            except OSError:
                pass
            self._link = None

    def _status(self) -> PrinterStatus:
        self._link_error = None
        try:
            st = query(self._ensure_link(), self.status_deadline_s)
        except PrinterUnreachable as err:
            self._drop_link()
            self._link_error = err
            st = unknown(str(err), reachable=False)
        for listener in self.listeners:
            try:
                listener(st)
            except Exception:  # a health publisher must never break printing
                log.exception("printer status listener failed")
        return st

    def _error(self, st: PrinterStatus) -> PrinterError | None:
        """The typed error of a status: the link's own exception when it failed (LinkLost...)."""
        return self._link_error if not st.reachable and self._link_error else st.as_error()

    def _result(
        self,
        ticket: TicketPrint | SlipPrint | None,
        outcome: PrintOutcome,
        before: PrinterStatus,
        after: PrinterStatus | None,
        err: PrinterError | None,
        sent: int,
        start: float,
    ) -> PrintResult:
        if err:
            log.warning("printer %s: %s (%s)", self.url.target, outcome.value, err)
        return PrintResult(ticket, outcome, before, after, err, sent, time.monotonic() - start)
