"""Wiring of a display process: QtBus (network thread) -> BoardModel -> board or window screen,
plus the voice announcer on its own connection when tideq.drivers.audio is usable, and the
screen's own retained `health/{board}` (kind `board`) with its last will.

The announcer gets its own BusClient: BusClient keeps one handler per topic filter, so sharing
the board's client would silently replace one subscriber with the other.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from tideq.config.schema import Board, HallConfig
from tideq.contract import STATE_TOPICS, CallEvent, DeviceKind, Health, HealthState, Topics
from tideq.runtime import BrokerLogin
from tideq.ui.qtbus import QtBus

from .errors import UnknownScreen
from .hallstate import Liveness
from .model import BoardModel, HallClock

log = logging.getLogger(__name__)
DEFAULT_CACHE_MB = 64.0  # the voice cache's size limit (tideq.drivers.audio.cache), MB


def window_screen_id(window_id: str) -> str:
    """A window screen's device id (its health topic, its name in logs)."""
    return f"window-screen-{window_id}"


def board_config(hall: HallConfig, board_id: str | None, window_id: str | None, languages: str | None = None) -> Board:
    """The board's settings from the hall file; a window screen borrows defaults (side-by-side)."""
    if board_id is not None:
        board = next((b for b in hall.devices.boards if b.id == board_id), None)
        if board is None:
            known = ", ".join(b.id for b in hall.devices.boards) or "none"
            raise UnknownScreen(f"no board {board_id!r} under [[devices.boards]] (known: {known})")
    else:
        if window_id is None or hall.window(window_id) is None:
            known = ", ".join(w.id for w in hall.windows)
            raise UnknownScreen(f"no window {window_id!r} under [[windows]] (known: {known})")
        board = Board(id=window_screen_id(window_id), notices=[])
    if languages:
        board = board.model_copy(update={"languages": languages})
    return board


