"""Synthesis: espeak-ng WAVs are real speech of plausible length, cached per sentence; clip folders
(generated with espeak-ng) are assembled in the right order, converted with sox when needed."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from tideq.drivers.audio import ClipMissing, ClipSynth, EspeakSynth, Format, Lang, SynthError, build, duration
from tideq.drivers.audio import clips as democlips

SILENCE_RMS = 300.0  # int16 RMS; espeak speech is in the thousands, silence is 0


def rms(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    democlips.generate(folder, letters="AB")
    return folder


@pytest.mark.parametrize("ticket, window", [("A012", "3"), ("B120", "12"), ("A001", "21")])
def test_espeak_speaks_each_call_in_both_languages(tmp_path: Path, ticket: str, window: str) -> None:
    synth = EspeakSynth(tmp_path)
    s = build(ticket, window)
    zh, en = synth.render(s, Lang.ZH), synth.render(s, Lang.EN)
    assert rms(zh) > SILENCE_RMS and rms(en) > SILENCE_RMS
    # 13-15 syllables at 150 wpm: about 3-5 s; the English line about 3-4 s
    assert 2.0 < duration(zh) < 7.0, duration(zh)
    assert 2.0 < duration(en) < 7.0, duration(en)
    with wave.open(str(zh), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)


def test_espeak_caches_per_sentence(tmp_path: Path) -> None:
    synth = EspeakSynth(tmp_path)
    a = synth.render(build("A012", "3"), Lang.ZH)
    b = synth.render(build("A012", "3"), Lang.ZH)
    c = synth.render(build("A013", "3"), Lang.ZH)
    assert a == b != c
    assert (synth.stats.renders, synth.stats.hits) == (2, 1)
    assert EspeakSynth(tmp_path).render(build("A012", "3"), Lang.ZH) == a  # the cache is on disk


def test_missing_espeak_is_a_synth_error(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="apt-get install espeak-ng"):
        EspeakSynth(tmp_path, exe="espeak-ng-not-here")


def test_demo_clip_folder_has_every_clip_a_call_needs(clip_dir: Path) -> None:
    names = {p.stem for p in clip_dir.glob("*.wav")}
    for ticket, window in [("A012", "3"), ("B999", "21"), ("A000", "10")]:
        for lang in Lang:
            assert set(build(ticket, window).clips(lang)) <= names
    assert all(rms(p) > SILENCE_RMS for p in clip_dir.glob("*.wav"))


def test_clips_are_joined_in_sentence_order(clip_dir: Path, tmp_path: Path) -> None:
    synth = ClipSynth(clip_dir, tmp_path)
    s = build("A012", "3")
    out = synth.render(s, Lang.ZH)
    parts = [clip_dir / f"{n}.wav" for n in s.clips(Lang.ZH)]
    joined = frames(out)
    expected = b"".join(frames(p) for p in parts)
    assert joined == expected  # byte-exact concatenation, in order
    assert duration(out) == pytest.approx(sum(duration(p) for p in parts), abs=1e-3)
    assert synth.render(s, Lang.ZH) == out and synth.stats.hits == 1
    assert rms(synth.render(s, Lang.EN)) > SILENCE_RMS


def test_clips_of_another_rate_are_resampled_with_sox(clip_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for p in clip_dir.glob("*.wav"):
        (folder / p.name).write_bytes(p.read_bytes())
    # a hall re-recorded one clip on a phone: 44.1 kHz stereo
    subprocess.run(
        ["sox", str(clip_dir / "zh-qing.wav"), "-r", "44100", "-c", "2", str(folder / "zh-qing.wav")], check=True
    )
    synth = ClipSynth(folder, tmp_path / "cache")
    out = synth.render(build("A012", "3"), Lang.ZH)
    assert synth.converted == 1
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getframerate()) == (1, 22050)
    same = ClipSynth(clip_dir, tmp_path / "c2").render(build("A012", "3"), Lang.ZH)
    assert duration(out) == pytest.approx(duration(same), abs=0.01)  # resampled, not sped up


def test_missing_clip_names_the_file_to_record(clip_dir: Path, tmp_path: Path) -> None:
    synth = ClipSynth(clip_dir, tmp_path)
    with pytest.raises(ClipMissing, match=r"zh-letter-Z\.wav"):
        synth.render(build("Z001", "3"), Lang.ZH)
    with pytest.raises(SynthError, match=r"docs/voice\.md"):
        ClipSynth(tmp_path / "nope", tmp_path)
    assert Format(1, 2, 22050) == synth.fmt


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path: Path) -> None:
    from tideq.drivers.audio import VoiceCache

    probe = EspeakSynth(tmp_path / "probe").render(build("A001", "1"), Lang.EN)
    one = probe.stat().st_size
    cache = VoiceCache(tmp_path / "cache", max_bytes=int(one * 3.5))  # room for about three sentences
    synth = EspeakSynth(cache)
    first = synth.render(build("A001", "1"), Lang.EN)
    second = synth.render(build("A002", "1"), Lang.EN)
    synth.render(build("A003", "1"), Lang.EN)
    assert synth.render(build("A001", "1"), Lang.EN) == first and synth.stats.hits == 1  # used again: now newest
    for n in range(4, 9):
        synth.render(build(f"A00{n}", "1"), Lang.EN)
        total = sum(p.stat().st_size for p in (tmp_path / "cache").glob("*.wav"))
        assert total <= cache.max_bytes and total == cache.size
    assert not second.exists() and cache.evicted >= 5
    # a restart counts what is on disk and keeps the limit
    again = VoiceCache(tmp_path / "cache", max_bytes=int(one * 1.5))
    assert again.size <= again.max_bytes and len(list((tmp_path / "cache").glob("*.wav"))) == 1


def test_a_player_without_a_sound_device_fails_its_probe_once_with_the_reason() -> None:
    from tideq.drivers.audio import NoSoundDevice
    from tideq.drivers.audio.player import SubprocessPlayer

    class NoCard(SubprocessPlayer):  # what aplay/play print on a box without a sound card
        command = ("sh", "-c", "echo \"ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\" >&2; exit 1", "{}")

    with pytest.raises(NoSoundDevice, match="cannot find card"):
        NoCard().probe()
