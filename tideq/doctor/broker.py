"""Broker checks over one real connection with this device's own login: reachable, login
accepted, ACL lets it read what its role reads, and the clock against the controller's `ts`.

Connecting as a login takes over that login's session (client id == login, enforced by the
generated Mosquitto conf): run the doctor before the device's own process starts, or expect that
process to reconnect once (docs/doctor.md).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tideq.contract.client import parse_broker_url
from tideq.contract.errors import BusError
from tideq.controller.worker import DEFER_S, REFRESH_S
from tideq.runtime import BrokerLogin

from .result import Result, fail, ok, warn

CONNECT_TIMEOUT_S = 5.0
CLOCK_WARN_S = 2.0  # NTP keeps LAN clocks within milliseconds; 2 s means NTP is not working
CLOCK_FAIL_S = 30.0  # tickets, ETAs and staleness on boards go visibly wrong
RETAINED_MAX_AGE_S = REFRESH_S + DEFER_S + 1.0  # a running controller republishes its state this often
CLOCK_WAIT_S = RETAINED_MAX_AGE_S  # how long to wait for a fresh (not retained) message


@dataclass
class Sample:
    """One controller message: its topic, `ts` and when it arrived here (wall clock)."""

    topic: str
    ts: datetime
    received: float
    retained: bool

    @property
    def offset_s(self) -> float:
        """Positive: this machine's clock is ahead of the controller's (plus the message's age)."""
        return self.received - self.ts.timestamp()


@dataclass
class Probe:
    """What one connection found."""

    url: str
    user: str
    error: str | None = None  # why there is no session: unreachable, TLS, refused
    error_kind: str = ""  # "unreachable", "tls", "refused", "timeout", "config"
    denied: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    controller_status: str | None = None  # retained status/controller: online / offline
    seen: set[str] = field(default_factory=set)  # topics (under the hall prefix) a message came on

    @property
    def connected(self) -> bool:
        return self.error is None


class _Session:
    """A paho client that records CONNACK, SUBACK, UNSUBACK and controller messages."""

    def __init__(self, login: BrokerLogin, hall: str) -> None:
        self.prefix = f"tideq/{hall}/"
        self.host, self.port, self.tls = parse_broker_url(login.url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=login.user, clean_session=True)
        self.client.connect_timeout = CONNECT_TIMEOUT_S
        if self.tls:
            files = login.tls
            self.client.tls_set(
                ca_certs=files.ca_file if files else None,
                certfile=files.cert_file if files else None,
                keyfile=files.key_file if files else None,
            )
        if login.username:
            self.client.username_pw_set(login.username, login.password)
        self.connack = threading.Event()
        self.refused: str | None = None
        self.acks: dict[int, list[bool]] = {}
        self.acked = threading.Condition()
        self.samples: list[Sample] = []
        self.seen: set[str] = set()
        self.status: str | None = None
        self.fresh = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, rc: object, props: object) -> None:
        if getattr(rc, "is_failure", False):
            self.refused = str(rc)
        self.connack.set()

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, rcs: list[Any], props: object) -> None:
        with self.acked:
            self.acks[mid] = [not getattr(r, "is_failure", False) and r != 0x80 for r in rcs]
            self.acked.notify_all()

    def _on_unsubscribe(self, client: mqtt.Client, userdata: object, mid: int, rcs: object, props: object) -> None:
        with self.acked:
            self.acks[mid] = []
            self.acked.notify_all()

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        received = time.time()
        suffix = msg.topic.removeprefix(self.prefix)
        with self.acked:
            self.seen.add(suffix)
        if suffix == "status/controller":
            self.status = msg.payload.decode("utf-8", "replace").strip()
            return
        if not (suffix.startswith("state/") or suffix == "health/controller"):
            return
        try:
            body = json.loads(msg.payload)
            ts = datetime.fromisoformat(str(body["ts"]))
        except (ValueError, KeyError, TypeError):
            return
        if ts.tzinfo is None:
            return
        with self.acked:
            self.samples.append(Sample(suffix, ts, received, bool(msg.retain)))
        if not msg.retain:
            self.fresh.set()

    def wait_ack(self, mid: int | None, timeout: float) -> list[bool] | None:
        if mid is None:
            return None
        with self.acked:
            self.acked.wait_for(lambda: mid in self.acks, timeout)
            return self.acks.get(mid)


