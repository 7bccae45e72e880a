"""WAV helpers on the stdlib `wave` module: the announcer only handles 16-bit PCM WAV."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import SynthError


@dataclass(frozen=True)
class Format:
    channels: int
    width: int  # bytes per sample
    rate: int


def wav_format(path: Path) -> Format:
    try:
        with wave.open(str(path), "rb") as w:
            return Format(w.getnchannels(), w.getsampwidth(), w.getframerate())
    except (wave.Error, EOFError, OSError) as err:
        raise SynthError(f"{path} is not a readable PCM WAV file: {err}") from err


def duration(path: Path) -> float:
    """Seconds of audio; the player blocks this long, so it is also the no-overlap yardstick."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, OSError) as err:
        raise SynthError(f"{path} is not a readable PCM WAV file: {err}") from err


def convert(src: Path, dst: Path, fmt: Format, sox: str = "sox") -> Path:
    """Resample/remix with sox (clips recorded at 44.1 kHz stereo next to espeak's 22.05 kHz mono)."""
    exe = shutil.which(sox)
    if exe is None:
        raise SynthError(
            f"{src} is {wav_format(src)}, not {fmt}, and sox is not installed to convert it; "
            "install sox or record the clip in the hall's format"
        )
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".tmp.wav")
    cmd = [exe, str(src), "-r", str(fmt.rate), "-c", str(fmt.channels), "-b", str(fmt.width * 8), str(tmp)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise SynthError(f"sox could not convert {src}: {res.stderr.strip()}")
    os.replace(tmp, dst)
    return dst


def concat(parts: Sequence[Path], dst: Path, fmt: Format, gap_ms: int = 0) -> Path:
    """Join WAVs of one format (checked) into `dst`, atomically, with `gap_ms` of silence between."""
    silence = b"\x00" * (fmt.rate * gap_ms // 1000) * fmt.width * fmt.channels
    fd, tmp = tempfile.mkstemp(suffix=".wav", dir=dst.parent)
    os.close(fd)
    try:
        with wave.open(tmp, "wb") as out:
            out.setnchannels(fmt.channels)
            out.setsampwidth(fmt.width)
            out.setframerate(fmt.rate)
            for i, p in enumerate(parts):
                if wav_format(p) != fmt:
                    raise SynthError(f"{p} is {wav_format(p)}, expected {fmt}")
                with wave.open(str(p), "rb") as w:
                    if i and silence:
                        out.writeframes(silence)
                    out.writeframes(w.readframes(w.getnframes()))
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dst
