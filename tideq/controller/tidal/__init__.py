"""Tidal window (潮汐窗口) policy: when to warn, open a pool window for a service, move it, and close it.

Pure like the engine: it reads the engine and returns decisions; the controller's worker applies
them (tideq/controller/tidal_runner.py). One module a job:

- types.py       the vocabulary: Mode, Action, AlertLevel, Camera, Tuning, Decision
- signals.py     what the policy reads from the hall: waits, arrivals, ETA projections, crowd
- thresholds.py  which thresholds those signals cross (warn, open, close: the hysteresis)
- policy.py      the debounce / hysteresis / switch-budget state machine (TidalPolicy)
- reasons.py     the bilingual reason texts of its decisions
"""

from .policy import TidalPolicy
from .signals import CROWD_RANK, Signals
from .types import (
    ENGINE_ACTIONS,
    Action,
    AlertLevel,
    Camera,
    CrowdReading,
    Decision,
    Mode,
    MoveCandidate,
    PoolCandidate,
    Text,
    Thresholds,
    Tuning,
)

__all__ = [
    "CROWD_RANK",
    "ENGINE_ACTIONS",
    "Action",
    "AlertLevel",
    "Camera",
    "CrowdReading",
    "Decision",
    "Mode",
    "MoveCandidate",
    "PoolCandidate",
    "Signals",
    "Text",
    "Thresholds",
    "TidalPolicy",
    "Tuning",
]
