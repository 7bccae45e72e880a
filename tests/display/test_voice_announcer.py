"""The announcer: queued, never overlapping, recalls repeated, language order configurable, mute;
and end to end from a real Mosquitto `event/call`."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime
from pathlib import Path

import pytest

from tideq.config.schema import Board
from tideq.contract import BiText, BusClient, CallEvent, now_iso
from tideq.display.announcer import Announcer, Call, Spoken, VoiceConfig
from tideq.drivers.audio import ClipSynth, EspeakSynth, FilePlayer, Lang, duration
from tideq.drivers.audio import clips as democlips

SCALE = 0.02  # FilePlayer "plays" a 4 s sentence in 80 ms


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> EspeakSynth:
    return EspeakSynth(tmp_path_factory.mktemp("voice-cache"))


def run(announcer: Announcer, *calls: Call) -> list[tuple[str, Lang]]:
    announcer.start()
    try:
        for c in calls:
            announcer.announce(c)
        assert announcer.wait_idle(10)
    finally:
        announcer.stop()
    return [(s.call.ticket, s.lang) for s in announcer.spoken]


def assert_no_overlap(player: FilePlayer) -> None:
    recs = player.records
    for a, b in itertools.pairwise(recs):
        assert b.start >= a.end, f"play {b.index} started {a.end - b.start:.3f}s before play {a.index} ended"
    for r in recs:  # each play lasted its (scaled) WAV duration
        assert r.end - r.start >= r.duration_s * SCALE * 0.9


def test_calls_are_said_in_order_zh_then_en_without_overlap(synth: EspeakSynth, tmp_path: Path) -> None:
    player = FilePlayer(tmp_path / "out", time_scale=SCALE)
    said = run(Announcer(synth, player), Call("A012", "3"), Call("B004", "5"), Call("A013", "12"))
    assert said == [
        ("A012", Lang.ZH),
        ("A012", Lang.EN),
        ("B004", Lang.ZH),
        ("B004", Lang.EN),
        ("A013", Lang.ZH),
        ("A013", Lang.EN),
    ]
    assert_no_overlap(player)
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(files) == 6 and files[0].startswith("0001-espeak-zh") and files[1].startswith("0002-espeak-en")
    assert all(2.0 < r.duration_s < 7.0 for r in player.records)


def test_recall_repeats_and_order_and_repeat_are_configurable(synth: EspeakSynth, tmp_path: Path) -> None:
    player = FilePlayer(tmp_path, time_scale=SCALE)
    cfg = VoiceConfig(order=(Lang.EN, Lang.ZH), repeat=1, recall_repeat=3)
    said = run(Announcer(synth, player, cfg), Call("A012", "3"), Call("A012", "3", recall=True))
    assert said == [("A012", Lang.EN), ("A012", Lang.ZH)] + [("A012", Lang.EN), ("A012", Lang.ZH)] * 3
    assert_no_overlap(player)

    player2 = FilePlayer(tmp_path / "zh-only", time_scale=SCALE)
    said = run(Announcer(synth, player2, VoiceConfig(order=(Lang.ZH,), repeat=2)), Call("C001", "8"))
    assert said == [("C001", Lang.ZH)] * 2


def test_muted_board_says_nothing(synth: EspeakSynth, tmp_path: Path) -> None:
    player = FilePlayer(tmp_path, time_scale=SCALE)
    ann = Announcer.for_board(Board(id="main", mute=True), synth, player)
    assert ann.muted
    ann.start()
    assert ann.announce(Call("A012", "3")) is False
    assert ann.wait_idle(1)
    ann.muted = False
    assert ann.announce(Call("A013", "3"))
    assert ann.wait_idle(5)
    ann.stop()
    assert [(s.call.ticket, s.lang) for s in ann.spoken] == [("A013", Lang.ZH), ("A013", Lang.EN)]
    assert len(list(tmp_path.iterdir())) == 2


def test_clip_voice_with_espeak_fallback_for_named_windows(synth: EspeakSynth, tmp_path: Path) -> None:
    clip_dir = tmp_path / "clips"
    democlips.generate(clip_dir, letters="A")
    clips = ClipSynth(clip_dir, tmp_path / "cache")
    player = FilePlayer(tmp_path / "out", time_scale=SCALE)
    said = run(Announcer(clips, player, fallback=synth), Call("A012", "3"), Call("A014", "vip"))
    assert said == [("A012", Lang.ZH), ("A012", Lang.EN), ("A014", Lang.ZH), ("A014", Lang.EN)]
    kinds = [r.source.name.split("-")[0] for r in player.records]
    assert kinds == ["clips", "clips", "espeak", "espeak"]
    assert_no_overlap(player)


def test_end_to_end_from_mosquitto_event_call(broker, synth: EspeakSynth, tmp_path: Path) -> None:
    player = FilePlayer(tmp_path, time_scale=SCALE)
    done = threading.Condition()
    threads: set[str] = set()

    def spoken(s: Spoken) -> None:
        threads.add(threading.current_thread().name)
        with done:
            done.notify_all()

    ann = Announcer(synth, player, VoiceConfig(recall_repeat=2), on_spoken=spoken).start()
    board = BusClient(broker.url, "voice-hall", "board-main").connect()
    ctl = BusClient(broker.url, "voice-hall", "controller").connect()
    ann.subscribe(board)
    # handshake: a retained marker subscribed after event/call reaches the board only once the
    # broker has processed both subscriptions (one client's packets are handled in order)
    synced = threading.Event()
    marker = ctl.topics.t("test/sync")
    ctl.publish(marker, b"1", retain=True).wait_for_publish(2)
    board.subscribe(marker, lambda t, p: synced.set())
    assert synced.wait(5)
    ctl.publish(marker, b"", retain=True)
    try:
        topic = ctl.topics.event("call")
        for ticket, window, recall in [("A012", "3", False), ("A013", "4", False), ("A012", "3", True)]:
            ctl.publish(
                topic,
                CallEvent(
                    ts=datetime.now().astimezone(),
                    ticket=ticket,
                    window=window,
                    service="a",
                    recall=recall,
                    announce=BiText(zh="", en=""),
                ),
            )
        ctl.publish(topic, b"not json")  # ignored, never kills the board
        ctl.publish(topic, {"v": 1, "ts": now_iso(), "window": "3"})  # not a call: no ticket, ignored
        with done:
            assert done.wait_for(lambda: len(ann.spoken) >= 8, 10)
        assert ann.wait_idle(5)
    finally:
        ann.stop()
        board.close()
        ctl.close()
    assert [(s.call.ticket, s.lang) for s in ann.spoken] == [
        ("A012", Lang.ZH),
        ("A012", Lang.EN),
        ("A013", Lang.ZH),
        ("A013", Lang.EN),
    ] + [("A012", Lang.ZH), ("A012", Lang.EN)] * 2
    assert threads == {"voice-announcer"}
    assert_no_overlap(player)
    assert duration(ann.spoken[0].wav) > 2.0


def test_a_player_that_fails_is_one_warning_without_traceback_and_the_worker_lives(
    synth: EspeakSynth, caplog: pytest.LogCaptureFixture
) -> None:
    from tideq.drivers.audio import PlayerError
    from tideq.drivers.audio.player import Player

    class Broken(Player):
        def play(self, wav: Path) -> None:
            raise PlayerError("play FAIL sox: Sorry, there is no default audio device configured")

    ann = Announcer(synth, Broken(), VoiceConfig(order=(Lang.EN,)))
    with caplog.at_level("DEBUG", logger="tideq.display.announcer"):
        run(ann, *(Call(f"A00{n}", "1") for n in range(1, 6)))
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "no default audio device" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records) and ann.failed == 5