def probe(login: BrokerLogin, hall: str, read: list[str], *, clock: bool, clock_wait_s: float = CLOCK_WAIT_S) -> Probe:
    """Connect as `login`, subscribe to `read` (topic filters under the hall prefix), and with
    `clock` wait up to `clock_wait_s` for a fresh controller message."""
    p = Probe(login.url, login.user)
    try:
        s = _Session(login, hall)
    except (BusError, ValueError, OSError, ssl.SSLError) as err:
        p.error, p.error_kind = f"TLS files unusable: {err}", "config"
        return p
    try:
        s.client.connect(s.host, s.port, keepalive=10)
    except ssl.SSLError as err:
        p.error, p.error_kind = f"TLS handshake with {s.host}:{s.port} failed: {err}", "tls"
        return p
    except OSError as err:
        p.error, p.error_kind = f"cannot reach {s.host}:{s.port}: {err}", "unreachable"
        return p
    s.client.loop_start()
    try:
        if not s.connack.wait(CONNECT_TIMEOUT_S):
            p.error, p.error_kind = (
                f"no answer to CONNECT from {s.host}:{s.port} within {CONNECT_TIMEOUT_S:g} s",
                "timeout",
            )
            return p
        if s.refused:
            p.error, p.error_kind = f"refused login {login.user!r}: {s.refused}", "refused"
            return p
        topics = [f"tideq/{hall}/{t}" for t in read]
        # QoS 0: retained messages then bypass the broker's inflight window, so they all arrive
        # before the UNSUBACK below (the broker answers in order)
        _, mid = s.client.subscribe([(t, 0) for t in topics])
        granted = s.wait_ack(mid, CONNECT_TIMEOUT_S)
        if granted is None:
            p.error, p.error_kind = "no SUBACK within the timeout", "timeout"
            return p
        for t, g in zip(read, granted, strict=False):
            (p.granted if g else p.denied).append(t)
        _, barrier = s.client.unsubscribe(f"tideq/{hall}/doctor/barrier")
        s.wait_ack(barrier, CONNECT_TIMEOUT_S)  # every retained message is in by now
        p.controller_status = s.status
        if clock and s.status == "online" and not _decisive(s.samples):
            s.fresh.wait(clock_wait_s)
        with s.acked:
            p.samples, p.seen = list(s.samples), set(s.seen)
        p.controller_status = s.status
        return p
    finally:
        s.client.disconnect()
        s.client.loop_stop()


def _decisive(samples: list[Sample]) -> bool:
    """The retained messages alone already prove the clock far off (a FAIL needs no fresh one)."""
    bound = retained_bound(samples)
    return bound is not None and min(abs(bound[0]), abs(bound[1])) > CLOCK_FAIL_S and bound[0] * bound[1] > 0


def retained_bound(samples: list[Sample]) -> tuple[float, float] | None:
    """The clock offset interval the newest retained message allows: its age is 0 to
    RETAINED_MAX_AGE_S while the controller runs, so offset ∈ [d - max age, d]."""
    retained = [x for x in samples if x.retained]
    if not retained:
        return None
    newest = max(retained, key=lambda x: x.ts)
    d = newest.offset_s
    return d - RETAINED_MAX_AGE_S, d


