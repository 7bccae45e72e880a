"""Many halls, one centre: the generated bridges over TLS with per-hall logins, on real Mosquittos
and real controllers; every wait is on a condition with a timeout."""

from __future__ import annotations

import json
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tideq.broker.uplink import DISTRICT_USER

from .conftest import WAIT_S, District, Inbox, build, stop_client, subscriber

NOT_FORWARDED_S = 2.0  # bounded wait for a message that must not arrive (a bridge forwards in ms)


def take(d: District, hall_id: str, service: str = "tax") -> str:
    kiosk = d.kiosk(hall_id)
    try:
        reply = kiosk.send("ticket", {"service": service, "source": "kiosk-1"}, timeout=5)
        assert reply.ok, reply
        return str(reply.ticket.number)  # type: ignore[union-attr]
    finally:
        kiosk.close()


def queued(hall_id: str, number: str):
    def pred(topic: str, body: Any) -> bool:
        return topic == f"tideq/{hall_id}/state/queue" and any(
            number in s.get("tickets", []) for s in (body.get("services", []) if isinstance(body, dict) else [])
        )

    return pred


def test_a_ticket_in_each_hall_shows_up_centrally_under_that_halls_prefix(district: District, reader: Inbox) -> None:
    b = take(district, "hall-b")
    assert reader.wait_for(queued("hall-b", b)), f"ticket {b} of hall B never reached the centre"
    a = take(district, "hall-a", "business-setup")
    assert reader.wait_for(queued("hall-a", a)), f"ticket {a} of hall A never reached the centre"
    # each hall only under its own prefix, and its health and uplink status came along
    assert not reader.wait_for(queued("hall-a", b), timeout=0) or a == b
    for h in ("hall-a", "hall-b"):
        assert reader.wait_for(lambda t, _b, h=h: t == f"tideq/{h}/health/controller")
        assert reader.wait_for(lambda t, body, h=h: t == f"tideq/{h}/status/uplink" and str(body) == "1")
    # nothing personal or private crossed: no commands, replies or ratings
    assert not [t for t in reader.topics() if "/cmd/" in t or "/reply/" in t or t.endswith("/event/rated")]


def test_hall_b_works_while_the_centre_is_down_and_the_centre_catches_up(district: District) -> None:
    centre = district.centre
    watcher = f"{DISTRICT_USER}-catchup"
    c, box = subscriber(
        centre.broker.port,
        DISTRICT_USER,
        centre.reader_password,
        ["tideq/hall-b/state/queue", "tideq/hall-b/event/#"],
        persistent=True,
        client_id=watcher,
    )
    first = take(district, "hall-b")
    assert box.wait_for(queued("hall-b", first))
    stop_client(c)  # offline subscriber: its session (and subscription) stays on the centre
    centre.broker.stop()
    missed = [take(district, "hall-b") for _ in range(3)]  # hall B answers with the centre down
    # and an event (not retained, so only a queue can deliver it later): an unreadable command
    marker = f"kiosk-{uuid.uuid4().hex[:6]}"
    raw = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=marker)
    raw.connect("127.0.0.1", district.brokers["hall-b"].port)
    raw.loop_start()
    raw.publish(f"tideq/hall-b/cmd/{marker}/ticket", b"{not json", qos=1).wait_for_publish(WAIT_S)
    stop_client(raw)
    centre.broker.start()  # same port, sessions restored from persistence
    c2 = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=watcher, clean_session=False)
    c2.username_pw_set(DISTRICT_USER, centre.reader_password)
    box2 = Inbox()
    c2.on_message = lambda _c, _u, m: box2.add(m.topic, m.payload)
    c2.reconnect_delay_set(0.1, 0.5)
    c2.connect("127.0.0.1", centre.broker.port, keepalive=10)  # no subscribe: the kept session delivers
    c2.loop_start()
    try:
        assert box2.wait_for(queued("hall-b", missed[-1])), "the centre did not catch up after its restart"
        assert box2.wait_for(
            lambda t, b: t == "tideq/hall-b/event/rejected" and isinstance(b, dict) and b.get("sender") == marker
        ), "an event published while the centre was down never reached it"
    finally:
        stop_client(c2)


