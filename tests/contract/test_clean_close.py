"""`BusClient.close()` is a clean goodbye: what was published just before it is acknowledged, and
the broker reads the DISCONNECT, so it never fires the last will.

Closing a TCP socket with unread bytes in its receive buffer sends a reset rather than a FIN;
Linux then drops what the broker had not read yet, the DISCONNECT included, and Mosquitto
publishes the will. A PUBACK still on its way when paho closed the socket was enough: a clean
SIGTERM of the counter bridge left a bus `offline` with the will's `reason: connection lost`
(CI, tests/bridge/test_bridge_will.py), and Mosquitto 2.0.11 logged "disconnected due to out of
memory" for it.
"""

from __future__ import annotations

import threading

from tideq.contract import BusClient
from tideq.testing import Mosquitto

HALL = "clean-close"
ROUNDS = 30
BURST = 20


def test_close_right_after_publishing_never_fires_the_will(broker: Mosquitto) -> None:
    got: list[bytes] = []
    cond = threading.Condition()

    def on_health(_topic: str, payload: bytes) -> None:
        with cond:
            got.append(payload)
            cond.notify_all()

    watch = BusClient(broker.url, HALL, "close-watch")
    health = watch.topics.health("close-dev")
    watch.subscribe(health, on_health)
    watch.connect()
    try:
        for n in range(ROUNDS):
            dev = BusClient(broker.url, HALL, "close-dev", will=(health, b"will"))
            dev.connect()
            for k in range(BURST):  # not waited for: close() must see them acknowledged
                dev.publish(health, f"{n}.{k}".encode(), qos=1, retain=True)
            dev.close()
            last = f"{n}.{BURST - 1}".encode()
            with cond:
                assert cond.wait_for(lambda: last in got, 5), (n, got[-3:])  # noqa: B023
        probe = b"probe"  # one more round trip: a will fired by any close would be here by now
        watch.publish(health, probe, qos=1).wait_for_publish(2)
        with cond:
            assert cond.wait_for(lambda: probe in got, 5)
            assert b"will" not in got, [i for i, p in enumerate(got) if p == b"will"]
    finally:
        watch.publish(health, b"", retain=True).wait_for_publish(2)
        watch.close()
