"""Readers follow the controller's clock, not their own: a demo hall clock stays 'fresh'."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tideq.contract.clock import ControllerClock

TZ = ZoneInfo("Asia/Shanghai")


class Mono:
    t = 100.0

    def __call__(self) -> float:
        return self.t


def test_follows_the_newest_ts_and_runs_on_monotonic():
    mono = Mono()
    c = ControllerClock("Asia/Shanghai", mono)
    hall_morning = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)  # a demo hall clock, hours behind the wall
    c.observe(hall_morning.isoformat())
    mono.t += 5
    assert c.now() == hall_morning + timedelta(seconds=5)
    c.observe((hall_morning + timedelta(minutes=3)).isoformat())  # --speed: the hall runs ahead
    assert c.now() == hall_morning + timedelta(minutes=3)


def test_an_older_retained_payload_does_not_pull_it_back():
    mono = Mono()
    c = ControllerClock("Asia/Shanghai", mono)
    t = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
    c.observe(t)
    c.observe((t - timedelta(minutes=10)).isoformat())
    c.observe("not a time")
    assert c.now() == t


def test_without_any_ts_it_is_the_wall_clock():
    c = ControllerClock("Asia/Shanghai")
    assert abs((c.now() - datetime.now(TZ)).total_seconds()) < 5
