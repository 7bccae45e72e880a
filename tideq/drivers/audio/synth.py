"""Sentence -> WAV: espeak-ng, or a hall's recorded clips. Both cache per sentence on disk,
because a hall calls the same few hundred sentences all day and a cache hit costs a stat()."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .cache import VoiceCache
from .errors import ClipMissing, SynthError
from .sentence import Lang, Sentence
from .wav import Format, concat, convert, wav_format

log = logging.getLogger(__name__)

ESPEAK_FORMAT = Format(1, 2, 22050)  # what espeak-ng writes


@dataclass
class SynthStats:
    renders: int = 0
    hits: int = 0
    render_s: float = 0.0


class Synth(Protocol):
    stats: SynthStats

    def render(self, sentence: Sentence, lang: Lang) -> Path: ...


def _key(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]


class EspeakSynth:
    """espeak-ng to WAV. `cmn-latn-pinyin` reads Chinese correctly (plain `cmn` does not)."""

    def __init__(
        self,
        cache_dir: Path | VoiceCache,
        *,
        zh_voice: str = "cmn-latn-pinyin",
        en_voice: str = "en",
        speed_wpm: int = 150,
        exe: str = "espeak-ng",
    ) -> None:
        found = shutil.which(exe)
        if found is None:
            raise SynthError(f"{exe} not found; install it (apt-get install espeak-ng) or configure a clip folder")
        self.exe = found
        self.cache = cache_dir if isinstance(cache_dir, VoiceCache) else VoiceCache(Path(cache_dir))
        self.cache_dir = self.cache.folder
        self.voices = {Lang.ZH: zh_voice, Lang.EN: en_voice}
        self.speed_wpm = speed_wpm
        self.stats = SynthStats()

    def render(self, sentence: Sentence, lang: Lang) -> Path:
        return self.say(sentence.text(lang), lang)

    def say(self, text: str, lang: Lang) -> Path:
        voice = self.voices[lang]
        path = self.cache_dir / f"espeak-{lang.value}-{_key(voice, self.speed_wpm, text)}.wav"
        if self.cache.hit(path):
            self.stats.hits += 1
            return path
        t0 = time.perf_counter()
        tmp = path.with_suffix(".tmp.wav")
        try:
            res = subprocess.run(
                [self.exe, "-v", voice, "-s", str(self.speed_wpm), "-w", str(tmp), "--", text],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise SynthError(f"espeak-ng failed on {text!r}: {err}") from err
        if res.returncode or not tmp.exists():
            raise SynthError(f"espeak-ng failed on {text!r} (voice {voice}): {res.stderr.strip()}")
        os.replace(tmp, path)
        self.cache.added(path)
        self.stats.renders += 1
        self.stats.render_s += time.perf_counter() - t0
        return path


class ClipSynth:
    """Assemble a sentence from recorded clips `{folder}/{name}.wav` (names in docs/voice.md).

    Clips in another format than `fmt` are converted once with sox into the cache; a missing
    clip raises ClipMissing naming the file to record.
    """

    def __init__(
        self,
        folder: Path,
        cache_dir: Path | VoiceCache,
        *,
        fmt: Format = ESPEAK_FORMAT,
        gap_ms: int = 0,
        sox: str = "sox",
    ) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SynthError(f"clip folder {self.folder} does not exist; see docs/voice.md for its layout")
        self.cache = cache_dir if isinstance(cache_dir, VoiceCache) else VoiceCache(Path(cache_dir))
        self.cache_dir = self.cache.folder
        self.fmt = fmt
        self.gap_ms = gap_ms
        self.sox = sox
        self.stats = SynthStats()
        self.converted = 0

    def clip(self, name: str) -> Path:
        src = self.folder / f"{name}.wav"
        if not src.exists():
            raise ClipMissing(f"clip {src} is missing; record it (docs/voice.md lists every clip)")
        if wav_format(src) == self.fmt:
            return src
        dst = self.cache_dir / "converted" / f"{name}-{self.fmt.rate}-{_key(src.stat().st_mtime_ns)}.wav"
        if not dst.exists():
            log.info("converting clip %s from %s to %s", src, wav_format(src), self.fmt)
            convert(src, dst, self.fmt, self.sox)
            self.converted += 1
        return dst

    def render(self, sentence: Sentence, lang: Lang) -> Path:
        names = sentence.clips(lang)
        path = self.cache_dir / f"clips-{lang.value}-{_key(self.folder, self.gap_ms, self.fmt, *names)}.wav"
        if self.cache.hit(path):
            self.stats.hits += 1
            return path
        t0 = time.perf_counter()
        concat([self.clip(n) for n in names], path, self.fmt, self.gap_ms)
        self.cache.added(path)
        self.stats.renders += 1
        self.stats.render_s += time.perf_counter() - t0
        return path
