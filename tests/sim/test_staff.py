"""Issue 13 in the simulator: staff models act as people do (the engine never hears of it), the
reference they give is the true mean, and the announced wait holds where the old one did not."""

from __future__ import annotations

import math

import pytest

from tideq.controller.model import WindowStatus
from tideq.sim import policies, scenarios, stats
from tideq.sim.core import Simulation
from tideq.sim.staff import Breaks, models

IDS = ["1", "2", "3", "4"]
MODELS = models(IDS)
MEAN = 300.0


def run(name: str, seed: int = 0, days: int = 1) -> Simulation:
    st = MODELS[name]
    sc = scenarios.mmc(4, 0.8 * st.staffed_windows(IDS) / 4, MEAN, days=days)
    sim = Simulation(sc, policies.StaticPolicy(), seed, tick_s=600, staff=st)
    sim.run()
    return sim


def test_an_unstaffed_window_stays_open_and_never_calls():
    sim = run("unstaffed")
    w = sim.engine.windows["4"]
    assert w.open and w.status is WindowStatus.IDLE and w.served == 0
    assert all(sim.engine.windows[i].served > 100 for i in ("1", "2", "3"))


def test_a_slow_clerk_serves_fewer():
    sim = run("slow")
    served = {i: sim.engine.windows[i].served for i in IDS}
    assert served["4"] < 0.75 * min(served[i] for i in ("1", "2", "3"))


def test_the_engine_learns_a_slow_clerk_from_the_finishes_alone():
    # the pace is a ~30-visit memory shrunk toward 1: one day's end value is noisy, so over 8 days
    # the slow window must be the slowest every day and clearly slow on average
    paces = [run("slow", seed).engine.pace for seed in range(8)]
    assert all(p.factor("4") > max(p.factor(i) for i in ("1", "2", "3")) for p in paces)
    assert sum(p.factor("4") for p in paces) / len(paces) > 1.2


def test_breaks_are_taken_without_pausing():
    b = Breaks(2400.0, 720.0)
    assert b.back_s(100.0) is None and b.back_s(1700.0) == 2400.0 and b.back_s(2500.0) is None
    sim = run("breaks")
    calls = sorted(
        (t.called_at - sim.midnight).total_seconds() % 2400
        for t in sim.engine.tickets.values()
        if t.window == "4" and t.called_at is not None
    )
    assert calls and all(c < 1680 for c in calls)  # nobody is called at 4 during 28-40 min of a cycle
    assert not any(e.status is WindowStatus.PAUSED for e in sim.engine.windows.values())


def test_the_reference_is_the_departures_true_mean():
    st = MODELS["slow"]
    assert st.ideal_wait_s(5, 0.0, IDS, MEAN) == pytest.approx(6 / (3 / MEAN + 1 / (1.7 * MEAN)))
    assert MODELS["unstaffed"].ideal_wait_s(2, 0.0, IDS, MEAN) == pytest.approx(3 * MEAN / 3)
    br = MODELS["breaks"]
    # issued just as the clerk leaves, with k = 0: the first of 3 windows' departures, mean MEAN / 3
    assert br.ideal_wait_s(0, 1680.0, IDS, MEAN) == pytest.approx(MEAN / 3, rel=0.02)
    # a long wait spans breaks: between all 4 and 3 windows' pace
    long = br.ideal_wait_s(40, 0.0, IDS, MEAN)
    assert long is not None and 41 * MEAN / 4 < long < 41 * MEAN / 3


@pytest.mark.parametrize("name", ["unstaffed", "slow", "breaks"])
def test_announced_waits_hold_with_staff_like_people(name):
    r = run(name, seed=1, days=2).result
    tideq = stats.eta_error(r, stats.PREDICTORS["tideq"], min_n=20)
    les = stats.eta_error(r, stats.PREDICTORS["les"], min_n=20)
    hol = stats.eta_error(r, stats.PREDICTORS["hol"], min_n=20)
    assert tideq["n"] > 500
    assert tideq["pooled_ratio"] < 1.25 and abs(tideq["bias"]) < 0.15
    assert tideq["pooled_ratio"] < les["pooled_ratio"] and tideq["pooled_ratio"] < hol["pooled_ratio"]


def test_the_old_model_fails_on_the_unstaffed_window_and_the_new_one_does_not():
    r = run("unstaffed", seed=2, days=2).result
    old = stats.eta_error(r, stats.PREDICTORS["prior"], min_n=20)
    new = stats.eta_error(r, stats.PREDICTORS["tideq"], min_n=20)
    assert old["bias"] < -0.3  # "7 ahead, about 3 min", called after far longer
    assert abs(new["bias"]) < 0.1 and new["pooled_ratio"] < old["pooled_ratio"] - 0.2
    assert not math.isnan(new["max_ratio"])
