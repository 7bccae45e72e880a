"""Turn noisy per-frame estimates into a steady count and a level that does not flicker.

A running median over the last few updates removes single-frame spikes (a detector glitch, a
person walking through); an EMA on top removes jitter. Levels use hysteresis: a level is
entered at its threshold but left only when the count falls `margin` below it, so a count
hovering at 10 does not flip busy/low twice a second and the tidal policy sees stable input.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from statistics import median

from tideq.config.schema import Level


@dataclass
class CountSmoother:
    window: int = 5  # median over this many updates
    alpha: float = 0.3  # EMA weight of the newest median
    _recent: deque[float] = field(default_factory=deque, init=False, repr=False)
    _ema: float | None = field(default=None, init=False)

    def update(self, raw: float) -> float:
        self._recent.append(max(0.0, raw))
        while len(self._recent) > self.window:
            self._recent.popleft()
        m = float(median(self._recent))
        self._ema = m if self._ema is None else self._ema + self.alpha * (m - self._ema)
        return self._ema

    @property
    def value(self) -> float:
        return self._ema or 0.0


@dataclass
class LevelHysteresis:
    busy: int
    crowded: int
    margin: float | None = None  # default: 10 % of the busy threshold, at least 1 person
    level: Level = Level.LOW

    def __post_init__(self) -> None:
        if self.crowded < self.busy:
            raise ValueError(f"crowded ({self.crowded}) must not be below busy ({self.busy})")
        if self.margin is None:
            self.margin = max(1.0, 0.1 * self.busy)

    def update(self, count: float) -> Level:
        m = float(self.margin or 0.0)
        if self.level is Level.CROWDED:
            if count < self.crowded - m:
                self.level = Level.BUSY if count >= self.busy - m else Level.LOW
        elif self.level is Level.BUSY:
            if count >= self.crowded:
                self.level = Level.CROWDED
            elif count < self.busy - m:
                self.level = Level.LOW
        else:
            if count >= self.crowded:
                self.level = Level.CROWDED
            elif count >= self.busy:
                self.level = Level.BUSY
        return self.level


def level_of(count: float, busy: int, crowded: int) -> Level:
    """The level without memory (ground truth in tests and the bench)."""
    return Level.CROWDED if count >= crowded else Level.BUSY if count >= busy else Level.LOW


def round_count(value: float) -> int:
    """Half-up rounding: published counts are whole people."""
    return math.floor(value + 0.5)
