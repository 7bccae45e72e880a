"""The clairvoyant reference (tideq/sim/reference.py): the search really plays schedules in the
simulator, keeps the hall's limits, and within each policy's window-hours is no worse than the
policy; and the tuned tideq policy really gains on a small hall (static would fail this)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tideq.sim import policies, reference, scenarios, stats
from tideq.sim.core import Simulation

from .test_bound import small_hall

SEED = 2


@pytest.fixture(scope="module")
def scenario() -> scenarios.Scenario:
    return scenarios.peak_day(small_hall())


@pytest.fixture(scope="module")
def runs(scenario):
    t = scenario.hall.tidal
    makers = {
        "static": policies.StaticPolicy,
        "tideq": lambda: policies.TideqPolicy(t),
        "threshold": lambda: policies.make("threshold", t),
        "threshold >3": lambda: policies.ThresholdPolicy(3, 1, float(t.sustain_s), limits=t),
    }
    return {name: Simulation(scenario, make(), SEED).run() for name, make in makers.items()}


@pytest.fixture(scope="module")
def ref(scenario, runs):
    starts = {name: (reference.stints_of(scenario, r), r) for name, r in runs.items()}
    budget = stats.summary(runs["tideq"])["window_hours"]
    return reference.search(scenario, SEED, starts, budget, evals=25)


def test_a_schedule_read_from_a_run_plays_the_same_day(scenario, runs):
    r = runs["threshold >3"]
    again = reference.play(scenario, SEED, reference.stints_of(scenario, r))
    assert stats.summary(again) == stats.summary(r)


def test_the_search_really_plays_schedules(ref, runs):
    assert ref.evals >= 20 and ref.search_s > 0
    searched = [p for p in ref.points if p.origin == "search"]
    assert len(searched) >= 20
    assert len({p.summary["p90_wait_s"] for p in searched}) > 1, "different schedules, different days"


def test_reference_is_no_worse_than_any_policy_within_its_window_hours(ref, runs):
    for name, r in runs.items():
        s = stats.summary(r)
        best = ref.best(s["window_hours"])
        assert best is not None, name
        assert best.summary["window_hours"] <= s["window_hours"] + 1e-9
        assert best.summary["p90_wait_s"] <= s["p90_wait_s"], name


def test_reference_schedule_keeps_the_halls_limits_when_played(scenario, ref, runs):
    t = scenario.hall.tidal
    best = ref.best(stats.summary(runs["tideq"])["window_hours"])
    assert best is not None
    sim = Simulation(scenario, reference.StintPlayer(scenario, best.schedule), SEED)
    result = sim.run()
    assert stats.summary(result) == best.summary, "the reference's figures are those of its schedule played"
    log = sim.engine.tidal_log
    assert log
    player = reference.StintPlayer(scenario, ())
    counted = [s for s in log if not (s.move and not s.opened)]
    opened = {}
    for s in log:
        t_s = (s.at - sim.midnight).total_seconds()
        exempt = not s.opened and not s.move and not player._in_hours(t_s)  # closing while the hall is closed
        if s.opened:
            opened[s.window] = s.at
        elif not exempt:
            assert (s.at - opened[s.window]).total_seconds() >= t.min_open_s
        if not exempt and not (s.move and not s.opened):
            assert sum(1 for x in counted if s.at - timedelta(hours=1) < x.at <= s.at) <= t.max_switches_per_hour
    for d in result.decisions:
        if d.services:
            assert set(d.services) <= set(scenario.hall.pool_services(d.window or ""))


def test_a_blind_reference_chooses_on_other_draws_and_is_judged_on_the_day(scenario, runs):
    """Knowing the arrivals only: each schedule is judged by its mean over other draws of the
    visitors' demands, the choice is made on that, and the figures reported are the real day's."""
    blind = (0, 1)
    budget = stats.summary(runs["tideq"])["window_hours"] + 1.0
    starts = {name: (reference.stints_of(scenario, r), None) for name, r in runs.items()}
    ref = reference.search(scenario, SEED, starts, budget, evals=4, blind=blind)
    best = ref.best(budget)
    assert best is not None
    planned = [stats.summary(reference.play(scenario, SEED, best.schedule, k)) for k in blind]
    assert best.objective == stats.mean_summary(planned)
    assert best.summary == stats.summary(reference.play(scenario, SEED, best.schedule))
    assert best.objective != best.summary, "other demands, another day"
    within = [p for p in ref.points if p.objective["window_hours"] <= budget]
    assert best.objective["p90_wait_s"] == min(p.objective["p90_wait_s"] for p in within)


def test_infeasible_schedules_are_refused(scenario):
    space = reference._Space(scenario)
    short = (reference.Stint(10 * 3600, "5", 10 * 3600 + 600, ("a", "b")),)
    assert not space.feasible(short), "shorter than min_open_s"
    assert not space.feasible((reference.Stint(10 * 3600, "6", 11 * 3600, ("b",)),)), "window 6 serves only a"
    many = tuple(reference.Stint(9 * 3600 + i * 60, w, 11 * 3600 + i * 60, ("a",)) for i, w in enumerate("56"))
    assert space.feasible(many)
    flapping = (
        reference.Stint(9.5 * 3600, "5", 9.5 * 3600 + 1200, ("a",)),
        reference.Stint(9.5 * 3600 + 1260, "5", 9.5 * 3600 + 2460, ("b",)),
        reference.Stint(9.5 * 3600 + 60, "6", 9.5 * 3600 + 1500, ("a",)),
    )
    assert not space.feasible(flapping), "six switches within an hour, the hall allows three"


def test_tuned_tideq_gains_on_a_small_hall(scenario):
    """Loose: static staffing (or a policy that never opens) fails both bounds."""
    t = scenario.hall.tidal
    seeds = range(3)
    static = stats.mean_summary([stats.summary(Simulation(scenario, policies.StaticPolicy(), s).run()) for s in seeds])
    tideq = stats.mean_summary([stats.summary(Simulation(scenario, policies.TideqPolicy(t), s).run()) for s in seeds])
    assert tideq["p90_wait_s"] <= 0.6 * static["p90_wait_s"]
    assert tideq["window_hours"] <= 1.25 * static["window_hours"]  # one pool window is 1/4 of this hall
    assert tideq["switches"] > 0
