"""What a staff model needs of the Qt bus: `tideq.ui.qtbus.QtBus`, or a test's fake with the
same signals. Payloads arrive typed (`subscribe(topic, Model)`), answers as `Reply`."""

from __future__ import annotations

from typing import Any, Protocol

from tideq.contract import Message, Topics


class Bus(Protocol):
    message: Any  # Signal(str, object): topic, typed Message (str for a plain-text topic)
    cleared: Any  # Signal(str): a typed topic's retained payload was cleared
    connection: Any  # Signal(bool)
    answered: Any  # Signal(str, object): request tag, Reply
    topics: Topics

    def subscribe(self, topic: str, model: type[Message] | None = None) -> None: ...

    def request(self, command: str, args: dict[str, Any], tag: str, *, command_id: str | None = None) -> str: ...

    def publish(self, topic: str, message: Message, *, retain: bool = False) -> None: ...
