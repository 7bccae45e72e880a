"""24-hour self-service at the kiosk (issue 16 item 4), against the real controller on a real
Mosquitto, the virtual printer (bytes -> PNG + text) and the simulated scanner: at 03:00 and on
a Sunday afternoon, in Chinese and English and in large mode. The night's booking is checked in
the next morning at opening and gets an appointment ticket; a full slot is refused with the
next free slot, booked in one tap."""

from __future__ import annotations

from datetime import datetime

import pytest

from tideq.contract import BookingStatus, ErrorCode, Lang, Priority
from tideq.kiosk.model import Screen
from tideq.kiosk.night import Page, PrintState

from ..conftest import TZ
from .helpers import T, tap, wait_screen

THU_03 = datetime(2026, 11, 26, 3, 0, tzinfo=TZ)
SUN_15 = datetime(2026, 11, 29, 15, 0, tzinfo=TZ)
ENG = "engineering-permit"  # 2 places a slot; closed at weekends
LOOKS = [(Lang.ZH, False), (Lang.EN, False), (Lang.ZH, True), (Lang.EN, True)]
LOOK_IDS = ["zh", "en", "large-zh", "large-en"]


def night_tile(qtbot, rig, key: str):  # type: ignore[no-untyped-def]
    home = rig.view(Screen.HOME)
    qtbot.waitUntil(lambda: home.night.isVisible() and home.night.tiles[key].isVisible(), timeout=T)
    return home.night.tiles[key]


def wait_page(qtbot, rig, page: Page) -> None:  # type: ignore[no-untyped-def]
    view = rig.view(Screen.NIGHT)
    qtbot.waitUntil(
        lambda: (
            rig.model.screen is Screen.NIGHT
            and rig.model.night.page is page
            and view.stack.currentWidget() is view.pages[page]
        ),
        timeout=T,
    )


def look(rig, lang: Lang, large: bool) -> None:  # type: ignore[no-untyped-def]
    rig.model.set_lang(lang)
    rig.model.set_large(large)


@pytest.mark.parametrize("clock", [THU_03, SUN_15], indirect=True, ids=["thu-03", "sun-15"])
@pytest.mark.parametrize(("lang", "large"), LOOKS, ids=LOOK_IDS)
def test_next_opening_slip_printed_then_checked_in_at_opening(qtbot, rig, clock, lang, large):
    look(rig, lang, large)
    home = rig.view(Screen.HOME)
    assert not any(t.isVisible() for t in home.tiles.values())  # the day's tiles give way at night
    assert list(home.night.tiles) == ["next_opening", "book", "materials", "lookup", "guide", "policy"]
    opening = "09:00" if clock.now() == THU_03 else ("11月30日" if lang is Lang.ZH else "30 Nov")
    qtbot.waitUntil(lambda: opening in home.closed.text(), timeout=T)
    tap(qtbot, night_tile(qtbot, rig, "next_opening"))
    wait_page(qtbot, rig, Page.SERVICES)
    tap(qtbot, rig.view(Screen.NIGHT).sv_tiles["tax"])
    wait_page(qtbot, rig, Page.SLIP)
    booked = rig.model.night.booked
    assert booked is not None and booked.start.astimezone(TZ).hour == 9 and booked.start.minute == 0
    code = booked.code
    view = rig.view(Screen.NIGHT)
    assert view.sp_code.text() == code
    slip = rig.printer.wait_for_tickets(1)[0]
    qtbot.waitUntil(lambda: rig.model.night.print_state is PrintState.PRINTED, timeout=T)
    assert "预约凭条" in slip.text and "Appointment slip" in slip.text and code in slip.text
    assert "税务办理" in slip.text and "Tax Services" in slip.text and slip.png.stat().st_size > 0
    assert "08:30" in slip.text  # check-in opens 30 minutes before the slot

    clock.set(booked.start.astimezone(TZ))  # the next morning, at opening
    rig.model.reset()
    rig.model.go(Screen.CHECKIN)
    rig.model.code = code
    assert rig.model.submit_code()
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.priority is Priority.APPOINTMENT
    rig.printer.wait_for_tickets(2)


