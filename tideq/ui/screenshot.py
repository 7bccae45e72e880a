"""Grab a widget offscreen to PNG (docs/screenshots/, and for looking at what we build)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget


def grab(widget: QWidget, path: str | Path, size: tuple[int, int] | None = None) -> Path:
    if size:
        widget.resize(*size)
    widget.show()
    QApplication.processEvents()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(out)):
        raise OSError(f"could not write {out}")
    return out
