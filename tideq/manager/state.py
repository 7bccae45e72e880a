"""What the hall manager console knows, as plain records folded from contract payloads.

Pure: no Qt, no clock reads. Parsers take one payload and return records (or None for what is
not the contract's shape), so `ManagerModel` stays a thin switchboard and these are tested alone.
Readers ignore unknown keys and unknown enum values map to UNKNOWN rather than raising: a newer
controller must not blank the manager's screen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

Bi = dict[str, str]   # {"zh": .., "en": ..}


class Mode(str, Enum):
    """The tidal policy's mode, from `state/tidal.mode`."""

    UNKNOWN = "unknown"
    AUTO = "auto"        # the policy acts; the manager may override
    CONFIRM = "confirm"  # the policy proposes; the manager decides
    OFF = "off"


class WinStatus(str, Enum):
    UNKNOWN = "unknown"
    IDLE = "idle"
    SERVING = "serving"
    PAUSED = "paused"
    CLOSED = "closed"


class AlertLevel(str, Enum):
    WARNING = "warning"
    CRITICAL = "critical"   # the policy cannot add a window: the manager must act


class ProposalKind(str, Enum):
    OPEN = "propose_open"
    CLOSE = "propose_close"
    MOVE = "propose_move"     # an open tidal window goes straight to another service


class Crowd(str, Enum):
    LOW = "low"
    BUSY = "busy"
    CROWDED = "crowded"


class Severity(int, Enum):
    """A device's health folded to what the strip colours; ordered worst last."""

    OK = 0
    UNKNOWN = 1    # never reported, or reported `unknown`
    WARN = 2       # degraded, paper near end, stale camera
    BAD = 3        # offline, paper out, cover open, error


class Decided(str, Enum):
    """`event/tidal` kinds (contract v1); OTHER keeps a newer kind visible instead of dropping it."""

    OPENED = "tidal_opened"
    CLOSED = "tidal_closed"
    WARN = "tidal_warn"
    CLEAR = "tidal_clear"
    PROPOSE_OPEN = "tidal_propose_open"
    PROPOSE_CLOSE = "tidal_propose_close"
    PROPOSE_MOVE = "tidal_propose_move"
    DRAIN = "tidal_drain"
    DECLINED = "tidal_declined"
    OTHER = "other"


class Actor(str, Enum):
    """Who made a decision in the log: the policy alone, the manager confirming it, or the manager."""

    POLICY = "policy"
    CONFIRMED = "confirmed"
    MANAGER = "manager"


SEVERITY: dict[str, Severity] = {
    "ok": Severity.OK, "unknown": Severity.UNKNOWN,
    "degraded": Severity.WARN, "paper_near_end": Severity.WARN, "stale": Severity.WARN,
    "offline": Severity.BAD, "paper_out": Severity.BAD, "cover_open": Severity.BAD, "error": Severity.BAD,
}
CROWD_MAX_AGE_S = 90.0     # the policy's `crowd_max_age_s`: older readings are ignored by it too
HEALTH_MAX_AGE_S = 300.0   # devices republish every 10 s or so; silence this long means trouble


@dataclass(frozen=True)
class ServiceLine:
    id: str
    name: Bi
    open: bool
    waiting: int
    eta_s: int | None
    windows_open: int
    quota_left: int | None
    zone: str | None = None


@dataclass(frozen=True)
class WindowTile:
    id: str
    name: Bi
    status: WinStatus
    ticket: str | None
    services: tuple[str, ...]
    tidal: bool
    pool: bool
    pause_reason: str | None = None


@dataclass(frozen=True)
class Alert:
    service: str
    level: AlertLevel
    reason: Bi


@dataclass(frozen=True)
class Proposal:
    window: str
    service: str
    kind: ProposalKind
    at: datetime | None
    reason: Bi
    inputs: dict[str, Any]


@dataclass(frozen=True)
class OpenTidal:
    window: str
    service: str
    since: datetime | None
    reason: str
    draining: bool = False


@dataclass(frozen=True)
class CrowdReading:
    zone: str
    level: Crowd
    count: int | None
    camera: str | None
    ts: datetime


@dataclass(frozen=True)
class DeviceHealth:
    device: str
    kind: str
    state: str
    ts: datetime | None
    detail: str = ""

    @property
    def severity(self) -> Severity:
        return SEVERITY.get(self.state, Severity.UNKNOWN)


@dataclass(frozen=True)
class LogEntry:
    """One line of the day's decisions log (from `event/tidal`)."""

    at: datetime | None
    kind: Decided
    raw_kind: str
    window: str | None
    service: str | None
    reason: Bi
    actor: Actor
    level: AlertLevel | None = None
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TidalView:
    mode: Mode
    alerts: tuple[Alert, ...]
    open: tuple[OpenTidal, ...]
    proposals: tuple[Proposal, ...]
    draining: frozenset[str]


