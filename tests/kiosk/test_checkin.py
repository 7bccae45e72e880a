"""Appointment check-in: keypad, serial scanner, camera QR, ID card; early, late, unknown."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np
import pytest
import segno

from tideq.contract import ErrorCode, Priority
from tideq.contract.identity import identity_hash
from tideq.kiosk.devices import CameraScanner
from tideq.kiosk.model import Action, Screen

from ..conftest import HALL_SECRET, THURSDAY_10
from .conftest import ID_B
from .helpers import T, home_tile, tap, wait_screen


def _appointments(client, **codes: timedelta) -> None:
    items = []
    for code, offset in codes.items():
        start = THURSDAY_10 + offset
        items.append(
            {
                "code": code,
                "service": "tax",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "name_masked": "张三",
            }
        )
    items.append(
        {
            "code": "IDCARD01",
            "service": "real-estate",
            "start": (THURSDAY_10 + timedelta(minutes=10)).isoformat(),
            "end": (THURSDAY_10 + timedelta(minutes=40)).isoformat(),
            "identity": identity_hash(HALL_SECRET.encode(), ID_B),
        }
    )
    assert client.send("appointments", {"appointments": items}).ok


def _keypad(qtbot, rig, code: str) -> None:
    view = rig.view(Screen.CHECKIN)
    for ch in code:
        tap(qtbot, view.keys[ch])
    qtbot.waitUntil(lambda: view.code.text() == code, timeout=T)
    tap(qtbot, view.ok)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_time_keypad_checkin(qtbot, rig, client, lang):
    _appointments(client, **{"20261126": timedelta(minutes=15)})
    if lang == "en":
        rig.model.toggle_lang()
    tap(qtbot, home_tile(rig, Screen.CHECKIN))
    wait_screen(qtbot, rig, Screen.CHECKIN)
    _keypad(qtbot, rig, "20261126")
    wait_screen(qtbot, rig, Screen.TICKET)
    view = rig.view(Screen.TICKET)
    qtbot.waitUntil(lambda: view.tag.isVisible(), timeout=T)
    assert view.tag.text() == ("Appointment" if lang == "en" else "预约")
    assert rig.model.ticket.priority is Priority.APPOINTMENT
    assert rig.printer.wait_for_tickets(1)


def test_early_arrival_is_told_when_to_come_back(qtbot, rig, client):
    _appointments(client, **{"30001111": timedelta(hours=1)})  # 11:00, check-in opens 10:30
    tap(qtbot, home_tile(rig, Screen.CHECKIN))
    _keypad(qtbot, rig, "30001111")
    wait_screen(qtbot, rig, Screen.REFUSAL)
    view = rig.view(Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.APPOINTMENT_EARLY
    qtbot.waitUntil(lambda: "10:30" in view.message.text(), timeout=T)
    assert Action.GUIDE in view.buttons and Action.HOME in view.buttons


def test_late_arrival_becomes_walk_in_with_explanation(qtbot, rig, client):
    _appointments(client, **{"40002222": -timedelta(hours=1)})  # 09:00 slot, grace 15 min
    tap(qtbot, home_tile(rig, Screen.CHECKIN))
    _keypad(qtbot, rig, "40002222")
    wait_screen(qtbot, rig, Screen.TICKET)
    view = rig.view(Screen.TICKET)
    qtbot.waitUntil(lambda: view.note.isVisible() and "现场号" in view.note.text(), timeout=T)
    assert rig.model.ticket.priority is Priority.NORMAL
    rig.model.toggle_lang()
    qtbot.waitUntil(lambda: "walk-in" in view.note.text(), timeout=T)


def test_unknown_code_says_where_to_get_help(qtbot, rig):
    tap(qtbot, home_tile(rig, Screen.CHECKIN))
    _keypad(qtbot, rig, "99999")
    wait_screen(qtbot, rig, Screen.REFUSAL)
    view = rig.view(Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.APPOINTMENT_UNKNOWN
    qtbot.waitUntil(lambda: "综合咨询" in view.guide.text(), timeout=T)
    tap(qtbot, view.buttons[Action.TAKE])  # no dead end: walk in instead
    wait_screen(qtbot, rig, Screen.SERVICES)


def test_short_code_is_explained_not_sent(qtbot, rig):
    sent = []
    rig.model.send.connect(lambda *a: sent.append(a))
    tap(qtbot, home_tile(rig, Screen.CHECKIN))
    _keypad(qtbot, rig, "12")
    view = rig.view(Screen.CHECKIN)
    qtbot.waitUntil(lambda: view.notice.text() == rig.model.t("checkin.short"), timeout=T)
    assert sent == []


def test_serial_scanner_checks_in_from_home(qtbot, rig, client):
    _appointments(client, **{"SCAN5555": timedelta(minutes=5)})
    rig.scanner.scan("https://zwfw.example.gov.cn/appt?code=SCAN5555&x=1")
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.priority is Priority.APPOINTMENT


def test_id_card_checkin(qtbot, rig, client):
    _appointments(client)
    tap(qtbot, home_tile(rig, Screen.CHECKIN))
    wait_screen(qtbot, rig, Screen.CHECKIN)
    rig.reader.present(ID_B)
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.service == "real-estate"


def _qr_video(path, text: str) -> None:
    qr = segno.make(text, error="m")
    png = path.with_suffix(".png")
    qr.save(str(png), scale=8, border=4)
    img = cv2.imread(str(png))
    frame = np.full((480, 640, 3), 255, np.uint8)
    y, x = (480 - img.shape[0]) // 2, (640 - img.shape[1]) // 2
    frame[y : y + img.shape[0], x : x + img.shape[1]] = img
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(5):
        out.write(np.full((480, 640, 3), 255, np.uint8))
    for _ in range(10):
        out.write(frame)
    out.release()


def test_camera_qr_checkin(qtbot, rig, client, tmp_path):
    _appointments(client, **{"CAM77777": timedelta(minutes=5)})
    video = tmp_path / "qr.avi"
    _qr_video(video, "tideq-appt:CAM77777")
    cam = CameraScanner(str(video), fps=50)
    cam.code.connect(rig.model.scanned)
    with qtbot.waitSignal(cam.ended, timeout=T):
        cam.start()
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.priority is Priority.APPOINTMENT
    cam.stop()
