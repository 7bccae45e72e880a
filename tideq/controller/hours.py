"""Opening hours: is a service open now, and when does it next open (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from tideq.config.schema import HallConfig, Hours, Service

_CACHE: dict[tuple[int, str | None, date], tuple[HallConfig, list[tuple[datetime, datetime]]]] = {}


def spans_for(cfg: HallConfig, service: Service | None, day: date) -> list[tuple[datetime, datetime]]:
    """Open intervals of a day, as aware datetimes in the hall's zone (service ∩ hall).

    Memoised per (config, service, day): asked several times for every ticket, and a frozen
    config's hours never change."""
    key = (id(cfg), service.id if service else None, day)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is cfg:  # `is`: an id can be reused by a later config
        return hit[1]
    if len(_CACHE) > 4096:
        _CACHE.clear()
    spans = _compute(cfg, service, day)
    _CACHE[key] = (cfg, spans)
    return spans


def _compute(cfg: HallConfig, service: Service | None, day: date) -> list[tuple[datetime, datetime]]:
    tz = ZoneInfo(cfg.hall.timezone)
    hall = _intervals(cfg.hall.hours, day, tz)
    if service is None or service.hours is None:
        return hall
    own = _intervals(service.hours, day, tz)
    out = []
    for a0, a1 in hall:
        for b0, b1 in own:
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    return out


def _intervals(hours: Hours, day: date, tz: tzinfo) -> list[tuple[datetime, datetime]]:
    return [(datetime.combine(day, s.start, tz), datetime.combine(day, s.end, tz)) for s in hours.spans_on(day)]


def is_open(cfg: HallConfig, service: Service | None, now: datetime) -> bool:
    return any(a <= now < b for a, b in spans_for(cfg, service, now.date()))


def next_opening(cfg: HallConfig, service: Service | None, now: datetime, horizon_days: int = 21) -> datetime | None:
    """The next moment the service opens after `now` (None if not within the horizon)."""
    for d in range(horizon_days):
        day = now.date() + timedelta(days=d)
        for a, _ in spans_for(cfg, service, day):
            if a > now:
                return a
    return None
