"""The gateway's login under `tideq acl`'s ACL on a real Mosquitto: it reads state, events and
health, may send exactly `cmd/gateway/appointments` and `cmd/gateway/booking`, nothing else."""

from __future__ import annotations

import queue

import pytest

from tideq.broker.acl import Role, identities
from tideq.contract import BusClient, QueueState, RequestTimeout
from tideq.contract.wire import decode

from .conftest import HALL


def test_gateway_identity_is_least_privilege(hall):
    gw = next(i for i in identities(hall.hall) if i.role is Role.GATEWAY)
    p = f"tideq/{HALL}"
    assert gw.user == "gateway"
    assert set(gw.write) == {f"{p}/cmd/gateway/appointments", f"{p}/cmd/gateway/booking"}
    assert set(gw.read) == {f"{p}/reply/gateway", f"{p}/state/#", f"{p}/status/#", f"{p}/event/#", f"{p}/health/#"}
    assert not gw.readwrite


def test_gateway_reads_state_and_is_refused_a_ticket(secure_broker, acl_files, secure_controller):
    c = BusClient(secure_broker.url, HALL, "gateway", username="gateway", password=acl_files.passwords["gateway"])
    got: queue.Queue[QueueState] = queue.Queue()
    c.subscribe(f"tideq/{HALL}/state/queue", lambda t, p: got.put(decode(QueueState, p)))
    c.connect()
    try:
        assert got.get(timeout=5).day is not None  # the retained queue reaches the gateway's login
        r = c.send("appointments", {"appointments": []}, timeout=5)  # allowed: the controller answers
        assert r.ok and r.imported == 0
        with pytest.raises(RequestTimeout):  # denied by the broker: never reaches the controller
            c.send("ticket", {"service": "tax", "source": "kiosk-1"}, timeout=1.5)
    finally:
        c.close()
