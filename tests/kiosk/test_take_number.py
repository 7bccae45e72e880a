"""Take a number through the UI against the real controller, broker and virtual printer."""

from __future__ import annotations

import pytest

from tideq.contract import ErrorCode
from tideq.kiosk.i18n import Lang
from tideq.kiosk.model import Action, PrintState, Screen

from .conftest import ID_A, QUOTA, QUOTA_SERVICE
from .helpers import T, home_tile, service_tile, tap, wait_screen


@pytest.mark.parametrize("lang", [Lang.ZH, Lang.EN])
def test_walk_in_two_taps_to_printed_ticket(qtbot, rig, controller, lang):
    if lang is Lang.EN:
        tap(qtbot, rig.window.lang_btn)
        qtbot.waitUntil(lambda: rig.window.lang_btn.text() == "中文", timeout=T)
    tap(qtbot, home_tile(rig, Screen.SERVICES))  # tap 1
    tile = service_tile(qtbot, rig, "tax")
    assert ("Tax Services" if lang is Lang.EN else "税务办理") == tile.title.text()
    assert ("waiting" if lang is Lang.EN else "等候") in tile.sub.text()
    tap(qtbot, tile)  # tap 2
    wait_screen(qtbot, rig, Screen.TICKET)
    view = rig.view(Screen.TICKET)
    qtbot.waitUntil(lambda: view.number.text() == "B001", timeout=T)
    assert ("Please wait at" if lang is Lang.EN else "请到") in view.where.text()
    assert view.qr.pixmap() is not None and not view.qr.pixmap().isNull()
    printed = rig.printer.wait_for_tickets(1, timeout=5)
    assert "B001" in printed[0].text
    qtbot.waitUntil(lambda: rig.model.ticket.print_state is PrintState.PRINTED, timeout=T)
    qtbot.waitUntil(lambda: view.status.text() == rig.model.t("ticket.printed"), timeout=T)
    assert [t.number for t in controller.engine.tickets.values()] == ["B001"]


def test_waiting_and_eta_are_live_from_state(qtbot, rig, client):
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tile = service_tile(qtbot, rig, "business-setup")
    for _ in range(3):
        assert client.send("ticket", {"service": "business-setup", "source": "kiosk-1"}).ok
    qtbot.waitUntil(lambda: "等候 3 人" in tile.sub.text(), timeout=T)
    assert "分钟" in tile.sub.text()


def test_double_tap_gives_one_ticket(qtbot, rig, controller):
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tile = service_tile(qtbot, rig, "tax")
    sent: list[str] = []
    rig.model.send.connect(lambda c, a, cid: sent.append(cid))
    tap(qtbot, tile)
    assert rig.model.tap_service("tax") is False  # the second finger while the first is in flight
    wait_screen(qtbot, rig, Screen.TICKET)
    rig.printer.wait_for_tickets(1)
    assert len(sent) == 1
    assert len(controller.engine.tickets) == 1
    assert len(rig.printer.tickets) == 1


