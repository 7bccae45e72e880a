"""The booking API over HTTP (httpx against uvicorn), through the gateway's bus login to a real
controller on a real Mosquitto: API keys, a batch with bad rows, the same push twice, cancel,
reschedule, check-in / no-show status, personal data masked before the bus, OpenAPI."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta

from tideq.contract.identity import identity_hash

from ..conftest import HALL_SECRET, THURSDAY_10
from ..importer.helpers import id_number, wrong_check_digit
from .conftest_booking import KEYS, ZSYY

ID_OK = id_number("61011319900307123")
ID_BAD = wrong_check_digit("61011319851111456")


def slot(minutes: int, length: int = 30) -> tuple[str, str]:
    start = THURSDAY_10 + timedelta(minutes=minutes)
    return start.isoformat(), (start + timedelta(minutes=length)).isoformat()


def booking(code: str, service: str = "tax", at: int = 30, **extra) -> dict:
    start, end = slot(at)
    return {"code": code, "service": service, "start": start, "end": end, **extra}


def push(http, batch_id: str, rows: list[dict], headers=ZSYY):
    return http.post("/booking/v1/bookings", json={"batch_id": batch_id, "bookings": rows}, headers=headers)


def stored_events(controller) -> list[tuple[str, str]]:
    db = sqlite3.connect(f"file:{controller.data_dir / 'events.sqlite3'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT kind, data FROM events ORDER BY seq").fetchall()
    finally:
        db.close()


def test_no_key_or_a_wrong_key_is_401_with_a_clear_error(booking_api, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "k-not-a-key-of-this-hall-0000"
    for headers in ({}, {"Authorization": f"Bearer {wrong}"}, {"X-API-Key": wrong}, {"Authorization": "Basic eDp5"}):
        r = booking_api.get("/booking/v1/bookings/YY0001", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"
        err = r.json()["detail"]
        assert err["code"] == "unauthorized" and "X-API-Key" in err["guide"]["en"] and err["message"]["zh"]
        assert wrong not in r.text
    both = [booking_api.get("/booking/v1/bookings/NOPE1", headers=h) for h in (ZSYY, {"X-API-Key": KEYS["other"]})]
    assert [r.status_code for r in both] == [404, 404]  # past auth: the booking is unknown
    for key in (wrong, *KEYS.values()):
        assert key not in caplog.text


def test_a_batch_with_bad_rows_imports_the_good_ones_with_a_result_per_row(booking_api, controller):
    rows = [
        booking("yy1001", name="王小明", phone="13812345678", id_number=ID_OK),
        booking("YY1002", service="综合咨询"),  # the hall takes no bookings for general enquiries
        {**booking("YY1003"), "end": slot(0)[0]},  # ends before it starts
        booking("YY1004", id_number=ID_BAD, name="李四"),
        booking("YY1005", service="社保医保", at=60, name="赵六", phone="+86 139 1234 5678"),
        booking("YY1001"),  # the same code twice in one batch
        {"service": "tax"},  # no code, no times
        "YY1009",  # not an object
    ]
    r = push(booking_api, "b-1", rows)
    assert r.status_code == 200, r.text
    body = r.json()
    got = [(x["index"], x["code"], x["status"], (x.get("error") or {}).get("code")) for x in body["results"]]
    assert got == [
        (0, "YY1001", "created", None),
        (1, "YY1002", "refused", "service_not_bookable"),
        (2, "YY1003", "refused", "bad_payload"),
        (3, "YY1004", "refused", "bad_payload"),
        (4, "YY1005", "created", None),
        (5, "YY1001", "refused", "bad_payload"),
        (6, None, "refused", "bad_payload"),
        (7, None, "refused", "bad_payload"),
    ]
    assert (body["created"], body["updated"], body["unchanged"], body["refused"]) == (2, 0, 0, 6)
    errors = {x["index"]: x["error"] for x in body["results"] if x.get("error")}
    assert "end must be after start" in errors[2]["message"]["en"] and errors[2]["guide"]["zh"]
    assert errors[3]["field"] == "id_number" and "check digit" in errors[3]["message"]["en"]
    assert "walk-in" in errors[1]["guide"]["en"]
    assert ID_BAD not in r.text and "李四" not in r.text and "王小明" not in r.text

    appts = controller.engine.appointments
    assert set(appts) == {"YY1001", "YY1005"}
    a = appts["YY1001"]
    assert (a.name_masked, a.phone_masked) == ("王**", "138****5678")
    assert a.identity == identity_hash(HALL_SECRET.encode(), ID_OK)
    assert (appts["YY1005"].service, appts["YY1005"].phone_masked) == ("social-insurance", "139****5678")
    disk = "".join(d for _, d in stored_events(controller))
    for secret in ("王小明", "13812345678", ID_OK, "赵六", "12345678"):
        assert secret not in disk


def test_the_same_push_twice_changes_nothing_and_answers_the_same(booking_api, controller):
    rows = [booking("YY2001"), booking("YY2002", service="nope"), booking("YY2003", at=90)]
    first = push(booking_api, "b-2", rows)
    assert first.status_code == 200
    events = len(stored_events(controller))
    again = push(booking_api, "b-2", rows)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert [x["status"] for x in again.json()["results"]] == ["created", "refused", "created"]
    assert len(stored_events(controller)) == events  # nothing stored the second time
    # the same bookings under a new batch id: carried out again, and every row says so
    third = push(booking_api, "b-3", rows)
    assert [x["status"] for x in third.json()["results"]] == ["unchanged", "refused", "unchanged"]
    assert len(stored_events(controller)) == events
    moved = push(booking_api, "b-4", [booking("YY2001", at=120)])
    assert moved.json()["results"][0]["status"] == "updated"
    assert controller.engine.appointments["YY2001"].start == THURSDAY_10 + timedelta(minutes=120)


def test_cancel_then_checkin_is_refused_and_a_second_cancel_changes_nothing(booking_api, controller, kiosk):
    push(booking_api, "b-5", [booking("YY3001", at=5)])
    r = booking_api.post("/booking/v1/bookings/yy3001/cancel", json={"reason": "visitor 13812345678 cancelled"})
    assert r.status_code == 401  # no key
    r = booking_api.post("/booking/v1/bookings/yy3001/cancel", json={"reason": "visitor cancelled"}, headers=ZSYY)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["cancelled_at"]
    reply = kiosk.send("checkin", {"code": "YY3001", "source": "kiosk-1"})
    assert not reply.ok and reply.code is not None and reply.code.value == "appointment_cancelled"
    assert "walk-in" in reply.error.guide.en
    events = len(stored_events(controller))
    again = booking_api.post("/booking/v1/bookings/YY3001/cancel", headers=ZSYY)
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert len(stored_events(controller)) == events
    unknown = booking_api.post("/booking/v1/bookings/NOPE9/cancel", headers=ZSYY)
    assert unknown.status_code == 404
    assert unknown.json()["detail"]["code"] == "appointment_unknown"
    assert "Push it first (POST /booking/v1/bookings)" in unknown.json()["detail"]["guide"]["en"]


def test_reschedule_moves_the_slot_and_is_refused_once_checked_in(booking_api, controller, kiosk):
    push(booking_api, "b-6", [booking("YY4001", at=5), booking("YY4002", at=5)])
    start, end = slot(24 * 60)  # tomorrow
    r = booking_api.post("/booking/v1/bookings/YY4001/reschedule", json={"start": start, "end": end}, headers=ZSYY)
    assert r.status_code == 200, r.text
    assert r.json()["start"].startswith("2026-11-27T10:00") and r.json()["status"] == "pending"
    reply = kiosk.send("checkin", {"code": "YY4001", "source": "kiosk-1"})
    assert reply.code is not None and reply.code.value == "appointment_other_day"  # the kiosk sees the new slot
    naive = booking_api.post(
        "/booking/v1/bookings/YY4001/reschedule",
        json={"start": "2026-11-27 09:00", "end": "2026-11-27 09:30"},
        headers=ZSYY,
    )
    assert naive.json()["start"].startswith("2026-11-27T09:00:00") and naive.json()["start"].endswith("+08:00")

    assert kiosk.send("checkin", {"code": "YY4002", "source": "kiosk-1"}).ok
    refused = booking_api.post(
        "/booking/v1/bookings/YY4002/reschedule", json={"start": start, "end": end}, headers=ZSYY
    )
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail["code"] == "appointment_checked_in" and detail["ticket"].startswith("B")
    backwards = booking_api.post(
        "/booking/v1/bookings/YY4001/reschedule", json={"start": end, "end": start}, headers=ZSYY
    )
    assert backwards.status_code == 422 and backwards.json()["detail"]["field"] == "end"


def test_status_pending_checked_in_no_show(booking_api, controller, kiosk, clock):
    push(booking_api, "b-7", [booking("YY5001", at=5), booking("YY5002", at=5)])
    status = lambda code: booking_api.get(f"/booking/v1/bookings/{code}", headers=ZSYY).json()  # noqa: E731
    assert status("YY5001")["status"] == "pending"
    ticket = kiosk.send("checkin", {"code": "YY5001", "source": "kiosk-1"}).ticket
    assert ticket is not None
    s = status("yy5001")
    assert (s["status"], s["ticket"], s["ticket_status"]) == ("checked_in", ticket.number, "waiting")
    assert s["checked_in_at"]
    clock.advance(minutes=40)  # the slot (10:05-10:35) is over
    assert status("YY5002")["status"] == "no_show"
    assert status("YY5001")["status"] == "checked_in"


def test_too_many_rows_is_413_with_the_limit(hall, gateway_bus):
    import httpx
    from fastapi import FastAPI

    from tideq.gateway.booking import BookingClient, booking_router
    from tideq.gateway.keys import ApiKeys
    from tideq.testing.http import ServedApp

    app = FastAPI()
    app.include_router(booking_router(BookingClient(gateway_bus, hall.hall, None, max_batch=2), ApiKeys.of(KEYS)))
    with ServedApp(app) as served, httpx.Client(base_url=served.url) as http:
        r = push(http, "b-8", [booking(f"YY600{i}") for i in range(3)])
        assert r.status_code == 413 and "at most 2" in r.json()["detail"]["guide"]["en"]
        r = push(http, "b-9", [booking("YY6009", id_number=ID_OK)])  # no hall secret on this gateway
        assert r.json()["results"][0]["error"]["field"] == "id_number" and ID_OK not in r.text


def test_openapi_documents_every_endpoint_and_both_key_headers(booking_api):
    spec = booking_api.get("/openapi.json").json()
    ops = {(p, m): op for p, item in spec["paths"].items() for m, op in item.items()}
    assert set(ops) == {
        ("/booking/v1/bookings", "post"),
        ("/booking/v1/bookings/{code}/cancel", "post"),
        ("/booking/v1/bookings/{code}/reschedule", "post"),
        ("/booking/v1/bookings/{code}", "get"),
    }
    for op in ops.values():
        assert op["summary"] and len(op["description"]) > 60
        assert "401" in op["responses"]
        assert {next(iter(s)) for s in op["security"]} == {"HTTPBearer", "APIKeyHeader"}
    schemes = spec["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"]["name"] == "X-API-Key" and schemes["HTTPBearer"]["scheme"] == "bearer"
    push_op = ops[("/booking/v1/bookings", "post")]
    assert "one batch" in push_op["requestBody"]["content"]["application/json"]["examples"]
    row = spec["components"]["schemas"]["PushRequest"]["properties"]["bookings"]["items"]
    assert {"code", "service", "start", "end", "name", "phone", "id_number"} <= set(row["properties"])
