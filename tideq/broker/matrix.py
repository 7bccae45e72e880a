"""The ACL matrix: for every login x topic x action (publish, subscribe), does the broker allow
exactly what the generated ACL means? Run against a real Mosquitto (bench/bench_acl_matrix.py,
tests/broker/test_acl_matrix.py).

What "allowed" means is read from the `Identity` list (`topic read/write/readwrite` filters and
the `health/%u` pattern), not from the ACL text, so the check is independent of how the file is
written. Topics probed: every concrete topic a hall uses (each command under the ids of two
logins per role; state, event, sensor, health and reply topics of every login) plus a concrete
instance of every filter in the ACL.

How the broker is observed, with no sleeps:
- publish: the login publishes a marker on every topic (QoS 1; Mosquitto acknowledges and drops
  a denied publish), then its own health topic; an observer logged in as `controller` (reads
  the whole hall) sees, in order, exactly the publishes the broker let through, up to that last one.
- subscribe: the login subscribes `tideq/{hall}/#` (Mosquitto 2 grants any subscription and
  checks `read` per message on delivery); the observer publishes a marker on every topic and has
  them all acknowledged; then the login makes a QoS 1 round trip of its own. Mosquitto routes a
  publish to subscribers before acknowledging it and writes one client's packets in order, so
  every marker the broker delivered arrives before that acknowledgement.
- logins: the right password connects; a wrong one, none, and an unknown user are refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tideq.config.schema import HallConfig
from tideq.contract import Topics

from .acl import AclFiles, Identity, own_health

PUBLISH, SUBSCRIBE = "publish", "subscribe"
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Cell:
    user: str
    role: str
    topic: str
    action: str
    expected: bool
    actual: bool


@dataclass
class Matrix:
    cells: list[Cell] = field(default_factory=list)
    logins: dict[str, dict[str, bool]] = field(default_factory=dict)  # user -> case -> refused as it should be

    @property
    def wrong(self) -> list[Cell]:
        return [c for c in self.cells if c.expected != c.actual]

    @property
    def forbidden_allowed(self) -> list[Cell]:
        return [c for c in self.cells if c.actual and not c.expected]

    @property
    def allowed(self) -> int:
        return sum(c.expected for c in self.cells)

    @property
    def login_failures(self) -> list[tuple[str, str]]:
        return [(u, case) for u, cases in self.logins.items() for case, ok in cases.items() if not ok]


def _concrete(filter_: str) -> str:
    return "/".join("probe" if part in ("#", "+") else part for part in filter_.split("/"))


def probe_topics(hall: HallConfig, ids: Sequence[Identity]) -> list[str]:
    t = Topics(hall.hall.id)
    # every command under the ids of two logins of each role (a login speaking as another of its
    # role, or of another role), plus every login's own command topics (from its write filters)
    senders: dict[str, list[str]] = {}
    for i in ids:
        if len(senders.setdefault(i.role.value, [])) < 2:
            senders[i.role.value].append(i.user)
    names = ["ticket", "checkin", "rejoin", "tidal", "appointments", *(f"window/{w.id}" for w in hall.windows)]
    topics = [t.cmd(u, c) for us in senders.values() for u in us for c in names]
    topics += [t.state(s) for s in ("services", "windows", "calls", "tidal")]
    topics += [t.status_controller, t.event("call"), t.event("tidal")]
    topics += [t.sensor_crowd(z.id) for cam in hall.devices.cameras for z in cam.zones]
    for i in ids:
        topics += [t.reply(i.user), t.health(i.user)]
        topics += [_concrete(x) for x in (*i.read, *i.write, *i.readwrite, *i.health)]
    return list(dict.fromkeys(topics))


def expected(ident: Identity, topic: str, action: str, hall_id: str) -> bool:
    def any_match(filters: Iterable[str]) -> bool:
        return any(mqtt.topic_matches_sub(f, topic) for f in filters)

    if action == SUBSCRIBE:
        return any_match((*ident.read, *ident.readwrite))
    own = own_health(Topics(hall_id)).replace("%u", ident.user)
    return any_match((*ident.write, *ident.health, *ident.readwrite, own))


class _Conn:
    """A raw paho connection (the thing under test is the broker, not tideq's client)."""

    def __init__(self, host: str, port: int, user: str | None, password: str | None, client_id: str) -> None:
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        self.c.max_inflight_messages_set(0)
        if user is not None:
            self.c.username_pw_set(user, password)
        self.got: list[tuple[str, bytes]] = []
        self.rc: Any = None
        self._answered = threading.Event()
        self._subscribed = threading.Event()
        self._cond = threading.Condition()
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_subscribe = lambda *_a: self._subscribed.set()
        self.c.connect(host, port, keepalive=30)
        self.c.loop_start()

    def _on_connect(self, c: Any, u: Any, flags: Any, rc: Any, props: Any = None) -> None:
        self.rc = rc
        self._answered.set()
        if rc.is_failure:
            c.disconnect()  # no reconnect loop

    def _on_message(self, c: Any, u: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.got.append((msg.topic, bytes(msg.payload)))
            self._cond.notify_all()

    def accepted(self) -> bool:
        if not self._answered.wait(TIMEOUT_S):
            raise TimeoutError("broker did not answer CONNECT")
        return not self.rc.is_failure

    def subscribe(self, topic: str) -> None:
        self._subscribed.clear()
        self.c.subscribe(topic, 1)
        if not self._subscribed.wait(TIMEOUT_S):
            raise TimeoutError(f"no SUBACK for {topic}")

    def publish_all(self, items: Iterable[tuple[str, bytes]]) -> None:
        infos = [self.c.publish(topic, body, qos=1) for topic, body in items]
        for info in infos:
            info.wait_for_publish(TIMEOUT_S)
            if not info.is_published():
                raise TimeoutError("no PUBACK")

    def wait_for(self, topic: str, body: bytes) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        with self._cond:
            while (topic, body) not in self.got:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{body!r} never arrived on {topic}")
                self._cond.wait(left)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def run_matrix(host: str, port: int, hall: HallConfig, files: AclFiles, users: Iterable[str] | None = None) -> Matrix:
    """Probe every login in `users` (default all) against the broker at host:port."""
    hall_id = hall.hall.id
    t = Topics(hall_id)
    # the controller is the observer (readwrite on the whole hall; a second connection with its
    # login would take over the observer's session): its logins are checked, its topics are not
    ids = [i for i in files.identities if (users is None or i.user in set(users)) and i.user != "controller"]
    topics = probe_topics(hall, files.identities)
    out = Matrix()
    observer = _Conn(host, port, "controller", files.passwords["controller"], "controller")
    if not observer.accepted():
        raise RuntimeError(f"the controller login was refused ({observer.rc}); is this the ACL's broker?")
    observer.subscribe(t.t("#"))
    try:
        for n, ident in enumerate(ids):
            out.cells += _probe(host, port, hall_id, files, ident, topics, observer, n)
            out.logins[ident.user] = _logins(host, port, ident.user, files.passwords[ident.user])
    finally:
        observer.close()
    out.logins["controller"] = _logins(host, port, "controller", files.passwords["controller"])
    return out


def _probe(
    host: str, port: int, hall_id: str, files: AclFiles, ident: Identity, topics: list[str], observer: _Conn, n: int
) -> list[Cell]:
    t = Topics(hall_id)
    role = ident.role.value
    me = _Conn(host, port, ident.user, files.passwords[ident.user], ident.user)
    cells: list[Cell] = []
    try:
        if not me.accepted():
            raise RuntimeError(f"{ident.user} was refused ({me.rc}) with its own password")
        # publish ---------------------------------------------------------------------
        tag = f"pub-{n}-{ident.user}".encode()
        with observer._cond:
            observer.got.clear()
        done = t.health(ident.user)
        me.publish_all([*((topic, tag) for topic in topics), (done, tag + b"-done")])
        observer.wait_for(done, tag + b"-done")
        with observer._cond:
            seen = {topic for topic, body in observer.got if body == tag}
        cells += [Cell(ident.user, role, x, PUBLISH, expected(ident, x, PUBLISH, hall_id), x in seen) for x in topics]
        # subscribe -------------------------------------------------------------------
        me.subscribe(t.t("#"))
        mark = f"sub-{n}-{ident.user}".encode()
        observer.publish_all((topic, mark) for topic in topics)
        me.publish_all([(done, mark + b"-done")])  # its acknowledgement comes after every delivery
        with me._cond:
            got = {topic for topic, body in me.got if body == mark}
        cells += [
            Cell(ident.user, role, x, SUBSCRIBE, expected(ident, x, SUBSCRIBE, hall_id), x in got) for x in topics
        ]
    finally:
        me.close()
    return cells


def _logins(host: str, port: int, user: str, password: str) -> dict[str, bool]:
    """Each case True when the broker refused it, as it must."""
    cases = {"wrong password": (user, password + "x"), "no password": (user, None), "anonymous": (None, None)}
    result = {}
    for case, (u, p) in cases.items():
        c = _Conn(host, port, u, p, f"{user}-probe")
        try:
            result[case] = not c.accepted()
        finally:
            c.close()
    return result
