"""Validation of the simulator on M/M/c: against Erlang C and against ciw (an independent simulator)."""

from __future__ import annotations

from dataclasses import dataclass

from . import erlang, policies, scenarios
from .core import Simulation


@dataclass(frozen=True)
class MMC:
    c: int = 2
    rho: float = 0.5
    mean_s: float = 20.0

    @property
    def arrival_per_s(self) -> float:
        return self.rho * self.c / self.mean_s

    def erlang_wait_s(self) -> float:
        return erlang.mean_wait_s(self.c, self.arrival_per_s, self.mean_s)


def tideq_wait_s(q: MMC, days: int, seed: int) -> tuple[float, int]:
    """Mean wait and visitors of the real engine driven through `days` round-the-clock M/M/c days."""
    r = Simulation(scenarios.mmc(q.c, q.rho, q.mean_s, days), policies.StaticPolicy(), seed, tick_s=600).run()
    waits = [w for v in r.visits if (w := v.wait_s) is not None]
    return sum(waits) / len(waits), len(waits)


def ciw_wait_s(q: MMC, customers: int, seed: int) -> float:
    """Mean wait of the same queue in ciw (needs `pip install ciw`)."""
    import ciw

    horizon = customers / q.arrival_per_s
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=q.arrival_per_s)],
        service_distributions=[ciw.dists.Exponential(rate=1 / q.mean_s)],
        number_of_servers=[q.c],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(net)
    sim.simulate_until_max_time(horizon)
    waits = [r.waiting_time for r in sim.get_all_records()]
    return sum(waits) / len(waits)
