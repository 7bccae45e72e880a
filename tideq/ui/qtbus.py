"""The MQTT bus for Qt apps: network I/O off the GUI thread, results as queued signals.

paho delivers on its own thread; this bridge re-emits every message, connection change and
command reply as a Qt signal, which Qt queues onto the receiver's (GUI) thread. Requests
run in a thread pool so a slow or absent controller never freezes a screen.
"""
from __future__ import annotations

import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from tideq.contract import BusClient, BusError

log = logging.getLogger(__name__)


class QtBus(QObject):
    message = Signal(str, object)          # topic, decoded JSON (dict) or str for plain payloads
    connection = Signal(bool)
    reply = Signal(str, object)            # request tag, reply dict (or a synthetic error reply)

    def __init__(self, url: str, hall: str, client_id: str, parent: QObject | None = None, *,
                 username: str | None = None, password: str | None = None) -> None:
        super().__init__(parent)
        self.client = BusClient(url, hall, client_id, username=username, password=password)
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

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, self._deliver)

    def _deliver(self, topic: str, payload: bytes) -> None:
        try:
            text = payload.decode("utf-8")
            data: Any = json.loads(text) if text[:1] in "{[" else text
        except (UnicodeDecodeError, ValueError):
            log.warning("unreadable payload on %s", topic)
            return
        self.message.emit(topic, data)

    def request(self, command: str, args: dict[str, Any], tag: str, *, command_id: str | None = None,
                timeout: float = 3.0) -> str:
        """Send a command off the GUI thread; the answer arrives as `reply(tag, dict)`.

        A timeout or a broker error arrives as an ok:false reply with code `controller_unreachable`,
        so views handle one shape. Pass the same `command_id` to retry safely (idempotent)."""
        cid = command_id or str(uuid.uuid4())

        def run() -> None:
            try:
                r = self.client.request(command, args, command_id=cid, timeout=timeout)
            except BusError as err:
                r = unreachable(cid, str(err))
            self.reply.emit(tag, r)

        self._pool.submit(run)
        return cid


def unreachable(cid: str, detail: str) -> dict[str, Any]:
    return {"v": 1, "id": cid, "ok": False, "error": {
        "code": "controller_unreachable",
        "message": {"zh": "暂时无法连接叫号系统", "en": "the queue system cannot be reached right now"},
        "guide": {"zh": "请稍候再试，或到综合咨询窗口取号", "en": "please try again shortly, or ask at the General Enquiries window"},
        "detail": detail}}
