"""How a staff command turned out, as a screen colours its result line."""

from __future__ import annotations

from enum import Enum

from tideq.contract import ErrorCode, Reply


class Outcome(str, Enum):
    OK = "ok"
    REFUSED = "refused"  # the controller said no, with what to do instead
    UNREACHABLE = "unreachable"  # no answer in time
    LOCAL = "local"  # never sent: the input cannot be a command


def outcome_of(reply: Reply) -> Outcome:
    """A reply's outcome: a refusal is the controller's word, `controller_unreachable` the bus's."""
    if reply.ok:
        return Outcome.OK
    return Outcome.UNREACHABLE if reply.code is ErrorCode.CONTROLLER_UNREACHABLE else Outcome.REFUSED
