"""Retained state and event payloads built from the engine (contract v1)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from tideq.contract.topics import now_iso

from .engine import Engine
from .hours import is_open, next_opening
from .model import Call


def services_payload(engine: Engine, now: datetime) -> dict[str, Any]:
    out = []
    for svc in engine.cfg.services:
        waiting = len(engine.waiting[svc.id])
        cap, _ = engine.capacity(svc.id)
        open_now = is_open(engine.cfg, svc, now)
        item: dict[str, Any] = {
            "id": svc.id, "name": svc.name.model_dump(), "prefix": svc.prefix, "open": open_now,
            "waiting": waiting, "eta_s": engine.eta_s(svc.id, waiting),
            "windows_open": sum(1 for w in engine.windows.values() if svc.id in w.services and w.open),
            "quota_left": (svc.daily_quota - engine.walkins[svc.id]) if svc.daily_quota else None,
            "capacity": round(cap, 2),
        }
        if not open_now:
            nxt = next_opening(engine.cfg, svc, now)
            item["next_open"] = nxt.isoformat() if nxt else None
        out.append(item)
    return {"v": 1, "ts": now_iso(now), "services": out}


def windows_payload(engine: Engine, now: datetime) -> dict[str, Any]:
    out = []
    for w in engine.cfg.windows:
        s = engine.windows[w.id]
        out.append({"id": w.id, "name": w.name.model_dump(), "status": s.status.value, "ticket": s.ticket,
                    "services": list(s.services), "tidal": s.tidal, "pause_reason": s.pause_reason,
                    "served": s.served, "skipped": s.skipped, "transferred": s.transferred,
                    "ratings": {str(r): s.ratings.count(r) for r in range(1, 6) if r in s.ratings}})
    return {"v": 1, "ts": now_iso(now), "windows": out}


def calls_payload(engine: Engine, now: datetime) -> dict[str, Any]:
    return {"v": 1, "ts": now_iso(now), "calls": [_call(c) for c in engine.calls]}


def tidal_payload(engine: Engine, now: datetime, alerts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    opened = [{"window": w.id, "service": w.tidal_service, "since": w.tidal_since.isoformat() if w.tidal_since else None,
               "reason": w.tidal_reason} for w in engine.windows.values() if w.tidal]
    return {"v": 1, "ts": now_iso(now), "alerts": alerts or [], "open": opened}


def _call(c: Call) -> dict[str, Any]:
    return {"ticket": c.ticket, "window": c.window, "service": c.service, "at": c.at.isoformat(timespec="seconds"),
            "recall": c.recall}


def call_event(engine: Engine, ticket: str, window: str, service: str, recall: bool, now: datetime) -> dict[str, Any]:
    wname = engine.cfg.window(window)
    zh_w = wname.name.zh if wname else f"{window}号窗口"
    en_w = wname.name.en if wname else f"window {window}"
    return {"v": 1, "ts": now_iso(now), "ticket": ticket, "window": window, "service": service, "recall": recall,
            "announce": {"zh": f"请{ticket}号到{zh_w}办理", "en": f"Number {ticket}, please go to {en_w}"}}
