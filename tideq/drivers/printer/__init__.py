"""ESC/POS ticket printing (python-escpos transports + our own Chinese layout), status,
health, and the virtual printer. No Qt here. See docs/printing.md."""
from .driver import PrintOutcome, PrintResult, TicketPrinter
from .errors import (CoverOpen, LinkLost, PaperOut, PrinterError, PrinterFault, PrinterHardwareError,
                     PrinterOffline, PrinterUnreachable, PrinterUrlError)
from .escpos_ticket import build_ticket
from .links import PrinterUrl, open_link, parse_url
from .status import Paper, PrinterState, PrinterStatus
from .ticket import Priority, TicketPrint

__all__ = ["TicketPrinter", "PrintResult", "PrintOutcome", "TicketPrint", "Priority", "build_ticket",
           "PrinterStatus", "PrinterState", "Paper", "PrinterUrl", "parse_url", "open_link",
           "PrinterError", "PrinterUrlError", "PrinterUnreachable", "LinkLost", "PrinterFault",
           "PrinterOffline", "CoverOpen", "PaperOut", "PrinterHardwareError"]
