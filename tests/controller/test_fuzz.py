"""Fuzzing the controller (hypothesis) on a real Mosquitto and a real SQLite file.

Every command topic (cmd/{sender}/ticket, checkin, rejoin, window/{id}, tidal, appointments,
unknown names, senders that are not topic-safe) and the sensor topic sensor/crowd/{zone} get
payloads from three sources: valid commands with fields mutated to arbitrary JSON, arbitrary
JSON objects, and arbitrary bytes. Each example
asserts that the controller answers exactly once (on the sender's reply topic, or on
event/rejected when there is nobody to answer), that refused input changes neither the engine's
state nor the event log, and that nothing is published outside the sender's reply topic and the
controller's own topics. One controller serves the module; most tests drive `worker.process()`
directly (the broker round trip is not what they test); the last one goes through the broker and
watches `tideq/#`.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import BusClient
from tideq.controller.inbox import Command, Reading
from tideq.controller.publisher import RateLimit
from tideq.controller.service import ControllerService
from tideq.testing import ManualClock
from tideq.testing.fuzz import BASES, NAMES, OWN

from ..conftest import THURSDAY_10

HALL = "tideq/xian-hitech"
ME = "fuzzer"
REPLY = f"{HALL}/reply/{ME}"
EXAMPLES = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["tax", "B001", "5", "19", "next", "call", "open", "\x00", "\ud800", "a/b", "+", "#"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        *("v", "id", "reply_to", "service", "source", "priority", "identity", "code", "ticket", "action"),
        *("to_service", "to_window", "reason", "rating", "window", "appointments"),
    ]
)


senders = st.just(ME) | st.sampled_from([ME + c for c in ("\x01", "\x00", "\x85", " ", "\ud800", "é")]) | st.just("")


@st.composite
def mutated(draw) -> tuple[str, str, bytes]:
    """A valid command with some fields replaced, dropped or added, now and then from a sender
    that is not topic-safe."""
    name = draw(st.sampled_from(NAMES))
    body: dict[str, Any] = {"v": 1, "id": str(uuid.uuid4()), **BASES.get(name, {})}
    for _ in range(draw(st.integers(0, 3))):
        key = draw(keys)
        match draw(st.sampled_from(["set", "drop"])):
            case "set":
                body[key] = draw(json_values)
            case "drop":
                body.pop(key, None)
    sender = draw(senders) if draw(st.integers(0, 4)) == 0 else ME
    return sender, name, json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@st.composite
def arbitrary(draw) -> tuple[str, str, bytes]:
    name = draw(st.sampled_from(NAMES))
    if draw(st.booleans()):
        obj = draw(st.dictionaries(st.text(max_size=10) | keys, json_values, max_size=6))
        return ME, name, json.dumps(obj).encode("utf-8", "surrogatepass")
    return ME, name, draw(st.binary(max_size=300))


def snapshot(svc: ControllerService) -> tuple[str, int]:
    e = svc.engine
    state = repr((e.day, e.tickets, e.counters, e.windows, e.calls, e.appointments, e.identity_count, e.seq))
    return state, svc.store.count()


class Spy:
    """What the controller hands to the bus (the real publish still happens)."""

    def __init__(self, svc: ControllerService) -> None:
        self.sent: list[tuple[str, Any]] = []
        real = svc.bus.publish

        def publish(topic, payload, **kw):
            self.sent.append((topic, payload))
            return real(topic, payload, **kw)

        svc.bus.publish = publish  # type: ignore[method-assign]

    def take(self) -> list[tuple[str, Any]]:
        out, self.sent = self.sent, []
        return out


@pytest.fixture(scope="module")
def fuzzed(broker, tmp_path_factory):
    svc = ControllerService(load(EXAMPLE_HALL), broker.url, tmp_path_factory.mktemp("fuzz"), ManualClock(THURSDAY_10))
    svc.rebuild()
    svc.bus.connect()
    svc.process([])  # the hall day opens
    svc.publisher.rejections = RateLimit(rate=1e9, burst=1e9)  # every rejection is counted here
    spy = Spy(svc)
    yield svc, spy
    svc.stop()


def run_one(fuzzed, sender: str, name: str, payload: bytes) -> None:
    svc, spy = fuzzed
    spy.take()
    before = snapshot(svc)
    svc.process([Command(f"{HALL}/cmd/{sender}/{name}", payload)])
    sent = spy.take()
    for topic, _ in sent:
        rel = topic.removeprefix(HALL + "/")
        assert topic == REPLY or rel.startswith(OWN), f"published outside the sender's topic: {topic!r}"
    answers = [p for t, p in sent if t == REPLY]
    rejected = [p for t, p in sent if t.endswith("/event/rejected")]
    assert len(answers) + len(rejected) == 1, (name, payload[:200], sent)
    if rejected or not answers[0].ok:
        assert snapshot(svc) == before, "refused input changed state"
    if answers and not answers[0].ok:
        assert answers[0].error.code.value != "internal_error", (name, payload[:300])


@EXAMPLES
@given(mutated())
def test_mutated_commands(fuzzed, case):
    run_one(fuzzed, *case)


@EXAMPLES
@given(arbitrary())
def test_arbitrary_payloads_on_every_command_topic(fuzzed, case):
    run_one(fuzzed, *case)


@EXAMPLES
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/+#"), min_size=1, max_size=80),
    st.one_of(
        st.binary(max_size=200),
        st.builds(
            lambda ts, count, level, extra: json.dumps(
                {"v": 1, "ts": ts, "count": count, "level": level, **extra}
            ).encode("utf-8", "surrogatepass"),
            st.one_of(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()), json_values),
            json_values | st.integers(-5, 100),
            st.sampled_from(["low", "busy", "crowded"]) | json_values,
            st.dictionaries(st.text(max_size=8), json_values, max_size=2),
        ),
    ),
)
def test_crowd_readings(fuzzed, zone, payload):
    svc, spy = fuzzed
    spy.take()
    before = snapshot(svc)
    svc.process([Reading(zone, payload)], refresh=True)  # the tidal policy runs over whatever was recorded
    for topic, _ in spy.take():
        assert topic.removeprefix(HALL + "/").startswith(OWN), topic
    assert snapshot(svc)[1] == before[1] or svc.cfg.tidal.mode == "auto"
    assert len(svc.sensors.zones) <= 256


def test_still_answering_after_the_fuzz(fuzzed):
    svc, spy = fuzzed
    spy.take()
    body = {"v": 1, "id": str(uuid.uuid4()), "service": "general-consult", "source": "kiosk-1"}
    svc.process([Command(f"{HALL}/cmd/{ME}/ticket", json.dumps(body).encode())])
    (reply,) = [p for t, p in spy.take() if t == REPLY]
    assert reply.ok, reply
    svc.rebuild()  # what the fuzz stored folds again, nothing quarantined
    assert svc.store.quarantined() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(mutated(), arbitrary()), min_size=1, max_size=8))
def test_through_the_broker_nothing_is_published_outside_the_senders_topic(fuzzed, broker, bursts):
    svc, _ = fuzzed
    if not svc.worker._thread.is_alive():  # from now on the module's controller runs its own worker
        svc.worker.start()
    seen: queue.Queue = queue.Queue()
    me = f"fz-{uuid.uuid4().hex[:6]}"
    mine = f"{HALL}/reply/{me}"
    answered: dict[str, threading.Event] = {}
    recording = threading.Event()  # set once the controller's earlier publishes are behind us

    def on_any(topic: str, payload: bytes) -> None:
        if recording.is_set():
            seen.put(topic)

    def on_reply(topic: str, payload: bytes) -> None:
        event = answered.get(json.loads(payload).get("id"))
        if event is not None:
            event.set()

    def sentinel() -> threading.Event:
        sid = str(uuid.uuid4())
        answered[sid] = threading.Event()
        c.publish(f"{HALL}/cmd/{me}/ticket", json.dumps({"v": 1, "id": sid, "service": "tax", "source": "kiosk-1"}))
        return answered[sid]

    c = BusClient(broker.url, "xian-hitech", me)
    c.subscribe("tideq/#", on_any)
    c.subscribe(mine, on_reply)
    c.connect()
    try:
        # The controller publishes in order on one connection, and the broker keeps that order:
        # whatever it published for earlier tests (their replies to reply/fuzzer) arrives before
        # the answer to this first sentinel. Record only what comes after it.
        assert sentinel().wait(10), "the controller is not answering"
        recording.set()
        for sender, name, payload in bursts:
            if sender == ME:  # a sender level with a control character never gets past Mosquitto
                c.publish(f"{HALL}/cmd/{me}/{name}", payload)
        assert sentinel().wait(10), "the controller stopped answering"
        while not seen.empty():
            rel = seen.get().removeprefix(HALL + "/")
            assert rel.startswith(("cmd/", *OWN)) or rel == f"reply/{me}", rel
    finally:
        c.close()
