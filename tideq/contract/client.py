"""A thin paho-mqtt 2.x client: connect from a URL, publish messages, request/reply by command id.

Network I/O runs on paho's own thread; callbacks arrive there. Qt apps wrap this and re-emit
results as queued signals, so nothing here blocks a GUI thread.
"""

from __future__ import annotations

import collections
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from .errors import BrokerUnreachable, BusError, PayloadError, RequestTimeout
from .replies import Reply
from .topics import CONTRACT_VERSION, Topics
from .wire import Message, decode

log = logging.getLogger(__name__)


def parse_broker_url(url: str) -> tuple[str, int, bool]:
    """mqtt://host:port -> (host, port, tls)."""
    u = urlparse(url)
    if u.scheme not in ("mqtt", "mqtts") or not u.hostname:
        raise BusError(f"broker URL {url!r} is not mqtt://host:port or mqtts://host:port")
    tls = u.scheme == "mqtts"
    return u.hostname, u.port or (8883 if tls else 1883), tls


@dataclass(frozen=True)
class TlsFiles:
    """What a client needs for `mqtts://`: the hall's CA (None: the system's CAs), and a client
    certificate and key where the broker asks for one (`require_certificate true`)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


def _settled(info: mqtt.MQTTMessageInfo) -> bool:
    """Acknowledged, or never to be (published while disconnected: paho says so by raising)."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return True


