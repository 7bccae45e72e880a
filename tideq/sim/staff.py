"""Staff who behave like people (issue 13): a window open in the system that nobody staffs, a clerk
slower than the mean, a clerk who leaves for a while without pausing the window.

The engine sees none of this: the windows stay open and idle in its state, as in a real hall.
The simulator asks the model whether a window's clerk is there before calling (`away_until`)
and how long they take (`pace`). The model also knows the truth the engine does not, which gives
the reference for the ETA's accuracy: the expected wait of a visitor with k ahead when every
staffed window is busy (`ideal_wait_s`), the mean of the (k+1)-th departure of the windows
really serving.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

MIN = 60.0


@dataclass(frozen=True)
class Breaks:
    """Away `length_s` out of every `every_s`, from `every_s - length_s` into each cycle (cycles start
    at `phase_s` after midnight), without pausing: the window stays open and idle. A visitor being
    served when the break starts is finished first."""

    every_s: float
    length_s: float
    phase_s: float = 0.0

    def back_s(self, t: float) -> float | None:
        """When the clerk is back if away at `t` (seconds after midnight), else None."""
        cycle = (t - self.phase_s) % self.every_s
        start = self.every_s - self.length_s
        return t + (self.every_s - cycle) if cycle >= start else None

    def present(self, t: np.ndarray) -> np.ndarray:
        return ((t - self.phase_s) % self.every_s) < self.every_s - self.length_s

    def share_present(self) -> float:
        return 1 - self.length_s / self.every_s


@dataclass(frozen=True)
class StaffModel:
    name: str
    description: str
    never: frozenset[str] = frozenset()  # open windows nobody ever staffs
    pace: Mapping[str, float] = field(default_factory=dict)  # window -> multiple of the mean service time
    breaks: Mapping[str, Breaks] = field(default_factory=dict)

    def away_until(self, window: str, t: float) -> float | None:
        """None if the window's clerk is there at `t`; else when they come back (inf: never)."""
        if window in self.never:
            return math.inf
        b = self.breaks.get(window)
        return b.back_s(t) if b else None

    def pace_of(self, window: str) -> float:
        return self.pace.get(window, 1.0)

    def staffed_windows(self, windows: Iterable[str]) -> float:
        """Windows' worth of capacity over a long day (1 per average clerk who is always there)."""
        total = 0.0
        for w in windows:
            if w in self.never:
                continue
            b = self.breaks.get(w)
            total += (b.share_present() if b else 1.0) / self.pace_of(w)
        return total

    def ideal_wait_s(self, k: int, t: float, windows: Iterable[str], mean_s: float) -> float | None:
        """Expected wait of a visitor with `k` ahead issued at `t` (seconds after midnight) when every
        staffed window in `windows` (single-service, mean service `mean_s`) is busy: the mean of the
        (k+1)-th departure. Departures are Poisson (exponential service, all busy), at a rate that
        changes only when a clerk leaves or returns: E[T] = integral of P(N(t) <= k) dt."""
        ws = [w for w in windows if w not in self.never]
        steady = sum(1 / (mean_s * self.pace_of(w)) for w in ws if w not in self.breaks)
        breaking = [(self.breaks[w], 1 / (mean_s * self.pace_of(w))) for w in ws if w in self.breaks]
        if not breaking:
            return (k + 1) / steady if steady > 0 else None
        low = steady or min(r for _, r in breaking)
        horizon = 6 * (k + 1) / low + 3600.0
        dt = 5.0
        u = np.arange(0.0, horizon, dt) + dt / 2
        rate = np.full(u.shape, steady)
        for b, r in breaking:
            rate += r * b.present(t + u)
        lam = (np.cumsum(rate) - rate / 2) * dt  # at the midpoints u
        term = np.exp(-lam)
        cdf = term.copy()
        for j in range(1, k + 1):
            term = term * lam / j
            cdf += term
        return float(cdf.sum() * dt)


PLAIN = StaffModel("plain", "every open window staffed by an average clerk")


def models(windows: list[str]) -> dict[str, StaffModel]:
    """The three staff models of issue 13 on a hall's windows (the last window is the odd one)."""
    odd = windows[-1]
    return {
        "plain": PLAIN,
        "unstaffed": StaffModel("unstaffed", f"window {odd} open all day, nobody staffs it", never=frozenset({odd})),
        "slow": StaffModel("slow", f"the clerk at window {odd} takes 1.7x the mean time", pace={odd: 1.7}),
        "breaks": StaffModel(
            "breaks",
            f"the clerk at window {odd} leaves 12 min every 40 min without pausing",
            breaks={odd: Breaks(40 * MIN, 12 * MIN)},
        ),
    }
