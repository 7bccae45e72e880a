"""Voice prompts in large mode: the model emits the text; this speaks it with the display's
espeak-ng synthesizer (tideq.drivers.audio) on a worker thread, newest prompt wins. Optional:
without espeak-ng or a player the kiosk stays silent and logs why once."""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
from pathlib import Path

from .i18n import Lang

log = logging.getLogger(__name__)


class VoicePrompter:
    def __init__(self, cache_dir: Path | None = None, player: object | None = None) -> None:
        from tideq.drivers.audio import EspeakSynth, SoxPlayer
        from tideq.drivers.audio import Lang as VLang

        self._vlang = VLang
        self.synth = EspeakSynth(cache_dir or Path(tempfile.gettempdir()) / "tideq-kiosk-voice")
        self.player = player or SoxPlayer()
        self._q: queue.Queue[tuple[str, Lang] | None] = queue.Queue(maxsize=1)
        self.spoken: list[str] = []
        self._thread = threading.Thread(target=self._run, name="kiosk-voice", daemon=True)
        self._thread.start()

    def say(self, text: str, lang: Lang) -> None:
        try:  # a visitor tapping on does not want to hear the previous screen: drop the backlog
            self._q.get_nowait()
        except queue.Empty:
            pass
        try:
            self._q.put_nowait((text, lang))
        except queue.Full:
            pass

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            text, lang = item
            try:
                wav = self.synth.say(text, self._vlang(lang.value))
                self.player.play(wav)  # type: ignore[attr-defined]
                self.spoken.append(text)
            except Exception as err:  # voice is a help, never a reason to fail a visitor
                log.warning("voice prompt failed: %s", err)

    def stop(self) -> None:
        try:
            self._q.put_nowait(None)
        except queue.Full:
            pass


def make_prompter() -> VoicePrompter | None:
    try:
        return VoicePrompter()
    except Exception as err:  # no espeak-ng / no sox: silent kiosk
        log.warning("voice prompts off: %s", err)
        return None
