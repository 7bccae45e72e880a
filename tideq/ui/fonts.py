"""Make Chinese render: load a CJK font into Qt once, and name the family to use.

Offscreen Qt finds no system fonts through a desktop; without a CJK face every 汉字 is a box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase

CJK_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei (scripts/setup.sh)
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
_family: str | None = None


class FontMissing(RuntimeError):
    """No CJK font installed: run scripts/setup.sh (installs fonts-wqy-microhei)."""


def cjk_family() -> str:
    """Load the first CJK font found (needs a QGuiApplication) and return its family name."""
    global _family
    if _family:
        return _family
    for path in CJK_CANDIDATES:
        if Path(path).exists():
            fid = QFontDatabase.addApplicationFont(path)
            if fid >= 0:
                _family = QFontDatabase.applicationFontFamilies(fid)[0]
                return _family
    raise FontMissing("no CJK font found; install fonts-wqy-microhei (scripts/setup.sh)")
