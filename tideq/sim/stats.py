"""Summary figures of a simulated day, and the ETA accuracy measures of issue 7."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .core import Result, Visit

OVER_S = 1800.0


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(r: Result) -> dict[str, Any]:
    """The `--json` figures of one policy: waits of served visitors (no-shows excluded)."""
    waits = [w for v in r.visits if (w := v.wait_s) is not None]
    if not waits:
        waits = [0.0]
    return {
        "mean_wait_s": round(sum(waits) / len(waits), 1),
        "p90_wait_s": round(percentile(waits, 90), 1),
        "max_wait_s": round(max(waits), 1),
        "share_over_30min": round(sum(w > OVER_S for w in waits) / len(waits), 4),
        "window_hours": round(r.window_hours, 2),
        "switches": r.switches,
        "moves": r.moves,
        "served": sum(1 for v in r.visits if v.wait_s is not None),
        "no_shows": sum(1 for v in r.visits if v.no_show),
        "refused": r.refused,
    }


def mean_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-key mean over seeds."""
    return {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in rows[0]}


Predictor = Callable[[Visit], float | None]
PREDICTORS: dict[str, Predictor] = {
    "tideq": lambda v: v.eta_s,  # what the ticket announced
    "prior": lambda v: v.prior_s,  # the queue model alone, every open window serving (before issue 13)
    "les": lambda v: v.les_s,  # last to enter service
    "hol": lambda v: v.hol_s,  # head of line
    "oracle": lambda v: v.ideal_s,  # the staff model's truth: what no predictor can beat on average
}


def eta_error(
    r: Result,
    predict: Predictor = PREDICTORS["tideq"],
    min_n: int = 100,
    ideal: Callable[[Visit], float | None] = lambda v: v.ideal_s,
) -> dict[str, Any]:
    """RMS relative error of a predictor of the wait, against the 1/sqrt(k+1) floor.

    For a visitor who finds every staffed window busy with k people ahead, the wait is the time to
    the (k+1)-th departure: in M/M/s, Erlang(k+1, s*mu), whose mean (k+1)/(s*mu) is the best
    possible announcement and whose relative spread is 1/sqrt(k+1). The error is (announced -
    actual) / that mean (`ideal`: the staff model's true expected wait, Visit.ideal_s; with every
    window staffed by an average clerk, exactly (k+1)/(s*mu)); visitors served at once are left out.
    `pooled_ratio` is the RMS over all of them divided by the RMS of their floors; `bias` the mean
    relative error (negative: waits announced too short).
    """
    err: dict[int, list[float]] = defaultdict(list)
    for v in r.visits:
        if v.called_s is None or v.no_show or v.idle > 0:
            continue
        p, mean = predict(v), ideal(v)
        if p is None or not mean:
            continue
        err[v.ahead].append((p - (v.called_s - v.issued_s)) / mean)
    per_k = {
        k: {"n": len(e), "rms": math.sqrt(sum(x * x for x in e) / len(e)), "floor": 1 / math.sqrt(k + 1)}
        for k, e in sorted(err.items())
        if len(e) >= min_n
    }
    for row in per_k.values():
        row["ratio"] = row["rms"] / row["floor"]
    all_e = [(x, k) for k, e in err.items() for x in e]
    if not all_e:
        return {"pooled_ratio": math.nan, "max_ratio": math.nan, "bias": math.nan, "per_k": {}, "n": 0}
    pooled = math.sqrt(sum(x * x for x, _ in all_e) / len(all_e)) / math.sqrt(
        sum(1 / (k + 1) for _, k in all_e) / len(all_e)
    )
    return {
        "pooled_ratio": pooled,
        "max_ratio": max((row["ratio"] for row in per_k.values()), default=float("nan")),
        "bias": sum(x for x, _ in all_e) / len(all_e),
        "per_k": per_k,
        "n": len(all_e),
    }


def mms_eta_error(r: Result, windows: int, mean_s: float, min_n: int = 100) -> dict[str, Any]:
    """`eta_error` of the announced wait in an M/M/s run of `windows` average clerks: the ideal is
    (k+1) * mean_s / windows (what the simulator's plain staff model records as Visit.ideal_s)."""
    return eta_error(r, min_n=min_n, ideal=lambda v: (v.ahead + 1) * mean_s / windows)


def eta_mse(r: Result, start_s: float = 0.0, end_s: float = float("inf")) -> dict[str, float]:
    """Mean squared error of the announced wait and of the rolling-average predictor (walk-ins
    issued in [start_s, end_s) who were served)."""
    pairs = [
        (v.eta_s, v.rolling_s, v.called_s - v.issued_s)
        for v in r.visits
        if v.called_s is not None
        and not v.no_show
        and not v.appointment
        and v.eta_s is not None
        and start_s <= v.issued_s < end_s
    ]
    if not pairs:
        return {"n": 0, "mse_model": float("nan"), "mse_rolling": float("nan"), "ratio": float("nan")}
    m = sum((e - a) ** 2 for e, _, a in pairs) / len(pairs)
    roll = sum((p - a) ** 2 for _, p, a in pairs) / len(pairs)
    return {"n": len(pairs), "mse_model": m, "mse_rolling": roll, "ratio": m / roll}
