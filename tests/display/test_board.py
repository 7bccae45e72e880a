"""The hall board against a real Mosquitto and the real controller: calls show, several together,
highlight expires, late start rebuilds, controller offline and stale state, privacy.

What the board drew is read from `BoardWidget.last_frame` (every text with its role and pixel
size), recorded by the paint pass itself, so these tests fail if painting breaks."""

from __future__ import annotations

from tideq.config.schema import Board
from tideq.contract import CallEvent
from tideq.display.app import DisplayApp
from tideq.display.board import BoardWidget
from tideq.display.hallstate import Liveness
from tideq.display.layouts import Layout, font, glyph_height

from .conftest import TICKET, WAIT, FakeMonotonic, call, now_calling, ticket


def test_call_shows_on_board_in_the_largest_type(qtbot, controller, client, make_board) -> None:
    _, board = make_board()
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    drawn = next(d for d in board.last_frame if d.role == "call.ticket")
    assert glyph_height(font(drawn.px, bold=True)) >= board.height() / 8  # readable from 10 m
    assert "5" in board.texts("call.window")
    assert "B" in number and number not in board.texts("recent.ticket")


def test_several_calls_show_together(qtbot, controller, client, make_board) -> None:
    _, board = make_board()
    windows = ["1", "5", "8", "11", "13"]
    for w, s in zip(windows, ["business-setup", "tax", "social-insurance", "real-estate", "housing-fund"], strict=True):
        assert client.send("ticket", {"service": s, "source": "kiosk-2", "identity": f"{int(w):064x}"}).ok
    numbers = [call(client, w) for w in windows]
    qtbot.waitUntil(lambda: sorted(now_calling(board)) == sorted(numbers), timeout=WAIT)
    assert now_calling(board)[0] == numbers[-1]  # newest first, highlighted row


def test_highlight_expires_into_recent_calls(qtbot, controller, client, clock, make_board) -> None:
    mono = FakeMonotonic()
    app, board = make_board(monotonic=mono)
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    mono.t += app.board.highlight_s + 1
    app.model.tick()
    qtbot.waitUntil(lambda: now_calling(board) == [] and number in board.texts("recent.ticket"), timeout=WAIT)


def test_late_start_rebuilds_from_retained_state(qtbot, controller, client, make_board) -> None:
    for _ in range(3):
        ticket(client, "business-setup")
    number = call(client, "1")
    _, board = make_board()  # starts after everything happened
    qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    counts = dict(zip(board.texts("waiting.service")[::2], board.texts("waiting.count"), strict=True))
    assert counts["企业开办 · 一业一证"] == "2"


def test_controller_stop_shows_offline_and_no_current_call(qtbot, controller, client, make_board) -> None:
    app, board = make_board()
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    controller.stop()
    qtbot.waitUntil(lambda: bool(board.texts("banner.offline")), timeout=WAIT)
    assert app.model.liveness is Liveness.OFFLINE
    assert now_calling(board) == []  # still within highlight_s, but not current


def test_offline_last_will_seen_by_a_late_board(qtbot, controller, client, make_board) -> None:
    ticket(client, "tax")
    call(client, "5")
    controller.stop()  # retained "offline" stays on the broker
    _, board = make_board(live=False)
    qtbot.waitUntil(lambda: bool(board.texts("banner.offline")), timeout=WAIT)
    assert now_calling(board) == []


def test_no_state_received_for_stale_s_shows_stale(qtbot, controller, client, make_board) -> None:
    mono = FakeMonotonic()
    app, board = make_board(monotonic=mono)
    ticket(client, "tax")
    number = call(client, "5")
    win = lambda: app.model.state.window("5")  # noqa: E731 (state/windows comes last)
    qtbot.waitUntil(
        lambda: now_calling(board) == [number] and win() is not None and win().ticket == number, timeout=WAIT
    )
    mono.t += app.board.stale_s + 1  # hall clock unchanged: the call is young
    app.model.tick()
    qtbot.waitUntil(lambda: bool(board.texts("banner.stale")), timeout=WAIT)
    assert now_calling(board) == []
    ticket(client, "tax")  # the controller speaks again: fresh state
    qtbot.waitUntil(lambda: app.model.liveness is Liveness.LIVE and not board.texts("banner."), timeout=WAIT)


def test_privacy_nothing_but_ticket_numbers(qtbot, controller, client, broker, make_board) -> None:
    """Identity hashes, names and phones sent along (by mistake or malice) are never drawn."""
    identity = "ab" * 32
    reply = client.send("ticket", {"service": "social-insurance", "source": "kiosk-2", "identity": identity})
    assert reply.ok and reply.ticket is not None
    number = call(client, "8")
    _, board = make_board()
    # raw JSON on purpose: keys the contract does not have must be ignored, never drawn
    client.publish(
        client.topics.event("call"),
        {
            "v": 1,
            "ts": "2026-11-26T10:00:00+08:00",
            "ticket": "C999",
            "window": "9",
            "service": "social-insurance",
            "recall": False,
            "name": "张三",
            "phone": "13800138000",
            "identity": identity,
            "announce": {"zh": "张三请到9号窗口", "en": "Zhang San"},
        },
    )
    qtbot.waitUntil(lambda: "C999" in now_calling(board) and number in now_calling(board), timeout=WAIT)
    everything = " ".join(d.text for d in board.last_frame)
    for secret in ("张三", "Zhang", "13800138000", identity, identity[:10], reply.ticket.verify):
        assert secret not in everything
    for role in ("call.ticket", "recent.ticket"):
        assert all(TICKET.match(t) for t in board.texts(role))


