"""A screen's own health on the bus (`health/{board}`, kind `board`): `ok` on connect, `stale` while
it shows stale state, `offline` on a clean stop, and the broker's last will when the process dies
(a real `tideq display` process killed with SIGKILL). Own file: `broker` is module-scoped."""

from __future__ import annotations

import signal
import time

from tideq.config import EXAMPLE_HALL
from tideq.contract import DeviceKind, HealthState
from tideq.display.app import DisplayApp, board_config
from tideq.display.hallstate import Liveness

from ..kiosk.helpers import HealthWatch, retained_health, start_app
from .conftest import WAIT, FakeMonotonic, call, ticket

HALL = "xian-hitech"
KEEPALIVE_S = 10.0  # BusClient's keep-alive
WILL_WITHIN_S = 1.5 * KEEPALIVE_S + 3.0  # Mosquitto gives up on a silent client after 1.5 x keep-alive
START_S = 30.0  # a Qt process's cold start on a shared, busy box


def test_killed_board_turns_offline_within_the_keepalive(broker, tmp_path) -> None:
    watch = HealthWatch(broker.url, HALL, "main")
    proc = start_app(
        ["display", "--config", str(EXAMPLE_HALL), "--board", "main", "--broker", broker.url, "--no-voice"],
        tmp_path / "board.log",
    )
    try:
        _, ok = watch.wait(HealthState.OK, timeout=START_S)
        assert (ok.device, ok.kind) == ("main", DeviceKind.BOARD)
        assert retained_health(broker.url, HALL, "main").state is HealthState.OK
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        killed = time.monotonic()
        at, will = watch.wait(HealthState.OFFLINE, timeout=WILL_WITHIN_S)
        assert at - killed < WILL_WITHIN_S
        assert (will.device, will.kind, will.reason) == ("main", DeviceKind.BOARD, "connection lost")
        assert retained_health(broker.url, HALL, "main").state is HealthState.OFFLINE
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        watch.close()
    assert "Traceback" not in (tmp_path / "board.log").read_text(errors="replace")


def test_board_says_stale_while_it_shows_stale_state(qtbot, broker, controller, client, make_board) -> None:
    watch = HealthWatch(broker.url, HALL, "main")
    try:
        mono = FakeMonotonic()
        app, board = make_board(monotonic=mono)
        qtbot.waitUntil(lambda: watch.has(HealthState.OK), timeout=WAIT)
        mono.t += app.board.stale_s + 1  # no state for stale_s: a hung controller
        app.model.tick()
        qtbot.waitUntil(lambda: watch.has(HealthState.STALE), timeout=WAIT)
        stale = watch.wait(HealthState.STALE)[1]
        assert stale.reason and f"{app.board.stale_s:g} s" in stale.reason
        qtbot.waitUntil(lambda: bool(board.texts("banner.stale")), timeout=WAIT)  # it says so on screen too
        seen = len(watch.reports)
        ticket(client, "tax")  # the controller speaks again
        call(client, "5")
        qtbot.waitUntil(lambda: app.model.liveness is Liveness.LIVE, timeout=WAIT)
        qtbot.waitUntil(lambda: watch.has(HealthState.OK, after=seen), timeout=WAIT)
    finally:
        watch.close()


def test_window_screen_reports_as_window_screen_n_and_says_goodbye(qtbot, hall, broker, clock) -> None:
    watch = HealthWatch(broker.url, HALL, "window-screen-5")
    app = DisplayApp(hall.hall, board_config(hall.hall, None, "5"), broker.url, clock=clock).start()
    try:
        qtbot.waitUntil(lambda: watch.has(HealthState.OK), timeout=WAIT)
        ok = watch.wait(HealthState.OK)[1]
        assert (ok.device, ok.kind) == ("window-screen-5", DeviceKind.BOARD)
        app.stop()  # a clean stop fires no will: it says offline itself
        _, bye = watch.wait(HealthState.OFFLINE)
        assert (bye.device, bye.reason) == ("window-screen-5", "stopped")
    finally:
        watch.close()
