"""The keypad master against simulated keypads over a real pty pair."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tideq.drivers.keypad import BusState, Caps, DeviceState, DisplayStyle, Key, KeyEvent, KeypadMaster, LineHealth
from tideq.drivers.keypad.sim import KeypadBusSim

T = 5.0  # generous upper bound of every wait; the waits end as soon as the condition holds


class Rig:
    def __init__(self, sim: KeypadBusSim, master: KeypadMaster) -> None:
        self.sim = sim
        self.master = master
        self.events: list[KeyEvent] = []
        self.health: list[LineHealth] = []
        master.on_key = self.events.append
        master.on_health = self.health.append

    def wait(self, predicate, timeout: float = T) -> bool:
        return self.master.wait_until(predicate, timeout)

    def cycles_later(self, n: int = 3) -> None:
        target = self.master.cycles.count + n
        assert self.wait(lambda: self.master.cycles.count >= target)


def make_rig(addresses: list[int], **kw) -> Iterator[Rig]:
    with KeypadBusSim() as sim:
        for a in addresses:
            sim.add_keypad(a, **kw.pop(f"kp{a}", {}))
        master = KeypadMaster(
            sim.url,
            addresses,
            bus_id="keypads-t",
            timeout_s=0.1,
            retries=1,
            quiet_after=2,
            quiet_probe_every=2,
            min_cycle_s=0.005,
            **kw,
        )
        rig = Rig(sim, master)
        master.start()
        try:
            yield rig
        finally:
            master.stop()


@pytest.fixture
def rig() -> Iterator[Rig]:
    yield from make_rig([1, 2])


def test_press_is_delivered_once_and_acknowledged(rig: Rig) -> None:
    kp = rig.sim.keypad(1)
    no = kp.press(Key.NEXT)
    assert rig.wait(lambda: len(rig.events) == 1)
    ev = rig.events[0]
    assert (ev.addr, ev.key, ev.event_no, ev.session) == (1, Key.NEXT, no, kp.session)
    assert kp.wait(lambda: kp.acked == [no])
    rig.cycles_later()
    assert len(rig.events) == 1 and not kp.pending


def test_call_digits_and_display_text(rig: Rig) -> None:
    kp = rig.sim.keypad(2)
    kp.press(Key.CALL, "A012")
    assert rig.wait(lambda: len(rig.events) == 1)
    assert rig.events[0].arg == "A012" and rig.events[0].addr == 2
    assert rig.master.show(2, "A012 → 请等候", DisplayStyle.OK).result(T) is True
    assert kp.shown == [(DisplayStyle.OK, "A012 → 请等候")]
    assert rig.sim.keypad(1).shown == []


def test_bad_checksums_are_dropped_counted_and_the_press_still_arrives_once(rig: Rig) -> None:
    kp = rig.sim.keypad(1)
    kp.corrupt_next = 3
    kp.press(Key.FINISH)
    assert rig.wait(lambda: len(rig.events) == 1)
    assert rig.master.bad_frames == 3
    rig.cycles_later()
    assert [e.key for e in rig.events] == [Key.FINISH]
    assert rig.master.device_state(1) is DeviceState.OK


def test_garbage_bytes_are_skipped_and_counted(rig: Rig) -> None:
    kp = rig.sim.keypad(2)
    noise = b"\x00\xff\x13 noise \xaa\x55\xaa"
    kp.garbage_next = noise
    kp.press(Key.SKIP)
    assert rig.wait(lambda: len(rig.events) == 1)
    assert rig.events[0].key is Key.SKIP
    assert rig.master.garbage_bytes >= len(noise) - 2


def test_unplugged_keypad_goes_quiet_and_recovers(rig: Rig) -> None:
    kp1, kp2 = rig.sim.keypad(1), rig.sim.keypad(2)
    rig.cycles_later(1)
    assert rig.health and rig.health[-1].state is BusState.OK
    kp1.unplug()
    assert rig.wait(lambda: rig.health and rig.health[-1].state is BusState.DEGRADED)
    assert rig.health[-1].devices == {1: DeviceState.QUIET, 2: DeviceState.OK}
    assert rig.master.show(1, "A001").result(T) is False
    kp2.press(Key.NEXT)  # the other keypad keeps working
    pressed_while_out = kp1.press(Key.PAUSE)
    assert rig.wait(lambda: len(rig.events) == 1)
    assert rig.events[0].addr == 2
    kp1.plug()
    assert rig.wait(lambda: rig.health and rig.health[-1].state is BusState.OK)
    assert rig.wait(lambda: len(rig.events) == 2)
    assert (rig.events[1].addr, rig.events[1].key, rig.events[1].event_no) == (1, Key.PAUSE, pressed_while_out)
    assert [h.state for h in rig.health] == [BusState.OK, BusState.DEGRADED, BusState.OK]


def test_every_keypad_quiet_is_offline(rig: Rig) -> None:
    rig.sim.keypad(1).unplug()
    rig.sim.keypad(2).unplug()
    assert rig.wait(lambda: rig.health and rig.health[-1].state is BusState.OFFLINE)
    assert rig.health[-1].devices == {1: DeviceState.QUIET, 2: DeviceState.QUIET}


def test_two_keypads_on_one_bus_keep_their_presses_apart(rig: Rig) -> None:
    kp1, kp2 = rig.sim.keypad(1), rig.sim.keypad(2)
    for k1, k2 in [(Key.NEXT, Key.RECALL), (Key.FINISH, Key.SKIP), (Key.NEXT, Key.PAUSE)]:
        kp1.press(k1)
        kp2.press(k2)
    assert rig.wait(lambda: len(rig.events) == 6)
    assert [e.key for e in rig.events if e.addr == 1] == [Key.NEXT, Key.FINISH, Key.NEXT]
    assert [e.key for e in rig.events if e.addr == 2] == [Key.RECALL, Key.SKIP, Key.PAUSE]
    assert all(e.session == (kp1 if e.addr == 1 else kp2).session for e in rig.events)


def test_retransmitted_press_is_not_delivered_twice(rig: Rig) -> None:
    kp = rig.sim.keypad(1)
    kp.ignore_acks = 2  # the keypad misses two acknowledgements and repeats the same press
    kp.press(Key.NEXT)
    assert kp.wait(lambda: len(kp.acked) == 1)
    rig.cycles_later()
    assert len(rig.events) == 1
    assert 1 <= rig.master.stats.duplicates <= 2  # a late answer under load is stray, not duplicate


def test_rebooted_keypad_is_not_mistaken_for_a_retransmission(rig: Rig) -> None:
    kp = rig.sim.keypad(1)
    kp.press(Key.NEXT)
    assert kp.wait(lambda: kp.acked == [1])
    kp.reboot()
    assert kp.press(Key.NEXT) == 1  # same counter value after the power cycle
    assert rig.wait(lambda: len(rig.events) == 2)
    assert rig.events[0].session != rig.events[1].session


def test_answer_claiming_another_address_is_never_taken(rig: Rig) -> None:
    kp1 = rig.sim.keypad(1)
    kp1.impersonate_next = 2  # cross-talk: keypad 1's answer arrives labelled as keypad 2
    kp1.press(Key.TRANSFER, "W2")
    assert rig.wait(lambda: len(rig.events) == 1)
    rig.cycles_later()
    assert [(e.addr, e.key) for e in rig.events] == [(1, Key.TRANSFER)]
    assert rig.master.stats.stray_frames >= 1


def test_keypad_without_display_is_not_sent_texts() -> None:
    rigs = make_rig([1, 3], kp3={"caps": Caps.DIGITS})
    rig = next(rigs)
    try:
        assert rig.wait(lambda: rig.master.caps(3) is not None)
        assert rig.master.show(3, "A001").result(T) is False
        assert rig.master.show(1, "A001").result(T) is True
        assert rig.sim.keypad(3).shown == []
    finally:
        rigs.close()


def test_missing_port_is_offline_and_refuses_texts() -> None:
    master = KeypadMaster("/dev/tideq-no-such-port", [1], bus_id="gone", reopen_s=0.05)
    seen = threading.Event()
    master.on_health = lambda h: h.state is BusState.OFFLINE and seen.set()
    master.start()
    try:
        assert seen.wait(T)
        assert master.show(1, "x").result(T) is False
    finally:
        master.stop()
