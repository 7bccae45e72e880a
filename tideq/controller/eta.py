"""Expected waits (pure).

With k people ahead and every window busy, the visitor is called after k+1 departures of
their service. If the service's departures come at rate r (per second), that takes
(k+1)/r on average; f idle windows absorb the first f of those, so
    eta = max(0, k - f + 1) / r.
In an M/M/s queue this is the exact conditional mean: the announced wait can do no better
than its own 1/sqrt(k+1) relative spread, so the model's job is to know r well:

- service time: mean of the last WINDOW observed durations (not a short EWMA, whose own
  noise (~33 % at alpha 0.2) dominates the error for long queues); the config value is
  the prior until the first completion of the day;
- shared windows: a window serving several services calls them longest-wait-first, so its
  capacity goes to each service in proportion to the calls it actually makes (arrival-rate
  aware), tracked per window as an exponentially weighted share of its recent calls. The
  service's departure rate is  r = sum_w  p_w,s / m_w  with  m_w = sum_j p_w,j * mean_j.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping

from .model import WindowState

WINDOW = 100  # completions kept per service
MIN_S, MAX_S = 30.0, 3600.0
MIX_ALPHA = 0.05  # weight of one call in a window's service mix (~20-call memory)


class ServiceTime:
    """Live service-time estimate of one service: the mean of its recent completions."""

    def __init__(self, mean_s: float, samples: int = 0) -> None:
        self.prior_s = mean_s
        self.mean_s = mean_s
        self.samples = samples
        self._recent: deque[float] = deque(maxlen=WINDOW)
        self._sum = 0.0

    def observe(self, duration_s: float) -> None:
        d = min(max(duration_s, MIN_S), MAX_S)  # mis-clicks and forgotten "finish" presses
        if len(self._recent) == self._recent.maxlen:
            self._sum -= self._recent[0]
        self._recent.append(d)
        self._sum += d
        self.samples += 1
        self.mean_s = self._sum / len(self._recent)

    def __repr__(self) -> str:
        return f"ServiceTime(mean_s={self.mean_s:.1f}, samples={self.samples})"


class CallMix:
    """Per window, the share of its recent calls that went to each of its services."""

    def __init__(self) -> None:
        self._share: dict[str, dict[str, float]] = {}

    def observe(self, window: str, service: str, services: list[str]) -> None:
        if len(services) < 2:
            return
        share = self.shares(window, services)
        for s in share:
            share[s] = (1 - MIX_ALPHA) * share[s] + MIX_ALPHA * (s == service)
        self._share[window] = share

    def prefer(self, window: str, services: list[str]) -> None:
        """A tidal window calls its services by priority: until its calls say otherwise, count
        all of it for the first (the service it was opened for), none for the rest."""
        if len(services) > 1:
            self._share[window] = {s: float(i == 0) for i, s in enumerate(services)}
        else:
            self._share.pop(window, None)

    def shares(self, window: str, services: list[str]) -> dict[str, float]:
        """Shares of `services` at `window`, summing to 1; equal split until calls are seen."""
        known = self._share.get(window, {})
        raw = {s: known.get(s, 1 / len(services)) for s in services}
        total = sum(raw.values()) or 1.0
        return {s: v / total for s, v in raw.items()}


def departure_rate(sid: str, windows: Iterable[WindowState], mean_s: Mapping[str, float], mix: CallMix) -> float:
    """Departures of service `sid` per second across the open windows that serve it."""
    rate = 0.0
    for w in windows:
        if sid not in w.services or not w.open:
            continue
        if len(w.services) == 1:
            rate += 1 / mean_s[sid]
            continue
        share = mix.shares(w.id, w.services)
        window_mean = sum(p * mean_s[s] for s, p in share.items())
        rate += share[sid] / window_mean
    return rate


def wait_for_rate(ahead: int, rate_per_s: float, idle: int) -> int | None:
    """Seconds until a visitor with `ahead` people before them is called; None if no window."""
    if rate_per_s <= 0:
        return None
    return round(max(0, ahead - idle + 1) / rate_per_s)


def expected_wait_s(ahead: int, capacity: float, idle: int, mean_s: float) -> int | None:
    """The same for `capacity` equal window shares of mean service time `mean_s` (kept for callers)."""
    return wait_for_rate(ahead, capacity / mean_s, idle) if capacity > 0 else None


def excess_wait_s(
    waiting: int,
    arrivals_per_s: float,
    rate_per_s: float,
    servers: float,
    horizon_s: float,
    target_s: float,
    arrivals_s: float | None = None,
) -> float:
    """Visitor-seconds of wait beyond `target_s` expected over the next `horizon_s` (what one more
    or one fewer window is worth; used by the tidal policy to compare services).

    Two parts. The backlog, as a fluid: the queue moves at the net rate `arrivals - departures`
    (clipped at zero), those already waiting and every arrival wait queue/rate; count what passes
    the target. The queueing noise the fluid misses when arrivals are below capacity: Sakasegawa's
    approximation of the M/M/c mean wait, Wq = rho^(sqrt(2(c+1))-1) / (r - lambda), with an
    exponential tail, so an arrival's expected excess is Wq * exp(-(r - lambda) * target).
    Arrivals stop after `arrivals_s` (the service closes within the horizon), the queue does not.
    """
    until = horizon_s if arrivals_s is None else min(horizon_s, max(0.0, arrivals_s))
    if rate_per_s <= 0:
        return (waiting + arrivals_per_s * until) * horizon_s
    lam, r = arrivals_per_s, rate_per_s
    queued = waiting / r
    total: float = 0.5 * r * max(0.0, queued - target_s) ** 2  # sum over i of (i/r - target)+
    steps = 12
    dt = horizon_s / steps
    q = float(waiting)
    for i in range(steps):
        inflow = lam if i * dt < until else 0.0
        q = max(0.0, q + (inflow - r) * dt)
        total += inflow * dt * max(0.0, q / r - target_s)
    rho = min(lam / r, 0.95)
    slack = r * (1 - rho)
    wq: float = rho ** (math.sqrt(2 * (max(servers, 0.5) + 1)) - 1) / slack
    total += lam * until * wq * math.exp(-slack * target_s)
    return total
