"""BoardModel: the hall picture for boards and window screens, as a Qt object that emits changes.

Views only render what this model says. It folds messages (HallState), and a 1 Hz tick re-judges
what depends on time: which calls are still "now calling", whether state is stale, the minute
on the clock and the alternating language. `changed` fires only when something visible changed,
so the 10 s state refresh of the controller costs no repaint (idle CPU).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from tideq.config.schema import Board, HallConfig
from tideq.contract import BiText, ControllerStatus, Lang
from tideq.contract.clock import ControllerClock

from .hallstate import (
    HALL_MESSAGES,
    STATE_MESSAGES,
    CallView,
    HallState,
    Liveness,
    ServiceView,
    TidalView,
    WindowView,
    alternatives,
    call_key,
    current_calls,
    liveness,
    recent_calls,
)
from .texts import Languages, bi, shown

log = logging.getLogger(__name__)


class HallClock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Picture:
    """Everything time-dependent a view draws, judged at one tick; compared to skip repaints."""

    liveness: Liveness
    current: tuple[CallView, ...]
    langs: tuple[Lang, ...]
    minute: datetime


class BoardModel(QObject):
    changed = Signal()
    liveness_changed = Signal(object)  # Liveness

    def __init__(
        self,
        hall: HallConfig,
        board: Board,
        clock: HallClock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.hall = hall
        self.board = board
        self.clock = clock or ControllerClock(hall.hall.timezone, monotonic)
        self.monotonic = monotonic
        self.languages = Languages(board.languages)
        self.state = HallState()
        self.link_up = False
        self._last_rx: float | None = None
        self._born: dict[tuple[str, str, bool, datetime], float] = {}  # call -> monotonic time it was made
        self._picture = self._judge()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)

    # inputs ---------------------------------------------------------------------------------
    def start(self, interval_ms: int = 1000) -> None:
        self._timer.start(interval_ms)

    @Slot(bool)
    def on_connection(self, up: bool) -> None:
        """On every (re)connect the picture is rebuilt from retained state alone."""
        self.link_up = up
        if up:
            self.state = HallState()
            self._last_rx = None
        self._refresh(force=True)

    @Slot(str, object)
    def on_message(self, topic: str, message: object) -> None:
        """A typed message from QtBus; `status/controller` arrives as plain text (online / offline)."""
        if isinstance(message, str):
            try:
                message = ControllerStatus(message)
            except ValueError:
                log.warning("ignored %s: %r is neither online nor offline", topic, message[:40])
                return
        if not isinstance(message, HALL_MESSAGES):
            log.warning("ignored %s: a %s is nothing a board shows", topic, type(message).__name__)
            return
        changed = self.state.apply(message)
        self._note_calls()
        if isinstance(message, STATE_MESSAGES):  # the controller's pulse, stamped with its clock
            self._last_rx = self.monotonic()
            observe = getattr(self.clock, "observe", None)  # a ControllerClock follows the controller's ts
            if observe:
                observe(message.ts)
        elif message is ControllerStatus.ONLINE:
            self._last_rx = self.monotonic()
        self._refresh(force=changed)

    @Slot()
    def tick(self) -> None:
        self._refresh(force=False)

    def _refresh(self, force: bool) -> None:
        picture = self._judge()
        old, self._picture = self._picture, picture
        if picture.liveness != old.liveness:
            log.info("board state: %s -> %s", old.liveness.value, picture.liveness.value)
            self.liveness_changed.emit(picture.liveness)
        if force or picture != old:
            self.changed.emit()

    def _note_calls(self) -> None:
        """Date each call the board knows in real (monotonic) time, once, when it first sees it:
        now, less its age on the hall clock then. `highlight_s` is for people, so it counts real
        seconds: at a demo's 20x hall clock a call stays highlighted as long as in a real hall,
        while a call that was already old when the board (re)connected is not highlighted anew."""
        mono, now = self.monotonic(), self.clock.now()
        keys = {call_key(c): c for c in self.state.calls}
        for key, c in keys.items():
            if key not in self._born:
                self._born[key] = mono - max(0.0, (now - c.at).total_seconds())
        for key in [k for k in self._born if k not in keys]:
            del self._born[key]

    def _age_s(self, c: CallView) -> float:
        born = self._born.get(call_key(c))
        return float("inf") if born is None else self.monotonic() - born

    def _judge(self) -> Picture:
        now = self.clock.now()
        rx_age = None if self._last_rx is None else self.monotonic() - self._last_rx
        live = liveness(link_up=self.link_up, state=self.state, rx_age_s=rx_age, now=now, stale_s=self.board.stale_s)
        current = current_calls(self.state.calls, self._age_s, self.board.highlight_s) if live is Liveness.LIVE else []
        return Picture(live, tuple(current), shown(self.languages, now), now.replace(second=0, microsecond=0))

    # what views read ------------------------------------------------------------------------
    @property
    def liveness(self) -> Liveness:
        return self._picture.liveness

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def langs(self) -> tuple[Lang, ...]:
        return self._picture.langs

    def current(self) -> list[CallView]:
        """Now calling: empty unless the state is live, so an old call is never shown as current."""
        return list(self._picture.current)

    def recent(self, limit: int, shown: list[CallView] | None = None) -> list[CallView]:
        """Earlier calls; `shown`: the current calls a view did draw (the rest count as recent)."""
        return recent_calls(self.state.calls, list(self._picture.current) if shown is None else shown, limit)

    def services(self) -> list[ServiceView]:
        return list(self.state.services)

    def tidal(self) -> list[TidalView]:
        return list(self.state.tidal)

    def notices(self) -> list[BiText]:
        return [bi(n.zh, n.en) for n in self.board.notices]

    def window(self, wid: str) -> WindowView | None:
        return self.state.window(wid)

    def window_name(self, wid: str) -> BiText:
        w = self.state.window(wid)
        if w:
            return w.name
        cfg = self.hall.window(wid)
        return bi(cfg.name.zh, cfg.name.en) if cfg else bi(f"{wid}号窗口", f"Window {wid}")

    def service_name(self, sid: str) -> BiText:
        s = self.state.service(sid)
        if s:
            return s.name
        cfg = self.hall.service(sid)
        return bi(cfg.name.zh, cfg.name.en) if cfg else bi(sid, sid)

    def alternatives(self, wid: str) -> list[WindowView]:
        cfg = self.hall.window(wid)
        return alternatives(self.state, wid, tuple(cfg.services) if cfg else ())

    def where(self) -> dict[str, BiText]:
        return {w.id: bi(w.where.zh, w.where.en) for w in self.hall.windows if w.where}
