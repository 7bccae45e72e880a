"""Events the controller publishes as they happen (QoS 1, not retained)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .common import BiText, Timestamp
from .replies import RatingRecord
from .state import Inputs
from .vocab import AlertLevel, ErrorCode, TidalKind
from .wire import Message, SafeStr, Short


class CallEvent(Message):
    """`event/call`: a call or a recall; boards show it, strips flash it, announcers speak it."""

    ts: Timestamp
    ticket: Short
    window: Short
    service: Short
    recall: bool = False
    announce: BiText | None = None


class TidalEvent(Message):
    """`event/tidal`: one tidal decision, with the reason and what the policy saw."""

    omit_none: ClassVar[bool] = True

    ts: Timestamp
    kind: TidalKind
    window: Short | None = None
    service: Short | None = None
    reason: BiText | SafeStr | None = None
    inputs: Inputs = Field(default_factory=dict)
    level: AlertLevel | None = None
    moved_to: Short | None = None
    moved_from: Short | None = None
    services: list[Short] | None = None  # tidal_opened: every service the window serves, by priority


class RatedEvent(RatingRecord, Message):
    """`event/rated`: a visitor rated the service (好差评, 1..5), with service, window, staff, time
    and channel; the gateway's outbox pushes each one to the provincial platform exactly once."""

    ts: Timestamp


class RejectedEvent(Message):
    """`event/rejected`: a command nobody can be answered for (unreadable, or no usable sender in its
    topic). At most about 10 a second go out; `held_back` counts those left out since the last one."""

    ts: Timestamp
    command: SafeStr = Field(description="the command part of the topic (ticket, window/3, ...)")
    sender: SafeStr | None = Field(None, description="the client id of the topic, when it was usable")
    id: SafeStr | None = None
    code: ErrorCode
    detail: SafeStr = ""
    held_back: int = Field(0, ge=0, description="rejections not published since the previous event/rejected")
