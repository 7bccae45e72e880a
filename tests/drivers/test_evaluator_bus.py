"""The evaluator master against simulated evaluators over a real pty pair."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tideq.contract.vocab import Lang, Rating
from tideq.drivers.evaluator import EvaluatorMaster, RatingStatus, WireRating
from tideq.drivers.evaluator.protocol import Ask
from tideq.drivers.evaluator.sim import EvaluatorBusSim, SimEvaluator
from tideq.drivers.keypad import BusState, DeviceState

T = 5.0


class Rig:
    def __init__(self, sim: EvaluatorBusSim, master: EvaluatorMaster) -> None:
        self.sim, self.master = sim, master

    def ev(self, addr: int) -> SimEvaluator:
        return self.sim.evaluator(addr)


@pytest.fixture
def rig() -> Iterator[Rig]:
    with EvaluatorBusSim() as sim:
        sim.add_evaluator(1)
        sim.add_evaluator(2)
        master = EvaluatorMaster(
            sim.url,
            [1, 2],
            bus_id="evaluators-t",
            timeout_s=0.1,
            retries=1,
            quiet_after=2,
            quiet_probe_every=2,
            min_cycle_s=0.005,
            rating_timeout_s=5.0,
        )
        master.start()
        try:
            yield Rig(sim, master)
        finally:
            master.stop()


def test_wire_rating_levels_and_labels() -> None:
    assert [(int(r), r.zh) for r in WireRating] == [
        (1, "非常满意"),
        (2, "满意"),
        (3, "基本满意"),
        (4, "不满意"),
        (5, "非常不满意"),
    ]
    assert WireRating(1).en == "very satisfied" and WireRating(5).en == "very dissatisfied"


def test_wire_ratings_map_to_the_contract_scale_level_by_level() -> None:
    """The wire counts 1 best, the contract 5 best: each level keeps its meaning, and back."""
    assert [(int(w), int(w.to_contract())) for w in WireRating] == [(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)]
    assert all(w.to_contract().label[Lang.ZH] == w.zh for w in WireRating)
    assert all(WireRating.from_contract(w.to_contract()) is w for w in WireRating)


def test_ask_payload_round_trips_with_a_chinese_prompt() -> None:
    ask = Ask(7, 30, "A012", "3", "A012 请对本次服务进行评价")
    assert Ask.decode(ask.encode()) == ask


def test_visitor_rating_is_returned_and_acknowledged(rig: Rig) -> None:
    fut = rig.master.ask(1, "A012", "1", "A012 请评价")
    ev = rig.ev(1)
    assert ev.wait(lambda: ev.current is not None, T)
    assert (ev.current.ticket, ev.current.window, ev.current.prompt) == ("A012", "1", "A012 请评价")
    assert ev.rate(WireRating.SATISFIED)  # wire code 2
    result = fut.result(T)
    assert (result.status, result.rating, result.value, result.ticket) == (
        RatingStatus.RATED,
        Rating.SATISFIED,
        4,
        "A012",
    )  # the contract's scale: 满意 is 4
    assert ev.wait(lambda: ev.acked == [ev.asks[0].ask_id], T)
    assert rig.ev(2).asks == []


def test_no_rating_in_time_is_not_rated_and_the_ask_is_cancelled(rig: Rig) -> None:
    fut = rig.master.ask(2, "B003", "2", timeout_s=0.3)
    result = fut.result(T)
    assert (result.status, result.value) == (RatingStatus.TIMEOUT, "not_rated")
    ev = rig.ev(2)
    assert ev.wait(lambda: ev.cancels == [ev.asks[0].ask_id], T)
    assert ev.current is None and not ev.rate(WireRating.SATISFIED)  # the prompt left the screen


def test_unplugged_evaluator_is_not_rated_at_once_and_reported_quiet(rig: Rig) -> None:
    rig.ev(1).unplug()
    assert rig.master.wait_until(lambda: rig.master.device_state(1) is DeviceState.QUIET, T)
    assert rig.master.health().state is BusState.DEGRADED
    result = rig.master.ask(1, "A001", "1").result(T)
    assert (result.status, result.value) == (RatingStatus.UNREACHABLE, "not_rated")
    rig.ev(1).plug()
    assert rig.master.wait_until(lambda: rig.master.health().state is BusState.OK, T)


def test_bad_checksum_and_garbage_do_not_lose_or_double_a_rating(rig: Rig) -> None:
    ev = rig.ev(1)
    ev.garbage_next = b"\x01\x02\x03\xaa"
    fut = rig.master.ask(1, "A009", "1")
    assert ev.wait(lambda: ev.current is not None, T)
    ev.corrupt_next = 1
    ev.rate(WireRating.VERY_DISSATISFIED)
    assert fut.result(T).rating is Rating.VERY_DISSATISFIED
    assert rig.master.bad_frames == 1 and rig.master.garbage_bytes >= 3
    assert ev.wait(lambda: len(ev.acked) == 1, T)


def test_two_evaluators_rate_independently(rig: Rig) -> None:
    f1 = rig.master.ask(1, "A001", "1")
    f2 = rig.master.ask(2, "B001", "2")
    e1, e2 = rig.ev(1), rig.ev(2)
    assert e2.wait(lambda: e2.current is not None, T)
    assert e1.wait(lambda: e1.current is not None, T)
    e2.rate(WireRating.DISSATISFIED)
    assert f2.result(T).rating is Rating.DISSATISFIED and not f1.done()
    e1.rate(WireRating.VERY_SATISFIED)
    r1 = f1.result(T)
    assert (r1.ticket, r1.window, r1.rating) == ("A001", "1", Rating.VERY_SATISFIED)


def test_new_ask_supersedes_an_unanswered_one(rig: Rig) -> None:
    first = rig.master.ask(1, "A001", "1")
    second = rig.master.ask(1, "A002", "1")
    assert first.result(T).status is RatingStatus.SUPERSEDED
    ev = rig.ev(1)
    assert ev.wait(lambda: ev.current is not None and ev.current.ticket == "A002", T)
    ev.rate(WireRating.BASICALLY_SATISFIED)
    assert second.result(T).value == 3


def test_documented_examples_are_what_the_code_sends() -> None:
    from tideq.drivers.rs485 import Frame, encode

    ask = encode(Frame(3, 0x41, 0x20, Ask(1, 30, "A012", "3", "请评价").encode()))
    assert ask == bytes.fromhex("AA 55 03 41 20 0F 01 1E 41 30 31 32 00 33 00 C7 EB C6 C0 BC DB 3A 2E")
    assert encode(Frame(3, 0xC1, 0x22, b"\x01\x02")) == bytes.fromhex("AA 55 03 C1 22 02 01 02 16 10")