def _cmd_seen_in_hall(d: District, hall_id: str, sender: str, wait: float) -> tuple[Inbox, Any]:
    """Publish a ticket command on the centre for `hall_id` as `sender`; what hall `hall_id`'s
    broker saw under cmd/, and the reply seen on the centre (None if none within `wait`)."""
    hall_sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"spy-{uuid.uuid4().hex[:6]}")
    seen = Inbox()
    hall_sub.on_message = lambda _c, _u, m: seen.add(m.topic, m.payload)
    hall_sub.connect("127.0.0.1", d.brokers[hall_id].port)
    hall_sub.loop_start()
    sub = hall_sub.subscribe(f"tideq/{hall_id}/cmd/#", 1)
    assert sub[0] == mqtt.MQTT_ERR_SUCCESS
    c, replies = subscriber(
        d.centre.broker.port,
        DISTRICT_USER,
        d.centre.reader_password,
        [f"tideq/{hall_id}/reply/{sender}"],
        persistent=False,
        client_id=sender,
    )
    try:
        cid = str(uuid.uuid4())
        body = {"v": 1, "id": cid, "reply_to": f"tideq/{hall_id}/reply/{sender}", "service": "tax", "source": "kiosk-1"}
        info = c.publish(f"tideq/{hall_id}/cmd/{sender}/ticket", json.dumps(body), qos=1)
        info.wait_for_publish(WAIT_S)
        reply = replies.wait_for(lambda t, b: isinstance(b, dict) and b.get("id") == cid, timeout=wait)
        return seen, reply
    finally:
        stop_client(c)
        stop_client(hall_sub)


def test_the_centre_cannot_command_a_hall_that_did_not_opt_in(district: District) -> None:
    seen, reply = _cmd_seen_in_hall(district, "hall-b", DISTRICT_USER, NOT_FORWARDED_S)
    assert reply is None and not seen.topics(), "a command from the centre reached hall B without an `in` rule"


def test_with_the_opt_in_the_centre_commands_that_hall_only(tmp_path, hall, monkeypatch) -> None:
    for d in build(tmp_path, hall, {"hall-a": None, "hall-b": DISTRICT_USER}, monkeypatch):
        seen, reply = _cmd_seen_in_hall(d, "hall-b", DISTRICT_USER, WAIT_S)
        assert reply is not None and reply[1]["ok"] is True, reply
        assert reply[1]["ticket"]["number"].startswith("B")
        assert seen.topics() == {f"tideq/hall-b/cmd/{DISTRICT_USER}/ticket"}
        seen_a, reply_a = _cmd_seen_in_hall(d, "hall-a", DISTRICT_USER, NOT_FORWARDED_S)
        assert reply_a is None and not seen_a.topics(), "hall A did not opt in, yet got the centre's command"


def test_a_halls_login_cannot_write_under_another_halls_prefix(district: District) -> None:
    d = district
    _, box = subscriber(
        d.centre.broker.port,
        DISTRICT_USER,
        d.centre.reader_password,
        ["tideq/hall-a/#", "tideq/hall-b/probe/#", "tideq/hall-b/state/probe"],
        persistent=False,
        client_id=f"{DISTRICT_USER}-acl",
    )
    forger = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"forger-{uuid.uuid4().hex[:6]}")
    forger.username_pw_set("hall-b", d.passwords["hall-b"])
    forger.connect("127.0.0.1", d.centre.broker.port)
    forger.loop_start()
    try:
        forged = f"forged-{uuid.uuid4().hex[:6]}"
        forger.publish("tideq/hall-a/state/services", forged, qos=1).wait_for_publish(WAIT_S)
        forger.publish("tideq/hall-a/cmd/hall-b/ticket", forged, qos=1).wait_for_publish(WAIT_S)
        forger.publish("tideq/hall-b/state/probe", forged, qos=1).wait_for_publish(WAIT_S)
        # the allowed probe was published after the denied ones on the same connection: once it
        # arrived, the denied ones would have arrived before it
        assert box.wait_for(lambda t, b: t == "tideq/hall-b/state/probe" and b == forged)
        assert not box.wait_for(lambda _t, b: b == forged and _t.startswith("tideq/hall-a/"), timeout=0)
    finally:
        stop_client(forger)
