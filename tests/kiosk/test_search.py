"""Touch search of the service guide: the pure index (pinyin initials, full pinyin, English words,
materials, matters handled elsewhere), the model's keyboard state, and the on-screen keyboard
tapped on the guide screen of a kiosk on the real controller."""

from __future__ import annotations

import pytest

from tideq.config import EXAMPLE_HALL, load
from tideq.kiosk.i18n import Lang
from tideq.kiosk.model import CONSULT_SERVICE, KioskModel, Screen
from tideq.kiosk.screens.base import Tile
from tideq.kiosk.search import build_index, examples, normalise, pinyin_match, readings

from .conftest import make_rig
from .helpers import T, home_tile, tap, wait_screen


@pytest.fixture(scope="module")
def example_hall():  # type: ignore[no-untyped-def]
    return load(EXAMPLE_HALL).hall


@pytest.fixture(scope="module")
def index(example_hall):  # type: ignore[no-untyped-def]
    return build_index(example_hall)


def keys(hits):  # type: ignore[no-untyped-def]
    return [h.key for h in hits]


# ------------------------------------------------------------------ the index (no Qt)
@pytest.mark.parametrize(
    "typed,first",
    [
        ("QYKB", "business-setup"),
        ("qykb", "business-setup"),
        ("GJJ", "housing-fund"),
        ("SB", "social-insurance"),
        ("SWBL", "tax"),
        ("BDCDJ", "real-estate"),
        ("ZHZX", "general-consult"),
        ("KB", "business-setup"),
    ],
)
def test_pinyin_initials(index, typed, first):
    hits = index.search(typed, "zh")
    assert hits and hits[0].key == first and hits[0].via is None


def test_initials_rank_name_start_first_and_are_exact(index):
    assert keys(index.search("GJJ", "zh")) == ["housing-fund"]
    assert keys(index.search("QYKB", "zh")) == ["business-setup"]
    assert keys(index.search("SB", "zh"))[:1] == ["social-insurance"]  # 社保 before 申报材料
    assert index.search("QQQ", "zh") == []


@pytest.mark.parametrize(
    "typed,first",
    [
        ("GONGJIJIN", "housing-fund"),
        ("gongjj", "housing-fund"),
        ("SHEBAO", "social-insurance"),
        ("shuiwu", "tax"),
        ("QIYE", "business-setup"),
    ],
)
def test_full_pinyin_prefix(index, typed, first):
    assert keys(index.search(typed, "zh"))[:1] == [first]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_english_words(index, lang):
    assert keys(index.search("TAX", lang))[0] == "tax"
    assert keys(index.search("HOUS", lang)) == ["housing-fund"]
    assert keys(index.search("provident", lang)) == ["housing-fund"]  # word inside the name
    assert keys(index.search("Medical", lang)) == ["social-insurance"]
    assert index.search("OUSING", lang) == []  # words match from their start


def test_english_mode_types_english_only(index):
    assert keys(index.search("GJJ", "zh")) == ["housing-fund"]
    assert index.search("GJJ", "en") == []
    assert index.search("QYKB", "en") == []


def test_materials_say_why(index):
    hits = index.search("YHK", "zh")  # 银行卡
    assert keys(hits)[0] == "housing-fund" and hits[0].via.zh == "银行卡"
    hits = index.search("BANKCARD", "en")  # spaces need not be typed
    assert keys(hits) == ["housing-fund"] and hits[0].via.en == "Bank card"
    tax = index.search("TAX", "zh")
    assert keys(tax) == ["tax", "real-estate"] and tax[1].via.zh == "完税凭证"  # name before material
    assert keys(index.search("YYZZ", "zh")) == ["business-setup", "tax", "policy-redemption"]  # 营业执照


