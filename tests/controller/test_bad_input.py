"""Bad input over MQTT: a clear error, state unchanged, controller still serving."""

from __future__ import annotations

import json
import queue
import uuid

import pytest

from tideq.contract import BusClient

REPLY = "tideq/xian-hitech/reply/{}"


@pytest.fixture
def raw(broker, controller):
    """A client that publishes raw bytes and collects its replies and rejections."""
    c = BusClient(broker.url, "xian-hitech", f"raw-{uuid.uuid4().hex[:6]}").connect()
    q: queue.Queue = queue.Queue()
    c.subscribe(REPLY.format(c.client_id), lambda t, p: q.put(json.loads(p)))
    rejected: queue.Queue = queue.Queue()
    c.subscribe("tideq/xian-hitech/event/rejected", lambda t, p: rejected.put(json.loads(p)))
    c.replies, c.rejected = q, rejected
    yield c
    c.close()


def send(c, topic: str, body) -> dict:
    payload = body if isinstance(body, (bytes, str)) else json.dumps(body)
    c.publish(f"tideq/xian-hitech/cmd/{c.client_id}/{topic}", payload)
    return c.replies.get(timeout=5)


def body(c, **kw):
    return {"v": 1, "id": str(uuid.uuid4()), **kw}


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"service": "tax"}, "bad_payload"),  # no source
        ({"service": "tax", "source": "kiosk-2", "priority": "vip"}, "bad_payload"),
        ({"service": "passport-office", "source": "kiosk-2"}, "unknown_service"),
        ({"service": "tax", "source": "kiosk-2", "identity": "1234567890"}, "bad_payload"),  # clear ID number
    ],
)
def test_bad_ticket_commands_are_refused_with_a_code(raw, controller, payload, code):
    r = send(raw, "ticket", body(raw, **payload))
    assert r["ok"] is False and r["error"]["code"] == code, r
    assert r["error"]["message"]["en"] and r["error"]["guide"]["en"]
    assert controller.engine.tickets == {}


def test_unknown_window_and_command(raw):
    assert send(raw, "window/99", body(raw, action="next"))["error"]["code"] == "unknown_window"
    assert send(raw, "window/5", body(raw, action="dance"))["error"]["code"] == "bad_payload"
    assert send(raw, "teleport", body(raw))["error"]["code"] == "unknown_command"


def test_wrong_or_missing_version(raw):
    b = body(raw, service="tax", source="kiosk-2")
    b["v"] = 2
    assert send(raw, "ticket", b)["error"]["code"] == "unsupported_version"
    del b["v"]
    b["id"] = str(uuid.uuid4())
    assert send(raw, "ticket", b)["error"]["code"] == "bad_payload"


def test_malformed_json_is_reported_on_event_rejected(raw, controller):
    raw.publish(f"tideq/xian-hitech/cmd/{raw.client_id}/ticket", b"{not json")
    raw.publish(f"tideq/xian-hitech/cmd/{raw.client_id}/ticket", b"\xff\xfe\x00")
    assert raw.rejected.get(timeout=5)["code"] == "bad_json"
    assert raw.rejected.get(timeout=5)["code"] == "bad_json"
    r = send(raw, "ticket", body(raw, service="tax", source="kiosk-2"))  # still serving
    assert r["ok"] and r["ticket"]["number"] == "B001"


def test_deeply_nested_json_is_rejected_and_the_burst_goes_on(raw, controller):
    nested = b"[" * 5000 + b"]" * 5000  # json.loads: RecursionError
    raw.publish(f"tideq/xian-hitech/cmd/{raw.client_id}/ticket", nested)
    r = send(raw, "ticket", body(raw, service="tax", source="kiosk-2"))
    assert r["ok"] and r["ticket"]["number"] == "B001"
    rej = raw.rejected.get(timeout=5)
    assert rej["code"] == "bad_json" and "nested" in rej["detail"]


def test_a_command_without_a_sender_level_is_reported_with_the_topic_to_use(raw, controller):
    """`cmd/ticket` (no client id in the topic) names nobody to answer: reported on event/rejected
    with the topic a client must use, and nothing happens."""
    raw.publish("tideq/xian-hitech/cmd/ticket", json.dumps(body(raw, service="tax", source="kiosk-2")))
    rej = raw.rejected.get(timeout=5)
    assert rej["code"] == "unknown_command" and "cmd/{client_id}/ticket" in rej["detail"]
    assert controller.engine.tickets == {}


def test_oversized_payload(raw, controller):
    r = send(raw, "ticket", body(raw, service="tax", source="kiosk-2", padding="x" * 70_000))
    assert r["error"]["code"] == "payload_too_large"
    assert controller.engine.tickets == {}


def test_appointment_import_masks_clear_personal_data(raw, controller):
    r = send(
        raw,
        "appointments",
        body(
            raw,
            appointments=[
                {
                    "code": "YY0001",
                    "service": "tax",
                    "start": "2026-11-26T10:30:00+08:00",
                    "end": "2026-11-26T11:00:00+08:00",
                    "name_masked": "王小明",
                    "phone_masked": "13812345678",
                }
            ],
        ),
    )
    assert r["ok"] and r["imported"] == 1
    a = controller.engine.appointments["YY0001"]
    assert a.name_masked == "王**" and a.phone_masked == "138****5678"
    rows = controller.store.db.execute("SELECT data FROM events").fetchall()
    assert not any("13812345678" in d or "王小明" in d for (d,) in rows)
