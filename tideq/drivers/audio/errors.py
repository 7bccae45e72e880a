"""Exception tree of the voice announcer: callers catch `VoiceError`."""

from __future__ import annotations


class VoiceError(Exception):
    """Base of every voice error."""


class SynthError(VoiceError):
    """A sentence could not be rendered to WAV (espeak-ng missing or failing, bad clip)."""


class ClipMissing(SynthError):
    """The clip folder lacks a clip the sentence needs (the message names the file to record)."""


class PlayerError(VoiceError):
    """The audio player failed (no sound device, player not installed)."""


class NoSoundDevice(PlayerError):
    """The player is installed but the box has no sound output (no card, no PulseAudio)."""
