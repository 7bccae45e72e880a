"""适老化 measured, not trusted (issue 16): every screen of the tour in both languages, in
standard and large mode, offscreen at 1920x1080. Large-mode type is at least 1.5x the
standard type widget by widget, at most three tiles a row, nothing cut by its parent or the
window (the header buttons' bottom border was), no siblings drawn over each other, no text
wider than its label."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tideq.config import EXAMPLE_HALL, load
from tideq.kiosk.layout_check import crowded_rows, cut_off, font_sizes, problems
from tideq.kiosk.model import KioskModel, Screen
from tideq.kiosk.screens.base import Tile
from tideq.kiosk.theme import LARGE, STANDARD
from tideq.kiosk.tour import STEPS, run_step
from tideq.kiosk.window import KioskWindow

MIN_RATIO = 1.5


@pytest.fixture(scope="module")
def window(qapp):
    hall = load(EXAMPLE_HALL).hall
    model = KioskModel(hall, hall.devices.kiosks[0])
    win = KioskWindow(model, idle_ms=10**9, dwell_ms=10**9, connect_grace_ms=10**9)
    win.resize(1920, 1080)
    win.show()
    yield model, win
    win.close()


def _render(model: KioskModel, win: KioskWindow, step, lang: str, large: bool) -> None:  # type: ignore[no-untyped-def]
    run_step(model, step, lang, large)
    win.refresh()
    QApplication.processEvents()  # let the layouts settle before geometry is measured


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_large_type_is_at_least_one_and_a_half_times_standard(window, lang):
    model, win = window
    ratios: dict[str, float] = {}
    compared = 0
    for step in STEPS:
        _render(model, win, step, lang, False)
        standard = font_sizes(win)
        _render(model, win, step, lang, True)
        large = font_sizes(win)
        assert standard and large, step[0]
        for key in standard.keys() & large.keys():
            assert min(standard[key]) > 0, f"{step[0]} {key}: a font not sized in px"
            ratio = min(large[key]) / max(standard[key])
            compared += 1
            if ratio < ratios.get(f"{step[0]} {key}", 99):
                ratios[f"{step[0]} {key}"] = ratio
    small = {k: round(r, 2) for k, r in ratios.items() if r < MIN_RATIO}
    assert small == {}
    assert compared > 200, "the walk compared too few widgets to mean anything"
    print(f"smallest large/standard font ratio ({lang}): {min(ratios.values()):.3f}")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("large", [False, True], ids=["standard", "large"])
def test_nothing_clipped_and_three_tiles_a_row(window, lang, large):
    model, win = window
    found = {}
    for step in STEPS:
        _render(model, win, step, lang, large)
        if p := problems(win, large):
            found[step[0]] = p
        assert win.height() == 1080
    assert found == {}


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large"])
def test_header_buttons_whole(window, large):
    model, win = window
    _render(model, win, ("services", lambda m: m.go(Screen.SERVICES)), "zh", large)
    header = win.header
    for b in (win.home_btn, win.lang_btn, win.large_btn):
        g = b.geometry()
        assert header.rect().contains(g), f"{b.text()} {g} cut by the header {header.rect()}"
        assert b.height() >= b.sizeHint().height()
    assert header.height() == (LARGE if large else STANDARD).header_total_h


def test_checks_catch_what_they_claim(window):
    """The checker itself: a header squeezed back to its old height is reported, and so are four
    tiles a row in large mode (so a green run means something)."""
    model, win = window
    _render(model, win, ("services", lambda m: m.go(Screen.SERVICES)), "zh", True)
    win.header.setFixedHeight(LARGE.header_h - 10)
    win.header.layout().activate()
    try:
        assert any("header" in p for p in cut_off(win)), cut_off(win)
    finally:
        win.header.setFixedHeight(LARGE.header_total_h)
    services = win.views[Screen.SERVICES]
    grid = services.body.itemAt(0).layout()
    tiles = [t for t in services.findChildren(Tile) if t.isVisible()]
    for i, t in enumerate(tiles[:4]):
        grid.addWidget(t, 9, i)
    grid.activate()
    services.body.activate()
    assert crowded_rows(win), "four tiles in one row went unnoticed"
    services._columns = 0  # rebuild on the next refresh


def test_large_mode_three_services_a_row(window):
    model, win = window
    _render(model, win, ("services", lambda m: m.go(Screen.SERVICES)), "en", True)
    tiles = [t for t in win.views[Screen.SERVICES].findChildren(Tile) if t.isVisible()]
    rows: dict[int, int] = {}
    for t in tiles:
        rows[t.y()] = rows.get(t.y(), 0) + 1
    assert len(tiles) == len(model.services) and max(rows.values()) == 3


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_identity_without_reader_asks_for_no_card(window, lang):
    """Reader missing: nothing asks to place the card; the screen says what to do instead."""
    model, win = window
    step = next(s for s in STEPS if s[0] == "identity-no-reader")
    _render(model, win, step, lang, False)
    view = win.views[Screen.IDENTITY]
    shown = " ".join(w.text() for w in view.findChildren(type(view.title)) if w.isVisible())
    for placing in ("感应区", "放在", "Place your ID", "place it"):
        assert placing not in shown
    assert ("综合咨询" if lang == "zh" else "General Enquiries") in shown
    assert view.consult.isVisible() and view.consult.property("role") == "primary"
    _render(model, win, next(s for s in STEPS if s[0] == "identity"), lang, False)
    assert view.reader.isVisible() and ("感应区" if lang == "zh" else "reader") in view.reader.text()


def test_no_reader_voice_prompt_asks_for_no_card(window):
    model, win = window
    prompts: list[str] = []
    model.prompt.connect(prompts.append)
    try:
        _render(model, win, next(s for s in STEPS if s[0] == "identity-no-reader"), "zh", True)
    finally:
        model.prompt.disconnect(prompts.append)
    assert prompts and "感应区" not in prompts[-1] and "读卡器" in prompts[-1]
