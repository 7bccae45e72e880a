"""state/queue's own pace (tideq.controller.publisher): a burst of new tickets only sends it at most
every QUEUE_MIN_S (a kiosk flood would otherwise rebuild a list of every waiting number per
burst); a call, skip or finish and the refresh send it at once; a held one goes with the next burst."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tideq.contract import Topics
from tideq.controller import publisher as pub
from tideq.controller.burst import Burst
from tideq.controller.engine import Engine
from tideq.controller.publisher import Publisher
from tideq.controller.tidal import TidalPolicy

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Recorder:
    def __init__(self) -> None:
        self.topics: list[str] = []

    def publish(self, topic, payload, retain=False, qos=1):
        self.topics.append(topic.rsplit("/", 2)[-2] + "/" + topic.rsplit("/", 1)[-1])


@pytest.fixture
def setup(hall, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(pub.time, "monotonic", lambda: clock[0])
    engine = Engine(hall.hall, b"s")
    engine.roll_day(NOW)
    bus = Recorder()
    p = Publisher(bus, Topics("xian-hitech"), TidalPolicy(hall.hall.tidal))  # type: ignore[arg-type]
    return p, bus, engine, clock


def burst_of(events) -> Burst:
    b = Burst()
    b.events.extend(events)
    return b


def test_new_tickets_only_are_paced_and_the_held_one_follows(setup):
    p, bus, engine, clock = setup
    queues = lambda: bus.topics.count("state/queue")  # noqa: E731
    p.publish(burst_of(engine.issue("tax", "kiosk-1", NOW)[0]), engine, NOW, refresh=False)
    assert queues() == 1  # the first goes at once
    for _ in range(5):
        clock[0] += 0.01
        p.publish(burst_of(engine.issue("tax", "kiosk-1", NOW)[0]), engine, NOW, refresh=False)
    assert queues() == 1  # held: within QUEUE_MIN_S of the last
    assert bus.topics.count("state/services") == 6  # the counts are never held
    clock[0] += pub.QUEUE_MIN_S
    p.publish(Burst(), engine, NOW, refresh=False)  # the idle worker's next (empty) burst
    assert queues() == 2


def test_a_call_sends_the_queue_at_once(setup):
    p, bus, engine, clock = setup
    p.publish(burst_of(engine.issue("tax", "kiosk-1", NOW)[0]), engine, NOW, refresh=False)
    clock[0] += 0.01
    p.publish(burst_of(engine.issue("tax", "kiosk-1", NOW)[0]), engine, NOW, refresh=False)
    assert bus.topics.count("state/queue") == 1  # the second ticket's is held
    clock[0] += 0.01
    events, _ = engine.window_action("5", "next", NOW)
    p.publish(burst_of(events), engine, NOW, refresh=False)
    assert bus.topics.count("state/queue") == 2  # a call is not held, however soon


def test_the_refresh_always_sends_it(setup):
    p, bus, engine, clock = setup
    p.publish(burst_of(engine.issue("tax", "kiosk-1", NOW)[0]), engine, NOW, refresh=False)
    clock[0] += 0.01
    p.publish(Burst(), engine, NOW, refresh=True)
    assert bus.topics.count("state/queue") == 2