def test_retry_after_dropped_link_reuses_the_id(qtbot, rig, controller, broker, hall, clock, tmp_path):
    """The controller goes away, the tap is refused politely, the controller comes back, and
    "Try again" resends the same command id: one ticket, even when retried twice."""
    controller.stop()
    qtbot.waitUntil(lambda: rig.window.banner.isVisible(), timeout=T)
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tap(qtbot, service_tile(qtbot, rig, "tax"))
    wait_screen(qtbot, rig, Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.CONTROLLER_UNREACHABLE
    cid = rig.model.pending.cid
    from tideq.controller.service import ControllerService

    again = ControllerService(hall, broker.url, tmp_path / "data", clock).start()
    try:
        qtbot.waitUntil(lambda: not rig.window.banner.isVisible(), timeout=T)
        sent: list[str] = []
        rig.model.send.connect(lambda c, a, i: sent.append(i))
        tap(qtbot, rig.view(Screen.REFUSAL).buttons[Action.RETRY])
        wait_screen(qtbot, rig, Screen.TICKET)
        assert sent == [cid]
        # the same id again from the kiosk (a reply lost on the way back): the first ticket again.
        # A second connection cannot share the kiosk's client id, so it publishes on the kiosk's
        # command topic and listens on its reply topic (an open test broker allows both)
        import json
        import queue

        from tideq.contract import BusClient

        c = BusClient(broker.url, "xian-hitech", "test-retry")
        answers: queue.Queue = queue.Queue()
        c.subscribe(c.topics.reply("kiosk-1"), lambda _t, p: answers.put(json.loads(p)))
        c.connect()
        try:
            c.publish(c.topics.cmd("kiosk-1", "ticket"), {"v": 1, "id": cid, "service": "tax", "source": "kiosk-1"})
            again_reply = answers.get(timeout=5)
        finally:
            c.close()
        assert again_reply["id"] == cid and again_reply["ticket"]["number"] == rig.model.ticket.number == "B001"
        assert len(again.engine.tickets) == 1
    finally:
        again.stop()


def test_identity_service_reads_card_first_and_never_shows_the_number(qtbot, rig, controller):
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tap(qtbot, service_tile(qtbot, rig, "social-insurance"))
    wait_screen(qtbot, rig, Screen.IDENTITY)
    assert rig.printer.tickets == [] and not controller.engine.tickets
    rig.reader.present(ID_A)
    wait_screen(qtbot, rig, Screen.TICKET)
    t = next(iter(controller.engine.tickets.values()))
    assert t.identity and len(t.identity) == 64 and ID_A not in t.identity
    texts = [w.text() for w in rig.window.findChildren(type(rig.window.banner))]
    assert not any(ID_A[:10] in s for s in texts)
    assert "identity" not in rig.model.pending.args


def test_identity_limit_per_person_per_day(qtbot, rig, hall):
    limit = hall.hall.rules.identity_daily_limit
    for i in range(limit + 1):
        rig.model.reset()
        tap(qtbot, home_tile(rig, Screen.SERVICES))
        tap(qtbot, service_tile(qtbot, rig, "housing-fund"))
        wait_screen(qtbot, rig, Screen.IDENTITY)
        rig.reader.present(ID_A)
        wait_screen(qtbot, rig, Screen.TICKET if i < limit else Screen.REFUSAL)
        if i < limit:
            qtbot.waitUntil(lambda: not rig.model.busy, timeout=T)
    r = rig.model.refusal
    assert r.code is ErrorCode.IDENTITY_LIMIT and Action.CONSULT in r.actions
    assert f"{limit}" in rig.view(Screen.REFUSAL).message.text()


def test_quota_reached_offers_alternatives(qtbot, rig, client):
    for _ in range(QUOTA):
        assert client.send("ticket", {"service": QUOTA_SERVICE, "source": "kiosk-1"}).ok
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tile = service_tile(qtbot, rig, QUOTA_SERVICE)
    qtbot.waitUntil(lambda: tile.alert.text() == rig.model.t("services.quota"), timeout=T)
    tap(qtbot, tile)
    wait_screen(qtbot, rig, Screen.REFUSAL)
    view = rig.view(Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.QUOTA_REACHED
    qtbot.waitUntil(lambda: set(view.buttons) == {Action.CHECKIN, Action.CONSULT, Action.GUIDE, Action.HOME}, timeout=T)
    assert view.online.isVisible() and "网上办理" in view.online.text()
    tap(qtbot, view.buttons[Action.CONSULT])  # the 综合咨询 window, one tap
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.number.startswith("H")


def _at(h: int, m: int):  # type: ignore[no-untyped-def]
    from ..conftest import THURSDAY_10

    return THURSDAY_10.replace(hour=h, minute=m)


@pytest.mark.parametrize("clock", [_at(17, 10)], indirect=True)
def test_closed_service_says_when_it_opens(qtbot, rig):
    tap(qtbot, home_tile(rig, Screen.SERVICES))
    tile = service_tile(qtbot, rig, "engineering-permit")  # closes at 17:00, hall at 17:30
    qtbot.waitUntil(lambda: "11月27日" in tile.alert.text() and "09:00" in tile.alert.text(), timeout=T)
    assert service_tile(qtbot, rig, "tax").alert.text() == ""
    tap(qtbot, tile)
    wait_screen(qtbot, rig, Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.SERVICE_CLOSED
    view = rig.view(Screen.REFUSAL)
    qtbot.waitUntil(lambda: "09:00" in view.when.text(), timeout=T)
    assert Action.GUIDE in view.buttons


@pytest.mark.parametrize("clock", [_at(20, 0)], indirect=True)
def test_after_hours_kiosk_stays_useful(qtbot, rig):
    """kiosk-1 is a 24-hour terminal: its after-hours tiles (tests/kiosk/test_night.py) replace
    取号 on home; a walk-in ticket is still refused with the next opening, and the guide stays."""
    home = rig.view(Screen.HOME)
    qtbot.waitUntil(lambda: home.closed.isVisible() and "11月27日" in home.closed.text(), timeout=T)
    assert not home_tile(rig, Screen.SERVICES).isVisible() and home.night.tiles["guide"].isVisible()
    rig.model.go(Screen.SERVICES)  # a walk-in ticket at night: hall_closed with the next opening
    view = rig.view(Screen.SERVICES)
    qtbot.waitUntil(lambda: view.status.isVisible() and "09:00" in view.status.text(), timeout=T)
    tap(qtbot, service_tile(qtbot, rig, "tax"))
    wait_screen(qtbot, rig, Screen.REFUSAL)
    assert rig.model.refusal.code is ErrorCode.HALL_CLOSED
    tap(qtbot, rig.view(Screen.REFUSAL).buttons[Action.GUIDE])  # the guide stays available
    wait_screen(qtbot, rig, Screen.GUIDE_DETAIL)
    assert rig.view(Screen.GUIDE_DETAIL).title.text() == "税务办理"
