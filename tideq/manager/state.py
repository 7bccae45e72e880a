"""What the hall manager console adds to the contract's typed messages: who made a decision, the
numbers behind it, how bad a device's health is, and reasons as bilingual text.

Pure: no Qt, no clock reads. Payloads arrive already typed (`tideq.contract`); one that is not
the contract's shape was dropped at the bus, so nothing here guesses at fields.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from pydantic import ValidationError

from tideq.contract import (
    AlertLevel,
    BiText,
    CrowdLevel,
    DecisionItem,
    Health,
    HealthState,
    LinkState,
    Part,
    TidalEvent,
    TidalKind,
)
from tideq.contract.state import Inputs

log = logging.getLogger(__name__)


class Severity(int, Enum):
    """A device's health folded to what the devices strip colours; ordered worst last."""

    OK = 0
    UNKNOWN = 1  # never reported, or reported `unknown`
    WARN = 2  # degraded, needs attention, paper near end, stale camera
    BAD = 3  # offline, paper out, cover open, error


class Actor(str, Enum):
    """Who made a decision in the log: the policy alone, the manager confirming it, or the manager."""

    POLICY = "policy"
    CONFIRMED = "confirmed"
    MANAGER = "manager"


SEVERITY: dict[HealthState, Severity] = {
    HealthState.OK: Severity.OK,
    HealthState.UNKNOWN: Severity.UNKNOWN,
    HealthState.ATTENTION: Severity.WARN,
    HealthState.DEGRADED: Severity.WARN,
    HealthState.STALE: Severity.WARN,
    HealthState.PAPER_NEAR_END: Severity.WARN,
    HealthState.OFFLINE: Severity.BAD,
    HealthState.PAPER_OUT: Severity.BAD,
    HealthState.COVER_OPEN: Severity.BAD,
    HealthState.ERROR: Severity.BAD,
}
CROWD_MAX_AGE_S = 90.0  # the policy's `crowd_max_age_s`: older readings are ignored by it too
HEALTH_MAX_AGE_S = 300.0  # devices republish every minute or faster; silence this long means trouble


class DecisionInputs(Part):
    """The numbers the tidal policy saw (`inputs` of a proposal, an event or a decision; docs/tidal.md).
    All optional: a manual decision carries none; keys this console does not show are ignored."""

    waiting: int | None = None
    oldest_wait_s: float | None = None
    eta_s: float | None = None
    projected_eta_s: float | None = None
    eta_without_window_s: float | None = None
    arrivals_per_h: float | None = None
    departures_per_h: float | None = None
    crowd: CrowdLevel | None = None
    camera: str | None = None  # ok, stale, missing, unmapped: whether the camera's reading counted
    held_s: int | None = None  # how long the load held before the policy acted
    by: str | None = None  # "policy" on the policy's own openings and closings
    confirmed: bool = False  # an opening or closing the manager confirmed

    @property
    def camera_counted(self) -> bool:
        return self.camera == "ok" and self.crowd is not None

    @property
    def camera_missing(self) -> bool:
        return self.camera in ("stale", "missing")


def decision_inputs(raw: Inputs) -> DecisionInputs:
    """`inputs` read through DecisionInputs; one of unexpected type loses the numbers, not the decision."""
    try:
        return DecisionInputs.model_validate(raw)
    except ValidationError as err:
        log.warning("tidal inputs not shown, unexpected types: %s", err.errors()[0]["msg"])
        return DecisionInputs()


def bi_text(value: BiText | str | None) -> BiText:
    """A reason as `{zh, en}`: the policy's are bilingual; a manual one is a plain string, and the
    engine writes some as "zh / en"."""
    if isinstance(value, BiText):
        return BiText(zh=value.zh or value.en, en=value.en or value.zh)
    text = value or ""
    zh, sep, en = text.partition(" / ")
    return BiText(zh=zh, en=en) if sep else BiText(zh=text, en=text)


@dataclass(frozen=True)
class LogEntry:
    """One line of the day's decisions log (from `event/tidal`, or `state/tidal.decisions`)."""

    at: datetime
    kind: TidalKind
    window: str | None
    service: str | None
    reason: BiText
    actor: Actor
    level: AlertLevel | None = None
    inputs: DecisionInputs = field(default_factory=DecisionInputs)


def log_entry(e: TidalEvent | DecisionItem) -> LogEntry:
    inputs = decision_inputs(e.inputs)
    if e.kind in (TidalKind.OPENED, TidalKind.CLOSED):
        actor = Actor.CONFIRMED if inputs.confirmed else Actor.POLICY if inputs.by == "policy" else Actor.MANAGER
    else:
        actor = Actor.MANAGER if e.kind is TidalKind.DECLINED else Actor.POLICY
    level = e.level if isinstance(e, TidalEvent) else None
    return LogEntry(e.ts, e.kind, e.window, e.service, bi_text(e.reason), actor, level, inputs)


def severity_of(h: Health) -> Severity:
    return SEVERITY.get(h.state, Severity.UNKNOWN)


def health_summary(h: Health) -> str:
    """One line for the chip's tooltip: the device's reason, its problems, the addresses not answering."""
    parts = [h.reason] if h.reason else []
    parts += [f"{part}: {text}" for part, text in (h.problems or {}).items()]
    for name, states in (("strips", h.strips), ("keypads", h.keypads), ("evaluators", h.evaluators)):
        bad = [address for address, state in (states or {}).items() if state is not LinkState.OK]
        if bad:
            parts.append(f"{name} {','.join(bad)}")
    return "; ".join(parts)[:120]
