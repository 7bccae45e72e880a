"""Exception tree of the printer driver.

Each error carries what the kiosk tells the visitor (`guide`, zh/en) so a failed print never
ends in a dead end: the ticket stays valid and is shown on screen instead (窗口无否决权).
"""

from __future__ import annotations

from typing import ClassVar


class PrinterError(Exception):
    """Base of every printer failure."""

    code: ClassVar[str] = "printer_error"
    guide: ClassVar[dict[str, str]] = {
        "zh": "打印失败，请以屏幕上的号码为准，或拍照留存。",
        "en": "Printing failed. Your number on the screen is valid; take a photo of it.",
    }


class PrinterUrlError(PrinterError, ValueError):
    """A printer URL in the config that cannot be opened as written (a config mistake)."""

    code = "printer_url"


class PrinterUnreachable(PrinterError):
    """No connection, no status reply within the deadline, or the link dropped."""

    code = "printer_unreachable"


class LinkLost(PrinterUnreachable):
    """The connection broke while (or right after) sending a ticket: it may be half printed."""

    code = "printer_link_lost"


class PrinterFault(PrinterError):
    """The printer reported a fault of its own (offline, cover, paper, cutter)."""

    code = "printer_fault"


class PrinterOffline(PrinterFault):
    """The printer answered but says it is offline (not ready to print)."""

    code = "printer_offline"


class CoverOpen(PrinterFault):
    code = "printer_cover_open"
    guide: ClassVar[dict[str, str]] = {
        "zh": "打印机盖未关好，已通知工作人员；请以屏幕上的号码为准。",
        "en": "The printer cover is open; staff have been told. Your number on the screen is valid.",
    }


class PaperOut(PrinterFault):
    code = "printer_paper_out"
    guide: ClassVar[dict[str, str]] = {
        "zh": "打印机缺纸，已通知工作人员；请以屏幕上的号码为准，或拍照留存。",
        "en": "The printer is out of paper; staff have been told. "
        "Your number on the screen is valid; take a photo of it.",
    }


class PrinterHardwareError(PrinterFault):
    """Cutter jam, head overheat or another error the printer flags in DLE EOT 2/3."""

    code = "printer_hardware_error"
