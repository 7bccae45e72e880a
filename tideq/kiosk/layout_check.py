"""Find what a visitor could not read or hit: touch targets below the minimum height, text
that does not fit its widget (clipped), and screens that need scrolling. Used by the layout
test over every screen, language and mode, and by the screenshot script."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

MIN_TARGET = {False: 80, True: 110}

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
        if area.isVisibleTo(root) and area.verticalScrollBar().isVisible():
            found.append(f"scrolling needed in {area.parentWidget().__class__.__name__}")
    return found
