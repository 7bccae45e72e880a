"""The Qt bus of a caller terminal or evaluator tablet, logged in as its window identity.

An ACL'd hall gives each window a `window-{id}` / `evaluator-{id}` login, and the client id must
equal the username because the ACL lets a user read only `reply/{username}`.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from tideq.ui.qtbus import QtBus


class IdentityBus(QtBus):
    def __init__(self, url: str, hall: str, user: str, password: str | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(url, hall, user, parent, username=user if password is not None else None,
                         password=password)

    @property
    def user(self) -> str:
        return self.client.client_id