@pytest.mark.parametrize("clock", [SUN_15], indirect=True, ids=["sun-15"])
@pytest.mark.parametrize(("lang", "large"), LOOKS, ids=LOOK_IDS)
def test_a_full_slot_is_refused_with_the_next_free_one_in_one_tap(qtbot, rig, client, lang, large):
    look(rig, lang, large)
    tap(qtbot, night_tile(qtbot, rig, "book"))
    wait_page(qtbot, rig, Page.SERVICES)
    tap(qtbot, rig.view(Screen.NIGHT).sv_tiles[ENG])
    wait_page(qtbot, rig, Page.SLOTS)
    n, view = rig.model.night, rig.view(Screen.NIGHT)
    assert n.slot_day.isoformat() == "2026-11-30"  # Monday: 工程建设 is closed at weekends
    assert n.slots[0].free == 2 and "0900" in view.sl_buttons
    for _ in range(2):  # meanwhile another kiosk takes both places of 09:00
        assert client.send("book", {"service": ENG, "source": "kiosk-2"}).ok
    tap(qtbot, view.sl_buttons["0900"])
    wait_page(qtbot, rig, Page.REFUSAL)
    assert n.error.code is ErrorCode.SLOT_FULL
    free = view.rf_nav["book-free"]
    qtbot.waitUntil(lambda: free.isVisible() and "09:30" in free.text(), timeout=T)
    assert "09:30" in view.rf_guide.text()
    tap(qtbot, free)
    wait_page(qtbot, rig, Page.SLIP)
    assert n.booked.start.astimezone(TZ).strftime("%H:%M") == "09:30"
    rig.printer.wait_for_tickets(1)


@pytest.mark.parametrize("clock", [THU_03], indirect=True, ids=["thu-03"])
@pytest.mark.parametrize(("lang", "large"), LOOKS, ids=LOOK_IDS)
def test_materials_list_prints(qtbot, rig, lang, large):
    look(rig, lang, large)
    tap(qtbot, night_tile(qtbot, rig, "materials"))
    wait_page(qtbot, rig, Page.SERVICES)
    tap(qtbot, rig.view(Screen.NIGHT).sv_tiles["business-setup"])
    wait_page(qtbot, rig, Page.MATERIALS)
    page = rig.printer.wait_for_tickets(1)[0]
    svc = rig.model.hall.service("business-setup")
    assert "材料清单" in page.text and "Materials list" in page.text
    for item in svc.guide.materials:
        assert item.zh in page.text and item.en.split()[0] in page.text
    qtbot.waitUntil(lambda: rig.model.night.print_state is PrintState.PRINTED, timeout=T)


@pytest.mark.parametrize("clock", [SUN_15], indirect=True, ids=["sun-15"])
@pytest.mark.parametrize(("lang", "large"), LOOKS, ids=LOOK_IDS)
def test_lookup_by_code_on_the_keypad(qtbot, rig, client, lang, large):
    look(rig, lang, large)
    code = client.send("book", {"service": "tax", "source": "kiosk-2"}).appointment.code
    tap(qtbot, night_tile(qtbot, rig, "lookup"))
    wait_page(qtbot, rig, Page.LOOKUP)
    view = rig.view(Screen.NIGHT)
    for ch in code:
        tap(qtbot, view.lk_keys[ch])
    tap(qtbot, view.lk_ok)
    wait_page(qtbot, rig, Page.RESULT)
    assert rig.model.night.booking.status is BookingStatus.PENDING
    want = "已预约" if lang is Lang.ZH else "Booked"
    qtbot.waitUntil(lambda: want in view.rs_status.text(), timeout=T)


