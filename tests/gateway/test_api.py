"""The gateway over HTTP against a real controller and Mosquitto: a ticket's page data follows the
queue (waiting, 3 away, called, skipped, done), live over SSE without a reload; unknown and
expired tokens get one 404; errors are clear; headers are strict; nothing personal is logged."""

from __future__ import annotations

import logging
from datetime import date

import httpx
import pytest

from tideq.contract.ticket_page import page_token

from ..conftest import HALL_SECRET
from .conftest import HALL, WINDOW, Stream


def test_a_ticket_reply_carries_a_page_token_for_its_number(people):
    t = people.ticket()
    assert t.page and len(t.page) >= 22  # ≥ 96 bits of MAC plus day and number
    assert t.page == page_token(HALL_SECRET.encode(), HALL, date(2026, 11, 26), t.number)


def test_ticket_api_shows_place_and_follows_calls_live(people, gateway, http):
    first, _second, mine = people.ticket(), people.ticket(), people.ticket()
    s = Stream(http, f"/api/t/{mine.page}/events?lang=en")
    try:
        # the current state at once (or "updating" for the few ms until state/queue holds the number)
        view = s.until(lambda e: e["view"]["ahead"] is not None)["view"]
        assert view["number"] == mine.number and view["status"] == "waiting"
        assert view["ahead"] == mine.ahead == 2
        assert view["eta_s"] == mine.eta_s  # the same model the kiosk printed
        assert view["service"]["name"]["zh"] == "税务办理"
        api = http.get(f"/api/t/{mine.page}").json()["view"]
        assert (api["status"], api["ahead"]) == ("waiting", 2)
        people.act("next")  # calls `first`
        ev = s.until(lambda e: e["view"]["ahead"] == 1)
        assert ev["view"]["near"] is True  # 3 away (notify_ahead = 3) or closer
        assert "Almost your turn" in ev["html"]
        people.act("next")  # finishes first, calls second
        s.until(lambda e: e["view"]["ahead"] == 0)
        people.act("next")  # finishes second, calls mine
        ev = s.until(lambda e: e["view"]["status"] == "called")
        assert ev["view"]["window"]["id"] == WINDOW
        assert "Please go to Window 5" in ev["html"]
        people.act("skip")
        ev = s.until(lambda e: e["view"]["status"] == "skipped")
        assert ev["view"]["rejoin_until"] is not None
        assert "once, with the same number" in ev["html"]
    finally:
        s.close()
    assert first.number != mine.number


def test_a_page_hears_only_what_changes_its_ticket(people, gateway, http):
    mine = people.ticket()
    s = Stream(http, f"/api/t/{mine.page}/events")
    try:
        s.until(lambda e: e["view"]["ahead"] == 0)
        people.ticket("business-setup")  # another service
        people.ticket()  # behind mine: my place does not change
        people.act("next")  # calls mine
        assert s.next()["view"]["status"] == "called"  # the very next event: nothing was sent in between
    finally:
        s.close()


def test_a_finished_ticket_reads_done(people, gateway, http):
    t = people.ticket()
    s = Stream(http, f"/api/t/{t.page}/events")
    try:
        assert s.next()["view"]["status"] == "waiting"  # not "done" even before state/queue has it
        people.act("next")
        s.until(lambda e: e["view"]["status"] == "called")
        people.act("finish")
        assert s.until(lambda e: e["view"]["status"] == "done")["view"]["window"] is None
    finally:
        s.close()
    assert http.get(f"/api/t/{t.page}").json()["view"]["status"] == "done"


def test_forged_altered_and_expired_tokens_get_the_same_404(people, gateway, http):
    t = people.ticket()
    forged = page_token(b"not-the-hall-secret", HALL, date(2026, 11, 26), t.number)
    yesterday = page_token(HALL_SECRET.encode(), HALL, date(2026, 11, 25), t.number)
    other_hall = page_token(HALL_SECRET.encode(), "other-hall", date(2026, 11, 26), t.number)
    flipped = t.page[:-2] + ("A" if t.page[-2] != "A" else "B") + t.page[-1]
    bodies = set()
    for token in (forged, yesterday, other_hall, flipped, "x" * 26, "B001", "%2E%2E%2Fetc", "A" * 300):
        r = http.get(f"/api/t/{token}")
        assert r.status_code == 404, token
        bodies.add(r.text)
        page = http.get(f"/t/{token}")
        assert page.status_code == 404
        assert "页面不存在或已过期" in page.text and t.number not in page.text
    assert len(bodies) == 1  # one answer: a guess learns nothing
    assert http.get(f"/api/t/{t.page}").status_code == 200


