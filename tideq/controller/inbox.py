"""What the worker's inbox carries. paho's network thread only wraps what arrives in one of
these and puts it in the inbox; the worker takes them in bursts and matches on the type."""

from __future__ import annotations

import queue
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    """A message on `cmd/...`: parsed, validated and answered by the worker (dispatch.py)."""

    topic: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Reading:
    """A crowd reading on `sensor/crowd/{zone}` (sensors.py)."""

    zone: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Connected:
    """The broker (re)acknowledged our subscriptions: republish every retained state topic."""


@dataclass(frozen=True, slots=True)
class Stop:
    """The last item the worker takes: it finishes its burst and ends (ControllerService.stop)."""


Item = Command | Reading | Connected | Stop
Inbox = queue.SimpleQueue[Item]
