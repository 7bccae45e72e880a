"""Printer health on a real Mosquitto: retained, on change, from the status checks of printing."""

from __future__ import annotations

import queue

import pytest

from tideq.contract import BusClient, DeviceKind, Health, HealthState
from tideq.drivers.printer import TicketPrinter
from tideq.drivers.printer.status import Paper
from tideq.drivers.printer.ticket import sample_ticket
from tideq.drivers.printer.virtual import forget_virtual_printer, virtual_printer
from tideq.kiosk.printer_health import PrinterHealth

HALL = "test-hall"


@pytest.fixture
def bus(broker):
    c = BusClient(broker.url, HALL, "kiosk-1").connect()
    yield c
    c.close()


def watch(broker, topic: str) -> tuple[BusClient, queue.Queue[Health]]:
    q: queue.Queue[Health] = queue.Queue()
    c = BusClient(broker.url, HALL, f"watch-{id(q)}")
    c.on(topic, Health, lambda t, h: q.put(h))
    c.connect()
    return c, q


def test_paper_states_published_retained(broker, bus, tmp_path) -> None:
    vp = virtual_printer("health-p1", out_dir=tmp_path)
    health = PrinterHealth(bus, "printer-1")
    watcher, q = watch(broker, f"tideq/{HALL}/health/printer-1")
    try:
        with TicketPrinter("virtual://health-p1", 80, on_status=health) as p:
            assert p.print_ticket(sample_ticket()).printed
            first = q.get(timeout=3)
            assert first.state is HealthState.OK and first.kind is DeviceKind.PRINTER
            assert first.device == "printer-1" and first.ts.utcoffset() is not None
            vp.set_state(paper=Paper.NEAR_END)
            assert p.print_ticket(sample_ticket()).printed
            assert q.get(timeout=3).state is HealthState.PAPER_NEAR_END
            vp.set_state(paper=Paper.OUT)
            assert not p.print_ticket(sample_ticket()).printed
            out = q.get(timeout=3)
            assert out.state is HealthState.PAPER_OUT and out.detail is not None and out.detail["paper"] == "out"
        assert q.empty()  # unchanged states (before + after each print) were not republished
        late, lq = watch(broker, f"tideq/{HALL}/health/printer-1")  # retained: a late dashboard sees it
        assert lq.get(timeout=3).state is HealthState.PAPER_OUT
        late.close()
    finally:
        watcher.close()
        forget_virtual_printer("health-p1")


def test_silent_printer_is_unknown_and_unreachable(broker, bus, tmp_path) -> None:
    vp = virtual_printer("health-p2", out_dir=tmp_path)
    vp.set_state(mute=True)
    watcher, q = watch(broker, f"tideq/{HALL}/health/printer-2")
    try:
        with TicketPrinter(
            "virtual://health-p2", 58, on_status=PrinterHealth(bus, "printer-2"), status_deadline_s=0.1
        ) as p:
            p.status()
        msg = q.get(timeout=3)
        assert msg.state is HealthState.UNKNOWN and msg.detail is not None and msg.detail["reachable"] is False
        assert msg.detail["paper"] == "unknown"
    finally:
        watcher.close()
        forget_virtual_printer("health-p2")
