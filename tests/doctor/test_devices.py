"""Serial lines and cameras through the real drivers: keypads polled on a pty line with the
RS-485 keypad master, a camera opened from a video file with OpenCV; and the doctor's own
guarantees (a check that hangs or raises becomes a FAIL, never a hang or a crash)."""

from __future__ import annotations

import threading

import cv2
import numpy as np

from tideq.doctor.result import Check, Level, ok, run_all
from tideq.drivers.keypad.sim import KeypadBusSim

from .conftest import by_check, failures

QUICK = ("--clock-wait", "0")


def test_a_silent_keypad_is_named_and_a_full_line_passes(hall, doctor, monkeypatch):
    monkeypatch.setenv("TIDEQ_BROKER_PASSWORD", hall.files.passwords["bridge-keys"])
    with KeypadBusSim() as line:
        line.add_keypad(1)  # address 2 is configured but unplugged
        hall.write(bus_url=line.url)
        rc, report = doctor(hall.path, "--role", "bridge", "--id", "keys", *QUICK)
        assert rc == 2
        assert failures(report) == ["bus"]
        bus = by_check(report, "bus")[0]
        assert "no answer from keypad address(es) 2 of 2" in bus["message"]
        assert bus["detail"]["states"] == {"1": "ok", "2": "quiet"}
        line.add_keypad(2)
        rc, report = doctor(hall.path, "--role", "bridge", "--id", "keys", *QUICK)
        assert rc == 0, report
        assert by_check(report, "bus")[0]["level"] == "ok"


def test_a_missing_serial_port_says_how_to_find_it(hall, doctor, monkeypatch):
    monkeypatch.setenv("TIDEQ_BROKER_PASSWORD", hall.files.passwords["bridge-keys"])
    rc, report = doctor(hall.path, "--role", "bridge", "--id", "keys", *QUICK)  # /dev/ttyDOCTOR-none
    assert rc == 2 and failures(report) == ["serial"]
    assert "/dev/serial/by-id" in by_check(report, "serial")[0]["fix"]


def test_the_camera_gives_a_frame_or_says_why_not(hall, doctor, tmp_path, monkeypatch):
    monkeypatch.setenv("TIDEQ_BROKER_PASSWORD", hall.files.passwords["camera-cam-1"])
    rc, report = doctor(hall.path, "--role", "camera", "--id", "cam-1", *QUICK)
    assert rc == 2 and failures(report) == ["camera"]
    assert "does not exist" in by_check(report, "camera")[0]["message"]
    video = tmp_path / "hall.avi"
    out = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (160, 120))
    for i in range(5):
        out.write(np.full((120, 160, 3), 40 * i, np.uint8))
    out.release()
    hall.write(camera_url="hall.avi")  # relative to the hall file, as `tideq camera` reads it
    rc, report = doctor(hall.path, "--role", "camera", "--id", "cam-1", *QUICK)
    assert rc == 0, report
    cam = by_check(report, "camera")[0]
    assert cam["level"] == "ok" and (cam["detail"]["width"], cam["detail"]["height"]) == (160, 120)


def test_a_hanging_or_crashing_check_is_a_fail_and_the_rest_still_run():
    never = threading.Event()

    def hangs() -> list:  # type: ignore[type-arg]
        never.wait()
        return []

    def raises() -> list:  # type: ignore[type-arg]
        raise KeyError("boom")

    results = run_all(
        [
            Check("printer", "hangs", hangs, timeout_s=0.2),
            Check("camera", "raises", raises),
            Check("fonts", "zh", lambda: ok("fonts", "zh", "fine")),
        ]
    )
    never.set()
    assert [(r.check, r.level) for r in results] == [
        ("printer", Level.FAIL),
        ("camera", Level.FAIL),
        ("fonts", Level.OK),
    ]
    assert "did not finish within 0.2 s" in results[0].message
    assert "KeyError" in results[1].message
