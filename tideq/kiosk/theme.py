"""Sizes and colours of the kiosk, standard and large (长辈模式), and the Qt stylesheet built
from them. `contrast_pairs()` lists every text/background pair the stylesheet uses so a test can
check WCAG contrast (4.5:1 standard, 7:1 large) instead of trusting the eye."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    bg: str
    surface: str
    text: str
    muted: str
    primary: str
    on_primary: str
    secondary: str
    on_secondary: str
    disabled: str
    on_disabled: str
    danger: str
    on_danger: str
    warn: str
    on_warn: str
    ok: str
    on_ok: str
    header: str
    on_header: str
    border: str


@dataclass(frozen=True)
class Theme:
    name: str
    palette: Palette
    body_px: int
    small_px: int
    title_px: int
    tile_px: int
    number_px: int
    button_h: int  # minimum height of every touch target
    tile_h: int
    header_h: int
    pad: int
    columns: int  # service tiles per row
    min_contrast: float
    key_px: int = 100  # on-screen A-Z keyboard of the guide: square keys
    hall_px: int = 34  # hall name in the header
    code_px: int = 52  # the typed appointment code, the reader box
    home_px: int = 48  # titles of the five home tiles
    attract_px: int = 84  # "请触摸屏幕开始" on the attract screen

    @property
    def header_button_h(self) -> int:
        """Outer height of a header button: min-height plus padding (4+4) and border (3+3)."""
        return self.button_h + 14

    @property
    def header_total_h(self) -> int:
        """The header's height: its buttons whole, plus the 8 px margins above and below
        (issue 16: a fixed 104/130 px header cut their bottom border)."""
        return max(self.header_h, self.header_button_h + 16)


STANDARD = Theme(
    "standard",
    Palette(
        bg="#F3F5F8",
        surface="#FFFFFF",
        text="#17202E",
        muted="#3E4A5E",
        primary="#0A5299",
        on_primary="#FFFFFF",
        secondary="#DCE8F6",
        on_secondary="#0A3A6B",
        disabled="#E4E6EA",
        on_disabled="#4A4F57",
        danger="#A8201A",
        on_danger="#FFFFFF",
        warn="#FFF1CC",
        on_warn="#5C3D00",
        ok="#1B6A33",
        on_ok="#FFFFFF",
        header="#0A3A6B",
        on_header="#FFFFFF",
        border="#B8C4D4",
    ),
    body_px=26,
    small_px=22,
    title_px=42,
    tile_px=32,
    number_px=190,
    button_h=88,
    tile_h=150,
    header_h=104,
    pad=20,
    columns=4,
    min_contrast=4.5,
)

LARGE = Theme(
    "large",
    Palette(
        bg="#FFFFFF",
        surface="#FFFFFF",
        text="#000000",
        muted="#1F1F1F",
        primary="#002E5C",
        on_primary="#FFFFFF",
        secondary="#FFE45C",
        on_secondary="#000000",
        disabled="#D6D6D6",
        on_disabled="#1A1A1A",
        danger="#7A0C06",
        on_danger="#FFFFFF",
        warn="#FFE45C",
        on_warn="#000000",
        ok="#0B4A1F",
        on_ok="#FFFFFF",
        header="#000000",
        on_header="#FFFFFF",
        border="#000000",
    ),
    # every size at least 1.5x the standard one (issue 16: 1.1-1.3x was not 适老化);
    # tests/kiosk/test_layout.py measures it on every widget of every screen
    body_px=39,
    small_px=33,
    title_px=63,
    tile_px=48,
    number_px=285,
    button_h=120,
    tile_h=200,
    header_h=134,
    pad=24,
    columns=3,  # at most three tiles a row
    min_contrast=7.0,
    key_px=134,  # the delete/clear keys need 132 px at 39 px type
    hall_px=51,
    code_px=78,
    home_px=72,
    attract_px=126,
)


def theme_for(large: bool) -> Theme:
    return LARGE if large else STANDARD


def contrast_pairs(t: Theme) -> dict[str, tuple[str, str]]:
    p = t.palette
    return {
        "text/bg": (p.text, p.bg),
        "text/surface": (p.text, p.surface),
        "muted/bg": (p.muted, p.bg),
        "muted/surface": (p.muted, p.surface),
        "primary": (p.on_primary, p.primary),
        "secondary": (p.on_secondary, p.secondary),
        "disabled": (p.on_disabled, p.disabled),
        "danger": (p.on_danger, p.danger),
        "warn": (p.on_warn, p.warn),
        "ok": (p.on_ok, p.ok),
        "header": (p.on_header, p.header),
        "primary/surface": (p.primary, p.surface),
    }


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    out = []
    for i in (0, 2, 4):
        c = int(h[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = out
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two #RRGGBB colours (1..21)."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def stylesheet(t: Theme, family: str) -> str:
    """The whole look, selected by the `role` property of each widget."""
    p = t.palette
    return f"""