Handler = Callable[[str, bytes], None]
M = TypeVar("M", bound=Message)


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """Disable Nagle: a PUBACK followed by a PUBLISH would otherwise wait ~40 ms for the
    broker's delayed ACK, on every reply (measured: 44 ms -> under 1 ms per round trip)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass  # not a TCP socket (e.g. websockets wrapper)


class BusClient:
    """One MQTT connection of a tideq process.

    `subscribe()` registrations survive reconnects (re-subscribed in on_connect); `on()` does the
    same with decoding into a typed message. `send()` publishes a command and waits for its typed
    reply on this client's reply topic.
    """

    def __init__(
        self,
        url: str,
        hall: str,
        client_id: str,
        *,
        will: tuple[str, str | bytes] | tuple[str, Message] | None = None,
        username: str | None = None,
        password: str | None = None,
        tls: TlsFiles | None = None,
    ) -> None:
        self.topics = Topics(hall)
        self.client_id = client_id
        self.host, self.port, use_tls = parse_broker_url(url)
        self._mqtt = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        self._mqtt.max_inflight_messages_set(1000)
        self._mqtt.max_queued_messages_set(0)
        if use_tls:
            files = tls or TlsFiles()
            try:  # verifies the broker's certificate and host name against the CA
                self._mqtt.tls_set(ca_certs=files.ca_file, certfile=files.cert_file, keyfile=files.key_file)
            except (OSError, ValueError) as err:
                raise BusError(f"TLS files for {url} unusable ({files}): {err}") from err
        if username:
            self._mqtt.username_pw_set(username, password)
        if will:
            body = will[1].encode() if isinstance(will[1], Message) else will[1]
            self._mqtt.will_set(will[0], body, qos=1, retain=True)
        self._subs: dict[str, tuple[int, Handler]] = {}
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self.connected = threading.Event()
        self.refused: str | None = None  # the broker's reason when it refused the last connect (bad login)
        self._settled = threading.Event()  # connected, or refused
        self.on_connection: Callable[[bool], None] | None = None
        self._mqtt.on_connect = self._on_connect
        self._mqtt.on_disconnect = self._on_disconnect
        self._mqtt.on_message = self._on_message
        self._mqtt.on_subscribe = self._on_subscribe
        self._mqtt.on_unsubscribe = self._on_unsubscribe
        self._sent: collections.deque[mqtt.MQTTMessageInfo] = collections.deque()  # QoS 1 not yet acknowledged
        self._quiet = threading.Condition()
        self._unsub_acked: int | None = None
        self._mqtt.on_socket_open = _no_delay
        self._ready_mid: int | None = None
        self._subs[self.topics.reply(client_id)] = (1, self._on_reply)

    # connection -----------------------------------------------------------------------
    def connect(self, timeout: float = 5.0, wait: bool = True) -> BusClient:
        """Connect and start the network thread; reconnects by itself afterwards."""
        # paho doubles the wait after every failed attempt up to the maximum and resets it only on a
        # CONNACK: with a 5 s cap a broker down for 3 s came back to clients 3-4 s later
        # (bench/bench_broker_restart.py). A 1 s cap keeps every process current within ~1 s of
        # the broker being back; one refused connect a second per client costs the broker nothing.
        self._mqtt.reconnect_delay_set(0.2, 1)  # type: ignore[arg-type]  # paho takes float seconds; 0.2 s matters
        try:
            self._mqtt.connect_async(self.host, self.port, keepalive=10)
        except OSError as err:
            raise BrokerUnreachable(f"cannot reach broker {self.host}:{self.port}: {err}") from err
        self._mqtt.loop_start()
        if wait and not (self._settled.wait(timeout) and self.connected.is_set()):
            self._mqtt.loop_stop()
            if self.refused:
                raise BrokerUnreachable(
                    f"broker {self.host}:{self.port} refused {self.client_id!r}: {self.refused} "
                    "(wrong or missing username/password? see docs/security.md)"
                )
            raise BrokerUnreachable(f"broker {self.host}:{self.port} did not accept a connection within {timeout}s")
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Say goodbye so that the broker hears it: stop the subscriptions, wait for what was
        published to be acknowledged, then DISCONNECT (all within `timeout`).

        A socket closed with unread bytes (a PUBACK or a message still arriving) goes out as a TCP
        reset, and the broker drops what it had not read yet, the DISCONNECT included: it then
        publishes this client's last will although the process stopped cleanly."""
        deadline = time.monotonic() + timeout
        on_network_thread = threading.current_thread() is getattr(self._mqtt, "_thread", None)  # acks would wait on us
        if self.connected.is_set() and not on_network_thread:
            with self._lock:
                topics = list(self._subs)
            if topics:
                rc, mid = self._mqtt.unsubscribe(topics)
                if rc == mqtt.MQTT_ERR_SUCCESS:
                    with self._quiet:
                        self._quiet.wait_for(lambda: self._unsub_acked == mid, deadline - time.monotonic())
            with self._lock:
                sent, self._sent = [i for i in self._sent if not _settled(i)], collections.deque()
            for info in sent:
                try:
                    info.wait_for_publish(max(0.0, deadline - time.monotonic()))
                except (RuntimeError, ValueError):  # the connection dropped meanwhile
                    pass
        self._mqtt.disconnect()
        self._mqtt.loop_stop()

    def _on_unsubscribe(self, client: mqtt.Client, userdata: Any, mid: int, rcs: Any, props: Any = None) -> None:
        with self._quiet:
            self._unsub_acked = mid
            self._quiet.notify_all()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any = None) -> None:
        if rc.is_failure:
            log.warning("broker refused connection: %s", rc)
            self.refused = str(rc)
            self._settled.set()
            return
        self.refused = None
        with self._lock:
            subs = list(self._subs.items())
        if not subs:
            self._ready()
            return
        _, mid = client.subscribe([(topic, qos) for topic, (qos, _) in subs])
        self._ready_mid = mid  # ready once the broker acknowledged every subscription

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, rcs: Any, props: Any = None) -> None:
        if mid == self._ready_mid:
            self._ready()

    def _ready(self) -> None:
        self.connected.set()
        self._settled.set()
        if self.on_connection:
            self.on_connection(True)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any = None) -> None:
        self.connected.clear()
        if self.on_connection:
            self.on_connection(False)

    # pub/sub --------------------------------------------------------------------------
    def subscribe(self, topic: str, handler: Handler, qos: int = 1) -> None:
        with self._lock:
            self._subs[topic] = (qos, handler)
        if self.connected.is_set():
            self._mqtt.subscribe(topic, qos)

    def on(self, topic: str, model: type[M], handler: Callable[[str, M], None], qos: int = 1) -> None:
        """Subscribe and hand `handler` each payload as a `model`; a payload that is not one is
        logged and dropped (an empty retained payload, a clear, is dropped silently)."""

        def typed(t: str, payload: bytes) -> None:
            if not payload:
                return
            try:
                msg = decode(model, payload)
            except PayloadError as err:
                log.warning("dropped a payload on %s that is not a %s: %s", t, model.__name__, err)
                return
            handler(t, msg)

        self.subscribe(topic, typed, qos)

    def publish(
        self, topic: str, payload: Message | dict[str, Any] | str | bytes, *, qos: int = 1, retain: bool = False
    ) -> mqtt.MQTTMessageInfo:
        if isinstance(payload, Message):
            payload = payload.encode()
        elif isinstance(payload, dict):
            payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        info = self._mqtt.publish(topic, payload, qos=qos, retain=retain)
        if qos:
            with self._lock:  # close() waits for these; drop the acknowledged ones from the front
                sent = self._sent
                while sent and _settled(sent[0]):
                    sent.popleft()
                sent.append(info)
        return info

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            handlers = [h for pattern, (_, h) in self._subs.items() if mqtt.topic_matches_sub(pattern, msg.topic)]
        for h in handlers:
            try:
                h(msg.topic, bytes(msg.payload))
            except Exception:  # a handler bug must not kill the network thread
                log.exception("handler for %s failed", msg.topic)

    # request/reply --------------------------------------------------------------------
    def request(
        self, command: str, args: dict[str, Any], *, timeout: float = 3.0, command_id: str | None = None
    ) -> dict[str, Any]:
        """Publish `cmd/{client_id}/{command}` and wait for the reply on `reply/{client_id}`.
        Retrying with the same `command_id` is safe: the controller answers a repeat with the
        first answer."""
        cid = command_id or str(uuid.uuid4())
        done = threading.Event()
        box: list[dict[str, Any]] = []
        with self._lock:
            self._pending[cid] = (done, box)
        body = {"v": CONTRACT_VERSION, "id": cid, **args}
        try:
            self.publish(self.topics.cmd(self.client_id, command), body, qos=1)
            if not done.wait(timeout):
                raise RequestTimeout(f"no reply to cmd/{command} within {timeout}s (controller offline?)")
            return box[0]
        finally:
            with self._lock:
                self._pending.pop(cid, None)

    def send(self, command: str, args: dict[str, Any], *, timeout: float = 3.0, command_id: str | None = None) -> Reply:
        """`request()` with the reply as a typed `Reply` (a reply that is not one raises BusError)."""
        raw = self.request(command, args, timeout=timeout, command_id=command_id)
        try:
            return Reply.model_validate(raw)
        except ValueError as err:
            raise BusError(f"reply to cmd/{command} is not a contract reply: {err}") from err

    def _on_reply(self, topic: str, payload: bytes) -> None:
        try:
            reply = json.loads(payload)
        except ValueError:
            log.warning("unreadable reply on %s", topic)
            return
        with self._lock:
            waiter = self._pending.get(str(reply.get("id")))
        if waiter:
            waiter[1].append(reply)
            waiter[0].set()
