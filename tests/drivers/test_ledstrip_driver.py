"""LED strip driver over a real pty pair with the simulated strip line: several strips on one bus,
timeouts and retries, unplug/replug recovery, corrupted answers, NAKs, broadcast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tideq.drivers.ledstrip import (
    BROADCAST,
    Command,
    DeviceState,
    LedStripBus,
    Mode,
    PortUnavailable,
    StripNak,
    StripQuiet,
    StripTimeout,
)
from tideq.drivers.ledstrip.sim import SimulatedStripBus

TIMEOUT_S = 0.05
RETRIES = 2


class Clock:
    """Driver clock for the probe backoff, advanced by the test instead of sleeping."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def line() -> Iterator[tuple[SimulatedStripBus, LedStripBus, Clock]]:
    clock = Clock()
    with SimulatedStripBus([1, 2, 3]) as sim:
        bus = LedStripBus(
            sim.port, [1, 2, 3], timeout_s=TIMEOUT_S, retries=RETRIES, probe_min_s=1.0, probe_max_s=4.0, clock=clock
        )
        with bus:
            yield sim, bus, clock


def test_several_strips_on_one_bus_get_their_own_text_byte_exact(line) -> None:
    sim, bus, _ = line
    bus.show(3, "请A012号", Mode.FLASH)
    bus.show(1, "1号窗口")
    bus.clear(2)
    assert sim.shows(3) == ("请A012号", Mode.FLASH)
    assert sim.shows(1) == ("1号窗口", Mode.STATIC)
    assert sim.shows(2) == (None, Mode.STATIC) and sim.strips[2].shown == [(None, Mode.STATIC)]
    assert sim.raw_frames[0].hex(" ") == "aa 55 03 10 01 0a 02 00 c7 eb 41 30 31 32 ba c5 ae ee"
    assert [len(sim.strips[a].received) for a in (1, 2, 3)] == [1, 1, 1]
    assert sim.errors == [] and sim.decoder.bad_crc == 0
    assert bus.stats.retries == 0 and bus.states() == dict.fromkeys((1, 2, 3), DeviceState.OK)


def test_silent_strip_times_out_after_retries_and_goes_quiet(line) -> None:
    sim, bus, _ = line
    sim.unplug(2)
    with pytest.raises(StripTimeout, match="3 attempts"):
        bus.show(2, "2号窗口")
    assert len(sim.raw_frames) == RETRIES + 1
    assert len(set(sim.raw_frames)) == 1  # a retry resends the identical frame (same seq)
    assert bus.state(2) is DeviceState.QUIET and bus.stats.timeouts == 1
    with pytest.raises(StripQuiet):  # a quiet strip no longer costs bus time
        bus.show(2, "暂停服务")
    assert len(sim.raw_frames) == RETRIES + 1
    bus.show(1, "1号窗口")  # its neighbours on the line are unaffected
    assert sim.shows(1)[0] == "1号窗口"


def test_replugged_strip_is_probed_at_backoff_and_gets_its_last_text_back(line) -> None:
    sim, bus, clock = line
    states: list[tuple[int, DeviceState]] = []
    bus.on_state = lambda a, s: states.append((a, s))
    bus.set_brightness(2, 40)
    sim.unplug(2)
    with pytest.raises(StripTimeout):
        bus.show(2, "2号窗口")
    with pytest.raises(StripQuiet):
        bus.show(2, "暂停服务", Mode.SCROLL)
    assert bus.probe_quiet() == []  # backoff not yet due: nothing sent
    pings = len(sim.raw_frames)
    clock.t += 1.0
    assert bus.probe_quiet() == []  # due, one PING, no answer, backoff doubles
    assert len(sim.raw_frames) == pings + 1
    assert bus.next_probe_in() == pytest.approx(2.0)
    sim.replug(2)
    assert sim.shows(2) == (None, Mode.STATIC)
    clock.t += 2.0
    assert bus.probe_quiet() == [2]
    assert sim.shows(2) == ("暂停服务", Mode.SCROLL)  # the last wanted text, not the first
    assert sim.strips[2].brightness == 40
    assert bus.state(2) is DeviceState.OK and bus.next_probe_in() is None
    assert states == [(2, DeviceState.QUIET), (2, DeviceState.OK)]


def test_backoff_is_capped(line) -> None:
    sim, bus, clock = line
    sim.unplug(1)
    assert not bus.ping(1)
    assert bus.state(1) is DeviceState.QUIET
    for _ in range(5):
        clock.t += bus.next_probe_in() or 0
        bus.probe_quiet()
    assert bus.next_probe_in() == pytest.approx(4.0)


def test_corrupted_answer_is_dropped_and_retried(line) -> None:
    sim, bus, _ = line
    sim.corrupt_next(3, 2)
    bus.show(3, "3号窗口")
    assert len(sim.strips[3].received) == 3
    assert bus.stats.retries == 2 and bus.state(3) is DeviceState.OK
    assert bus.line.bad_frames == 2


def test_nak_is_raised_not_retried(line) -> None:
    sim, bus, _ = line
    with pytest.raises(StripNak, match="unknown command") as info:
        bus._transact(1, 0x7F, b"")  # type: ignore[arg-type]  # a command no strip knows
    assert info.value.code == 0x02 and len(sim.raw_frames) == 1
    assert bus.state(1) is DeviceState.OK


def test_broadcast_reaches_every_strip_and_waits_for_no_answer(line) -> None:
    sim, bus, _ = line
    bus.show(BROADCAST, "暂停服务", Mode.SCROLL)
    assert sim.wait_for(lambda: all(s.text == "暂停服务" for s in sim.strips.values()))
    assert bus.stats.timeouts == 0 and bus.stats.frames_sent == 1
    assert all(bus.desired(a).text == "暂停服务" for a in (1, 2, 3))


def test_ping(line) -> None:
    sim, bus, _ = line
    assert bus.ping(1) and sim.strips[1].pings == 1
    sim.unplug(1)
    assert not bus.ping(1)


def test_port_errors_are_wrapped() -> None:
    with pytest.raises(PortUnavailable, match="serial_buses") as info:
        LedStripBus("/dev/tideq-no-such-port", [1]).open()
    assert info.value.__cause__ is not None


def test_opens_pyserial_urls() -> None:
    """serial_for_url: loop:// echoes our own frame, which is no ACK, so the strip times out."""
    with LedStripBus("loop://", [1], timeout_s=0.02, retries=0) as bus:
        with pytest.raises(StripTimeout):
            bus._transact(1, Command.PING, b"", attempts=1)
        assert bus.stats.stray_frames >= 1
