"""The kiosk window: header (home, hall name, language, large mode) and offline banner on every
screen, a QStackedWidget of views, and the idle timer fed by an application event filter."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QMainWindow, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from tideq.ui.fonts import cjk_family

from . import screens
from .model import KioskModel, Link, PrintState, Screen
from .screens.base import View, button, label, set_role
from .theme import stylesheet, theme_for

TOUCH_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress, QEvent.Type.TouchUpdate}


class KioskWindow(QMainWindow):
    refreshed = Signal(object)  # the Screen just rendered

    def __init__(
        self, model: KioskModel, *, idle_ms: int = 60_000, dwell_ms: int = 20_000, connect_grace_ms: int = 5_000
    ) -> None:
        super().__init__()
        self.model = model
        self.family = cjk_family()
        self.setWindowTitle(f"tideq kiosk {model.kiosk.id}")
        root = QWidget()
        root.setObjectName("root")
        col = QVBoxLayout(root)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self._header())
        self.banner = label("", "banner")
        self.banner.setObjectName("offline-banner")
        col.addWidget(self.banner)
        self.stack = QStackedWidget()
        self.views: dict[Screen, View] = {
            Screen.ATTRACT: screens.AttractView(model),
            Screen.HOME: screens.HomeView(model),
            Screen.SERVICES: screens.ServicesView(model),
            Screen.IDENTITY: screens.IdentityView(model),
            Screen.TICKET: screens.TicketView(model),
            Screen.REFUSAL: screens.RefusalView(model),
            Screen.CHECKIN: screens.CheckinView(model),
            Screen.GUIDE: screens.GuideView(model),
            Screen.GUIDE_DETAIL: screens.GuideDetailView(model),
            Screen.POLICY: screens.PolicyView(model),
            Screen.INDUSTRIES: screens.IndustriesView(model),
            Screen.INDUSTRY: screens.IndustryView(model),
            Screen.NIGHT: screens.NightView(model),
        }
        for v in self.views.values():
            # each page must fit the screen by itself; without this the stack (and the window)
            # grows to the tallest page's minimum size and pushes content off a 1080p screen
            v.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            self.stack.addWidget(v)
        col.addWidget(self.stack, 1)
        self.setCentralWidget(root)

        self.idle = QTimer(self, singleShot=True, interval=idle_ms)
        self.idle.timeout.connect(self._on_idle)
        self.dwell = QTimer(self, singleShot=True, interval=dwell_ms)
        self.dwell.timeout.connect(self._on_dwell)
        self.grace = QTimer(self, singleShot=True, interval=connect_grace_ms)
        self.grace.timeout.connect(model.broker_unreachable)
        self._pending_refresh = False

        model.screen_changed.connect(self._on_screen)
        model.large_changed.connect(lambda _: self._apply_theme())
        for sig in (
            model.lang_changed,
            model.link_changed,
            model.services_changed,
            model.pending_changed,
            model.ticket_changed,
            model.refusal_changed,
            model.code_changed,
            model.card_changed,
            model.guide_changed,
            model.industry_changed,
            model.night.changed,
        ):
            sig.connect(self.schedule_refresh)
        model.ticket_changed.connect(self._arm_dwell)
        self._apply_theme()
        self._on_screen(model.screen)
        app = QApplication.instance()
        assert app is not None, "KioskWindow needs a QApplication"
        app.installEventFilter(self)
        self.idle.start()
        self.grace.start()

    # ------------------------------------------------------------------ layout
    def _header(self) -> QWidget:
        h = QWidget()
        h.setObjectName("header")
        row = QHBoxLayout(h)
        row.setContentsMargins(24, 8, 24, 8)
        row.setSpacing(20)
        m = self.model
        self.home_btn = button("", "header", m.go_home)
        self.home_btn.setObjectName("header-home")
        self.hall = label("", "hall", wrap=False)
        self.lang_btn = button("", "header", m.toggle_lang)
        self.lang_btn.setObjectName("header-lang")
        self.large_btn = button("", "header", m.toggle_large)
        self.large_btn.setObjectName("header-large")
        row.addWidget(self.home_btn)
        row.addWidget(self.hall, 1)
        row.addWidget(self.lang_btn)
        row.addWidget(self.large_btn)
        self.header = h
        return h

    def _apply_theme(self) -> None:
        t = theme_for(self.model.large)
        self.setStyleSheet(stylesheet(t, self.family))
        self.header.setFixedHeight(t.header_total_h)
        self.schedule_refresh()

    # ------------------------------------------------------------------ rendering
    def schedule_refresh(self, *_: object) -> None:
        """Coalesce the model's change signals into one render of the visible screen."""
        if not self._pending_refresh:
            self._pending_refresh = True
            QTimer.singleShot(0, self.refresh)

    def refresh(self) -> None:
        self._pending_refresh = False
        m = self.model
        self.home_btn.setText(m.t("header.home"))
        self.home_btn.setVisible(m.screen not in (Screen.HOME, Screen.ATTRACT))
        self.hall.setText(m.p(m.hall.hall.name))
        self.lang_btn.setText(m.t("header.lang"))
        self.large_btn.setText(m.t("header.large_off" if m.large else "header.large_on"))
        if m.link is Link.ONLINE:
            self.banner.hide()
        else:
            set_role(self.banner, "banner" if m.link is Link.OFFLINE else "banner-soft")
            self.banner.setText(m.t("banner.offline" if m.link is Link.OFFLINE else "banner.connecting"))
            self.banner.show()
        view = self.views[m.screen]
        view.refresh()
        self.refreshed.emit(m.screen)

    def _on_screen(self, screen: Screen) -> None:
        self.stack.setCurrentWidget(self.views[screen])
        self.header.setVisible(screen is not Screen.ATTRACT)
        self.refresh()
        if screen is not Screen.TICKET:
            self.dwell.stop()

    def _arm_dwell(self) -> None:
        t = self.model.ticket
        if t is not None and t.print_state in (PrintState.PRINTED, PrintState.NO_PRINTER):
            self.dwell.start()
        else:
            self.dwell.stop()  # printing, or failed: stays until idle so it can be photographed

    # ------------------------------------------------------------------ idle
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in TOUCH_EVENTS:
            self.idle.start()
        return False

    def _on_idle(self) -> None:
        m = self.model
        if m.screen is Screen.HOME and not m.large and m.lang.value == "zh":
            m.attract()
        elif m.screen is not Screen.ATTRACT and not m.reset():
            pass
        self.idle.start()

    def _on_dwell(self) -> None:
        if self.model.screen is Screen.TICKET:
            self.model.reset()

    def closeEvent(self, event: object) -> None:
        app = QApplication.instance()
        assert app is not None, "KioskWindow needs a QApplication"
        app.removeEventFilter(self)
        super().closeEvent(event)  # type: ignore[arg-type]
