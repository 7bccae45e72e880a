"""Players block for the length of the WAV, which is what makes the announcer's single worker a
guarantee of no overlap: the next sentence cannot start before this one has been heard."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from .errors import NoSoundDevice, PlayerError
from .wav import duration


class Player(ABC):
    @abstractmethod
    def play(self, wav: Path) -> None:
        """Play and return when playback has finished."""

    def stop(self) -> None:  # noqa: B027 -- an optional hook: the default no-op is meant, not a forgotten @abstractmethod
        """Interrupt the current playback (shutdown)."""

    def probe(self) -> None:  # noqa: B027 -- an optional hook: players that need no device pass
        """Check once, before the first call, that this player can be heard; NoSoundDevice if not."""


class SubprocessPlayer(Player):
    """A command-line player; `{}` in the command is the WAV path."""

    command: tuple[str, ...] = ()

    def __init__(self) -> None:
        if shutil.which(self.command[0]) is None:
            raise PlayerError(f"{self.command[0]} not found; install it or use FilePlayer")
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def play(self, wav: Path) -> None:
        cmd = [str(wav) if c == "{}" else c for c in self.command]
        try:
            with self._lock:
                self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, err = self._proc.communicate()
        except OSError as e:
            raise PlayerError(f"{cmd[0]} could not play {wav}: {e}") from e
        if self._proc.returncode > 0:
            raise PlayerError(f"{cmd[0]} failed on {wav}: {err.decode(errors='replace').strip()}")

    def stop(self) -> None:
        with self._lock:
            if self._proc and self._proc.poll() is None:
                self._proc.terminate()

    def probe(self) -> None:
        """Play 20 ms of silence: without a sound card or sound server the player fails at once
        (ALSA: "cannot find card '0'", sox: "no default audio device configured"), which is said
        once here instead of with every call."""
        with tempfile.TemporaryDirectory(prefix="tideq-probe-") as tmp:
            silence = Path(tmp) / "silence.wav"
            with wave.open(str(silence), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(b"\x00\x00" * 160)
            try:
                self.play(silence)
            except PlayerError as err:
                last = str(err).strip().splitlines()[-1] if str(err).strip() else str(err)
                raise NoSoundDevice(f"no sound device for {self.command[0]} ({last})") from err


class AplayPlayer(SubprocessPlayer):
    """ALSA's aplay (package alsa-utils): no daemon needed on a kiosk box."""

    command = ("aplay", "-q", "{}")


class SoxPlayer(SubprocessPlayer):
    """`play` from sox: PulseAudio or ALSA, whichever the box has."""

    command = ("play", "-q", "{}")


@dataclass(frozen=True)
class PlayRecord:
    index: int
    source: Path
    copy: Path
    start: float  # time.monotonic()
    end: float
    duration_s: float


class FilePlayer(Player):
    """Writes each played WAV, numbered in order, to a folder, and blocks for its duration
    times `time_scale` (1.0 = real time; tests use a small scale to stay fast)."""

    def __init__(self, folder: Path, time_scale: float = 1.0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.time_scale = time_scale
        self.records: list[PlayRecord] = []
        self._stop = threading.Event()

    def play(self, wav: Path) -> None:
        dur = duration(wav)
        start = time.monotonic()
        copy = self.folder / f"{len(self.records) + 1:04d}-{wav.name}"
        shutil.copyfile(wav, copy)
        self._stop.wait(dur * self.time_scale)  # "playing"; interrupted only by stop()
        self.records.append(PlayRecord(len(self.records) + 1, wav, copy, start, time.monotonic(), dur))

    def stop(self) -> None:
        self._stop.set()
