"""Summary figures of a simulated day, and the ETA accuracy measures of issue 7."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from .core import Result

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


def mms_eta_error(r: Result, windows: int, mean_s: float, min_n: int = 100) -> dict[str, Any]:
    """RMS relative error of the announced wait in an M/M/s run, against the 1/sqrt(k+1) floor.

    For a visitor who finds every window busy with k people ahead, the wait is Erlang(k+1, s*mu):
    its mean (k+1)/(s*mu) is the best possible announcement and its relative spread is
    1/sqrt(k+1). The error is (announced - actual) / that mean; visitors served at once are left out.
    """
    err: dict[int, list[float]] = defaultdict(list)
    for v in r.visits:
        if v.called_s is None or v.no_show or v.eta_s is None or v.idle > 0:
            continue
        k = v.ahead
        ideal = (k + 1) * mean_s / windows
        err[k].append((v.eta_s - (v.called_s - v.issued_s)) / ideal)
    per_k = {
        k: {"n": len(e), "rms": math.sqrt(sum(x * x for x in e) / len(e)), "floor": 1 / math.sqrt(k + 1)}
        for k, e in sorted(err.items())
        if len(e) >= min_n
    }
    for row in per_k.values():
        row["ratio"] = row["rms"] / row["floor"]
    all_e = [(x, k) for k, e in err.items() for x in e]
    pooled = math.sqrt(sum(x * x for x, _ in all_e) / len(all_e)) / math.sqrt(
        sum(1 / (k + 1) for _, k in all_e) / len(all_e)
    )
    return {
        "pooled_ratio": pooled,
        "max_ratio": max((row["ratio"] for row in per_k.values()), default=float("nan")),
        "per_k": per_k,
        "n": len(all_e),
    }


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
