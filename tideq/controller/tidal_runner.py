"""The tidal policy inside the controller: the worker runs it at most once a second (and on every
state refresh). In auto mode its openings, closings and moves become events of the current burst,
stored and published like any other; warnings, proposals and drains go out as notices."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .burst import Burst
from .engine import Engine
from .errors import Refusal
from .tidal import ENGINE_ACTIONS, CrowdReading, TidalPolicy

log = logging.getLogger(__name__)

POLICY_EVERY_S = 1.0  # the policy looks at the hall at most this often (and on every refresh)
BUSY_GRACE_S = 3.0  # on bursts with commands it waits this much longer (a quiet burst runs it first)


class TidalRunner:
    """Runs the policy on the worker thread; `due` keeps it to once every `every_s`."""

    def __init__(
        self, policy: TidalPolicy, every_s: float = POLICY_EVERY_S, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy
        self.every_s = every_s
        self._monotonic = monotonic
        self._last = -math.inf

    def due(self, refresh: bool, busy: bool = False) -> bool:
        """Time to look: on a refresh, or every `every_s`; a burst carrying commands leaves it to
        the next quiet burst unless it is BUSY_GRACE_S late (replies first, the policy after)."""
        late = self._monotonic() - self._last
        return refresh or late >= self.every_s + (BUSY_GRACE_S if busy else 0.0)

    def run(self, engine: Engine, now: datetime, crowd: Mapping[str, CrowdReading], burst: Burst) -> None:
        """Let the policy look at the hall; its engine actions join the burst's events."""
        self._last = self._monotonic()
        before = self._standing()
        try:
            decisions = self.policy.evaluate(engine, now, crowd)
        except Exception:  # the policy must never take the controller down
            log.exception("tidal policy failed; queue continues without it")
            return
        for d in decisions:
            if d.action in ENGINE_ACTIONS:
                try:
                    burst.events += d.apply(engine, now)
                except Refusal as refusal:
                    log.info("tidal %s of window %s not carried out: %s", d.action.value, d.window, refusal)
            else:
                burst.notices.append(d)
        burst.tidal_dirty = burst.tidal_dirty or before != self._standing()

    def _standing(self) -> tuple[list[dict[str, Any]], list[str | None], set[str]]:
        """What state/tidal shows beyond the engine: alerts, proposed windows, draining windows."""
        return self.policy.alerts(), [p.window for p in self.policy.proposals()], self.policy.draining()
