"""A simulated hall day (or days) written to a real event log, for the cross-check and the bench.

The simulator drives the real Engine but keeps its events in memory; here every event the engine
emits is also written by the real EventStore, per hall day, exactly as the controller's worker
writes them (`day` = the engine's hall day). The report then reads that file like any other.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tideq.controller.engine import Engine
from tideq.controller.events import Event, Kind
from tideq.controller.store import EventStore
from tideq.sim.core import Result, Simulation
from tideq.sim.policies import make
from tideq.sim.scenarios import Scenario

RATING_MIX = {5: 0.70, 4: 0.18, 3: 0.07, 2: 0.03, 1: 0.02}  # drawn ratings (the simulator gives none)


class RecordingEngine(Engine):
    """The Engine, keeping each emitted event with the hall day it belongs to. With `rate` > 0 a
    finish without a rating gets one drawn from RATING_MIX that often, from its own generator, so
    the simulator's own random stream (and so its day) is unchanged."""

    def __init__(self, *args: Any, rate: float = 0.0, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[date, Event]] = []
        self.rate = rate
        self._rng = random.Random(seed)

    def window_action(self, wid: str, action: Any, now: datetime, **kw: Any) -> Any:
        if self.rate and action == "finish" and kw.get("rating") is None and self._rng.random() < self.rate:
            kw["rating"] = self._rng.choices(list(RATING_MIX), list(RATING_MIX.values()))[0]
        return super().window_action(wid, action, now, **kw)

    def _emit(self, events: list[Event]) -> list[Event]:
        out = super()._emit(events)
        for e in events:
            day = date.fromisoformat(e.data["day"]) if e.kind is Kind.DAY_OPENED else self.day
            assert day is not None  # the simulator rolls the day before anything else
            self.log.append((day, e))
        return out


def simulate_to_log(scenario: Scenario, policy: str, seed: int, data_dir: Path, rate: float = 0.0) -> Result:
    """Run the simulator and write its events to `data_dir`/events.sqlite3; returns its Result.
    `rate`: the share of served visitors who rate (RecordingEngine)."""
    sim = Simulation(scenario, make(policy, scenario.hall.tidal), seed)
    engine = RecordingEngine(scenario.hall, b"sim", rate=rate, seed=seed)
    sim.engine = engine
    result = sim.run()
    write_events(engine.log, data_dir)
    return result


def write_events(log: list[tuple[date, Event]], data_dir: Path) -> None:
    """Append `log` to `data_dir`/events.sqlite3 through the real EventStore, one durable batch per
    hall day (as the worker writes a burst)."""
    store = EventStore(data_dir / "events.sqlite3")
    try:
        batch: list[Event] = []
        current: date | None = None
        for day, e in log:
            if current is not None and day != current and batch:
                store.append(current, batch, {})
                batch = []
            current = day
            batch.append(e)
        if batch and current is not None:
            store.append(current, batch, {})
    finally:
        store.close()
