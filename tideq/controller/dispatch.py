"""One command through the controller: read the sender and command from the topic
(`cmd/{sender}/{name}`), parse and size-check the payload, check its id, answer a retry from the
idempotency cache, else run it (handlers.py). The reply goes to `reply/{sender}`, derived from the
command topic: under the generated ACL a login publishes commands only under its own client id
(tideq acl), so the broker, not the payload, says who asked and where the answer goes. It joins
the burst, which publishes it only once it is durable (worker.py).

Commands are idempotent by sender and id: the cache holds every stored reply since yesterday
(reloaded from the event log on rebuild), so a kiosk retrying after a dropped link, or after the
controller was killed between commit and reply, gets the first answer and never a second ticket;
another client sending the same id gets its own answer, never the first client's ticket.

Only acknowledgements are stored. A refusal changes nothing, so it is kept in memory only, in a
bounded cache of the last REFUSALS_KEPT (oldest out first); so is the answer to a read-only query
(`cmd/booking` status and ratings): an attacker sending refused commands
under new ids cannot grow memory or the database. Idempotency still holds: what it protects is
that a retry never *changes state twice*, and a refused command changed nothing. A retry of a
recent refusal gets the same answer from the cache; a retry after the refusal left the cache (or
after a restart) is simply carried out again and answered for the hall as it is now — refused
again, or accepted once (the acceptance is then stored and every later retry gets it).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from tideq import logfmt
from tideq.contract import COMMANDS, MAX_PAYLOAD, ErrorCode, PayloadError, Reply, Topics
from tideq.contract.wire import is_topic_level, parse_object

from . import refusals as R
from .burst import Burst, Rejection, ReplyBody
from .engine import Engine
from .errors import Refusal
from .handlers import Handlers
from .inbox import Command

log = logging.getLogger(__name__)

REFUSALS_KEPT = 4096  # refusals answered again from memory; older ones are recomputed on retry
MAX_PARSE = 8 * 1024 * 1024  # beyond this not even the id is read: the payload is rejected unanswered


@dataclass(frozen=True, slots=True)
class Readable:
    """A JSON object within its command's size limit."""

    body: dict[str, Any]

    @property
    def cid(self) -> object:
        return self.body.get("id")


@dataclass(frozen=True, slots=True)
class TooLarge:
    """A JSON object past its command's limit: answered `payload_too_large`, never run."""

    cid: object
    size: int
    limit: int


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Not a JSON object, or too large to parse at all: nobody to answer (event/rejected)."""

    code: ErrorCode
    detail: str


Parsed = Readable | TooLarge | Unreadable


class Outcome(Enum):
    ANSWERED = "answered"  # a reply (success, refusal or a retry's first answer) joined the burst
    REJECTED = "rejected"  # nobody to answer: reported on event/rejected
    FAULT = "fault"  # the engine failed unexpectedly: answered internal_error; its state must be rebuilt


def limit_for(name: str) -> int:
    spec = COMMANDS.get(name.partition("/")[0])
    return spec.max_bytes if spec else MAX_PAYLOAD


def parse(name: str, payload: bytes) -> Parsed:
    """What `payload` of `cmd/{name}` is, before anything reads its fields (the contract's parser:
    depth-bounded, lone surrogates refused)."""
    try:
        body = parse_object(payload, max_bytes=MAX_PARSE)
    except PayloadError as err:
        return Unreadable(err.code, err.detail)
    limit = limit_for(name)
    if len(payload) > limit:
        return TooLarge(body.get("id"), len(payload), limit)
    return Readable(body)


def reply_key(sender: str, cid: str) -> str:
    """The idempotency key: a command id is the sender's own (`/` is in neither)."""
    return f"{sender}/{cid}"


def failure(cid: object, refusal: Refusal) -> ReplyBody:
    return Reply(id=cid if isinstance(cid, str) else None, ok=False, error=refusal.as_error())


