"""Events the controller publishes as they happen (QoS 1, not retained)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .common import BiText, Timestamp
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


class RejectedEvent(Message):
    """`event/rejected`: a command nobody can be answered for (no usable `reply_to`)."""

    ts: Timestamp
    command: SafeStr
    id: SafeStr | None = None
    code: ErrorCode
    detail: SafeStr = ""
