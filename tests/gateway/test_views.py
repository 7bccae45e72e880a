"""The page views from hand-built contract messages (pure: no broker)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.contract import (
    BiText,
    QueueService,
    QueueState,
    ServiceItem,
    ServicesState,
    SkippedItem,
    TidalState,
    WindowItem,
    WindowsState,
    WindowStatus,
)
from tideq.contract.state import AlertItem, OpenTidal
from tideq.gateway import pages
from tideq.gateway.bus import Snapshot
from tideq.gateway.views import hall_view, ticket_view

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def cfg():
    return load(EXAMPLE_HALL).hall


def snapshot(cfg, *, queue=("B002", "B003", "B004", "B005"), at_window=None, skipped=()):
    s = Snapshot()
    s.apply(
        ServicesState(
            ts=NOW,
            services=[
                ServiceItem(
                    id=x.id,
                    name=BiText.of(x.name.zh, x.name.en),
                    prefix=x.prefix,
                    open=True,
                    waiting=0,
                    eta_s=60,
                    windows_open=1,
                )
                for x in cfg.services
            ],
        )
    )
    s.apply(
        WindowsState(
            ts=NOW,
            windows=[
                WindowItem(id="5", name=BiText.of("5号窗口", "Window 5"), status=WindowStatus.SERVING, ticket=at_window)
            ],
        )
    )
    s.apply(
        QueueState(
            ts=NOW,
            day=date(2026, 11, 26),
            services=[
                QueueService(id="tax", tickets=list(queue), eta_s=[i * 300 for i in range(len(queue))], issued=9)
            ],
            skipped=[
                SkippedItem(number=n, service="tax", at=NOW, rejoin_until=NOW + timedelta(minutes=30)) for n in skipped
            ],
        )
    )
    return s


def test_waiting_ticket_has_its_place_and_near_flag(cfg):
    s = snapshot(cfg)
    far = ticket_view(cfg, s, "B005", notify_ahead=2, stale=False)
    assert (far["status"], far["ahead"], far["eta_s"], far["near"]) == ("waiting", 3, 900, False)
    near = ticket_view(cfg, s, "B004", notify_ahead=2, stale=False)
    assert (near["ahead"], near["near"]) == (2, True)
    assert near["service"]["name"]["en"] == "Tax Services"


def test_called_skipped_done_and_not_yet_seen(cfg):
    s = snapshot(cfg, at_window="B001", skipped=("B000",))
    called = ticket_view(cfg, s, "B001", notify_ahead=3, stale=False)
    assert called["status"] == "called" and called["window"]["name"]["zh"] == "5号窗口"
    skipped = ticket_view(cfg, s, "B000", notify_ahead=3, stale=False)
    assert skipped["status"] == "skipped" and skipped["rejoin_until"].startswith("2026-11-26T10:30")
    assert ticket_view(cfg, s, "B008", notify_ahead=3, stale=False)["status"] == "done"  # issued (9), gone
    fresh = ticket_view(cfg, s, "B010", notify_ahead=3, stale=False)  # beyond `issued`: a moment old
    assert fresh["status"] == "waiting" and fresh["ahead"] is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_status_renders_in_both_languages(cfg, lang):
    s = snapshot(cfg, at_window="B001", skipped=("B000",))
    name = {"zh": cfg.hall.name.zh, "en": cfg.hall.name.en}
    texts = {
        n: pages.ticket_main(ticket_view(cfg, s, n, notify_ahead=3, stale=False), lang, name)
        for n in ("B005", "B003", "B001", "B000", "B008")
    }
    want = {
        "zh": {
            "B005": "前面还有 3 人",
            "B003": "快到您了",
            "B001": "请到 5号窗口 办理",
            "B000": "已过号",
            "B008": "办理完毕",
        },
        "en": {
            "B005": "3 people ahead",
            "B003": "Almost your turn",
            "B001": "Please go to Window 5",
            "B000": "was skipped",
            "B008": "finished",
        },
    }[lang]
    for n, phrase in want.items():
        assert phrase in texts[n], (n, texts[n])


def test_markup_is_escaped(cfg):
    s = snapshot(cfg)
    html = pages.ticket_main(
        ticket_view(cfg, s, "B005", notify_ahead=3, stale=False),
        "en",
        {"zh": "<b>x</b>", "en": "<script>alert(1)</script>"},
    )
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_hall_view_has_tidal_notices_hours_and_alerts(cfg):
    s = snapshot(cfg)
    s.apply(
        TidalState(
            ts=NOW,
            open=[OpenTidal(window="19", service="business-setup", services=["business-setup"])],
            alerts=[AlertItem(service="tax", level="warning", reason=BiText.of("排队长", "long queue"))],
        )
    )
    v = hall_view(cfg, s, today=date(2026, 11, 26), stale=False)
    biz = next(x for x in v["services"] if x["id"] == "business-setup")
    assert biz["tidal_windows"] and biz["hours"]
    kinds = [n["kind"] for n in v["notices"]]
    assert kinds == ["tidal_open", "alert"]
    assert "潮汐窗口已开放" in v["notices"][0]["text"]["zh"]
    html = pages.hall_main(v, "en")
    assert "Tidal window open" in html and "Tax Services" in html
