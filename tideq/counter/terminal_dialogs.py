"""The caller terminal's two small dialogs: transfer (service or window + note) and pause (reason).

Opened with `open()` (window-modal, non-blocking) so the GUI thread never sits in a nested
`exec()` loop and tests can fill them like a person would.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tideq.config.schema import HallConfig
from tideq.contract import Lang
from tideq.ui.fonts import cjk_family

PAUSE_REASONS: list[tuple[str, str]] = [
    ("临时离岗", "away briefly"),
    ("午间休息", "lunch break"),
    ("业务培训", "training"),
    ("系统故障", "system fault"),
    ("协助综合咨询", "helping at General Enquiries"),
]


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang is Lang.ZH else en


def _setup(dialog: QDialog, title: str) -> None:
    dialog.setWindowTitle(title)
    dialog.setFont(QFont(cjk_family(), 11))
    dialog.setMinimumWidth(440)


class TransferDialog(QDialog):
    def __init__(self, hall: HallConfig, window: str, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self, _t(lang, "转移", "Transfer"))
        self.to_service = QRadioButton(_t(lang, "转到业务", "to service"))
        self.to_window = QRadioButton(_t(lang, "转到窗口", "to window"))
        self.to_service.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.to_service)
        group.addButton(self.to_window)
        self.service_box = QComboBox()
        for s in hall.services:
            self.service_box.addItem(f"{s.prefix} · {s.name.zh if lang is Lang.ZH else s.name.en}", s.id)
        self.window_box = QComboBox()
        for w in hall.windows:
            if w.id != window:
                self.window_box.addItem(w.name.zh if lang is Lang.ZH else w.name.en, w.id)
        self.note = QLineEdit()
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(_t(lang, "备注，如：需到不动产窗口核验", "note, e.g. needs the real estate check"))
        form = QFormLayout()
        form.addRow(self.to_service, self.service_box)
        form.addRow(self.to_window, self.window_box)
        form.addRow(QLabel(_t(lang, "备注", "Note")), self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.to_service.toggled.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.service_box.setEnabled(self.to_service.isChecked())
        self.window_box.setEnabled(self.to_window.isChecked())

    def choose_service(self, sid: str) -> None:
        self.to_service.setChecked(True)
        self.service_box.setCurrentIndex(self.service_box.findData(sid))

    def choose_window(self, wid: str) -> None:
        self.to_window.setChecked(True)
        self.window_box.setCurrentIndex(self.window_box.findData(wid))

    def values(self) -> tuple[str | None, str | None, str]:
        """(to_service, to_window, note)."""
        if self.to_window.isChecked():
            return None, self.window_box.currentData(), self.note.text()
        return self.service_box.currentData(), None, self.note.text()


class PauseDialog(QDialog):
    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self, _t(lang, "暂停服务", "Pause the window"))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems([zh if lang is Lang.ZH else en for zh, en in PAUSE_REASONS])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(QLabel(_t(lang, "原因", "Reason")), self.reason)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_t(lang, "暂停期间本窗口不叫号，恢复后继续。", "While paused this window calls no one.")))
        lay.addLayout(form)
        lay.addWidget(self.buttons)

    def text(self) -> str:
        return self.reason.currentText().strip()