def test_elsewhere_matters_and_where(index, example_hall):
    assert [(h.kind, h.key) for h in index.search("HZ", "zh")][-1] == ("elsewhere", "0")  # 护照
    assert [(h.kind, h.key) for h in index.search("CRJ", "zh")] == [("elsewhere", "0")]  # 出入境
    assert [(h.kind, h.key) for h in index.search("JSZ", "zh")] == [("elsewhere", "1")]  # 驾驶证
    assert [(h.kind, h.key) for h in index.search("PASSPORT", "en")] == [("elsewhere", "0")]
    assert [(h.kind, h.key) for h in index.search("CGS", "zh")] == [("elsewhere", "1")]  # where: 车管所
    assert example_hall.elsewhere[1].where.zh.endswith("丈八一路")


def test_input_method_text_still_matches(index):
    assert keys(index.search("公积", "zh")) == ["housing-fund"]
    assert keys(index.search("银行卡", "zh")) == ["housing-fund"]
    assert index.search("", "zh") == [] and index.search("   ", "zh") == []


def test_index_helpers(example_hall):
    assert readings("企业开办 · 一业一证") == (("qi", "ye", "kai", "ban"), ("yi", "ye", "yi", "zheng"))
    assert readings("银行卡") == (("yin", "hang", "ka"),)  # phrase reading, not xing
    assert pinyin_match("yhk", ("yin", "hang", "ka")) == 0 and pinyin_match("yxk", ("yin", "hang", "ka")) is None
    assert normalise(" Gj J ") == "gjj"
    only = build_index(example_hall, ["tax"])
    assert [e.key for e in only.entries if e.kind == "service"] == ["tax"]
    idx = build_index(example_hall)
    for lang in ("zh", "en"):  # the hint's examples are true
        ex = examples(idx, lang)
        assert len(ex) == 3
        assert all(idx.search(typed, lang) for typed, _ in ex)
    assert examples(idx, "zh")[0] == ("QYKB", "企业开办")


# ------------------------------------------------------------------ the model (no widgets)
def test_model_keyboard_filters_and_reset_clears(example_hall):
    m = KioskModel(example_hall, example_hall.devices.kiosks[0])
    m.go(Screen.GUIDE)
    m.set_guide_group("个人服务")
    m.set_guide_keyboard(True)
    assert m.guide_group is None  # the keyboard searches every group
    for ch in "gjx":
        m.guide_key(ch)
    assert m.guide_filter == "GJX" and m.guide_items() == []
    m.guide_backspace()
    m.guide_key("J")
    assert [r.item.id for r in m.guide_rows()] == ["housing-fund"]
    m.guide_clear()
    assert m.guide_filter == "" and len(m.guide_rows()) == len(m.services) + len(example_hall.elsewhere)
    for ch in "YHK":
        m.guide_key(ch)
    assert m.guide_rows()[0].via.zh == "银行卡"
    m.set_lang(Lang.EN)
    assert m.guide_rows() == []  # English mode: English words only
    for _ in range(40):
        m.guide_key("A")
    assert len(m.guide_filter) == 20
    assert m.reset()
    assert m.guide_filter == "" and not m.guide_keyboard and m.guide_group is None and m.lang is Lang.ZH


# ------------------------------------------------------------------ the screen, on the real controller
def _tiles(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.objectName() for t in view.scroll_area.widget().findChildren(Tile) if t.isVisible()]


def _type(qtbot, view, letters: str) -> None:  # type: ignore[no-untyped-def]
    for ch in letters:
        tap(qtbot, view.keys[ch])


