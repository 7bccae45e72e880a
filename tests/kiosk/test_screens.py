"""Guide, policy contacts, language and large mode on every screen, layout quality (touch
targets, clipping), contrast, strings, identity hashing and scan parsing."""

from __future__ import annotations

import pytest

from tideq.contract.identity import InvalidIdNumber, check_id_number, identity_hash
from tideq.kiosk.i18n import Lang, S
from tideq.kiosk.model import Screen, parse_scan
from tideq.kiosk.screens.base import Tile
from tideq.kiosk.theme import LARGE, STANDARD, contrast, contrast_pairs

from .conftest import ID_A
from .helpers import T, home_tile, tap, wait_screen


def test_guide_search_filters_and_elsewhere(qtbot, rig):
    tap(qtbot, home_tile(rig, Screen.GUIDE))
    wait_screen(qtbot, rig, Screen.GUIDE)
    view = rig.view(Screen.GUIDE)
    view.search.setText("公积")  # what an input method commits
    qtbot.waitUntil(lambda: [s.id for _, _, s in rig.model.guide_items()] == ["housing-fund"], timeout=T)
    view.search.clear()
    qtbot.keyClicks(view.search, "provident")  # typed on a keyboard
    qtbot.waitUntil(lambda: [s.id for _, _, s in rig.model.guide_items()] == ["housing-fund"], timeout=T)

    def shown():  # type: ignore[no-untyped-def]
        return next(
            (t for t in view.scroll_area.widget().findChildren(Tile, "guide-housing-fund") if t.isVisible()), None
        )

    qtbot.waitUntil(lambda: shown() is not None, timeout=T)
    tap(qtbot, shown())
    wait_screen(qtbot, rig, Screen.GUIDE_DETAIL)
    detail = rig.view(Screen.GUIDE_DETAIL)
    qtbot.waitUntil(lambda: detail.title.text() == "公积金", timeout=T)
    texts = [w.text() for w in detail.scroll_area.widget().findChildren(type(detail.title))]
    assert "所需材料" in texts and any("银行卡" in t for t in texts)
    tap(qtbot, detail.back)
    wait_screen(qtbot, rig, Screen.GUIDE)
    view.search.clear()
    tap(qtbot, view.chips.itemAt(len(rig.model.groups()) + 1).widget())  # 其他地方办理
    qtbot.waitUntil(lambda: rig.model.guide_group == "elsewhere", timeout=T)
    assert [k for k, _, _ in rig.model.guide_items()] == ["elsewhere", "elsewhere"]


def test_guide_detail_takes_a_number(qtbot, rig):
    rig.model.go(Screen.GUIDE)
    rig.model.open_guide("tax")
    wait_screen(qtbot, rig, Screen.GUIDE_DETAIL)
    tap(qtbot, rig.view(Screen.GUIDE_DETAIL).take)
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.model.ticket.number == "B001"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_policy_contacts(qtbot, rig, lang):
    if lang == "en":
        tap(qtbot, rig.window.lang_btn)
    tap(qtbot, home_tile(rig, Screen.POLICY))
    wait_screen(qtbot, rig, Screen.POLICY)
    view = rig.view(Screen.POLICY)
    qtbot.waitUntil(lambda: view.grid.count() == 3, timeout=T)

    def texts() -> list[str]:
        return [w.text() for w in view.findChildren(type(view.title)) if w.isVisible()]

    qtbot.waitUntil(lambda: "029-8831 0001" in texts(), timeout=T)  # new cards show on the next loop
    texts = texts()
    assert ("Market Regulation Bureau" if lang == "en" else "高新区市场监管局") in texts


def test_language_and_large_toggles_on_every_screen(qtbot, rig):
    prompts: list[str] = []
    rig.model.prompt.connect(prompts.append)
    for screen in (Screen.HOME, Screen.SERVICES, Screen.CHECKIN, Screen.GUIDE, Screen.POLICY):
        rig.model.go(screen)
        wait_screen(qtbot, rig, screen)
        assert rig.window.lang_btn.isVisible() and rig.window.large_btn.isVisible()
        tap(qtbot, rig.window.lang_btn)
        qtbot.waitUntil(lambda: rig.window.lang_btn.text() == "中文", timeout=T)
        tap(qtbot, rig.window.lang_btn)
        qtbot.waitUntil(lambda: rig.window.lang_btn.text() == "English", timeout=T)
    tap(qtbot, rig.window.large_btn)
    qtbot.waitUntil(lambda: rig.window.large_btn.text() == "标准模式", timeout=T)
    assert rig.window.header.height() == LARGE.header_total_h
    assert prompts and "惠企政策" in prompts[-1]  # voice prompt of the policy screen
    rig.model.go(Screen.HOME)
    assert prompts[-1].startswith("您好")


@pytest.mark.parametrize("theme", [STANDARD, LARGE], ids=lambda t: t.name)
def test_palette_contrast(theme):
    low = {
        k: round(contrast(*pair), 2)
        for k, pair in contrast_pairs(theme).items()
        if contrast(*pair) < theme.min_contrast
    }
    assert low == {}
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_strings_complete_in_both_languages():
    assert all(zh.strip() and en.strip() for zh, en in S.values())
    assert all(Lang(x) for x in ("zh", "en"))


def test_identity_hash_and_check_digit():
    h = identity_hash(b"k", ID_A.lower())
    assert len(h) == 64 and h == identity_hash(b"k", ID_A) and ID_A not in h
    assert identity_hash(b"k", ID_A) != identity_hash(b"other", ID_A)
    with pytest.raises(InvalidIdNumber):
        check_id_number(ID_A[:-1] + "1")


def test_parse_scan():
    assert parse_scan("https://x.gov.cn/a?code=ab12cd&y=1") == "AB12CD"
    assert parse_scan("tideq-appt:20261126") == "20261126"
    assert parse_scan("  12345\r") == "12345"
    assert parse_scan("hello world!") is None
