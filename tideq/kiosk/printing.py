"""Printing off the GUI thread: one worker thread owns the printer; the result comes back as a
queued Qt signal. The kiosk prints only what the controller acknowledged (a TicketView built
from its reply) and never raises on paper trouble: the driver returns a PrintResult."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from tideq.config.schema import HallConfig
from tideq.drivers.printer import PrintResult, TicketPrint, TicketPrinter
from tideq.drivers.printer.slip import SlipPrint
from tideq.drivers.printer.ticket import Priority as PrintPriority

from .industry import CombinedList, build_list
from .model import TicketView

if TYPE_CHECKING:
    from tideq.contract import BusClient

log = logging.getLogger(__name__)


def to_print(hall: HallConfig, t: TicketView) -> TicketPrint:
    """The printable ticket: the controller's facts plus names and where-to-wait from the config."""
    svc = hall.service(t.service)
    name = (svc.name.zh, svc.name.en) if svc else (t.service, t.service)
    where = svc.guide.where if svc else None
    where_zh = f"请到{where.zh}等候" if where else None
    where_en = f"Please wait at {where.en}" if where else None
    return TicketPrint(
        hall_zh=hall.hall.name.zh,
        hall_en=hall.hall.name.en,
        service_zh=name[0],
        service_en=name[1],
        number=t.number,
        ahead=t.ahead,
        eta_s=t.eta_s,
        issued_at=t.issued_at,
        verify=t.verify,
        qr=t.qr or None,
        priority=PrintPriority(t.priority.value),
        where_zh=where_zh,
        where_en=where_en,
    )


class PrintService(QObject):
    """`submit(ticket_view)`; `done(cid, printed, code, guide)` when the printer answered."""

    done = Signal(str, bool, str, object)
    listed = Signal(str, bool, str, object)  # a 一业一证 list: tag, printed, error code, guide

    def __init__(
        self, hall: HallConfig, url: str, width_mm: int = 80, *, device: str = "printer", bus: BusClient | None = None
    ) -> None:
        super().__init__()
        self.hall = hall
        on_status = None
        if bus is not None:
            from tideq.kiosk.printer_health import PrinterHealth

            on_status = PrinterHealth(bus, device)
        self.printer = TicketPrinter(url, width_mm, on_status=on_status)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-print")
        self.results: list[PrintResult] = []

    def submit(self, t: TicketView) -> None:
        job = to_print(self.hall, t)
        self._pool.submit(self._run, t.cid, job)

    def submit_slip(self, job_id: str, slip: SlipPrint) -> None:
        """An appointment slip or a materials list (24-hour self-service); `done` says how it went."""
        self._pool.submit(self._run_slip, job_id, slip)

    def _run_slip(self, job_id: str, slip: SlipPrint) -> None:
        try:
            result = self.printer.print_slip(slip)
        except Exception as err:  # the driver should not raise; the booking stands either way
            log.exception("printing slip %s failed", slip.number)
            self.done.emit(job_id, False, "printer_error", {"zh": str(err), "en": str(err)})
            return
        self.results.append(result)
        code = result.error.code if result.error else ("printer_uncertain" if not result.printed else "")
        self.done.emit(job_id, result.printed, code, result.guide)

    def submit_job(self, cid: str, job: TicketPrint) -> None:
        """Print a ticket built elsewhere (a reprint, marked 补打 / REPRINT: tideq.kiosk.green)."""
        self._pool.submit(self._run, cid, job)

    def _run(self, cid: str, job: TicketPrint) -> None:
        try:
            result = self.printer.print_ticket(job)
        except Exception as err:  # the driver should not raise; if it does, the ticket still stands
            log.exception("printing %s failed", job.number)
            self.done.emit(cid, False, "printer_error", {"zh": str(err), "en": str(err)})
            return
        self.results.append(result)
        code = result.error.code if result.error else ("printer_uncertain" if not result.printed else "")
        self.done.emit(cid, result.printed, code, result.guide)

    def submit_list(self, tag: str, combined: CombinedList) -> None:
        """A 一业一证 list on the same printer, queued behind any ticket (one worker thread)."""
        data = build_list(self.hall, combined, self.printer.width_mm, qr_native=self.printer.url.qr_native)
        self._pool.submit(self._run_list, tag, data)

    def _run_list(self, tag: str, data: bytes) -> None:
        try:
            result = self.printer.print_document(data)
        except Exception as err:  # the driver should not raise; the screen still shows the list
            log.exception("printing a list failed")
            self.listed.emit(tag, False, "printer_error", {"zh": str(err), "en": str(err)})
            return
        self.results.append(result)
        code = result.error.code if result.error else ("printer_uncertain" if not result.printed else "")
        self.listed.emit(tag, result.printed, code, result.guide)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.printer.close()
