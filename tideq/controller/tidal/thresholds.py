"""Which of the hall's tidal thresholds a service's signals cross: warn (hot), open (short of
capacity) and close (cool without a given window). The hysteresis lives here: a window opens
above the upper thresholds and closes only below the lower ones."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from tideq.config.schema import Level, TidalConfig

from ..engine import Engine
from ..model import WindowState
from .signals import CROWD_RANK, Signals
from .types import Thresholds, Tuning


class Cooling(NamedTuple):
    """Is the service fine without one of its tidal windows, and the figures that say so."""

    cool: bool
    eta_without_s: int | None  # predicted wait of a new arrival without the window
    left_per_h: float  # departures per hour of the windows that stay


def limits(cfg: TidalConfig) -> Thresholds:
    """The hall's limits, carried in every decision's `inputs`."""
    return {
        "warn_queue": cfg.warn_queue,
        "warn_eta_s": cfg.warn_eta_s,
        "warn_crowd": cfg.warn_crowd,
        "sustain_s": cfg.sustain_s,
        "close_eta_s": cfg.close_eta_s,
        "min_open_s": cfg.min_open_s,
        "max_switches_per_hour": cfg.max_switches_per_hour,
    }


def crowded(sg: Signals, cfg: TidalConfig) -> bool:
    return sg.crowd is not None and CROWD_RANK[Level(sg.crowd)] >= CROWD_RANK[Level(cfg.warn_crowd)]


def crossed(sg: Signals, cfg: TidalConfig) -> list[str]:
    """Which warning thresholds are crossed now ("eta", "queue", "crowd")."""
    hot = []
    if (sg.eta_s is None and sg.waiting) or (sg.eta_s or 0) >= cfg.warn_eta_s:
        hot.append("eta")
    if sg.waiting >= cfg.warn_queue:
        hot.append("queue")
    if crowded(sg, cfg):
        hot.append("crowd")
    return hot


def short_of_capacity(sg: Signals, cfg: TidalConfig, tuning: Tuning) -> bool:
    """Worth a window: the projected wait passes the threshold (lowered when the zone is crowded),
    or the queue is long and not moving fast enough to drain under the closing threshold."""
    if sg.projected_eta_s is None:
        return sg.waiting > 0
    if sg.gain_s >= tuning.open_gain_s and sg.waiting >= 1:
        return True
    if sg.projected_waiting < tuning.open_min_queue:
        return False
    limit = cfg.warn_eta_s * tuning.open_eta_factor
    limit *= tuning.crowd_eta_factor if crowded(sg, cfg) else 1.0
    return sg.projected_eta_s >= limit or (
        sg.waiting >= cfg.warn_queue and sg.eta_s is not None and sg.eta_s >= cfg.close_eta_s
    )


def cooling(
    engine: Engine,
    w: WindowState,
    sg: Signals,
    cfg: TidalConfig,
    tuning: Tuning,
    also: Sequence[Signals] = (),
) -> Cooling:
    """Is the service fine without window `w`? Below every lower threshold, arrivals (with their
    Poisson noise) well under what the other windows serve, and nobody transferred to `w`; and
    each of `also` (the other services a comprehensive window serves) below its lower thresholds
    without `w` too: closing a window that still carries another service's queue only spends a
    switch that service then needs to get a window back."""
    eta_without = engine.eta_s(sg.service, sg.waiting, without=w.id)
    left_per_h = engine.departure_rate(sg.service, without=w.id) * 3600
    targeted = any(t.target_window == w.id for t in engine.waiting[sg.service].values())
    per_h = 3600 / tuning.trend_window_s
    upper = sg.arrivals_per_h + tuning.close_z * math.sqrt(sg.arrivals_per_h * per_h)
    cool = (
        eta_without is not None
        and eta_without < cfg.close_eta_s
        and upper < tuning.close_load * left_per_h
        and sg.waiting < tuning.close_queue_factor * cfg.warn_queue
        and not crowded(sg, cfg)
        and not targeted
        and all(_fine_without(engine, w, o, cfg, tuning) for o in also)
    )
    return Cooling(cool, eta_without, left_per_h)


def _fine_without(engine: Engine, w: WindowState, sg: Signals, cfg: TidalConfig, tuning: Tuning) -> bool:
    if not sg.waiting:
        return True
    eta = engine.eta_s(sg.service, sg.waiting, without=w.id)
    return (
        eta is not None
        and eta < cfg.close_eta_s
        and sg.waiting < tuning.close_queue_factor * cfg.warn_queue
        and not crowded(sg, cfg)
    )
