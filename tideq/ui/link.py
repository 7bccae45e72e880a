"""How a staff screen names what it knows of the bus: its own link, and topics not heard yet.

Shared by the caller terminal, the evaluator tablet and the manager console, which must never
show a guess as a fact: before a retained topic arrives they say "connecting", not "closed".
"""

from __future__ import annotations

from enum import Enum


class Link(str, Enum):
    """This process's own connection to the broker."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"


class Unheard(str, Enum):
    """The value of a retained topic not heard since start (`WindowStatus | Unheard`, …)."""

    UNHEARD = "unheard"


UNHEARD = Unheard.UNHEARD
