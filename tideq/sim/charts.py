"""PNG charts of a simulated day: queue length, waits and open tidal windows per policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from .core import Result


def write(results: dict[str, Result], out: Path, day_start: datetime) -> list[Path]:
    """Three PNGs in `out`; matplotlib is imported here so the simulator runs without it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)

    def at(s: float) -> datetime:
        return (day_start + timedelta(seconds=s)).replace(tzinfo=None)

    paths = []
    charts = [
        (
            "queue.png",
            "People waiting (all services)",
            "waiting",
            lambda r: ([at(s.t_s) for s in r.samples], [sum(s.waiting.values()) for s in r.samples]),
        ),
        (
            "tidal.png",
            "Open tidal windows",
            "windows",
            lambda r: ([at(s.t_s) for s in r.samples], [s.tidal_open for s in r.samples]),
        ),
        (
            "waits.png",
            "Wait of each visitor by arrival time",
            "wait (min)",
            lambda r: (
                [at(v.issued_s) for v in r.visits if v.wait_s is not None],
                [v.wait_s / 60 for v in r.visits if v.wait_s is not None],
            ),
        ),
    ]
    for name, title, ylabel, series in charts:
        fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
        for policy, r in results.items():
            x, y = series(r)
            if name == "waits.png":
                ax.scatter(x, y, s=4, alpha=0.5, label=policy)  # type: ignore[arg-type]  # stub omits datetime (units), mpl#25676
            else:
                ax.step(x, y, where="post", label=policy)  # type: ignore[arg-type]  # stub omits datetime (units), mpl#25676
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out / name
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