def test_ticket_page_html_in_both_languages(people, gateway, http):
    t = people.ticket()
    zh = http.get(f"/t/{t.page}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    en = http.get(f"/t/{t.page}?lang=en")
    assert zh.status_code == en.status_code == 200
    assert "您的号码" in zh.text and t.number in zh.text and 'lang="zh-CN"' in zh.text
    assert "Your number" in en.text and t.number in en.text and 'lang="en"' in en.text
    assert en.headers["content-security-policy"].startswith("default-src 'self'")
    assert en.headers["referrer-policy"] == "no-referrer"
    assert en.headers["cache-control"] == "no-store"
    assert "set-cookie" not in en.headers
    assert "<script>" not in en.text  # no inline script: the CSP forbids it


def test_hall_page_lists_every_service_with_waits_and_hours(people, gateway, http, hall):
    def tax(e):
        return next(x for x in e["view"]["services"] if x["id"] == "tax")

    people.ticket()
    people.ticket()
    s = Stream(http, "/api/hall/events?lang=en")
    try:
        view = s.until(lambda e: tax(e)["waiting"] == 2)["view"]
        assert [x["id"] for x in view["services"]] == [x.id for x in hall.hall.services]
        assert tax({"view": view})["eta_s"] is not None and tax({"view": view})["hours"]
        assert tax(http.get("/api/hall").json())["waiting"] == 2
        page = http.get("/hall?lang=zh")
        assert "税务办理" in page.text and "等候 2 人" in page.text
        people.ticket()
        ev = s.until(lambda e: tax(e)["waiting"] == 3)
        assert "3 waiting" in ev["html"]
    finally:
        s.close()


def test_root_redirects_to_the_hall_page_and_unknown_paths_are_clear(gateway, http):
    assert http.get("/", follow_redirects=False).headers["location"] == "/hall"
    r = http.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert r.json()["error"]["guide"]["zh"]


@pytest.mark.parametrize("gateway_options", [{"rate_per_min": 60, "rate_burst": 5}])
def test_rate_limit_per_client_with_retry_after(gateway, http, gateway_options):
    codes = [http.get("/api/hall").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    r = http.get("/api/hall")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"
    # a forged X-Forwarded-For from a client that is not a trusted proxy changes nothing
    assert http.get("/api/hall", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    assert http.get("/metrics").status_code == 200  # the scraper is not limited


@pytest.mark.parametrize(
    "gateway_options", [{"rate_per_min": 60, "rate_burst": 3, "trusted_proxies": ["127.0.0.1/32"]}]
)
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(gateway, http, gateway_options):
    a = {"X-Forwarded-For": "198.51.100.1"}
    b = {"X-Forwarded-For": "6.6.6.6, 198.51.100.2"}  # the proxy appended the real peer; the left part is forged
    assert [http.get("/api/hall", headers=a).status_code for _ in range(4)][-1] == 429
    assert http.get("/api/hall", headers=b).status_code == 200
    assert http.get("/api/hall", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.1"}).status_code == 429


def test_metrics_report_queue_serves_waits_and_health(people, gateway, http):
    t1 = people.ticket()
    people.ticket()
    s = Stream(http, f"/api/t/{t1.page}/events")
    try:
        s.until(lambda e: e["view"]["ahead"] is not None)  # the gateway saw it arrive (its wait is timed)
        people.act("next")
        s.until(lambda e: e["view"]["status"] == "called")
    finally:
        s.close()
    text = http.get("/metrics").text
    assert 'tideq_queue_waiting{service="tax"} 1.0' in text
    assert 'tideq_tickets_issued_total{service="tax"} 2.0' in text
    assert 'tideq_tickets_served_total{service="tax"} 1.0' in text
    assert 'tideq_wait_seconds_count{service="tax"} 1.0' in text
    assert 'tideq_wait_error_seconds_count{service="tax"} 1.0' in text
    assert "tideq_controller_online 1.0" in text
    assert 'tideq_device_up{device="controller",kind="controller"} 1.0' in text
    assert "tideq_gateway_streams" in text and "tideq_gateway_command_seconds" in text
    assert "tideq_tidal_windows_open" in text
    assert t1.number not in text and t1.page not in text  # nothing about a visitor


def test_healthz_and_nothing_personal_in_the_log(people, gateway, http, caplog):
    t = people.ticket()
    with caplog.at_level(logging.INFO, logger="tideq.gateway.access"):
        assert http.get("/healthz").json()["ok"] is True
        http.get(f"/t/{t.page}")
        http.get(f"/api/t/{t.page}")
        http.get("/api/t/forged-token-aaaaaaaaaaaaaaaaaa")
    lines = [r.getMessage() for r in caplog.records if r.name == "tideq.gateway.access"]
    assert any("/t/{token} 200" in x for x in lines) and any("/api/t/{token} 404" in x for x in lines)
    assert not any(t.page in x or "127.0.0.1" in x for x in lines)


def test_openapi_lists_the_endpoints(gateway, http):
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/t/{token}", "/api/t/{token}", "/api/t/{token}/events", "/hall", "/api/hall", "/metrics"} <= set(paths)


def test_streams_per_client_are_bounded(hall, broker, controller):
    from .conftest import make_gateway

    app, bus = make_gateway(hall, broker.url, streams_per_client=2)
    from tideq.gateway.serve import ServerThread

    with ServerThread(app) as srv, httpx.Client(base_url=srv.url, timeout=10) as c:
        assert bus.ready.wait(10)
        streams = [Stream(c, "/api/hall/events") for _ in range(2)]
        try:
            for s in streams:
                assert s.next()["view"]["services"]
            r = c.get("/api/hall/events")
            assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
        finally:
            for s in streams:
                s.close()
        # a closed page gives its slot back (uvicorn reports the disconnect; the stream's finally runs)
        for _ in range(200):  # each try is a real request: a condition, not a timer
            with c.stream("GET", "/api/hall/events") as again:
                if again.status_code == 200:
                    break
        assert again.status_code == 200
