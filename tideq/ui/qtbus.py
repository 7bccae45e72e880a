"""The MQTT bus for Qt apps: network I/O off the GUI thread, results as queued signals.

paho delivers on its own thread; this bridge re-emits every message, connection change and
command reply as a Qt signal, which Qt queues onto the receiver's (GUI) thread. Requests
run in a thread pool so a slow or absent controller never freezes a screen. Payloads arrive
decoded into the contract's typed messages (`subscribe(topic, Model)`), replies as `Reply`.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from tideq.contract import BusClient, BusError, ErrorCode, Message, PayloadError, Reply, decode
from tideq.contract.client import TlsFiles

log = logging.getLogger(__name__)


class QtBus(QObject):
    message = Signal(str, object)  # topic, typed Message (str for a plain-text topic)
    connection = Signal(bool)
    answered = Signal(str, object)  # request tag, typed Reply (the same answers as `reply`)
    cleared = Signal(str)  # topic: a typed subscription's retained payload was cleared (empty)

    def __init__(
        self,
        url: str,
        hall: str,
        client_id: str,
        parent: QObject | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        will: tuple[str, Message] | None = None,
        tls: TlsFiles | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = BusClient(url, hall, client_id, username=username, password=password, will=will, tls=tls)
        self.topics = self.client.topics
        self.client.on_connection = self.connection.emit
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"{client_id}-req")

    def start(self) -> None:
        """Connect in the background; `connection(True)` fires when ready (and on every reconnect)."""
        self.client.connect(wait=False)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    @property
    def online(self) -> bool:
        return self.client.connected.is_set()

    def subscribe(self, topic: str, model: type[Message] | None = None) -> None:
        """Deliver `topic` as `message(topic, model instance)`; a payload that is not a `model`
        is logged and dropped. Without a model: plain text as str, JSON as dict."""
        self.client.subscribe(topic, lambda t, p: self._deliver(t, p, model))

    def _deliver(self, topic: str, payload: bytes, model: type[Message] | None) -> None:
        if model is not None:
            if not payload:
                self.cleared.emit(topic)  # a cleared retained topic: readers forget what it said
                return
            try:
                self.message.emit(topic, decode(model, payload))
            except PayloadError as err:
                log.warning("dropped a payload on %s that is not a %s: %s", topic, model.__name__, err)
            return
        try:
            self.message.emit(topic, payload.decode("utf-8"))  # a plain-text topic (status/controller)
        except UnicodeDecodeError:
            log.warning("unreadable payload on %s", topic)

    def publish(self, topic: str, message: Message, *, retain: bool = False) -> None:
        self.client.publish(topic, message, retain=retain)

    def request(
        self, command: str, args: dict[str, Any], tag: str, *, command_id: str | None = None, timeout: float = 3.0
    ) -> str:
        """Send a command off the GUI thread; the answer arrives as `answered(tag, Reply)`.

        A timeout or a broker error arrives as an ok:false reply with code `controller_unreachable`,
        so views handle one shape. Pass the same `command_id` to retry safely (idempotent)."""
        cid = command_id or str(uuid.uuid4())

        def run() -> None:
            try:
                typed = self.client.send(command, args, command_id=cid, timeout=timeout)
            except BusError as err:  # no reply in time, the broker gone, or a reply that is not one
                typed = unreachable(cid, str(err))
            self.answered.emit(tag, typed)

        self._pool.submit(run)
        return cid


class IdentityBus(QtBus):
    """A QtBus logged in as one broker identity (window-5, evaluator-5, manager, kiosk-1, …).

    An ACL'd hall gives each device its own login, and the client id must equal the username
    because the ACL lets a user read only `reply/{username}`.
    """

    def __init__(
        self,
        url: str,
        hall: str,
        user: str,
        password: str | None = None,
        parent: QObject | None = None,
        *,
        will: tuple[str, Message] | None = None,
        tls: TlsFiles | None = None,
    ) -> None:
        super().__init__(
            url,
            hall,
            user,
            parent,
            username=user if password is not None else None,
            password=password,
            will=will,
            tls=tls,
        )

    @property
    def user(self) -> str:
        return self.client.client_id


def unreachable(cid: str, detail: str) -> Reply:
    return Reply.model_validate(
        {
            "id": cid,
            "ok": False,
            "error": {
                "code": ErrorCode.CONTROLLER_UNREACHABLE.value,
                "message": {"zh": "暂时无法连接叫号系统", "en": "The queue system cannot be reached right now"},
                "guide": {
                    "zh": "请稍候再试，或到综合咨询窗口取号",
                    "en": "Please try again shortly, or ask at the General Enquiries window",
                },
                "detail": detail,
            },
        }
    )