def login_results(p: Probe, role_fix: str) -> list[Result]:
    """The `broker` and `acl` lines of a probe. `role_fix` names where this login's password and
    files come from (for the fix text)."""
    subject = f"{p.user} @ {p.url}"
    if not p.connected:
        fixes = {
            "unreachable": "start the broker on the edge box (systemctl start mosquitto), check the address in "
            "[broker] url / --broker, the network and the firewall (port open?)",
            "timeout": "something answers on that port but not MQTT: check the port and whether it needs mqtts://",
            "tls": "ca_file must be the hall's tls/ca.crt (from `tideq acl --tls`), and the host in the URL one of "
            "the broker certificate's --tls-host names; see the tls lines above",
            "refused": f"the password does not match the broker's: {role_fix}; `tideq acl` keeps them in "
            "credentials.toml (the login must be in passwd, then reload mosquitto)",
            "config": "fix the certificate paths in the hall file ([broker] ca_file, login cert_file/key_file)",
        }
        fix = fixes.get(p.error_kind, role_fix)
        if p.error_kind == "tls" and "expired" in (p.error or ""):
            fix = (
                "the broker's certificate has expired: on the edge box delete tls/server.crt and rerun "
                "`tideq acl --tls` (it keeps the CA, so devices need nothing new), then restart mosquitto"
            )
        return [fail("broker", subject, p.error or "not connected", fix)]
    out = [ok("broker", subject, "connected and logged in")]
    acl_fix = (
        "the ACL lacks this login's block or gives it another role's: rerun `tideq acl --config HALL --out DIR` "
        "and reload mosquitto (systemctl reload mosquitto); check --username"
    )
    if p.denied:  # a broker that says so in its SUBACK
        out.append(fail("acl", p.user, f"the broker denies reading {', '.join(p.denied)}", acl_fix))
        return out
    # Mosquitto 2.0 grants every subscription and drops what the ACL forbids at delivery: judge by
    # what arrived. A controller that ever ran left status/controller and state/* retained.
    if p.controller_status is None:
        out.append(
            warn(
                "acl",
                p.user,
                "read access not verified: no retained status/controller came (the controller has not run yet "
                "on this broker, or the ACL hides status/# from this login)",
                "start the controller and rerun; if it runs, " + acl_fix,
            )
        )
        return out
    hidden = [f for f in p.granted if f.endswith("/#") and f.startswith("state/") and not _any_under(p.seen, f)]
    if hidden:
        out.append(
            fail(
                "acl",
                p.user,
                f"the controller's retained {', '.join(hidden)} never arrived although status/controller did: "
                "the ACL hides it from this login",
                acl_fix,
            )
        )
        return out
    state = sorted(t for t in p.seen if t.startswith("state/"))
    out.append(ok("acl", p.user, f"reads the controller's status and {len(state)} state topic(s)"))
    return out


def _any_under(seen: set[str], pattern: str) -> bool:
    prefix = pattern.removesuffix("#")
    return any(t.startswith(prefix) for t in seen)


def clock_result(p: Probe) -> Result:
    """This machine's clock against the controller's, from a fresh message when one came
    (accurate to its delivery delay, milliseconds on a LAN), else bounded by the retained ones."""
    subject = "vs controller"
    if not p.connected:
        return warn("clock", subject, "not compared: no broker connection", "fix the broker line first")
    fresh = [x for x in p.samples if not x.retained]
    ntp_fix = (
        "enable NTP on this machine and on the edge box against the same server (timedatectl set-ntp true, or "
        "chrony/systemd-timesyncd pointing at the hall's NTP server); a controller run with --start-at/--speed "
        "has a hall clock of its own"
    )
    if fresh:
        best = min(fresh, key=lambda x: abs(x.offset_s))
        off = best.offset_s
        text = f"this machine is {_ahead(off)} the controller (fresh {best.topic}, ±0.1 s)"
        if abs(off) > CLOCK_FAIL_S:
            return fail("clock", subject, text, ntp_fix, offset_s=round(off, 3), fresh=True)
        if abs(off) > CLOCK_WARN_S:
            return warn("clock", subject, text, ntp_fix, offset_s=round(off, 3), fresh=True)
        return ok("clock", subject, text, offset_s=round(off, 3), fresh=True)
    bound = retained_bound(p.samples)
    if bound is None:
        return warn(
            "clock",
            subject,
            "not compared: no controller state on the broker",
            "start the controller (tideq controller --config HALL) and rerun",
        )
    lo, hi = bound
    text = f"this machine is between {_ahead(lo)} and {_ahead(hi)} the controller (retained state only)"
    detail = {"offset_min_s": round(lo, 3), "offset_max_s": round(hi, 3), "fresh": False}
    if lo * hi > 0 and min(abs(lo), abs(hi)) > CLOCK_FAIL_S:
        return fail("clock", subject, text, ntp_fix, **detail)
    why = "the controller is offline" if p.controller_status != "online" else "no fresh message came"
    return warn(
        "clock",
        subject,
        f"{text}; {why}, so it cannot be measured closer",
        "start the controller (or wait for it) and rerun; " + ntp_fix,
        **detail,
    )


def _ahead(off: float) -> str:
    if abs(off) < 0.05:
        return "level with"
    return f"{abs(off):.1f} s {'ahead of' if off > 0 else 'behind'}"
