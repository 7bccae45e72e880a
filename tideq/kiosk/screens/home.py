"""Home: five large choices (一业一证 when the hall lists industries); outside opening hours a
notice of the next opening and what stays available (24-hour self-service)."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from ..i18n import when
from ..model import KioskModel, Screen
from .base import Tile, View, label

CHOICES = [
    ("home.take", "home.take_sub", Screen.SERVICES),
    ("home.checkin", "home.checkin_sub", Screen.CHECKIN),
    ("home.guide", "home.guide_sub", Screen.GUIDE),
    ("home.policy", "home.policy_sub", Screen.POLICY),
    ("home.industry", "home.industry_sub", Screen.INDUSTRIES),
]
COLUMNS = 3  # five choices: three a row (at most three in large mode)


class HomeView(View):
    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        box = self.box = QVBoxLayout(self)
        box.setContentsMargins(60, 30, 60, 40)
        box.setSpacing(24)
        self.welcome = label("", "title")
        self.closed = label("", "notice")
        box.addWidget(self.welcome)
        box.addWidget(self.closed)
        grid = self.grid = QGridLayout()
        grid.setSpacing(32)
        self.tiles: dict[Screen, Tile] = {}
        for i, (_, _, screen) in enumerate(CHOICES):
            t = Tile("home", partial(model.go, screen), "home-title", "home-sub", centred=True)
            self.tiles[screen] = t
            grid.addWidget(t, i // COLUMNS, i % COLUMNS)
        for c in range(COLUMNS):
            grid.setColumnStretch(c, 1)
        self.tiles[Screen.INDUSTRIES].setVisible(bool(model.hall.industries))
        box.addLayout(grid, 1)
        self.grid = grid
        from .night import NightTiles  # 24-hour self-service: its tiles replace these after hours

        self.night = NightTiles(model)
        box.addWidget(self.night, 1)

    def refresh(self) -> None:
        m = self.model
        # large mode: tighter gaps, so two-line English titles and the closed notice still fit
        gap = 16 if m.large else 32
        self.grid.setSpacing(gap)
        self.box.setSpacing(gap * 3 // 4)
        self.box.setContentsMargins(60, gap, 60, gap)
        self.welcome.setText(m.t("home.welcome"))
        for title, sub, screen in CHOICES:
            self.tiles[screen].set_text(m.t(title), m.t(sub))
            self.tiles[screen].setMinimumHeight(self.theme.tile_h + 60)
        closed = not m.hall_open and m.state_ts is not None
        self.closed.setVisible(closed)
        if closed:
            self.closed.setText(m.t("home.closed", when=when(m.next_open, m.lang, m.state_ts)))
        night = m.night.active
        for t in self.tiles.values():
            t.setVisible(not night)
        self.night.setVisible(night)
        if night:
            self.closed.setText(m.t("night.notice", when=m.night.when(m.next_open)))
            self.night.refresh()
