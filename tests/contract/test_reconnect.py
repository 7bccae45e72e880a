"""A BusClient is current again within 2 s of a broker restart, however long the broker was down.

paho doubles its reconnect wait after every refused attempt and resets it only on a CONNACK, so
the cap of `reconnect_delay_set` bounds how late a client notices that the broker is back: with a
5 s cap, a broker down for 3.2 s came back to its clients 3 s later (attempts at 0.2, 0.6, 1.4,
3.0, 6.2 s after the drop). bench/bench_broker_restart.py measures the whole hall.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from tideq.contract import BusClient
from tideq.testing import Mosquitto

GOAL_S = 2.0


@pytest.fixture
def own_broker():
    """A broker of this test alone: it is stopped and started."""
    with Mosquitto() as m:
        yield m


@pytest.mark.parametrize("down_s", [0.0, 3.2])
def test_current_again_within_2s_of_the_broker_being_back(own_broker: Mosquitto, down_s: float) -> None:
    hall = "xian-hitech"
    got: list[bytes] = []
    arrived = threading.Event()
    sub = BusClient(own_broker.url, hall, f"test-sub-{uuid.uuid4().hex[:6]}")
    topic = sub.topics.state("services")

    def on_msg(t: str, payload: bytes) -> None:
        got.append(payload)
        arrived.set()

    sub.subscribe(topic, on_msg)
    sub.connect()
    try:
        if down_s:
            own_broker.stop()
            time.sleep(down_s)  # the broker stays down this long: the scenario under test
            own_broker.start()
        else:
            own_broker.restart()
        back = time.monotonic()
        # current = reconnected with its subscriptions acknowledged (BusClient.connected) ...
        assert wait_until(sub.connected.is_set, back + GOAL_S), "not reconnected within 2 s"
        # ... and it receives what is published from then on, on a subscription it made before
        pub = BusClient(own_broker.url, hall, f"test-pub-{uuid.uuid4().hex[:6]}").connect()
        try:
            pub.publish(topic, b'{"v":1}', retain=True).wait_for_publish(1)
            assert arrived.wait(max(0.0, back + GOAL_S - time.monotonic())), "re-subscription not live within 2 s"
        finally:
            pub.close()
        assert got == [b'{"v":1}']
    finally:
        sub.close()


def wait_until(pred: object, deadline: float) -> bool:
    assert callable(pred)
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)  # polling paho's connection flag; it has no waitable "connected again" edge
    return bool(pred())