@pytest.mark.parametrize("clock", [datetime(2026, 11, 26, 17, 0, tzinfo=TZ)], indirect=True, ids=["thu-17"])
def test_lookup_a_ticket_by_scanning_its_qr(qtbot, rig, client, clock):
    t = client.send("ticket", {"service": "tax", "source": "kiosk-2"}).ticket
    clock.set(datetime(2026, 11, 26, 22, 0, tzinfo=TZ))  # the same evening, after closing
    rig.model.night.start_lookup()  # what the lookup tile does
    wait_page(qtbot, rig, Page.LOOKUP)
    rig.scanner.scan(t.verify)
    wait_page(qtbot, rig, Page.RESULT)
    found = rig.model.night.found_ticket
    assert found.number == t.number
    qtbot.waitUntil(lambda: t.number in rig.view(Screen.NIGHT).rs_status.text(), timeout=T)
    rig.model.night.start_lookup()
    rig.scanner.scan(t.verify[:-1] + ("0" if t.verify[-1] != "0" else "1"))  # a forged check code
    wait_page(qtbot, rig, Page.REFUSAL)
    assert rig.model.night.error.code is ErrorCode.UNKNOWN_TICKET


@pytest.mark.parametrize("clock", [THU_03], indirect=True, ids=["thu-03"])
def test_idle_reset_clears_the_night_flow(qtbot, rig):
    tap(qtbot, night_tile(qtbot, rig, "lookup"))
    wait_page(qtbot, rig, Page.LOOKUP)
    rig.model.night.key("1")
    assert rig.model.reset()
    assert rig.model.screen is Screen.HOME and rig.model.night.code == "" and rig.model.night.page is Page.SERVICES


@pytest.mark.parametrize("clock", [THU_03], indirect=True, ids=["thu-03"])
def test_an_identity_service_books_with_the_card_once_per_person(qtbot, rig, controller):
    from .conftest import ID_A

    tap(qtbot, night_tile(qtbot, rig, "next_opening"))
    wait_page(qtbot, rig, Page.SERVICES)
    tap(qtbot, rig.view(Screen.NIGHT).sv_tiles["social-insurance"])
    wait_page(qtbot, rig, Page.CARD)
    rig.reader.present(ID_A)
    wait_page(qtbot, rig, Page.SLIP)
    code = rig.model.night.booked.code
    appt = controller.engine.appointments[code]
    assert appt.identity and len(appt.identity) == 64 and ID_A not in appt.identity
    slip = rig.printer.wait_for_tickets(1)[0]
    assert ID_A[:6] not in slip.text and ID_A[-6:] not in slip.text  # no personal data on paper
    qtbot.waitUntil(lambda: rig.model.night.print_state is PrintState.PRINTED, timeout=T)
    assert rig.model.reset()
    tap(qtbot, night_tile(qtbot, rig, "next_opening"))  # the same person again: refused, and told
    wait_page(qtbot, rig, Page.SERVICES)
    tap(qtbot, rig.view(Screen.NIGHT).sv_tiles["social-insurance"])
    wait_page(qtbot, rig, Page.CARD)
    rig.reader.present(ID_A)
    wait_page(qtbot, rig, Page.REFUSAL)
    assert rig.model.night.error.code is ErrorCode.IDENTITY_LIMIT
    assert "09:00" in rig.view(Screen.NIGHT).rf_message.text()


@pytest.mark.parametrize("clock", [SUN_15], indirect=True, ids=["sun-15"])
def test_slot_days_page_within_book_days(qtbot, rig):
    tap(qtbot, night_tile(qtbot, rig, "book"))
    wait_page(qtbot, rig, Page.SERVICES)
    tap(qtbot, rig.view(Screen.NIGHT).sv_tiles["tax"])
    wait_page(qtbot, rig, Page.SLOTS)
    n, view = rig.model.night, rig.view(Screen.NIGHT)
    assert n.slot_day.isoformat() == "2026-11-30"
    days = [n.slot_day]
    while view.sl_nav["next"].isEnabled():
        tap(qtbot, view.sl_nav["next"])
        qtbot.waitUntil(lambda: n.slot_day != days[-1] and not n.busy, timeout=T)
        rig.window.refresh()  # the render the coalesced refresh would do next, before reading buttons
        days.append(n.slot_day)
        assert n.slots, f"{n.slot_day}: the controller offers slots up to book_days"
    assert days[-1].isoformat() == "2026-12-06"  # Sunday + 7 days
    tap(qtbot, view.sl_nav["prev"])
    qtbot.waitUntil(lambda: n.slot_day.isoformat() == "2026-12-05", timeout=T)
