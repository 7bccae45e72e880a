"""Closed forms for the M/M/c queue, the yardstick of the simulator."""

from __future__ import annotations


def erlang_c(c: int, offered: float) -> float:
    """Probability that an arrival waits (Erlang C), for c servers and offered load a = lambda/mu < c."""
    if c < 1 or offered < 0:
        raise ValueError("need c >= 1 and a non-negative load")
    if offered >= c:
        return 1.0
    term, total = 1.0, 1.0  # a^k/k!, summed for k < c (iteratively: no factorial overflow)
    for k in range(1, c):
        term *= offered / k
        total += term
    top = term * offered / c / (1 - offered / c)  # a^c/c! * c/(c-a)
    return top / (total + top)


def mean_wait_s(c: int, arrival_per_s: float, service_mean_s: float) -> float:
    """Mean time in queue Wq = C(c, a) / (c*mu - lambda) of an M/M/c queue."""
    mu = 1 / service_mean_s
    if arrival_per_s >= c * mu:
        raise ValueError("unstable: lambda >= c*mu")
    return erlang_c(c, arrival_per_s / mu) / (c * mu - arrival_per_s)
