"""The one RS-485 line every family runs on, against the pty simulator base: identical-frame
retries, late and stray answers, quiet devices and their probes, the device/bus state vocabulary,
statistics, resend/ignore verdicts, broadcast, a lost port and the error tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tideq.drivers.evaluator import EvaluatorPayloadError
from tideq.drivers.keypad import KeypadPayloadError
from tideq.drivers.ledstrip import LedStripError, StripNak, StripQuiet, StripTimeout
from tideq.drivers.rs485 import (
    BusState,
    DeviceNak,
    DeviceQuiet,
    DeviceState,
    DeviceTimeout,
    Frame,
    FrameError,
    PayloadError,
    PortUnavailable,
    Rs485Error,
    Rs485Line,
    Verdict,
    encode,
)
from tideq.drivers.rs485.sim import SimDevice, SimLine

TIMEOUT_S = 0.2
PING, PONG, BUSY = 0x01, 0x81, 0x82


class Echo(SimDevice):
    """Answers PING with PONG and the same payload; `busy_next` answers BUSY first."""

    def __init__(self, addr: int) -> None:
        super().__init__(addr)
        self.busy_next = 0
        self.broadcasts: list[Frame] = []

    def answer(self, frame: Frame) -> Frame | None:
        if self.busy_next > 0:
            self.busy_next -= 1
            return Frame(self.addr, BUSY, frame.seq)
        return Frame(self.addr, PONG, frame.seq, frame.payload)

    def hear_broadcast(self, frame: Frame) -> None:
        self.broadcasts.append(frame)


@pytest.fixture
def sim() -> Iterator[SimLine]:
    with SimLine() as line:
        line.add(Echo(1))
        line.add(Echo(2))
        yield line


@pytest.fixture
def line(sim: SimLine) -> Iterator[Rs485Line]:
    changes: list[tuple[int, DeviceState]] = []
    with Rs485Line(
        sim.url,
        [1, 2],
        timeout_s=TIMEOUT_S,
        retries=2,
        quiet_after=2,
        label="test",
        on_state=lambda a, s: changes.append((a, s)),
    ) as ln:
        assert changes == [(1, DeviceState.OK), (2, DeviceState.OK)]  # the port opened: no longer offline
        changes.clear()
        ln.changes = changes  # type: ignore[attr-defined]
        yield ln


def dev(sim: SimLine, addr: int) -> Echo:
    device = sim.devices[addr]
    assert isinstance(device, Echo)
    return device


def test_answer_is_matched_by_address_seq_and_code(sim: SimLine, line: Rs485Line) -> None:
    answer = line.transact(1, PING, b"hi", expect={PONG})
    assert (answer.addr, answer.cmd, answer.payload) == (1, PONG, b"hi")
    assert answer.seq == sim.raw_frames[-1][4]
    assert (line.stats.transactions, line.stats.frames_sent, line.stats.retries) == (1, 1, 0)


def test_a_retry_resends_the_identical_frame_and_a_lost_answer_costs_one_attempt(sim: SimLine, line: Rs485Line) -> None:
    dev(sim, 1).drop_next = 1  # the device applies the request, its answer is lost
    assert line.transact(1, PING, b"x", expect={PONG}).payload == b"x"
    assert len(sim.raw_frames) == 2 and sim.raw_frames[0] == sim.raw_frames[1]
    assert dev(sim, 1).requests == 2 and line.stats.retries == 1 and line.stats.timeouts == 0


def test_a_late_answer_is_stray_never_taken_for_the_next_request(sim: SimLine, line: Rs485Line) -> None:
    slow = dev(sim, 1)
    slow.delay_s = TIMEOUT_S * 1.5
    with pytest.raises(DeviceTimeout) as info:
        line.transact(1, PING, b"first", expect={PONG}, attempts=1)
    assert (info.value.addr, info.value.attempts) == (1, 1)
    with sim.cond:
        slow.delay_s = 0.0
    assert line.transact(1, PING, b"second", expect={PONG}).payload == b"second"
    assert line.stats.stray_frames >= 1  # "first" arrived while "second" waited


def test_bad_checksums_and_garbage_are_dropped_and_counted(sim: SimLine, line: Rs485Line) -> None:
    d = dev(sim, 2)
    d.corrupt_next, d.garbage_next = 1, b"\x00noise\xaa"
    assert line.transact(2, PING, b"", expect={PONG}).addr == 2
    assert line.bad_frames == 1 and line.garbage_bytes >= 6 and line.stats.retries == 1
    sim.write_raw(encode(Frame(9, PONG, 0)))  # another device talking: stray on the next request
    line.transact(2, PING, b"", expect={PONG})
    assert line.stats.stray_frames == 1


def test_quiet_after_misses_then_probed_once_and_back_on_its_first_answer(sim: SimLine, line: Rs485Line) -> None:
    dev(sim, 2).unplug()
    for _ in range(2):
        with pytest.raises(DeviceTimeout):
            line.transact(2, PING, b"", expect={PONG})
    assert line.state(2) is DeviceState.QUIET and line.state(1) is DeviceState.OK
    health = line.health()
    assert health.state is BusState.DEGRADED and health.devices == {1: DeviceState.OK, 2: DeviceState.QUIET}
    sent = len(sim.raw_frames)
    with pytest.raises(DeviceTimeout) as info:
        line.transact(2, PING, b"", expect={PONG})
    assert info.value.attempts == 1 and len(sim.raw_frames) == sent + 1  # a probe: one attempt, no retries
    dev(sim, 2).plug()
    line.transact(2, PING, b"", expect={PONG})
    assert line.state(2) is DeviceState.OK and line.stats.recoveries == 1
    assert line.changes == [(2, DeviceState.QUIET), (2, DeviceState.OK)]  # type: ignore[attr-defined]


def test_every_device_quiet_is_an_offline_bus(sim: SimLine, line: Rs485Line) -> None:
    for addr in (1, 2):
        dev(sim, addr).unplug()
        for _ in range(2):
            with pytest.raises(DeviceTimeout):
                line.transact(addr, PING, b"", expect={PONG}, attempts=1)
    assert line.health().state is BusState.OFFLINE


def test_resend_and_ignore_verdicts(sim: SimLine, line: Rs485Line) -> None:
    dev(sim, 1).busy_next = 1

    def judge(frame: Frame) -> Verdict:
        return Verdict.RESEND if frame.cmd == BUSY else Verdict.TAKE

    assert line.transact(1, PING, b"ok", expect={PONG, BUSY}, judge=judge).cmd == PONG
    assert line.stats.retries == 1
    with pytest.raises(DeviceTimeout):  # every answer ignored: no usable answer in time
        line.transact(1, PING, b"", expect={PONG}, attempts=1, judge=lambda f: Verdict.IGNORE)
    assert line.stats.payload_errors == 1


def test_broadcast_reaches_every_device_and_none_answers(sim: SimLine, line: Rs485Line) -> None:
    line.broadcast(PING, b"all")
    assert sim.wait_for(lambda: all(len(dev(sim, a).broadcasts) == 1 for a in (1, 2)))
    assert line.transact(1, PING, b"after", expect={PONG}).payload == b"after"  # nothing left on the line
    assert line.stats.stray_frames == 0


def test_a_lost_port_closes_the_line_and_every_device_is_offline(sim: SimLine, line: Rs485Line) -> None:
    line.transact(1, PING, b"", expect={PONG})
    sim.pull()  # the USB adapter is pulled
    with pytest.raises(PortUnavailable, match="lost"):
        line.transact(1, PING, b"", expect={PONG})
    assert not line.is_open
    assert line.health().state is BusState.OFFLINE and set(line.states().values()) == {DeviceState.OFFLINE}
    assert line.changes == [(1, DeviceState.OFFLINE), (2, DeviceState.OFFLINE)]  # type: ignore[attr-defined]
    with pytest.raises(PortUnavailable, match="not open"):
        line.transact(1, PING, b"", expect={PONG})


def test_port_that_cannot_open_names_the_config_fix() -> None:
    with pytest.raises(PortUnavailable, match="serial_buses") as info:
        Rs485Line("/dev/tideq-no-such-port", [1]).open()
    assert info.value.__cause__ is not None
    assert Rs485Line("/dev/tideq-no-such-port", [1]).health().state is BusState.OFFLINE


def test_one_error_tree_for_every_family() -> None:
    assert issubclass(StripTimeout, DeviceTimeout) and issubclass(StripQuiet, DeviceQuiet)
    assert issubclass(StripNak, DeviceNak) and issubclass(StripNak, LedStripError)
    for leaf in (StripTimeout, PortUnavailable, FrameError, KeypadPayloadError, EvaluatorPayloadError):
        assert issubclass(leaf, Rs485Error)
    assert issubclass(KeypadPayloadError, PayloadError) and issubclass(EvaluatorPayloadError, PayloadError)
    with pytest.raises(FrameError):
        encode(Frame(300, PING, 0))
