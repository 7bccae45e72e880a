"""Common random numbers: every policy, and every schedule the reference plays, meets the same
visitors with the same service demands and the same no-shows, so a comparison measures the
staffing, not which visitor happened to draw the long case."""

from __future__ import annotations

import math
from statistics import fmean

from tideq.sim import policies, scenarios
from tideq.sim.core import Simulation, service_time
from tideq.sim.scenarios import Dist, ServiceLoad

from .test_bound import small_hall

SEED = 5


def visitors(result) -> list[tuple[float, str, float, bool]]:
    return sorted((v.issued_s, v.service, v.demand_u, v.no_show) for v in result.visits)


def test_two_policies_meet_the_same_visitors_with_different_service_orders():
    scenario = scenarios.peak_day(small_hall())
    static = Simulation(scenario, policies.StaticPolicy(), SEED).run()
    tidal = Simulation(scenario, policies.TideqPolicy(scenario.hall.tidal), SEED).run()
    # the staffing differs, so calls come in another order ...
    assert [v.called_s for v in static.visits] != [v.called_s for v in tidal.visits]
    # ... but each visitor brings the same case and the same patience
    assert visitors(static) == visitors(tidal)
    assert len({v.demand_u for v in static.visits}) == len(static.visits)


def test_the_inverse_transform_keeps_each_distribution_mean():
    grid = [(i + 0.5) / 20000 for i in range(20000)]  # quantiles spread evenly over (0, 1)
    exp = ServiceLoad("tax", (), Dist.EXPONENTIAL, 300.0)
    logn = ServiceLoad("tax", (), Dist.LOGNORMAL, 300.0, cv=0.8)
    assert math.isclose(fmean(service_time(exp, u) for u in grid), 300.0, rel_tol=0.01)
    assert math.isclose(fmean(service_time(logn, u) for u in grid), 300.0, rel_tol=0.01)
    assert service_time(exp, 0.9) > service_time(exp, 0.1)


def test_other_draws_keep_the_arrivals_and_change_the_demands():
    """What a reference that knows only the arrivals plans on (reference.py, `blind`)."""
    scenario = scenarios.peak_day(small_hall())
    day = Simulation(scenario, policies.StaticPolicy(), SEED).run()
    other = Simulation(scenario, policies.StaticPolicy(), SEED, draws=0).run()
    assert [v[:2] for v in visitors(day)] == [v[:2] for v in visitors(other)]
    assert [v[2] for v in visitors(day)] != [v[2] for v in visitors(other)]
