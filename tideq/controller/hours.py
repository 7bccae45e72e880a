"""Opening hours: is a service open now, and when does it next open (pure)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from tideq.config.schema import HallConfig, Hours, Service


def spans_for(cfg: HallConfig, service: Service | None, day: date) -> list[tuple[datetime, datetime]]:
    """Open intervals of a day, as aware datetimes in the hall's zone (service ∩ hall)."""
    from zoneinfo import ZoneInfo

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


def _intervals(hours: Hours, day: date, tz) -> list[tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
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
