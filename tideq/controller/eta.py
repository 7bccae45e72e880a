"""Expected waits (pure).

A window serving k services gives each 1/k of its capacity. With c such windows busy and a
live mean service time m, the visitor at position k (k people ahead) starts after k-f+1
departures once the f idle windows are used up, each departure taking m/c on average:
    eta = max(0, k - f + 1) * m / c
The mean is an exponentially weighted average of observed service times, seeded from config.
"""
from __future__ import annotations

from dataclasses import dataclass

ALPHA = 0.2
MIN_S, MAX_S = 30.0, 3600.0


@dataclass
class ServiceTime:
    """Live service-time estimate of one service."""

    mean_s: float
    samples: int = 0

    def observe(self, duration_s: float) -> None:
        d = min(max(duration_s, MIN_S), MAX_S)
        self.mean_s = d if self.samples == 0 else (1 - ALPHA) * self.mean_s + ALPHA * d
        self.samples += 1


def expected_wait_s(ahead: int, capacity: float, idle: int, mean_s: float) -> int | None:
    """Seconds until a visitor with `ahead` people before them is called; None if no window."""
    if capacity <= 0:
        return None
    departures = max(0, ahead - idle + 1)
    return int(round(departures * mean_s / capacity))
