"""What one burst of inbox items produced. Nothing in it is published until its events and
replies are durable (group commit); see worker.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from tideq.contract import ErrorCode, Reply
from tideq.contract.wire import scrub

from .errors import Refusal
from .events import Event
from .tidal import Decision

ReplyBody = Reply  # the value kept for idempotency
REJECTION_DETAIL = 500  # characters of a rejection's command and detail that are logged and go on the bus


@dataclass(frozen=True, slots=True)
class Rejection:
    """A command nobody can be answered for (unreadable, or no usable sender): goes on event/rejected."""

    command: str
    code: ErrorCode
    detail: str
    cid: str | None = None  # the id, when it was a string
    sender: str | None = None  # the client id of the command topic, when it was usable

    def scrubbed(self) -> Rejection:
        """Safe to log and to publish: the hostile text in it without control characters or lone
        surrogates (a newline would forge a log line; a surrogate cannot be encoded), cut short."""
        return Rejection(
            scrub(self.command, REJECTION_DETAIL),
            self.code,
            scrub(self.detail, REJECTION_DETAIL),
            None if self.cid is None else scrub(self.cid, 64),
            None if self.sender is None else scrub(self.sender, 64),
        )


@dataclass
class Burst:
    """The events, replies and notices of one burst, in the order they arose."""

    events: list[Event] = field(default_factory=list)
    replies: dict[str, ReplyBody] = field(default_factory=dict)  # reply_key(sender, id) -> reply, stored
    outbox: list[tuple[str, ReplyBody]] = field(default_factory=list)  # (reply topic, reply), in arrival order
    notices: list[Decision] = field(default_factory=list)  # tidal warnings, proposals, drains, declines
    rejected: list[Rejection] = field(default_factory=list)
    tidal_dirty: bool = False  # state/tidal changed without an event (alerts, proposals, drains)

    def refuse_all(self, refusal: Refusal) -> None:
        """The burst could not be stored: every acknowledgement in it becomes this refusal."""
        error = refusal.as_error()
        # a refused acknowledgement keeps none of its result: a ticket that was never stored is nobody's
        self.outbox = [(t, Reply(id=r.id, ok=False, error=error)) if r.ok else (t, r) for t, r in self.outbox]
        self.events = []