class DisplayApp(QObject):
    """One display process's objects; `start()` connects in the background."""

    def __init__(
        self,
        hall: HallConfig,
        board: Board,
        broker_url: str,
        *,
        clock: HallClock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        client_id: str | None = None,
        login: BrokerLogin | None = None,
    ) -> None:
        super().__init__()
        self.hall = hall
        self.board = board
        self.url = broker_url
        self.model = BoardModel(hall, board, clock, monotonic, parent=self)
        cid = (login.user if login else None) or client_id or f"tideq-display-{board.id}-{uuid.uuid4().hex[:6]}"
        topics = Topics(hall.hall.id)
        self.health_topic = topics.health(board.id)
        # a board that crashes (or loses its cable) must not say "ok" for ever: the broker says offline
        will = Health.last_will(board.id, DeviceKind.BOARD, datetime.now().astimezone())
        self.bus = QtBus(
            broker_url,
            hall.hall.id,
            cid,  # == its login under an ACL
            parent=self,
            will=(self.health_topic, will),
            username=login.username if login else None,
            password=login.password if login else None,
            tls=login.tls if login else None,
        )
        self.bus.message.connect(self.model.on_message)
        self.bus.connection.connect(self._on_connection)  # first: `ok` goes out once per connect
        self.bus.connection.connect(self.model.on_connection)
        self.model.liveness_changed.connect(self._on_liveness)
        self.bus.subscribe(topics.status_controller)  # plain text: online / offline
        for name, model in STATE_TOPICS.items():
            self.bus.subscribe(topics.state(name), model)
        self.bus.subscribe(topics.event("call"), CallEvent)
        self.health_state = HealthState.UNKNOWN  # nothing published yet
        self.voice: Any = None
        self._voice_bus: Any = None

    def start(self) -> DisplayApp:
        self.model.start()
        self.bus.start()
        return self

    def stop(self) -> None:
        if self.voice is not None:
            self.voice.stop()
        self._say_goodbye()
        self.bus.stop()

    # health ---------------------------------------------------------------------------------
    def _on_connection(self, up: bool) -> None:
        if up:
            self.publish_health(force=True)  # `ok` on (re)connect, replacing a will or a goodbye

    def _on_liveness(self, _: Liveness) -> None:
        self.publish_health()

    def judged_health(self) -> HealthState:
        """`stale` while the screen shows stale state (a hung controller), else `ok`: a board that
        shows the controller offline or the link down is itself fine (and cannot say otherwise)."""
        return HealthState.STALE if self.model.liveness is Liveness.STALE else HealthState.OK

    def publish_health(self, *, force: bool = False) -> None:
        state = self.judged_health()
        if (state is self.health_state and not force) or not self.bus.online:
            return
        self.health_state = state
        reason = f"no fresh state for {self.board.stale_s:g} s" if state is HealthState.STALE else None
        self.bus.publish(
            self.health_topic,
            Health(
                ts=datetime.now().astimezone(), device=self.board.id, kind=DeviceKind.BOARD, state=state, reason=reason
            ),
            retain=True,
        )

    def _say_goodbye(self, timeout_s: float = 1.0) -> None:
        """A clean stop fires no will: say `offline` ourselves, and let it reach the broker."""
        if not self.bus.online:
            return
        bye = Health(
            ts=datetime.now().astimezone(),
            device=self.board.id,
            kind=DeviceKind.BOARD,
            state=HealthState.OFFLINE,
            reason="stopped",
        )
        info = self.bus.client.publish(self.health_topic, bye, retain=True)
        try:
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError):
            log.warning("display %s: offline health not delivered", self.board.id)
        self.health_state = HealthState.OFFLINE

    def start_voice(
        self, cache_dir: Path, clips: Path | None = None, player: Any = None, cache_mb: float = DEFAULT_CACHE_MB
    ) -> bool:
        """Speak calls through tideq.drivers.audio if it, a player and a sound device are there; False
        if not, after one warning that says why (no traceback, nothing logged per call)."""
        try:
            from tideq.drivers.audio import (
                AplayPlayer,
                ClipSynth,
                EspeakSynth,
                Lang,
                NoSoundDevice,
                SoxPlayer,
                VoiceCache,
                VoiceError,
            )

            from .announcer import Announcer, Call, VoiceConfig
        except ImportError as err:
            log.warning("voice announcer not available (%s); the board stays silent", err)
            return False
        b = self.board
        order = tuple(Lang(x) for x in b.voice_order)
        if b.voice == "clips" and clips is None and b.clips_dir:
            clips = Path(b.clips_dir)
        try:
            cache = VoiceCache(cache_dir, int(cache_mb * 1024 * 1024))
            espeak = EspeakSynth(cache)
            synth = ClipSynth(clips, cache) if clips else espeak
            player = player or _first_player(SoxPlayer, AplayPlayer)
            player.probe()  # once: no sound card is one warning, not a traceback per call
            self.voice = Announcer.for_board(
                b, synth, player, VoiceConfig(order=order, repeat=b.voice_repeat), fallback=espeak if clips else None
            ).start()
        except NoSoundDevice as err:
            log.warning("voice off: %s; calls are shown on the board but not spoken", err)
            return False
        except (VoiceError, ValueError) as err:
            log.warning("voice disabled: %s", err)
            return False
        # the board's own connection: a second one would need a second login (client id == login);
        # `message` arrives on the GUI thread and the announcer only enqueues, so nothing blocks
        voice = self.voice
        self.bus.message.connect(lambda _t, m: voice.announce(Call.from_event(m)) if isinstance(m, CallEvent) else None)
        return True


def _first_player(*kinds: Any) -> Any:
    """The first player whose command is installed."""
    errors = []
    for kind in kinds:
        try:
            return kind()
        except Exception as err:  # PlayerError: the command is not installed
            errors.append(str(err))
    from tideq.drivers.audio import PlayerError

    raise PlayerError("; ".join(errors))
