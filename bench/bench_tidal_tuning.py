"""Issue 13: where tideq's `Tuning` sits on the peak-day frontier of p90 wait against window-hours.

    python bench/bench_tidal_tuning.py [--settings 60] [--seeds 8] [--rng 1] [--jobs 2] [--budget 0.05]

Plays random settings of the opening and closing knobs (8 seeds each, common draws, so two settings
meet the same visitors), then prints the Pareto frontier and the best setting within `--budget`
window-hours above static staffing. The default `Tuning()` is played first: the figure the choice
in docs/benchmarks.md ("re-tuning") was made from. About 10 s a setting on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from tideq.config import EXAMPLE_HALL, load
from tideq.controller.tidal import Tuning
from tideq.sim import policies, scenarios, stats
from tideq.sim.core import Simulation

SPACE: dict[str, list[Any]] = {
    "open_eta_factor": [0.4, 0.5, 0.6, 0.7, 0.8],
    "open_min_queue": [3, 4, 5, 6, 8],
    "horizon_s": [300.0, 600.0, 900.0],
    "trend_window_s": [900.0, 1200.0, 1800.0],
    "close_load": [0.9, 1.0, 1.1, 1.2],
    "close_queue_factor": [0.3, 0.5],
    "close_z": [-0.5, 0.0, 0.5],
}


def name(kw: dict[str, Any]) -> str:
    return json.dumps(kw) if kw else "Tuning()"


def day(args: tuple[int, dict[str, Any] | None]) -> dict[str, float]:
    """One peak-day: static staffing (`None`) or tideq with these Tuning fields."""
    seed, kw = args
    cfg = load(str(EXAMPLE_HALL)).hall
    sc = scenarios.build("peak-day", cfg)
    policy = policies.StaticPolicy() if kw is None else policies.TideqPolicy(cfg.tidal, replace(Tuning(), **kw))
    return stats.summary(Simulation(sc, policy, seed).run())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--settings", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--rng", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--budget", type=float, default=0.05, help="window-hours above static")
    a = ap.parse_args()
    rng = random.Random(a.rng)
    seeds = range(a.seeds)
    settings: list[dict[str, Any]] = [{}] + [{k: rng.choice(v) for k, v in SPACE.items()} for _ in range(a.settings)]
    points: list[tuple[float, float, dict[str, Any]]] = []
    with ProcessPoolExecutor(a.jobs) as pool:
        static = stats.mean_summary(list(pool.map(day, [(s, None) for s in seeds])))
        print(f"static: p90 {static['p90_wait_s'] / 60:.2f} min at {static['window_hours']:.1f} h", flush=True)
        for kw in settings:
            m = stats.mean_summary(list(pool.map(day, [(s, kw) for s in seeds])))
            points.append((m["window_hours"], m["p90_wait_s"] / 60, kw))
            print(
                f"p90 {points[-1][1]:5.2f} min at {points[-1][0]:6.1f} h  {name(kw)}",
                flush=True,
            )
    frontier = [p for p in points if not any(q[0] <= p[0] and q[1] < p[1] for q in points if q is not p)]
    print("## frontier (no setting has both fewer window-hours and a lower p90)")
    for wh, p90, kw in sorted(frontier, key=lambda p: p[0]):
        print(f"  {wh:6.1f} h ({wh / static['window_hours'] - 1:+.1%})  p90 {p90:5.2f} min  {name(kw)}")
    limit = static["window_hours"] * (1 + a.budget)
    within = [p for p in points if p[0] <= limit]
    if within:
        wh, p90, kw = min(within, key=lambda p: p[1])
        print(f"best within +{a.budget:.0%} ({limit:.1f} h): p90 {p90:.2f} min at {wh:.1f} h  {name(kw)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
