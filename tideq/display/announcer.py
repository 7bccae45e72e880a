"""The announcer: one queue, one worker thread, so announcements never overlap and keep call order.

The MQTT callback only enqueues the typed `event/call`. The worker renders each language in the configured
order and plays it `repeat` times (`recall_repeat` for a recall). Muting drops calls rather than
queueing them: a board unmuted later must not read out a backlog of stale calls.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tideq.config.schema import Board
from tideq.contract import BusClient, CallEvent
from tideq.drivers.audio.errors import ClipMissing, PlayerError, VoiceError
from tideq.drivers.audio.player import Player
from tideq.drivers.audio.sentence import Lang, Sentence, build
from tideq.drivers.audio.synth import Synth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceConfig:
    order: tuple[Lang, ...] = (Lang.ZH, Lang.EN)
    repeat: int = 1  # times a first call is said (each time in every language of `order`)
    recall_repeat: int = 2  # times a recall is said
    mute: bool = False
    gap_s: float = 0.0  # pause between two announcements (time for the hall to settle)
    max_queue: int = 20  # beyond this, the oldest waiting call is dropped: it is stale anyway
    max_age_s: float = 120.0  # a call waiting longer than this is skipped, not read out late

    def __post_init__(self) -> None:
        if not self.order or self.repeat < 1 or self.recall_repeat < 1:
            raise VoiceError("voice config needs at least one language and repeat counts of 1 or more")


@dataclass(frozen=True)
class Call:
    ticket: str
    window: str
    recall: bool = False
    received: float = field(default_factory=time.monotonic)

    @classmethod
    def from_event(cls, event: CallEvent) -> Call:
        return cls(event.ticket, event.window, event.recall)


@dataclass(frozen=True)
class Spoken:
    call: Call
    lang: Lang
    wav: Path
    start: float
    end: float


_STOP = object()


class Announcer:
    def __init__(
        self,
        synth: Synth,
        player: Player,
        config: VoiceConfig = VoiceConfig(),
        *,
        fallback: Synth | None = None,
        on_spoken: Callable[[Spoken], None] | None = None,
    ) -> None:
        self.synth = synth
        self.fallback = fallback
        self.player = player
        self.config = config
        self.on_spoken = on_spoken
        self.spoken: list[Spoken] = []
        self.dropped = 0
        self.failed = 0  # announcements the player could not play
        self._player_errors: set[str] = set()
        self._mute = threading.Event()
        if config.mute:
            self._mute.set()
        self._q: queue.Queue[object] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voice-announcer", daemon=True)

    @classmethod
    def for_board(
        cls, board: Board, synth: Synth, player: Player, config: VoiceConfig = VoiceConfig(), **kw: Any
    ) -> Announcer:
        """The board's `mute` from the hall config wins over the voice config."""
        return cls(synth, player, replace(config, mute=board.mute or config.mute), **kw)

    # control -----------------------------------------------------------------------------
    @property
    def muted(self) -> bool:
        return self._mute.is_set()

    @muted.setter
    def muted(self, value: bool) -> None:
        self._mute.set() if value else self._mute.clear()

    def start(self) -> Announcer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.player.stop()
        self._q.put(_STOP)
        self._thread.join(5)

    def subscribe(self, client: BusClient) -> None:
        """Speak every `event/call` (a payload that is not one is logged and dropped by the client)."""
        client.on(client.topics.event("call"), CallEvent, self._on_call)

    def _on_call(self, topic: str, event: CallEvent) -> None:
        self.announce(Call.from_event(event))

    def announce(self, call: Call) -> bool:
        """Queue a call; False when muted (nothing will be said)."""
        if self.muted:
            return False
        with self._idle:
            if self._pending >= self.config.max_queue:
                self._drop_oldest()
            self._pending += 1
        self._q.put(call)
        return True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once every queued call has been said (or skipped)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _drop_oldest(self) -> None:
        try:
            old = self._q.get_nowait()
        except queue.Empty:
            return
        if isinstance(old, Call):
            self._pending -= 1
            self.dropped += 1
            log.warning("voice queue full: skipped the call of %s", old.ticket)

    # worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            assert isinstance(item, Call)
            try:
                self._say(item)
            except Exception:  # one bad call must not silence the hall
                log.exception("announcement of %s failed", item.ticket)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _say(self, call: Call) -> None:
        if self.muted or self._stopping.is_set():
            return
        if time.monotonic() - call.received > self.config.max_age_s:
            self.dropped += 1
            log.warning("skipped the stale call of %s", call.ticket)
            return
        sentence = build(call.ticket, call.window)
        wavs = [(lang, self._render(sentence, lang)) for lang in self.config.order]
        times = self.config.recall_repeat if call.recall else self.config.repeat
        for _ in range(times):
            for lang, wav in wavs:
                if wav is None or self.muted or self._stopping.is_set():
                    continue
                start = time.monotonic()
                try:
                    self.player.play(wav)
                except PlayerError as err:
                    self._player_failed(call, err)
                    return
                spoken = Spoken(call, lang, wav, start, time.monotonic())
                self.spoken.append(spoken)
                if self.on_spoken:
                    self.on_spoken(spoken)
        if self.config.gap_s:
            self._stopping.wait(self.config.gap_s)

    def _player_failed(self, call: Call, err: PlayerError) -> None:
        """A player that fails (the sound device went away) is said once per distinct error, without a
        traceback; the call stays on the board, and the next call tries the player again."""
        self.failed += 1
        text = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        if text not in self._player_errors:
            self._player_errors.add(text)
            log.warning("voice: could not play the call of %s (%s); calls are still shown", call.ticket, text)
        else:
            log.debug("voice: could not play the call of %s (%s)", call.ticket, text)

    def _render(self, sentence: Sentence, lang: Lang) -> Path | None:
        try:
            return self.synth.render(sentence, lang)
        except ClipMissing as err:
            if self.fallback is None:
                log.warning("%s", err)
                return None
            log.info("%s; using the fallback voice", err)
            try:
                return self.fallback.render(sentence, lang)
            except VoiceError as err2:
                log.warning("%s", err2)
                return None
        except VoiceError as err:
            log.warning("%s", err)
            return None
