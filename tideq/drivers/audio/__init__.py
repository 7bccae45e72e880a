"""Voice for announcements of calls (请A012号到3号窗口办理 / Number A zero one two, ...). No Qt here.

Sentence -> WAV with espeak-ng or recorded clips -> one queued player. See docs/voice.md.
"""

from .cache import VoiceCache
from .errors import ClipMissing, NoSoundDevice, PlayerError, SynthError, VoiceError
from .player import AplayPlayer, FilePlayer, Player, PlayRecord, SoxPlayer
from .sentence import Lang, Sentence, build
from .synth import ClipSynth, EspeakSynth, Synth, SynthStats
from .wav import Format, duration

__all__ = [
    "AplayPlayer",
    "ClipMissing",
    "ClipSynth",
    "EspeakSynth",
    "FilePlayer",
    "Format",
    "Lang",
    "NoSoundDevice",
    "PlayRecord",
    "Player",
    "PlayerError",
    "Sentence",
    "SoxPlayer",
    "Synth",
    "SynthError",
    "SynthStats",
    "VoiceCache",
    "VoiceError",
    "build",
    "duration",
]
