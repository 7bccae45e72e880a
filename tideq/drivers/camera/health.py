"""Camera health and crowd payloads (pure: no I/O, so tests can check what leaves the process).

States: `ok` frames arrive; `stale` the camera is lost and the counter is reconnecting (the
zone counts keep their last `ts`, so readers see them age); `offline` the counter process is
not running (clean stop, or the broker's last will after a crash).
"""
from __future__ import annotations

from enum import Enum
from typing import Any

from tideq.contract.topics import CONTRACT_VERSION
from tideq.config.schema import Level


class CameraState(str, Enum):
    OK = "ok"
    STALE = "stale"
    OFFLINE = "offline"


def health_payload(camera_id: str, state: CameraState, ts: str, fps: float, *,
                   reason: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"v": CONTRACT_VERSION, "ts": ts, "device": camera_id, "kind": "camera",
                            "state": state.value, "fps": round(fps, 2)}
    if reason:
        body["reason"] = reason[:200]
    return body


def crowd_payload(camera_id: str, count: int, level: Level, ts: str) -> dict[str, Any]:
    """`sensor/crowd/{zone}`: the contract's keys plus `camera` (readers ignore unknown keys)."""
    return {"v": CONTRACT_VERSION, "ts": ts, "count": int(count), "level": level.value, "camera": camera_id}
