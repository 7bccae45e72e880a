"""一业一证 against the real controller and the virtual printer: home → industry → combined list
(permits, materials once each, windows from the hall file, online route) → "Print list" on the
ticket printer (decoded and rendered to PNG) → "Take a number" for the first permit's service."""

from __future__ import annotations

import shutil

from PIL import Image

from tideq.config import EXAMPLE_HALL, load
from tideq.kiosk.industry import build_list, combine
from tideq.kiosk.model import PrintState, Screen

from .helpers import T, home_tile, tap, wait_screen


def _texts(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.text() for w in view.findChildren(type(view.title)) if w.isVisible() and w.text()]


def test_combined_list_dedups_materials_and_resolves_windows():
    hall = load(EXAMPLE_HALL).hall
    hotel = next(i for i in hall.industries if i.id == "hotel")
    c = combine(hall, hotel)
    names = [m.text.zh for m in c.materials]
    assert len(names) == len(set(names)), "a material listed twice"
    legal_rep = next(m for m in c.materials if m.text.zh == "法定代表人身份证件")
    in_config = [n for n, p in enumerate(hotel.permits, 1) if any(x.zh == "法定代表人身份证件" for x in p.materials)]
    assert legal_rep.permits == tuple(in_config) and len(in_config) >= 2
    assert [p.service.id for p in c.places] == list(dict.fromkeys(p.service for p in hotel.permits))
    for place in c.places:
        assert {w.id for w in place.windows} == {w.id for w in hall.windows if place.service.id in w.services}
    assert c.first_service == hotel.permits[0].service
    assert len(hall.industries) >= 5 and {"restaurant", "retail", "pharmacy", "hotel", "gym"} <= {
        i.id for i in hall.industries
    }


def test_industry_flow_prints_the_list_and_takes_a_number(qtbot, rig, shots):
    hall = rig.model.hall
    tap(qtbot, home_tile(rig, Screen.INDUSTRIES))
    wait_screen(qtbot, rig, Screen.INDUSTRIES)
    tiles = rig.view(Screen.INDUSTRIES).tiles
    assert set(tiles) == {i.id for i in hall.industries}
    tap(qtbot, tiles["restaurant"])
    wait_screen(qtbot, rig, Screen.INDUSTRY)
    view = rig.view(Screen.INDUSTRY)
    restaurant = next(i for i in hall.industries if i.id == "restaurant")
    expected = combine(hall, restaurant)
    qtbot.waitUntil(lambda: any("食品经营许可证" in t for t in _texts(view)), timeout=T)
    shown = "\n".join(_texts(view))
    for p in restaurant.permits:
        assert p.name.zh in shown
    for m in expected.materials:
        assert shown.count(f". {m.text.zh} ") == 1, m.text.zh
    assert "一楼A区 1-4号窗口" in shown and restaurant.online_url in shown

    tap(qtbot, view.print_btn)
    qtbot.waitUntil(lambda: rig.model.list_print is PrintState.PRINTED, timeout=T)
    printed = rig.printer.wait_for_tickets(1)[-1]
    flat = "".join(printed.text.split())
    for p in restaurant.permits:
        assert "".join(p.name.zh.split()) in flat
    for m in expected.materials:
        assert "".join(m.text.zh.split()) in flat
    assert "一楼A区1-4号窗口" in flat and "1号窗口、2号窗口" in flat and restaurant.online_url in flat
    with Image.open(printed.png) as im:
        assert im.height > 1000  # the whole list, with its QR, not an empty slip
    shutil.copy(printed.png, shots / "kiosk-industry-list-print.png")
    qtbot.waitUntil(lambda: view.status.isVisible() and view.status.text() == "请取走清单", timeout=T)

    tap(qtbot, view.take)
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.service == expected.first_service
    rig.printer.wait_for_tickets(2)  # the ticket follows the list on the same printer


def test_list_print_failure_is_said(qtbot, rig):
    rig.printer.set_state(paper="out")
    rig.model.go(Screen.INDUSTRIES)
    rig.model.open_industry("gym")
    wait_screen(qtbot, rig, Screen.INDUSTRY)
    view = rig.view(Screen.INDUSTRY)
    tap(qtbot, view.print_btn)
    qtbot.waitUntil(lambda: rig.model.list_print is PrintState.FAILED, timeout=T)
    qtbot.waitUntil(lambda: "未能打印" in view.status.text() and view.status.isVisible(), timeout=T)
    assert rig.printer.tickets == []


def test_list_bytes_are_pure_and_bilingual():
    hall = load(EXAMPLE_HALL).hall
    c = combine(hall, hall.industries[0])
    data = build_list(hall, c)
    assert data == build_list(hall, c)
    assert "食品经营许可证".encode("gb18030") in data and b"Food business licence" in data
