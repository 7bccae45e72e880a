"""The MILP start of the reference (tideq/sim/bound.py): HiGHS really solves it, it sees the
simulator's arrivals, and its schedule honours the hall's limits. That the reference is no
worse than each policy is tests/sim/test_reference.py's (the MILP's fluid queues alone are not:
docs/tidal.md)."""

from __future__ import annotations

from collections import Counter

import pytest

from tideq.config.schema import HallConfig, HallInfo, Hours, Service, Text, TidalConfig, Window
from tideq.sim import bound, policies, scenarios
from tideq.sim.core import Simulation

SPAN = ["09:00-12:00", "13:00-17:30"]


def small_hall() -> HallConfig:
    """Two services with two windows each and two pool windows (one may serve only service a)."""
    hours = Hours(mon=SPAN, tue=SPAN, wed=SPAN, thu=SPAN, fri=SPAN, sat=[], sun=[])
    services = [
        Service(id=sid, name=Text(zh=sid, en=sid), prefix=sid.upper(), mean_service_s=300) for sid in ("a", "b")
    ]
    windows = [
        Window(id=str(i), name=Text(zh=f"{i}号", en=f"W{i}"), services=[sid])
        for i, sid in enumerate(["a", "a", "b", "b"], start=1)
    ]
    windows += [
        Window(id="5", name=Text(zh="5号", en="W5"), tidal_pool=True),
        Window(id="6", name=Text(zh="6号", en="W6"), tidal_pool=True, pool_services=["a"]),
    ]
    tidal = TidalConfig(mode="auto", warn_queue=8, min_open_s=1200, max_switches_per_hour=3, sustain_s=120)
    return HallConfig(
        hall=HallInfo(id="small", name=Text(zh="小厅", en="Small hall"), hours=hours),
        tidal=tidal,
        services=services,
        windows=windows,
    )


@pytest.fixture(scope="module")
def scenario() -> scenarios.Scenario:
    return scenarios.peak_day(small_hall())


def test_the_bound_sees_the_simulators_arrivals(scenario):
    seen = Counter(sid for _, sid in bound.day_arrivals(scenario, 3))
    r = Simulation(scenario, policies.StaticPolicy(), 3).run()
    assert seen == Counter(v.service for v in r.visits)


def test_milp_schedule_honours_the_limits(scenario):
    t = scenario.hall.tidal
    b = bound.solve(scenario, 1, pool_hours=3.0, time_limit_s=10)
    # HiGHS ran: optimal, or stopped by the time limit with an incumbent whose gap it proved
    assert b.status in ("Optimal", "Time limit reached") and b.solve_s > 0 and 0 <= b.gap < 0.5
    assert b.openings, "the peaks are worth a pool window"
    assert 0 < b.pool_hours <= 3.0 + 1e-6
    k = int(t.min_open_s // b.slot_s)
    per_hour = int(3600 // b.slot_s)
    for counts in b.open_count:
        ups = [max(0, counts[i] - (counts[i - 1] if i else 0)) for i in range(len(counts))]
        for i, u in enumerate(ups):
            if u:
                assert min(counts[i : i + k]) >= u, "a window opened stays open min_open_s"
    moments = sorted([o.open_s for o in b.openings] + [c.close_s for c in b.closings])
    for m in moments:
        assert sum(1 for x in moments if m <= x < m + per_hour * b.slot_s) <= t.max_switches_per_hour
    for o in b.openings:  # window 6 may serve only "a"
        assert set(o.services) <= set(scenario.hall.pool_services(b.groups[o.group][0]))