* {{ font-family: "{family}"; font-size: {t.body_px}px; color: {p.text}; }}
QMainWindow, QWidget#root, QStackedWidget, QScrollArea, QWidget#page {{ background: {p.bg}; }}
QWidget#header {{ background: {p.header}; }}
QLabel[role="hall"] {{ color: {p.on_header}; font-size: {t.hall_px}px; font-weight: bold; }}
QLabel[role="banner"] {{ background: {p.danger}; color: {p.on_danger}; font-size: {t.body_px}px;
    font-weight: bold; padding: 10px {t.pad}px; }}
QLabel[role="banner-soft"] {{ background: {p.warn}; color: {p.on_warn}; font-size: {t.body_px}px;
    padding: 10px {t.pad}px; }}
QLabel[role="title"] {{ font-size: {t.title_px}px; font-weight: bold; }}
QLabel[role="body"] {{ font-size: {t.body_px}px; }}
QLabel[role="muted"] {{ font-size: {t.small_px}px; color: {p.muted}; }}
QLabel[role="number"] {{ font-size: {t.number_px}px; font-weight: bold; color: {p.primary}; }}
QLabel[role="group"] {{ font-size: {t.tile_px}px; font-weight: bold; color: {p.muted}; }}
QLabel[role="big"] {{ font-size: {t.title_px}px; font-weight: bold; }}
QLabel[role="notice"] {{ background: {p.warn}; color: {p.on_warn}; padding: 14px; border-radius: 10px; }}
QLabel[role="error"] {{ background: {p.danger}; color: {p.on_danger}; padding: 14px; border-radius: 10px;
    font-weight: bold; }}
QLabel[role="good"] {{ background: {p.ok}; color: {p.on_ok}; padding: 14px; border-radius: 10px;
    font-weight: bold; }}
QLabel[role="tag"] {{ background: {p.ok}; color: {p.on_ok}; padding: 6px 14px; border-radius: 8px; font-weight: bold; }}
QLabel[role="code"] {{ background: {p.surface}; border: 3px solid {p.border}; border-radius: 10px;
    font-size: {t.code_px}px; font-weight: bold; padding: 8px 16px; }}
QWidget[role="card"] {{ background: {p.surface}; border: 2px solid {p.border}; border-radius: 14px; }}
QPushButton {{ min-height: {t.button_h}px; border-radius: 12px; padding: 4px 24px; font-size: {t.body_px}px;
    background: {p.secondary}; color: {p.on_secondary}; border: 2px solid {p.border}; font-weight: bold; }}
QPushButton[role="primary"] {{ background: {p.primary}; color: {p.on_primary}; border: none; }}
QPushButton[role="header"] {{ background: {p.header}; color: {p.on_header}; border: 3px solid {p.on_header}; }}
QPushButton[role="key"] {{ font-size: {t.title_px}px; background: {p.surface}; color: {p.text}; min-height: 0px; }}
QPushButton[role="tile"], QPushButton[role="home"] {{ background: {p.surface}; border: 3px solid {p.border};
    text-align: left; }}
QPushButton[role="home"] {{ background: {p.primary}; border: none; }}
QPushButton[role="tile"]:disabled {{ background: {p.disabled}; }}
QPushButton:checked {{ background: {p.primary}; color: {p.on_primary}; }}
QLabel[role="tile-title"] {{ font-size: {t.tile_px}px; font-weight: bold; background: transparent; }}
QLabel[role="tile-sub"] {{ font-size: {t.small_px}px; color: {p.muted}; background: transparent; }}
QLabel[role="tile-alert"] {{ font-size: {t.small_px}px; color: {p.on_warn}; background: {p.warn}; padding: 2px 8px;
    border-radius: 6px; }}
QLabel[role="info"] {{ font-size: {t.tile_px}px; }}
QLabel[role="home-title"] {{ font-size: {t.home_px}px; font-weight: bold; color: {p.on_primary};
    background: transparent; }}
QLabel[role="home-sub"] {{ font-size: {t.tile_px}px; color: {p.on_primary}; background: transparent; }}
QLineEdit {{ min-height: {t.button_h}px; font-size: {t.body_px}px; background: {p.surface};
    border: 3px solid {p.border}; border-radius: 10px; padding: 0 16px; }}
QScrollBar:vertical {{ width: {t.pad * 2 - 4}px; }}
"""
