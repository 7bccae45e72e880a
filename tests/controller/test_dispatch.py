"""What a command payload is before anything reads its fields (dispatch.parse), and crowd
readings dated on the hall clock (sensors.py)."""

from __future__ import annotations

import json
from datetime import timedelta

from tideq.contract import MAX_IMPORT_PAYLOAD, MAX_PAYLOAD, ErrorCode
from tideq.controller.dispatch import MAX_PARSE, Readable, TooLarge, Unreadable, parse
from tideq.controller.inbox import Reading
from tideq.controller.sensors import CrowdReadings

from .conftest import THURSDAY_10, TZ


def test_a_readable_object_keeps_its_id():
    got = parse("ticket", json.dumps({"id": "c1", "service": "tax"}).encode())
    assert isinstance(got, Readable) and got.cid == "c1" and got.body["service"] == "tax"


def test_oversize_is_its_own_outcome_with_who_to_answer():
    payload = json.dumps({"id": "c2", "padding": "x" * MAX_PAYLOAD}).encode()
    assert parse("ticket", payload) == TooLarge("c2", len(payload), MAX_PAYLOAD)
    assert isinstance(parse("appointments", payload), Readable)  # imports may be larger
    big = json.dumps({"id": "c3", "padding": "x" * MAX_IMPORT_PAYLOAD}).encode()
    assert parse("appointments", big) == TooLarge("c3", len(big), MAX_IMPORT_PAYLOAD)


def test_a_body_cannot_smuggle_the_oversize_outcome():
    got = parse("ticket", json.dumps({"id": "c4", "_too_large": 70_000}).encode())
    assert isinstance(got, Readable)


def test_what_nobody_can_be_answered_for():
    bad = parse("ticket", b"{not json")
    assert isinstance(bad, Unreadable) and bad.code == "bad_json" and "line 1" in bad.detail
    assert parse("ticket", b"[1, 2]") == Unreadable("bad_json", "payload must be a JSON object")
    deep = parse("ticket", b"[" * 5000 + b"]" * 5000)
    assert isinstance(deep, Unreadable) and deep.code is ErrorCode.BAD_JSON and "nested too deeply" in deep.detail
    huge = b" " * (MAX_PARSE + 1)
    assert parse("ticket", huge) == Unreadable(
        ErrorCode.PAYLOAD_TOO_LARGE, f"payload of {len(huge)} bytes exceeds {MAX_PARSE}"
    )


def reading(level: str, ts) -> Reading:
    return Reading("zone-a", json.dumps({"v": 1, "ts": ts.isoformat(), "count": 9, "level": level}).encode())


def test_a_reading_is_dated_on_the_hall_clock_from_its_age():
    wall = THURSDAY_10.replace(year=2030, hour=15)  # the camera's and controller's wall clock
    readings = CrowdReadings(wall=lambda: wall)
    hall_now = THURSDAY_10  # a demo hall clock, far from the wall clock
    readings.record(reading("crowded", wall - timedelta(seconds=20)), hall_now)
    assert readings.zones == {"zone-a": ("crowded", hall_now - timedelta(seconds=20))}
    readings.record(reading("crowded", wall + timedelta(seconds=5)), hall_now)  # camera clock ahead: age 0
    assert readings.zones["zone-a"][1] == hall_now


def test_a_bad_reading_leaves_the_last_one_standing():
    wall = THURSDAY_10.astimezone(TZ)
    readings = CrowdReadings(wall=lambda: wall)
    readings.record(reading("busy", wall), THURSDAY_10)
    for bad in (
        b"",
        b"{}",
        b"[" * 5000,
        reading("packed", wall).payload,
        json.dumps({"level": "low", "ts": "yesterday"}).encode(),
    ):
        readings.record(Reading("zone-a", bad), THURSDAY_10 + timedelta(seconds=30))
    assert readings.zones == {"zone-a": ("busy", THURSDAY_10)}