def test_a_payload_that_is_not_the_contract_changes_nothing(qtbot, controller, client, clock, make_board) -> None:
    app, board = make_board()
    ticket(client, "tax")
    number = call(client, "5")
    win = lambda: app.model.state.window("5")  # noqa: E731
    qtbot.waitUntil(
        lambda: now_calling(board) == [number] and win() is not None and win().ticket == number, timeout=WAIT
    )
    before = app.model.state.windows
    client.publish(
        client.topics.state("windows"),
        {"v": 1, "ts": clock.now().isoformat(), "windows": [{"id": "5", "status": "weird"}]},
    )
    client.publish(client.topics.event("call"), b"not json")
    client.publish(
        client.topics.event("call"),
        {"v": 2, "ts": clock.now().isoformat(), "ticket": "X001", "window": "9", "service": "tax"},
    )
    # one publisher's messages arrive in order: once this call shows, the bad ones were handled
    client.publish(client.topics.event("call"), CallEvent(ts=clock.now(), ticket="Z001", window="9", service="tax"))
    qtbot.waitUntil(lambda: "Z001" in now_calling(board), timeout=WAIT)
    assert app.model.state.windows == before and app.model.liveness is Liveness.LIVE
    assert "X001" not in now_calling(board)


def test_board_without_broker_says_link_down(qtbot, hall, clock) -> None:
    from tideq.testing import free_port

    app = DisplayApp(hall.hall, Board(id="main"), f"mqtt://127.0.0.1:{free_port()}", clock=clock).start()
    board = BoardWidget(app.model, Layout.FHD)
    qtbot.addWidget(board)
    board.show()
    try:
        qtbot.waitUntil(lambda: bool(board.texts("banner.link_down")), timeout=WAIT)
        assert now_calling(board) == []
    finally:
        app.stop()


def test_board_speaks_calls_in_its_configured_languages(qtbot, controller, client, make_board, tmp_path) -> None:
    """The hall file's voice settings reach the announcer: English only, said twice."""
    from tideq.drivers.audio import FilePlayer

    app, _ = make_board()
    app.board = app.board.model_copy(update={"voice_order": ["en"], "voice_repeat": 2})
    player = FilePlayer(tmp_path / "played", time_scale=0.01)
    assert app.start_voice(tmp_path / "cache", player=player)
    ticket(client, "tax")
    call(client, "5")
    qtbot.waitUntil(lambda: len(player.records) >= 2, timeout=WAIT * 3)
    assert len(player.records) == 2
    assert all(r.copy.name[5:].startswith("espeak-en-") for r in player.records)  # English only, no Chinese


def test_a_board_without_a_sound_device_warns_once_and_shows_calls(
    qtbot, controller, client, make_board, tmp_path, caplog
) -> None:
    from tideq.drivers.audio.player import SubprocessPlayer

    class NoCard(SubprocessPlayer):
        command = ("sh", "-c", "echo 'play FAIL sox: no default audio device configured' >&2; exit 1", "{}")

    app, board = make_board()
    with caplog.at_level("WARNING"):
        assert not app.start_voice(tmp_path / "cache", player=NoCard())
        ticket(client, "tax")
        number = call(client, "5")
        qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    voice = [r for r in caplog.records if "sound device" in r.getMessage()]
    assert len(voice) == 1 and voice[0].exc_info is None and app.voice is None


def test_highlight_lasts_highlight_s_in_real_seconds_whatever_the_hall_speed(
    qtbot, controller, client, clock, make_board
) -> None:
    """A demo hall clock runs 20x: the highlight is for people, so it is counted in real seconds."""
    mono = FakeMonotonic()
    app, board = make_board(monotonic=mono)
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    clock.advance(seconds=app.board.highlight_s * 20)  # hall time flies, real time stood still
    ticket(client, "tax")  # fresh state stamped with the new hall time
    qtbot.waitUntil(lambda: app.model.state.newest_ts == clock.now(), timeout=WAIT)
    app.model.tick()
    assert now_calling(board) == [number]
    mono.t += app.board.highlight_s - 1
    app.model.tick()
    assert now_calling(board) == [number]
    mono.t += 2
    app.model.tick()
    qtbot.waitUntil(lambda: now_calling(board) == [] and number in board.texts("recent.ticket"), timeout=WAIT)


def test_a_recall_shows_as_now_calling_again_after_the_first_call_expired(
    qtbot, controller, client, clock, make_board
) -> None:
    mono = FakeMonotonic()
    app, board = make_board(monotonic=mono)
    ticket(client, "tax")
    number = call(client, "5")
    qtbot.waitUntil(lambda: now_calling(board) == [number], timeout=WAIT)
    clock.advance(seconds=90)
    mono.t += app.board.highlight_s + 1
    app.model.tick()
    qtbot.waitUntil(lambda: now_calling(board) == [], timeout=WAIT)
    assert client.send("window/5", {"action": "recall"}).ok
    qtbot.waitUntil(lambda: now_calling(board) == [number] and bool(board.texts("call.recall")), timeout=WAIT)
    mono.t += 1
    app.model.tick()
    assert now_calling(board) == [number]
    mono.t += app.board.highlight_s
    app.model.tick()
    qtbot.waitUntil(lambda: now_calling(board) == [] and number in board.texts("recent.ticket"), timeout=WAIT)