def test_keyboard_search_on_the_guide_screen(qtbot, rig):
    tap(qtbot, home_tile(rig, Screen.GUIDE))
    wait_screen(qtbot, rig, Screen.GUIDE)
    view = rig.view(Screen.GUIDE)
    assert not view.keyboard.isVisible()
    tap(qtbot, view.kb_btn)
    qtbot.waitUntil(lambda: view.keyboard.isVisible() and not view.chip_bar.isVisible(), timeout=T)
    assert all(view.keys[c].height() >= 80 for c in "AZ")
    _type(qtbot, view, "GJJ")
    qtbot.waitUntil(lambda: _tiles(view) == ["guide-housing-fund"], timeout=T)
    assert view.search.text() == "GJJ"
    tap(qtbot, view.keys["clear"])
    _type(qtbot, view, "QYKC")
    qtbot.waitUntil(lambda: view.findChild(type(view.title), "guide-no-match") is not None, timeout=T)
    tap(qtbot, view.keys["back"])  # QYK: 企业开办 again
    qtbot.waitUntil(lambda: _tiles(view) == ["guide-business-setup"], timeout=T)
    tile = next(t for t in view.scroll_area.widget().findChildren(Tile, "guide-business-setup") if t.isVisible())
    tap(qtbot, tile)
    wait_screen(qtbot, rig, Screen.GUIDE_DETAIL)
    tap(qtbot, rig.view(Screen.GUIDE_DETAIL).back)  # back: the search is kept
    wait_screen(qtbot, rig, Screen.GUIDE)
    qtbot.waitUntil(lambda: _tiles(view) == ["guide-business-setup"] and view.keyboard.isVisible(), timeout=T)
    tap(qtbot, rig.window.lang_btn)  # English: English words
    tap(qtbot, view.keys["clear"])
    _type(qtbot, view, "HOUS")
    qtbot.waitUntil(lambda: _tiles(view) == ["guide-housing-fund"], timeout=T)
    tile = next(t for t in view.scroll_area.widget().findChildren(Tile, "guide-housing-fund") if t.isVisible())
    assert tile.title.text() == "Housing Provident Fund"
    tap(qtbot, view.keys["hide"])
    qtbot.waitUntil(lambda: view.chip_bar.isVisible() and not view.keyboard.isVisible(), timeout=T)


def test_no_result_offers_general_enquiries_and_elsewhere(qtbot, rig):
    rig.model.go(Screen.GUIDE)
    wait_screen(qtbot, rig, Screen.GUIDE)
    view = rig.view(Screen.GUIDE)
    tap(qtbot, view.kb_btn)
    _type(qtbot, view, "QQQ")
    qtbot.waitUntil(lambda: _tiles(view) == ["guide-elsewhere", "guide-elsewhere"], timeout=T)
    note = view.findChild(type(view.title), "guide-no-match")
    assert "QQQ" in note.text() and "17-18号窗口" in note.text()
    consult = next(
        b for b in view.scroll_area.widget().findChildren(type(view.kb_btn), "guide-consult") if b.isVisible()
    )
    tap(qtbot, consult)
    wait_screen(qtbot, rig, Screen.TICKET)
    prefix = rig.model.hall.service(CONSULT_SERVICE).prefix
    assert rig.model.ticket.service == CONSULT_SERVICE and rig.model.ticket.number.startswith(prefix)


def test_idle_reset_clears_the_search(qtbot, hall, broker, controller, tmp_path):
    rig = make_rig(qtbot, hall, broker.url, tmp_path, idle_s=1.0)
    try:
        rig.model.go(Screen.GUIDE)
        wait_screen(qtbot, rig, Screen.GUIDE)
        view = rig.view(Screen.GUIDE)
        tap(qtbot, view.kb_btn)
        _type(qtbot, view, "SB")
        assert rig.model.guide_filter == "SB" and rig.model.guide_keyboard
        wait_screen(qtbot, rig, Screen.HOME)  # 1 s without a touch
        assert rig.model.guide_filter == "" and not rig.model.guide_keyboard
        rig.model.go(Screen.GUIDE)
        qtbot.waitUntil(
            lambda: (
                view.search.text() == ""
                and not view.keyboard.isVisible()
                and len(_tiles(view)) == len(rig.model.guide_items())
            ),
            timeout=T,
        )
    finally:
        rig.app.stop()
        rig.reader.close()
        rig.scanner.close()
