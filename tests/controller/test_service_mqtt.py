"""The controller through real Mosquitto: tickets, calls, retained state, last will, idempotency."""

from __future__ import annotations

import json
import queue
import uuid

from tideq.contract import BusClient


def wait_msg(q: queue.Queue, pred=lambda t, p: True, timeout: float = 5.0):
    while True:
        topic, payload = q.get(timeout=timeout)
        if pred(topic, payload):
            return topic, payload


def collector(client: BusClient, topic: str) -> queue.Queue:
    q: queue.Queue = queue.Queue()
    client.subscribe(topic, lambda t, p: q.put((t, p)))
    return q


def test_take_ticket_and_call_it(client):
    calls = collector(client, "tideq/xian-hitech/event/call")
    r = client.request("ticket", {"service": "tax", "source": "kiosk-1"})
    assert r["ok"] is True, r
    assert r["ticket"]["number"] == "B001"
    assert r["ticket"]["ahead"] == 0 and r["ticket"]["priority"] == "normal"
    c = client.request("window/5", {"action": "next"})
    assert c["ok"] and c["ticket"]["number"] == "B001" and c["window"]["status"] == "serving"
    _, payload = wait_msg(calls)
    ev = json.loads(payload)
    assert ev["ticket"] == "B001" and ev["window"] == "5" and ev["recall"] is False
    assert ev["announce"]["zh"] == "请B001号到5号窗口办理"


def test_late_subscriber_gets_retained_state(broker, client):
    client.request("ticket", {"service": "tax", "source": "kiosk-1"})
    client.request("ticket", {"service": "tax", "source": "kiosk-1"})
    late = BusClient(broker.url, "xian-hitech", f"late-{uuid.uuid4().hex[:6]}").connect()
    try:
        q = collector(late, "tideq/xian-hitech/state/services")
        _, payload = wait_msg(
            q, lambda t, p: any(s["id"] == "tax" and s["waiting"] == 2 for s in json.loads(p)["services"])
        )
        state = json.loads(payload)
        assert state["v"] == 1 and "ts" in state
        status = collector(late, "tideq/xian-hitech/status/controller")
        assert wait_msg(status)[1] == b"online"
    finally:
        late.close()


def test_repeated_command_id_returns_same_ticket(client, controller):
    cid = str(uuid.uuid4())
    first = client.request("ticket", {"service": "tax", "source": "kiosk-1"}, command_id=cid)
    again = client.request("ticket", {"service": "tax", "source": "kiosk-1"}, command_id=cid)
    assert first == again
    assert len(controller.engine.tickets) == 1


def test_refusal_says_what_to_do(client):
    r = client.request("window/19", {"action": "next"})
    assert r["ok"] is False
    assert r["error"]["code"] == "window_closed"
    assert r["error"]["guide"]["zh"] and r["error"]["guide"]["en"]


def test_clean_stop_publishes_offline(broker, hall, tmp_path, clock, monkeypatch):
    from tideq.controller.service import ControllerService

    monkeypatch.setenv("TIDEQ_HALL_SECRET", "x")
    watcher = BusClient(broker.url, "xian-hitech", f"w-{uuid.uuid4().hex[:6]}").connect()
    q = collector(watcher, "tideq/xian-hitech/status/controller")
    health = collector(watcher, "tideq/xian-hitech/health/controller")
    svc = ControllerService(hall, broker.url, tmp_path / "d", clock).start()
    wait_msg(q, lambda t, p: p == b"online")
    wait_msg(health, lambda t, p: json.loads(p)["state"] == "ok")
    svc.stop()
    wait_msg(q, lambda t, p: p == b"offline")
    # retained health says so too: a dashboard reading health alone does not show a stopped controller ok
    wait_msg(health, lambda t, p: json.loads(p)["state"] == "offline")
    watcher.close()
