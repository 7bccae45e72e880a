"""Faults: each gives its typed result within 1 s and leaves the ticket valid (shown on screen)."""

from __future__ import annotations

import time

import pytest

from tideq.drivers.printer import (
    CoverOpen,
    LinkLost,
    PaperOut,
    PrinterHardwareError,
    PrinterOffline,
    PrinterUnreachable,
    PrintOutcome,
    TicketPrinter,
)
from tideq.drivers.printer.sim import PrinterSim
from tideq.drivers.printer.status import Paper
from tideq.drivers.printer.ticket import sample_ticket
from tideq.drivers.printer.virtual import VirtualPrinter
from tideq.testing import free_port


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with PrinterSim(VirtualPrinter("faults", tmp_path_factory.mktemp("out")), port=0) as s:
        yield s


@pytest.fixture(autouse=True)
def healthy(sim):
    sim.printer.set_state(paper=Paper.ADEQUATE, cover_open=False, offline=False, error=False, mute=False, drop=False)
    yield


def tcp(sim: PrinterSim) -> str:
    return f"tcp://127.0.0.1:{sim.port}"


def serial(sim: PrinterSim) -> str:
    return f"serial://{sim.pty_path}"


def attempt(url: str):
    t = sample_ticket()
    start = time.monotonic()
    with TicketPrinter(url, 80) as p:
        result = p.print_ticket(t)
    elapsed = time.monotonic() - start
    assert elapsed < 1.0, f"took {elapsed:.3f}s"
    assert result.ticket is t and result.ticket_valid and result.show_on_screen
    assert result.guide and result.guide["zh"] and result.guide["en"]
    return result


@pytest.mark.parametrize("link", [tcp, serial])
@pytest.mark.parametrize(
    "fault,error,state",
    [
        ({"paper": Paper.OUT}, PaperOut, "paper_out"),
        ({"cover_open": True}, CoverOpen, "cover_open"),
        ({"offline": True}, PrinterOffline, "offline"),
        ({"error": True}, PrinterHardwareError, "error"),
    ],
)
def test_fault_reported_and_nothing_printed(sim, link, fault, error, state) -> None:
    sim.printer.set_state(**fault)
    result = attempt(link(sim))
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.bytes_sent == 0
    assert type(result.error) is error and result.before.state.value == state
    assert result.before.reachable


@pytest.mark.parametrize("link", [tcp, serial])
def test_no_reply_is_unreachable_never_paper_ok(sim, link) -> None:
    sim.printer.set_state(mute=True)
    count = sim.printer.status_queries
    result = attempt(link(sim))
    assert sim.printer.status_queries > count  # the query did reach the printer
    assert result.outcome is PrintOutcome.NOT_PRINTED and type(result.error) is PrinterUnreachable
    assert result.before.state.value == "unknown" and result.before.paper is Paper.UNKNOWN
    assert not result.before.reachable


def test_dropped_connection_while_printing(sim) -> None:
    sim.printer.set_state(drop=True)
    result = attempt(tcp(sim))
    assert result.outcome is PrintOutcome.UNCERTAIN and isinstance(result.error, LinkLost)
    assert result.before.state.value == "ok"


def test_connection_refused() -> None:
    result = attempt(f"tcp://127.0.0.1:{free_port()}")
    assert result.outcome is PrintOutcome.NOT_PRINTED and isinstance(result.error, PrinterUnreachable)


def test_paper_near_end_still_prints(sim) -> None:
    sim.printer.set_state(paper=Paper.NEAR_END)
    with TicketPrinter(tcp(sim), 80) as p:
        result = p.print_ticket(sample_ticket())
    assert result.printed and result.after and result.after.state.value == "paper_near_end"


def test_recovers_after_the_fault_is_cleared(sim) -> None:
    with TicketPrinter(tcp(sim), 80) as p:
        sim.printer.set_state(drop=True)
        assert not p.print_ticket(sample_ticket()).printed
        sim.printer.set_state(drop=False)
        assert p.print_ticket(sample_ticket()).printed  # reconnected by itself


def test_serial_echo_is_not_a_status_reply() -> None:
    """loop:// echoes our DLE EOT back: those bytes must not be read as status."""
    start = time.monotonic()
    with TicketPrinter("serial://loop://", 80) as p:
        st = p.status()
    assert st.state.value == "unknown" and not st.reachable and time.monotonic() - start < 1.0
