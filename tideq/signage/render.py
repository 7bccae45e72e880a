"""What each window's strip shows, from the contract's window state and calls. Pure, no I/O.

Rules (docs/ledstrip-protocol.md, "What the controller shows"):
- a call flashes `call` ("请A012号") for `flash_s`, then the strip falls back to the window state;
- serving shows `serving` ("A012 → 3号窗口"), idle the window name, paused `paused` ("暂停服务"),
  closed clears the strip (a dark strip over a closed tidal window is what visitors expect).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from tideq.drivers.ledstrip.driver import CLEARED, Display
from tideq.drivers.ledstrip.protocol import Mode


class WindowStatus(Enum):
    SERVING = "serving"
    IDLE = "idle"
    PAUSED = "paused"
    CLOSED = "closed"


@dataclass(frozen=True)
class LedTexts:
    """Templates; `{ticket}` and `{window}` (the window's Chinese name) are filled in."""

    call: str = "请{ticket}号"
    serving: str = "{ticket} → {window}"
    paused: str = "暂停服务"
    call_mode: Mode = Mode.FLASH


@dataclass(frozen=True)
class WindowView:
    id: str
    name_zh: str
    status: WindowStatus
    ticket: str | None = None


def parse_windows(payload: dict[str, Any]) -> list[WindowView]:
    """`state/windows` -> views; entries with an unknown status are skipped, not guessed."""
    views: list[WindowView] = []
    for w in payload.get("windows", []):
        try:
            status = WindowStatus(w.get("status"))
        except ValueError:
            continue
        name = w.get("name") or {}
        views.append(WindowView(str(w.get("id")), str(name.get("zh") or w.get("id")), status,
                                w.get("ticket") or None))
    return views


def state_display(w: WindowView, texts: LedTexts) -> Display:
    if w.status is WindowStatus.SERVING and w.ticket:
        return Display(texts.serving.format(ticket=w.ticket, window=w.name_zh))
    if w.status is WindowStatus.PAUSED:
        return Display(texts.paused)
    if w.status is WindowStatus.CLOSED:
        return CLEARED
    return Display(w.name_zh)


def call_display(ticket: str, window_name_zh: str, texts: LedTexts) -> Display:
    return Display(texts.call.format(ticket=ticket, window=window_name_zh), texts.call_mode)
