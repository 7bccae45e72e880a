"""ESC/POS ticket printing (python-escpos transports + our own Chinese layout), status and the
virtual printer. No Qt, no MQTT here. See docs/printing.md."""

from .driver import PrintOutcome, PrintResult, TicketPrinter
from .errors import (
    CoverOpen,
    LinkLost,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterHardwareError,
    PrinterOffline,
    PrinterUnreachable,
    PrinterUrlError,
)
from .escpos_ticket import build_ticket
from .link import Link, PrinterUrl, open_link, parse_url
from .status import Paper, PrinterState, PrinterStatus
from .ticket import Priority, TicketPrint

__all__ = [
    "CoverOpen",
    "Link",
    "LinkLost",
    "Paper",
    "PaperOut",
    "PrintOutcome",
    "PrintResult",
    "PrinterError",
    "PrinterFault",
    "PrinterHardwareError",
    "PrinterOffline",
    "PrinterState",
    "PrinterStatus",
    "PrinterUnreachable",
    "PrinterUrl",
    "PrinterUrlError",
    "Priority",
    "TicketPrint",
    "TicketPrinter",
    "build_ticket",
    "open_link",
    "parse_url",
]
