"""Find what a visitor could not read or hit: touch targets below the minimum height, text
that does not fit its widget (clipped), widgets cut by their parent or the window (a header
button whose bottom border the header hides), too many tiles a row in large mode, and screens
that need scrolling. `font_sizes()` lets a test compare the type of both modes. Used by the
layout test over every screen, language and mode, and by the screenshot script."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

MIN_TARGET = {False: 80, True: 110}
MAX_TILES_PER_ROW_LARGE = 3

W = TypeVar("W", bound=QWidget)


def _shown(w: QWidget, root: QWidget) -> bool:
    if not w.isVisibleTo(root) or w.width() <= 0:
        return False
    for area in _ancestors(w, QScrollArea):
        vp = area.viewport()
        top_left = w.mapTo(vp, w.rect().topLeft())
        if top_left.y() > vp.height() or top_left.y() + w.height() < 0:
            return False
    return True


def _ancestors(w: QWidget, kind: type[W]) -> list[W]:
    out: list[W] = []
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, kind):
            out.append(p)
        p = p.parentWidget()
    return out


def problems(root: QWidget, large: bool) -> list[str]:
    found: list[str] = []
    for b in root.findChildren(QAbstractButton):
        if _shown(b, root) and b.height() < MIN_TARGET[large]:
            found.append(f"small target {b.objectName() or b.text()!r}: {b.height()} px")
        if _shown(b, root) and b.text():
            need = b.fontMetrics().horizontalAdvance(b.text()) + 20
            if need > b.width():
                found.append(f"clipped button {b.text()!r}: needs {need} px, has {b.width()}")
    for lb in root.findChildren(QLabel):
        text = lb.text()
        if not text or not _shown(lb, root) or (lb.pixmap() is not None and not lb.pixmap().isNull()):
            continue
        cr = lb.contentsRect()
        if lb.wordWrap():
            need = lb.heightForWidth(lb.width())
            if need > lb.height() + 2:
                found.append(f"clipped label {text[:30]!r}: needs {need} px high, has {lb.height()}")
        else:
            need = max(lb.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
            if need > cr.width() + 1:
                found.append(f"clipped label {text[:30]!r}: needs {need} px wide, has {cr.width()}")
    for area in root.findChildren(QScrollArea):
        if large and area.property("scrolls_large"):
            continue  # a list of the hall's length (the guide) may scroll at 1.5x type
        if area.isVisibleTo(root) and area.verticalScrollBar().isVisible():
            found.append(f"scrolling needed in {area.parentWidget().__class__.__name__}")
    found += cut_off(root)
    found += overlaps(root)
    if large:
        found += crowded_rows(root)
    return found


def _name(w: QWidget) -> str:
    text = w.text() if isinstance(w, (QLabel, QAbstractButton)) else ""
    return f"{type(w).__name__} {w.objectName() or w.property('role') or ''} {text[:30]!r}".strip()


def cut_off(root: QWidget) -> list[str]:
    """Widgets not wholly inside their parent or the window, and buttons or one-line labels
    given less height than they ask for. A scroll area's content may be taller than its
    viewport (that is what scrolling is; `problems` reports it separately)."""
    found: list[str] = []
    window = root.window()
    for w in root.findChildren(QWidget):
        parent = w.parentWidget()
        if parent is None or not w.isVisibleTo(root) or w.width() <= 0 or not _shown(w, root):
            continue
        if isinstance(parent.parentWidget(), QScrollArea):  # the content widget in its viewport
            continue
        if w.isWindow():
            continue
        if not parent.rect().contains(w.geometry()):
            g = w.geometry()
            found.append(
                f"cut by its parent {_name(w)}: {g.x()},{g.y()} {g.width()}x{g.height()} "
                f"in {parent.width()}x{parent.height()}"
            )
            continue
        if not _ancestors(w, QScrollArea):
            top_left = w.mapTo(window, w.rect().topLeft())
            if top_left.y() + w.height() > window.height() or top_left.x() + w.width() > window.width():
                found.append(f"cut by the window {_name(w)}")
        # a Tile (a button with a layout of wrapping labels) is checked through its labels
        one_line = (isinstance(w, QAbstractButton) and w.layout() is None) or (
            isinstance(w, QLabel) and not w.wordWrap()
        )
        if one_line and w.sizeHint().height() > w.height() + 1:
            found.append(f"squeezed {_name(w)}: needs {w.sizeHint().height()} px high, has {w.height()}")
    return found


def overlaps(root: QWidget) -> list[str]:
    """Visible siblings drawn over each other (a layout squeezed below its minimum)."""
    found: list[str] = []
    for parent in [root, *root.findChildren(QWidget)]:
        kids = [
            w
            for w in parent.children()
            if isinstance(w, QWidget) and not w.isWindow() and w.isVisibleTo(root) and _shown(w, root)
        ]
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if a.geometry().intersects(b.geometry()):
                    found.append(f"overlap {_name(a)} / {_name(b)}")
    return found


def crowded_rows(root: QWidget) -> list[str]:
    """Large mode: at most three tiles side by side (a row = same parent, same top)."""
    from .screens.base import Tile

    rows: dict[tuple[int, int], int] = {}
    for t in root.findChildren(Tile):
        if _shown(t, root):
            key = (id(t.parentWidget()), t.y())
            rows[key] = rows.get(key, 0) + 1
    return [
        f"{n} tiles in a row (at most {MAX_TILES_PER_ROW_LARGE})" for n in rows.values() if n > MAX_TILES_PER_ROW_LARGE
    ]


def font_sizes(root: QWidget) -> dict[str, list[int]]:
    """Font pixel size of every visible label and button with text, by kind of widget
    (class, style role, object name), so the same text can be compared across modes."""
    out: dict[str, list[int]] = {}
    for w in root.findChildren(QWidget):
        if not isinstance(w, (QLabel, QAbstractButton)) or not w.text() or not _shown(w, root):
            continue
        if isinstance(w, QLabel) and w.pixmap() is not None and not w.pixmap().isNull():
            continue
        w.ensurePolished()
        key = f"{type(w).__name__}/{w.property('role') or ''}/{w.objectName()}"
        out.setdefault(key, []).append(w.font().pixelSize())
    return out
