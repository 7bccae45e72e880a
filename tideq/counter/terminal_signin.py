"""The caller terminal's sign-in screen: 工号 and PIN on a touch keypad with keys big enough for a
finger (a terminal often has no keyboard at hand at shift change). Only renders and forwards: the
model turns the PIN into its keyed proof and the controller decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from tideq.contract import Lang

from .terminal_model import CallerModel

KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
KEY_TEXT = {"clear": ("清除", "Clear"), "back": ("退格", "⌫")}


class SignInPanel(QWidget):
    """工号 field, PIN field (masked), a 3×4 digit pad, 签到 and 稍后 (back to the caller page)."""

    def __init__(self, model: CallerModel, font: Callable[[int, bool], QFont], on_later: Callable[[], None]) -> None:
        super().__init__()
        self.model = model
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(8)
        self.heading = QLabel()
        self.heading.setFont(font(15, True))
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        root.addWidget(self.heading)

        self.staff = QLineEdit()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.staff.setMaxLength(16)
        self.labels: list[QLabel] = []
        for edit in (self.staff, self.pin):
            row = QHBoxLayout()
            label = QLabel()
            label.setFont(font(12, True))
            label.setMinimumWidth(64)
            edit.setFont(font(18, True))
            edit.setMinimumHeight(48)
            edit.returnPressed.connect(self._enter)
            row.addWidget(label)
            row.addWidget(edit, 1)
            root.addLayout(row)
            self.labels.append(label)

        pad = QGridLayout()
        pad.setSpacing(6)
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate(KEYS):
            b = QPushButton()
            b.setObjectName("act")
            b.setFont(font(16 if key.isdigit() else 12, True))
            b.setMinimumSize(72, 56)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field being typed keeps the focus
            b.clicked.connect(partial(self.press, key))
            pad.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        root.addLayout(pad)

        row = QHBoxLayout()
        self.later = QPushButton()
        self.later.setObjectName("act")
        self.later.setFont(font(12, True))
        self.later.setMinimumHeight(56)
        self.later.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.later.clicked.connect(on_later)
        self.go = QPushButton()
        self.go.setObjectName("primary")
        self.go.setFont(font(14, True))
        self.go.setMinimumHeight(56)
        self.go.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.go.clicked.connect(self.submit)
        row.addWidget(self.later, 1)
        row.addWidget(self.go, 2)
        root.addLayout(row)
        self.staff.setFocus()
        self.refresh()

    def target(self) -> QLineEdit:
        """The field the pad types into: the PIN once the 工号 is typed and the PIN field chosen."""
        return self.pin if self.pin.hasFocus() else self.staff

    def press(self, key: str) -> None:
        edit = self.target()
        if key == "clear":
            edit.clear()
        elif key == "back":
            edit.backspace()
        else:
            edit.insert(key)

    def _enter(self) -> None:
        if self.staff.hasFocus() and self.staff.text().strip():
            self.pin.setFocus()
        else:
            self.submit()

    def submit(self) -> None:
        if not self.staff.text().strip():
            self.staff.setFocus()
        elif not self.pin.text():
            self.pin.setFocus()
        if self.model.sign_in(self.staff.text(), self.pin.text()):
            self.pin.clear()  # the PIN is not kept on screen after it was sent

    def refresh(self) -> None:
        zh = self.model.lang is Lang.ZH
        self.heading.setText(f"{self.model.name.zh} · 员工签到" if zh else f"{self.model.name.en} · Staff sign-in")
        self.labels[0].setText("工号" if zh else "Staff ID")
        self.labels[1].setText("密码" if zh else "PIN")
        self.staff.setPlaceholderText("请输入工号" if zh else "staff id (工号)")
        self.pin.setPlaceholderText("4至8位数字" if zh else "4 to 8 digits")
        for key, b in self.keys.items():
            b.setText(key if key.isdigit() else KEY_TEXT[key][0 if zh else 1])
        self.later.setText("稍后签到" if zh else "Later")
        self.go.setText("签到" if zh else "Sign in")
