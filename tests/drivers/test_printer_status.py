"""DLE EOT decoding: every fault bit, and never "paper adequate" on a missing reply."""

from __future__ import annotations

import pytest

from tideq.drivers.printer import CoverOpen, PaperOut, PrinterOffline, PrinterUnreachable
from tideq.drivers.printer.status import Paper, PrinterState, decode, query, valid


@pytest.mark.parametrize(
    "raw,state,paper",
    [
        ({1: 0x12, 2: 0x12, 4: 0x12}, PrinterState.OK, Paper.ADEQUATE),
        ({1: 0x12, 2: 0x12, 4: 0x1E}, PrinterState.PAPER_NEAR_END, Paper.NEAR_END),
        ({1: 0x1A, 2: 0x32, 4: 0x7E}, PrinterState.PAPER_OUT, Paper.OUT),
        ({1: 0x1A, 2: 0x16, 4: 0x12}, PrinterState.COVER_OPEN, Paper.ADEQUATE),
        ({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}, PrinterState.ERROR, Paper.ADEQUATE),
        ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterState.OFFLINE, Paper.ADEQUATE),
    ],
)
def test_decode(raw, state, paper) -> None:
    st = decode(raw)
    assert st.state is state and st.paper is paper


@pytest.mark.parametrize("raw", [{}, {1: 0x12}, {1: 0x12, 2: 0x12}])
def test_missing_reply_is_unknown_never_adequate(raw) -> None:
    st = decode(raw)
    assert st.state is PrinterState.UNKNOWN and st.paper is Paper.UNKNOWN and not st.can_print


def test_fixed_bits_reject_noise() -> None:
    assert valid(0x12) and valid(0x7E) and not valid(0x00) and not valid(0x10) and not valid(0xFF)


def test_errors_map_to_types() -> None:
    assert isinstance(decode({1: 0x1A, 2: 0x32, 4: 0x7E}).as_error(), PaperOut)
    assert isinstance(decode({1: 0x1A, 2: 0x16, 4: 0x12}).as_error(), CoverOpen)
    assert isinstance(decode({1: 0x1A, 2: 0x12, 4: 0x12}).as_error(), PrinterOffline)
    assert decode({1: 0x12, 2: 0x12, 4: 0x1E}).as_error() is None


class Scripted:
    """A link that answers from a script (None = silence)."""

    kind, can_read = "scripted", True

    def __init__(self, answers: dict[int, bytes]) -> None:
        self.answers, self.pending, self.sent = answers, b"", b""

    def write(self, data: bytes) -> None:
        self.sent += data
        self.pending += self.answers.get(data[-1], b"")

    def read(self, n: int, timeout: float) -> bytes:
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def discard_input(self) -> None:
        self.pending = b""

    def close(self) -> None:
        pass


def test_query_asks_1_2_4_and_3_on_error() -> None:
    link = Scripted({1: b"\x1a", 2: b"\x52", 3: b"\x1a", 4: b"\x12"})
    st = query(link, 0.2)
    assert link.sent == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04\x10\x04\x03"
    assert st.state is PrinterState.ERROR and st.raw[3] == 0x1A


def test_query_silence_raises_unreachable_at_the_deadline() -> None:
    with pytest.raises(PrinterUnreachable):
        query(Scripted({1: b"\x12", 2: b"\x12"}), 0.05)