# ---------------------------------------------------------------------- helpers
def dt(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def bi(value: object) -> Bi:
    """A `{zh, en}` object, or a plain string (manual reasons; the engine's "zh / en") as both."""
    if isinstance(value, dict):
        zh, en = str(value.get("zh") or ""), str(value.get("en") or "")
        return {"zh": zh or en, "en": en or zh}
    text = "" if value is None else str(value)
    zh, sep, en = text.partition(" / ")
    return {"zh": zh, "en": en} if sep else {"zh": text, "en": text}


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _enum(kind: type[Enum], value: object, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


# ---------------------------------------------------------------------- parsers
def parse_services(data: dict[str, Any], zones: dict[str, str | None]) -> list[ServiceLine]:
    out = []
    for s in data.get("services", []):
        if not isinstance(s, dict) or "id" not in s:
            continue
        sid = str(s["id"])
        out.append(ServiceLine(sid, bi(s.get("name") or sid), bool(s.get("open", True)), _int(s.get("waiting")) or 0,
                               _int(s.get("eta_s")), _int(s.get("windows_open")) or 0, _int(s.get("quota_left")),
                               zones.get(sid)))
    return out


def parse_windows(data: dict[str, Any], pool: set[str]) -> list[WindowTile]:
    out = []
    for w in data.get("windows", []):
        if not isinstance(w, dict) or "id" not in w:
            continue
        wid = str(w["id"])
        out.append(WindowTile(wid, bi(w.get("name") or wid), _enum(WinStatus, w.get("status"), WinStatus.UNKNOWN),
                              w.get("ticket") or None, tuple(str(x) for x in w.get("services") or ()),
                              bool(w.get("tidal")), wid in pool, w.get("pause_reason")))
    return out


def parse_tidal(data: dict[str, Any]) -> TidalView:
    draining = frozenset(str(x) for x in data.get("draining") or ())
    alerts = tuple(Alert(str(a.get("service")), _enum(AlertLevel, a.get("level"), AlertLevel.WARNING), bi(a.get("reason")))
                   for a in data.get("alerts") or () if isinstance(a, dict))
    opened = tuple(OpenTidal(str(o.get("window")), str(o.get("service")), dt(o.get("since")), str(o.get("reason") or ""),
                             str(o.get("window")) in draining)
                   for o in data.get("open") or () if isinstance(o, dict))
    proposals = tuple(Proposal(str(p.get("window")), str(p.get("service")), kind, dt(p.get("at")), bi(p.get("reason")),
                               dict(p.get("inputs") or {}))
                      for p in data.get("proposals") or () if isinstance(p, dict)
                      for kind in [_enum(ProposalKind, p.get("action"), None)] if kind is not None)
    return TidalView(_enum(Mode, data.get("mode"), Mode.UNKNOWN), alerts, opened, proposals, draining)


def parse_crowd(zone: str, data: dict[str, Any]) -> CrowdReading | None:
    level = _enum(Crowd, data.get("level"), None)
    ts = dt(data.get("ts"))
    if level is None or ts is None:
        return None
    return CrowdReading(zone, level, _int(data.get("count")), data.get("camera"), ts)


def parse_health(device: str, data: dict[str, Any]) -> DeviceHealth:
    parts = []
    for key in ("detail", "reason"):
        if data.get(key):
            parts.append(str(data[key]))
    for key in ("strips", "keypads", "evaluators"):   # bus maps {address: state}: name the bad ones
        bad = [str(a) for a, s in (data.get(key) or {}).items() if s != "ok"]
        if bad:
            parts.append(f"{key} {','.join(bad)}")
    return DeviceHealth(str(data.get("device") or device), str(data.get("kind") or ""), str(data.get("state") or "unknown"),
                        dt(data.get("ts")), "; ".join(parts)[:120])


def parse_event(data: dict[str, Any]) -> LogEntry:
    raw = str(data.get("kind") or "")
    kind = _enum(Decided, raw, Decided.OTHER)
    inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
    if kind in (Decided.OPENED, Decided.CLOSED):
        actor = Actor.CONFIRMED if inputs.get("confirmed") else Actor.POLICY if inputs.get("by") == "policy" else Actor.MANAGER
    else:
        actor = Actor.MANAGER if kind is Decided.DECLINED else Actor.POLICY
    return LogEntry(dt(data.get("ts")), kind, raw, data.get("window"), data.get("service"), bi(data.get("reason")),
                    actor, _enum(AlertLevel, data.get("level"), None), dict(inputs))
