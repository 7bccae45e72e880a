"""The retained `state/tidal`: the engine's open tidal windows plus what only the policy knows
(alerts, proposals, draining windows, mode) and today's decisions from the event log."""

from __future__ import annotations

from datetime import datetime

from tideq.contract import AlertItem, DecisionItem, ProposalAction, ProposalItem, TidalKind, TidalState

from .engine import Engine
from .state import open_tidal
from .tidal import TidalPolicy

DECISIONS_SHOWN = 50


def tidal_state(engine: Engine, policy: TidalPolicy, now: datetime) -> TidalState:
    return TidalState(
        ts=now,
        mode=policy.mode,
        open=open_tidal(engine),
        alerts=[AlertItem.model_validate(a) for a in policy.alerts()],
        proposals=[
            ProposalItem.model_validate(
                {
                    "window": p.window,
                    "service": p.service,
                    "action": ProposalAction(p.action.value),
                    "at": p.at,
                    "reason": p.reason,
                    "inputs": p.inputs,
                }
            )
            for p in policy.proposals()
        ],
        draining=sorted(policy.draining()),
        # today's openings and closings, newest first, in event/tidal's shape: a console started
        # mid-day still shows the day's decisions
        decisions=[
            DecisionItem(
                ts=sw.at,
                kind=TidalKind.OPENED if sw.opened else TidalKind.CLOSED,
                window=sw.window,
                service=sw.service,
                reason=sw.reason,
                inputs={"by": "policy"} if sw.by_policy else {},
            )
            for sw in reversed(engine.tidal_log[-DECISIONS_SHOWN:])
        ],
    )
