"""What each window's strip shows, from the contract's window state and calls. Pure, no I/O.

Rules (docs/ledstrip-protocol.md, "What the controller shows"):
- a call flashes `call` ("请A012号") for `flash_s`, then the strip falls back to the window state;
- serving shows `serving` ("A012 → 3号窗口"), idle the window name, paused `paused` ("暂停服务"),
  closed clears the strip (a dark strip over a closed tidal window is what visitors expect).
"""

from __future__ import annotations

from dataclasses import dataclass

from tideq.contract import WindowsState, WindowStatus
from tideq.drivers.ledstrip.driver import CLEARED, Display
from tideq.drivers.ledstrip.protocol import Mode


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


def window_views(state: WindowsState) -> list[WindowView]:
    """`state/windows` -> what each strip needs of it."""
    return [WindowView(w.id, w.name.zh or w.id, w.status, w.ticket or None) for w in state.windows]


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