class Dispatcher:
    """Answers commands one at a time on the worker thread; holds the idempotency cache."""

    def __init__(self, topics: Topics, handlers: Handlers) -> None:
        self.handlers = handlers
        self.topics = topics
        self.replies: dict[str, ReplyBody] = {}  # reply_key(sender, id) -> the first answer, once stored
        self.refused: OrderedDict[str, ReplyBody] = OrderedDict()  # the last refusals (memory only, bounded)

    def restore(self, replies: dict[str, ReplyBody]) -> None:
        """The cache as stored in the event log (on start and after every rebuild)."""
        self.replies = replies

    def _refused(self, cid: str, reply: ReplyBody) -> None:
        self.refused[cid] = reply
        self.refused.move_to_end(cid)
        while len(self.refused) > REFUSALS_KEPT:
            self.refused.popitem(last=False)

    def remember(self, replies: Mapping[str, ReplyBody]) -> None:
        """Replies of a burst that is now durable."""
        self.replies.update(replies)

    def handle(self, engine: Engine, command: Command, now: datetime, burst: Burst) -> Outcome:
        sender, name = self.topics.split_cmd(command.topic)
        if not is_topic_level(sender):
            return self._reject(
                burst,
                Rejection(name or sender, ErrorCode.BAD_SENDER, "commands go to cmd/{client_id}/{command}"),
            )
        if not name:  # cmd/ticket of a client that predates the sender level: nobody to answer
            return self._reject(
                burst,
                Rejection(sender, ErrorCode.UNKNOWN_COMMAND, f"publish to cmd/{{client_id}}/{sender} (contract v1)"),
            )
        with logfmt.context(device=sender):  # what is logged while it runs names the sender
            return self._handle(engine, sender, name, command, now, burst)

    def _handle(self, engine: Engine, sender: str, name: str, command: Command, now: datetime, burst: Burst) -> Outcome:
        reply_to = self.topics.reply(sender)  # derived: the broker bound the sender to its login
        parsed = parse(name, command.payload)
        if isinstance(parsed, Unreadable):
            return self._reject(burst, Rejection(name, parsed.code, parsed.detail, sender=sender))
        cid = parsed.cid
        if not isinstance(cid, str) or not is_topic_level(cid):  # never echoed: it may be anything
            burst.outbox.append(
                (reply_to, failure(None, R.bad_payload("'id' must be 1-64 characters [A-Za-z0-9_.:-] (a UUID)")))
            )
            return Outcome.ANSWERED
        with logfmt.context(command_id=cid):
            return self._run(engine, sender, name, cid, parsed, now, burst)

    def _run(
        self, engine: Engine, sender: str, name: str, cid: str, parsed: Readable | TooLarge, now: datetime, burst: Burst
    ) -> Outcome:
        reply_to = self.topics.reply(sender)
        key = reply_key(sender, cid)
        cached = self.replies.get(key) or burst.replies.get(key) or self.refused.get(key)
        if cached is not None:  # a retry: same answer, nothing changes
            burst.outbox.append((reply_to, cached))
            return Outcome.ANSWERED
        if isinstance(parsed, TooLarge):
            reply = failure(cid, R.payload_too_large(parsed.size, parsed.limit))
        else:
            try:
                done = self.handlers.run(engine, name, parsed.body, now, sender)
            except Refusal as refusal:
                reply = failure(cid, refusal)
            except Exception:  # a bug, not the visitor's fault: answer, and let the worker rebuild state
                log.exception("command %s %s of %s failed", name, cid, sender)
                burst.outbox.append((reply_to, failure(cid, R.internal_error())))
                return Outcome.FAULT
            else:
                reply = Reply(id=cid, ok=True, **done.result)
                burst.events += done.events
                if done.notices:
                    burst.notices += done.notices
                    burst.tidal_dirty = True
                if done.query:  # read-only: answered again from memory, never grows the event log
                    self._refused(key, reply)
                    burst.outbox.append((reply_to, reply))
                    return Outcome.ANSWERED
        if reply.ok:
            burst.replies[key] = reply  # stored with the burst's events
        else:
            self._refused(key, reply)
        burst.outbox.append((reply_to, reply))
        return Outcome.ANSWERED

    @staticmethod
    def _reject(burst: Burst, rejection: Rejection) -> Outcome:
        """A command nobody can be answered for: report it where integrators can see it."""
        r = rejection.scrubbed()
        log.warning("rejected cmd/%s/%s: %s %s", r.sender, r.command, r.code.value, r.detail)
        burst.rejected.append(r)
        return Outcome.REJECTED
