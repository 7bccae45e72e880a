"""Printer failure, controller offline, idle reset, attract state."""

from __future__ import annotations

import threading

from tideq.contract import BusClient, DeviceKind, ErrorCode, Health, HealthState
from tideq.kiosk.model import Link, PrintState, Screen

from .conftest import make_rig
from .helpers import T, home_tile, service_tile, tap, wait_screen


def test_printer_failure_keeps_ticket_on_screen_and_flags_staff(qtbot, rig, broker):
    seen: list[Health] = []
    got = threading.Event()
    watcher = BusClient(broker.url, "xian-hitech", "test-health")

    def on_health(topic: str, health: Health) -> None:
        if health.kind is DeviceKind.KIOSK:
            seen.append(health)
            if health.state is HealthState.ATTENTION:
                got.set()

    watcher.on("tideq/xian-hitech/health/kiosk-1", Health, on_health)
    watcher.connect()
    try:
        rig.printer.set_state(paper="out")
        tap(qtbot, home_tile(rig, Screen.SERVICES))
        tap(qtbot, service_tile(qtbot, rig, "tax"))
        wait_screen(qtbot, rig, Screen.TICKET)
        view = rig.view(Screen.TICKET)
        qtbot.waitUntil(lambda: rig.model.ticket.print_state is PrintState.FAILED, timeout=T)
        qtbot.waitUntil(lambda: "拍照" in view.status.text(), timeout=T)
        assert view.number.text() == "B001" and not view.qr.pixmap().isNull()
        assert rig.printer.tickets == []
        assert got.wait(5)
        assert seen[-1].problems == {"printer": "printer_paper_out"} and seen[-1].last_ticket == "B001"
        rig.window.dwell.setInterval(50)
        rig.window._arm_dwell()
        assert not rig.window.dwell.isActive()  # a failed print stays up to be photographed
    finally:
        watcher.close()


def test_controller_offline_banner_and_polite_refusal(qtbot, rig, controller):
    assert not rig.window.banner.isVisible()
    controller.stop()
    qtbot.waitUntil(lambda: rig.window.banner.isVisible(), timeout=T)
    assert "离线" in rig.window.banner.text()
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tile = service_tile(qtbot, rig, "tax")
    tap(qtbot, tile)
    wait_screen(qtbot, rig, Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.CONTROLLER_UNREACHABLE
    assert rig.model.ticket is None and rig.printer.tickets == []
    rig.model.toggle_lang()
    qtbot.waitUntil(lambda: "offline" in rig.window.banner.text(), timeout=T)
    # the guide still works offline
    rig.model.go_home()
    tap(qtbot, home_tile(rig, Screen.GUIDE))
    wait_screen(qtbot, rig, Screen.GUIDE)


def test_no_broker_at_all_shows_banner(qtbot, hall, tmp_path):
    from tideq.testing import free_port

    rig = make_rig(qtbot, hall, f"mqtt://127.0.0.1:{free_port()}", tmp_path, wait_online=False)
    try:
        qtbot.waitUntil(lambda: rig.model.link is Link.OFFLINE and rig.window.banner.isVisible(), timeout=T)
        tap(qtbot, home_tile(rig, Screen.SERVICES))
        tap(qtbot, service_tile(qtbot, rig, "tax"))
        wait_screen(qtbot, rig, Screen.REFUSAL)
        assert rig.model.refusal.code is ErrorCode.CONTROLLER_UNREACHABLE
    finally:
        rig.app.stop()
        rig.reader.close()
        rig.scanner.close()


def test_idle_reset_clears_what_the_visitor_entered(qtbot, hall, broker, controller, tmp_path):
    rig = make_rig(qtbot, hall, broker.url, tmp_path, idle_s=0.3)
    try:
        tap(qtbot, home_tile(rig, Screen.CHECKIN))
        view = rig.view(Screen.CHECKIN)
        tap(qtbot, view.keys["7"])
        tap(qtbot, rig.window.lang_btn)
        tap(qtbot, rig.window.large_btn)
        qtbot.waitUntil(lambda: rig.model.code == "7" and rig.model.large, timeout=T)
        wait_screen(qtbot, rig, Screen.HOME)  # 0.3 s without a touch
        assert rig.model.code == "" and rig.model.lang.value == "zh" and not rig.model.large
        assert rig.model.pending is None and rig.model.ticket is None
        wait_screen(qtbot, rig, Screen.ATTRACT)  # and then the attract state
        assert not rig.window.header.isVisible()
        qtbot.mouseClick(rig.view(Screen.ATTRACT), __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton)
        wait_screen(qtbot, rig, Screen.HOME)
    finally:
        rig.app.stop()
        rig.reader.close()
        rig.scanner.close()


def test_touch_restarts_the_idle_timer(qtbot, hall, broker, controller, tmp_path):
    rig = make_rig(qtbot, hall, broker.url, tmp_path, idle_s=1.0)
    try:
        tap(qtbot, home_tile(rig, Screen.CHECKIN))
        for _ in range(3):  # keep touching: the timer restarts each time
            qtbot.wait(400)
            tap(qtbot, rig.view(Screen.CHECKIN).keys["1"])
        assert rig.model.screen is Screen.CHECKIN and rig.model.code == "111"
        wait_screen(qtbot, rig, Screen.HOME)
    finally:
        rig.app.stop()
        rig.reader.close()
        rig.scanner.close()
