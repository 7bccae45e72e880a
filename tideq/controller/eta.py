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
from datetime import datetime

from .model import WindowState, WindowStatus

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


# ---------------------------------------------------------------------- what windows actually do
# Issue 13: an "open" window is not a serving one. The announced wait counts the windows that are
# really calling, at the pace they really keep; the prior model above is what it falls back on.
#
# - presence: an open window that sits idle while people it could call are waiting is neglecting
#   its queue; once that has lasted ABSENT_AFTER_S (in one stretch, since its own last action) it
#   counts as absent until it calls, finishes, resumes or is opened again. Staff who are there call
#   within seconds; an unpaused break, a clerk who never came, a tidal window nobody walked over
#   to, all look alike: time passes, nobody is called. The stretch is folded from events
#   (WindowState.neglect_*), so presence is a pure function of the state and `now`.
# - pace: each window's speed relative to its services' live means (decayed ratio of sums, shrunk
#   toward 1 by PACE_PRIOR pseudo-visits, so a new day starts on the queue model); it splits the
#   prior model's rate among the windows, so it matters only for who is away (effective_rate).
ABSENT_AFTER_S = 120.0  # idle with people waiting this long, in one stretch: nobody is there
PACE_ALPHA = 0.03  # weight of one finish in a window's pace (~30-visit memory)
PACE_PRIOR = 10.0  # pseudo-visits at pace 1.0 (the queue model) a window's pace is shrunk toward
PACE_MIN, PACE_MAX = 0.02, 5.0  # a finish pressed by mistake; a visitor left "serving" at lunch


class WindowPace:
    """Per window, how fast it serves relative to its services' live means (1.0 = an average clerk).

    Kept as a speed (visits' worth of mean time per unit of time it took: a ratio of decayed sums,
    the rate's own estimator) and shrunk toward 1.0 in that space: the service means are completion-
    weighted, so the windows' speeds average to 1.0 when all are busy, and shrinking a speed keeps
    the hall's total rate where the prior model puts it (shrinking a service time would not)."""

    def __init__(self) -> None:
        self._visits: dict[str, float] = {}  # decayed count of finishes
        self._took: dict[str, float] = {}  # decayed sum of their durations / the service's mean
        self._n: dict[str, int] = {}

    def observe(self, window: str, ratio: float) -> None:
        r = min(max(ratio, PACE_MIN), PACE_MAX)
        keep = 1 - PACE_ALPHA
        self._visits[window] = keep * self._visits.get(window, 0.0) + 1
        self._took[window] = keep * self._took.get(window, 0.0) + r
        self._n[window] = self._n.get(window, 0) + 1

    def speed(self, window: str) -> float:
        """The window's speed, shrunk toward 1.0 by PACE_PRIOR visits at the mean."""
        return (self._visits.get(window, 0.0) + PACE_PRIOR) / (self._took.get(window, 0.0) + PACE_PRIOR)

    def factor(self, window: str) -> float:
        """Its service time as a multiple of the mean (1 / speed)."""
        return 1 / self.speed(window)

    def samples(self, window: str) -> int:
        return self._n.get(window, 0)


def neglected_s(w: WindowState, now: datetime) -> float:
    """Longest stretch since the window's own last action that it sat idle while people it could
    call were waiting (the stretch still running counts up to `now`)."""
    run = w.neglect_longest_s
    if w.neglect_since is not None:
        run = max(run, (now - w.neglect_since).total_seconds())
    return run


def absent(w: WindowState, now: datetime, after_s: float | None = None) -> bool:
    """An open window nobody is serving at (see above)."""
    return w.open and neglected_s(w, now) > (ABSENT_AFTER_S if after_s is None else after_s)


def expected_back_s(w: WindowState, now: datetime) -> float:
    """Seconds until an absent window is expected to serve again: its absences of the day that it
    came back from last `absent_s / absences` on average (a break is a break); with none yet, or
    once this one has outlasted them, as long again as it has lasted (a window that has been away
    for an hour is not expected back in a minute, and one that never came never counts)."""
    gone = (now - w.neglect_first).total_seconds() if w.neglect_first else neglected_s(w, now)
    typical = w.absent_s / w.absences if w.absences else 0.0
    return typical - gone if typical > gone else gone


def effective_rate(
    sid: str,
    windows: Iterable[WindowState],
    mean_s: Mapping[str, float],
    mix: CallMix,
    pace: WindowPace,
    now: datetime,
    after_s: float | None = None,
) -> tuple[float, int, list[tuple[float, float]]]:
    """(departures of `sid` per second from the windows really serving it; idle windows among them;
    the absent windows as (seconds until expected back, their rate)).

    The prior model's rate (every open window, the service means of recent finishes) is split
    among the windows by their pace, and only the present windows' part counts. With every window
    there this is the prior model exactly: its service means are completion-weighted, so a slow
    clerk already weighs in them as much as their finishes do (and per-window paces, a few dozen
    finishes each, would only add their noise). When a window is away, its pace decides how much
    of the hall's rate leaves with it: a slow clerk's absence costs less than a fast one's."""
    prior = paced = 0.0
    parts: list[tuple[WindowState, float]] = []
    for w in windows:
        if sid not in w.services or not w.open:
            continue
        if len(w.services) == 1:
            share, window_mean = 1.0, mean_s[sid]
        else:
            shares = mix.shares(w.id, w.services)
            share, window_mean = shares[sid], sum(p * mean_s[s] for s, p in shares.items())
        r = share / window_mean
        prior += r
        paced += r * pace.speed(w.id)
        parts.append((w, r * pace.speed(w.id)))
    scale = prior / paced if paced > 0 else 0.0
    rate, idle = 0.0, 0
    returns: list[tuple[float, float]] = []
    for w, r in parts:
        if absent(w, now, after_s):
            returns.append((expected_back_s(w, now), r * scale))
            continue
        rate += r * scale
        idle += w.status is WindowStatus.IDLE
    return rate, idle, returns


def announced_wait_s(ahead: int, rate_per_s: float, idle: int, returns: list[tuple[float, float]]) -> int | None:
    """Seconds until the visitor is called: `ahead - idle + 1` departures from the windows serving
    now at `rate_per_s`, joined by each absent window from when it is expected back. None if no
    open window serves the service at all."""
    need = max(0, ahead - idle + 1)
    if need == 0:
        return 0
    if rate_per_s <= 0 and not returns:
        return None
    t, done, r = 0.0, 0.0, rate_per_s
    for back_s, more in sorted(returns):
        if r > 0 and done + r * (back_s - t) >= need:
            break
        done += r * (back_s - t)
        t, r = back_s, r + more
    return round(t + (need - done) / r)
