"""An MQTT 3.1.1 broker inside the controller process (amqtt), for a single-box hall.

It runs its own asyncio loop on a daemon thread; the controller then talks to it over
loopback like any other client, so the code path is the same as with Mosquitto.

It binds loopback only. It has no logins, no ACL and no TLS (amqtt 0.12's password plugin reads
only its own sha512-crypt/argon2 files and its ACL plugin has no per-login patterns, so it
cannot enforce what `tideq acl` generates), so bound to any other address it would let anyone on
the network issue tickets and call windows: it refuses to start and says to use Mosquitto.

amqtt cannot bridge either: with `[district]` set, `uplink` runs the same forwarding as the
Mosquitto bridge `tideq uplink` writes, in-process (tideq/broker/uplink.py `Forwarder`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING

from .errors import EmbeddedBrokerError

if TYPE_CHECKING:
    from amqtt.broker import Broker

    from .uplink import Forwarder, Hall

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost; not 0.0.0.0 (every address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EmbeddedBroker:
    def __init__(self, port: int, host: str = "127.0.0.1", uplink: Hall | None = None) -> None:
        if not is_loopback(host):
            raise EmbeddedBrokerError(
                f"the embedded broker will not bind {host}: it has no logins, ACL or TLS, so anyone on the "
                "network could issue tickets and call windows. Keep [broker] embedded_host on 127.0.0.1 for a "
                "single-box hall; for devices on other machines run Mosquitto with `tideq acl --tls` "
                "(docs/security.md) and set [broker] url to it"
            )
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="embedded-broker", daemon=True)
        self._broker: Broker | None = None
        self.uplink = uplink
        self.forwarder: Forwarder | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> EmbeddedBroker:
        from amqtt.broker import Broker

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 500}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        self._thread.start()
        self._broker = Broker(config, loop=self._loop)
        fut = asyncio.run_coroutine_threadsafe(self._broker.start(), self._loop)
        try:
            fut.result(timeout)
        except Exception as err:
            raise EmbeddedBrokerError(
                f"embedded broker could not listen on {self.host}:{self.port}: {err}; "
                "choose another [broker] embedded_port or stop what uses it"
            ) from err
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self._start_uplink()
            except OSError:
                time.sleep(0.02)  # port not open yet
        raise EmbeddedBrokerError(f"embedded broker did not open port {self.port}")

    def _start_uplink(self) -> EmbeddedBroker:
        if self.uplink is not None:
            from .uplink import Forwarder, UplinkError

            try:
                self.forwarder = Forwarder(self.uplink, self.port).start()
            except (UplinkError, OSError) as err:
                self.stop()
                raise EmbeddedBrokerError(f"the district uplink cannot start: {err}") from err
        return self

    def stop(self) -> None:
        if self.forwarder is not None:
            self.forwarder.stop()
            self.forwarder = None
        if self._broker is not None:
            fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
            try:
                fut.result(5)
            except Exception:  # shutting down anyway
                log.debug("embedded broker shutdown", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
