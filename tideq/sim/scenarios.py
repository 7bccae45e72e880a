"""Arrival scenarios of a hall day.

Loads are stated as utilisation of each service's own staffed capacity (its windows, a shared
window counting 1/n, divided by the service's configured mean service time), so a scenario
fits any hall file. Services alternate between a morning-heavy and an afternoon-heavy group
(by their order in the hall file), as business and personal matters tend to do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import Enum

from tideq.config.schema import HallConfig, HallInfo, Hours, Service, Text, TidalConfig, Window

THURSDAY = date(2026, 11, 26)
Segment = tuple[float, float, float]  # (start hour, end hour, utilisation), hall-local


class Dist(str, Enum):
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"


@dataclass(frozen=True)
class ServiceLoad:
    service: str
    segments: tuple[tuple[float, float, float], ...]  # (start s, end s after midnight, walk-ins per s)
    dist: Dist
    mean_s: float
    cv: float = 0.7
    no_show: float = 0.05  # share of walk-ins gone when called (过号)
    appointments: int = 0  # booked visitors of the day


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    hall: HallConfig
    loads: tuple[ServiceLoad, ...]
    day: date = THURSDAY
    days: int = 1
    appointment_no_show: float = 0.1
    setup_s: float = 120.0  # a tidal window needs staff to walk over and log in
    no_show_wait_s: float = 60.0  # a window calls twice and waits this long before skipping


def capacity_per_s(cfg: HallConfig, sid: str) -> float:
    svc = cfg.service(sid)
    assert svc is not None
    share = sum(1 / len(w.services) for w in cfg.windows if sid in w.services)
    return share / svc.mean_service_s


def _rates(cfg: HallConfig, sid: str, profile: list[Segment], share_walkin: float) -> tuple[Segment, ...]:
    cap = capacity_per_s(cfg, sid)
    return tuple((a * 3600, b * 3600, u * cap * share_walkin) for a, b, u in profile)


def _hall_loads(cfg: HallConfig, morning: list[Segment], afternoon: list[Segment]) -> tuple[ServiceLoad, ...]:
    loads = []
    for i, svc in enumerate(cfg.services):
        profile = morning if i % 2 == 0 else afternoon
        walk = 0.8 if svc.appointments else 1.0
        segs = _rates(cfg, svc.id, profile, walk)
        volume = sum((b - a) * r for a, b, r in segs) / walk
        booked = round(volume * (1 - walk)) if svc.appointments else 0
        loads.append(ServiceLoad(svc.id, segs, Dist.LOGNORMAL, float(svc.mean_service_s), 0.7, 0.05, booked))
    return tuple(loads)


BASE = 0.75
PEAK = 1.3
FLAT_M: list[Segment] = [(9, 12, BASE)]
FLAT_A: list[Segment] = [(13, 17.5, BASE)]
PEAK_M: list[Segment] = [(9, 9.5, 0.9), (9.5, 11.5, PEAK), (11.5, 12, 0.8)]
PEAK_A: list[Segment] = [(13, 14, 0.8), (14, 16.5, PEAK), (16.5, 17.5, 0.6)]


def peak_day(cfg: HallConfig) -> Scenario:
    return Scenario(
        "peak-day",
        "morning peak for half the services, afternoon peak for the other half",
        cfg,
        _hall_loads(cfg, PEAK_M + FLAT_A, FLAT_M + PEAK_A),
    )


def morning_peak(cfg: HallConfig) -> Scenario:
    return Scenario(
        "morning-peak",
        "morning peak (09:30-11:30) for half the services",
        cfg,
        _hall_loads(cfg, PEAK_M + FLAT_A, FLAT_M + FLAT_A),
    )


def afternoon_peak(cfg: HallConfig) -> Scenario:
    return Scenario(
        "afternoon-peak",
        "afternoon peak (14:00-16:30) for half the services",
        cfg,
        _hall_loads(cfg, FLAT_M + FLAT_A, FLAT_M + PEAK_A),
    )


def lunch_lull(cfg: HallConfig) -> Scenario:
    day: list[Segment] = [(9, 11, 1.2), (11, 12, 0.3), (13, 14, 0.3), (14, 17.5, 0.8)]
    return Scenario(
        "lunch-lull", "busy morning, quiet around lunch: tidal windows should close", cfg, _hall_loads(cfg, day, day)
    )


def surge(cfg: HallConfig) -> Scenario:
    day = [(9, 10, 0.7), (10, 10.5, 2.5), (10.5, 12, 0.7), (13, 17.5, 0.7)]
    return Scenario(
        "surge",
        "sudden surge to 2.5x capacity 10:00-10:30 (a deadline, a coach party)",
        cfg,
        _hall_loads(cfg, day, day),
    )


def mmc_hall(c: int, mean_s: float) -> HallConfig:
    """A one-service hall open round the clock with c windows and no tidal pool."""
    span = ["00:00-23:59"]
    hours = Hours(mon=span, tue=span, wed=span, thu=span, fri=span, sat=span, sun=span)
    svc = Service(id="mmc", name=Text(zh="排队论", en="M/M/c"), prefix="M", mean_service_s=int(mean_s))
    windows = [
        Window(id=str(i + 1), name=Text(zh=f"{i + 1}号窗口", en=f"Window {i + 1}"), services=["mmc"]) for i in range(c)
    ]
    return HallConfig(
        hall=HallInfo(id="mmc", name=Text(zh="M/M/c", en="M/M/c"), hours=hours),
        tidal=TidalConfig(mode="off"),
        services=[svc],
        windows=windows,
    )


def mmc(c: int = 3, rho: float = 0.8, mean_s: float = 300.0, days: int = 1) -> Scenario:
    """Stationary M/M/c: Poisson arrivals at rho*c/mean_s, exponential service, FIFO, no no-shows."""
    rate = rho * c / mean_s
    load = ServiceLoad("mmc", ((0.0, (23 * 60 + 59) * 60.0, rate),), Dist.EXPONENTIAL, mean_s, 1.0, 0.0, 0)
    return Scenario(
        "mmc",
        f"M/M/{c}, rho={rho}, mean service {mean_s:g} s",
        mmc_hall(c, mean_s),
        (load,),
        days=days,
        appointment_no_show=0.0,
    )


BUILDERS = {
    "peak-day": peak_day,
    "morning-peak": morning_peak,
    "lunch-lull": lunch_lull,
    "afternoon-peak": afternoon_peak,
    "surge": surge,
    "mmc": lambda cfg: mmc(),
}
NAMES = tuple(BUILDERS)


def build(name: str, cfg: HallConfig) -> Scenario:
    try:
        return BUILDERS[name](cfg)
    except KeyError as err:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(NAMES)}") from err


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    sigma2 = math.log(1 + cv * cv)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
