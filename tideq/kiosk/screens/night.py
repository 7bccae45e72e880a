"""24-hour self-service screens (night.py's NightModel): the after-hours tiles on home, and one
screen whose pages are the flows — choose a service, choose a slot, the booked slip (code + QR,
printing), the materials list (printing), lookup (keypad or scan), its result, and a refusal
that offers the next free slot in one tap (never a dead end)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tideq.contract import ErrorCode

from ..model import KioskModel, Screen
from ..night import NightModel, Page, PrintState, Purpose
from .base import Tile, View, button, clear_layout, label, set_role
from .ticket import qr_pixmap

C = Qt.AlignmentFlag.AlignCenter
KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "clear"]
FUNCTIONS = ("next_opening", "book", "materials", "lookup")


class NightTiles(QWidget):
    """Home outside opening hours: the kiosk's `after_hours` functions, then the guide and the
    policy contacts, as large tiles (3 a row; 2 in large mode)."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__()
        self.model = model
        n = model.night
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(28)
        actions: dict[str, Callable[[], None]] = {
            "next_opening": partial(n.start, Purpose.NEXT_OPENING),
            "book": partial(n.start, Purpose.BOOK),
            "materials": partial(n.start, Purpose.MATERIALS),
            "lookup": n.start_lookup,
            "guide": partial(model.go, Screen.GUIDE),
            "policy": partial(model.go, Screen.POLICY),
        }
        self.order = [f for f in FUNCTIONS if f in n.functions] + ["guide", "policy"]
        self.tiles: dict[str, Tile] = {}
        for key in self.order:
            t = Tile("home", actions[key], "home-title", "home-sub", centred=True)
            t.setObjectName(f"night-{key}")
            self.tiles[key] = t
        # laid out now, while this widget is hidden: a tile first added to the layout of a shown
        # widget is shown only a turn of the event loop later (Qt queues it), so home would show
        # the after-hours banner over an empty grid for a moment (a test caught that moment)
        self._cols = 0
        self._lay_out(3)

    def refresh(self) -> None:
        m, n = self.model, self.model.night
        self._lay_out(2 if m.large else 3)
        nxt = n.when(m.next_open)
        subs = {
            "next_opening": m.t("night.next_opening_sub", when=nxt),
            "book": m.t("night.book_sub", days=m.hall.rules.book_days),
            "materials": m.t("night.materials_sub"),
            "lookup": m.t("night.lookup_sub"),
            "guide": m.t("home.guide_sub"),
            "policy": m.t("home.policy_sub"),
        }
        rows = -(-len(self.order) // self._cols)
        h = max(self.model_theme().button_h + 40, (700 if not m.large else 720) // rows - 28)
        for key, t in self.tiles.items():
            title = m.t(f"home.{key}") if key in ("guide", "policy") else m.t(f"night.{key}")
            t.set_text(title, subs[key])
            t.setMinimumHeight(h)

    def _lay_out(self, cols: int) -> None:
        if cols != self._cols:
            for t in self.tiles.values():
                self.grid.removeWidget(t)
            for i, key in enumerate(self.order):
                self.grid.addWidget(self.tiles[key], i // cols, i % cols)
            self._cols = cols

    def model_theme(self):  # type: ignore[no-untyped-def]
        from ..theme import theme_for

        return theme_for(self.model.large)


class NightView(View):
    """Screen.NIGHT: the pages of the after-hours flows."""

    def __init__(self, model: KioskModel) -> None:
        super().__init__(model)
        self.n: NightModel = model.night
        box = QVBoxLayout(self)
        box.setContentsMargins(70, 24, 70, 30)
        self.stack = QStackedWidget()
        box.addWidget(self.stack)
        self.pages: dict[Page, QWidget] = {}
        for page, build in (
            (Page.SERVICES, self._services_page),
            (Page.SLOTS, self._slots_page),
            (Page.SLIP, self._slip_page),
            (Page.MATERIALS, self._materials_page),
            (Page.LOOKUP, self._lookup_page),
            (Page.RESULT, self._result_page),
            (Page.REFUSAL, self._refusal_page),
            (Page.CARD, self._card_page),
        ):
            w = build()
            self.pages[page] = w
            self.stack.addWidget(w)
        self._qr_for: tuple[str, int] | None = None
        self._built: dict[Page, object] = {}

    # ------------------------------------------------------------------ pages
    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        w = QWidget()
        v = QVBoxLayout(w)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(20)
        return w, v

    def _nav(self, v: QVBoxLayout, *extra: tuple[str, Callable[[], object], str]) -> dict[str, QPushButton]:
        row = QHBoxLayout()
        row.setSpacing(24)
        out: dict[str, QPushButton] = {}
        for name, fn, role in extra:
            b = button("", role, fn)
            b.setObjectName(f"night-{name}")
            row.addWidget(b)
            out[name] = b
        v.addLayout(row)
        return out

    def _services_page(self) -> QWidget:
        w, v = self._page()
        self.sv_title = label("", "title")
        v.addWidget(self.sv_title)
        self.sv_grid = QGridLayout()
        self.sv_grid.setSpacing(22)
        v.addLayout(self.sv_grid)
        v.addStretch(1)
        self.sv_tiles: dict[str, Tile] = {}
        self.sv_nav = self._nav(v, ("home", self.model.go_home, ""))
        return w

    def _slots_page(self) -> QWidget:
        w, v = self._page()
        self.sl_title = label("", "title")
        self.sl_empty = label("", "notice")
        v.addWidget(self.sl_title)
        v.addWidget(self.sl_empty)
        area = QScrollArea()  # a day of 30-minute slots at 1.5x type is taller than the screen
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setProperty("scrolls_large", True)  # the layout check allows it in large mode only
        inner = QWidget()
        inner.setObjectName("page")
        self.sl_grid = QGridLayout(inner)
        self.sl_grid.setContentsMargins(0, 0, 0, 0)
        self.sl_grid.setSpacing(18)
        self.sl_grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        area.setWidget(inner)
        v.addWidget(area, 1)
        self.sl_buttons: dict[str, QPushButton] = {}
        self.sl_nav = self._nav(
            v,
            ("prev", lambda: self.n.shift_day(-1), ""),
            ("next", lambda: self.n.shift_day(1), ""),
            ("back", lambda: self.n.start(Purpose.BOOK), ""),
        )
        return w

    def _slip_page(self) -> QWidget:
        w = QWidget()
        outer = QHBoxLayout(w)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(50)
        left = QVBoxLayout()
        left.setSpacing(14)
        self.sp_title = label("", "title")
        self.sp_slot = label("", "big")
        self.sp_caption = label("", "body")
        self.sp_code = label("", "code", wrap=False, align=C)
        self.sp_code.setObjectName("night-code")
        self.sp_hint = label("", "body")
        for x in (self.sp_title, self.sp_slot, self.sp_caption, self.sp_code, self.sp_hint):
            left.addWidget(x)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(16)
        self.sp_qr = label("", "body", align=C)
        self.sp_status = label("", "notice")
        self.sp_status.setObjectName("night-print-status")
        right.addWidget(self.sp_qr)
        right.addWidget(self.sp_status)
        right.addStretch(1)
        self.sp_done = button("", "primary", self.model.reset)
        self.sp_done.setObjectName("night-done")
        right.addWidget(self.sp_done)
        outer.addLayout(left, 3)
        outer.addLayout(right, 2)
        return w

    def _materials_page(self) -> QWidget:
        w, v = self._page()
        self.mt_title = label("", "title")
        v.addWidget(self.mt_title)
        self.mt_list = QVBoxLayout()
        self.mt_list.setSpacing(10)
        v.addLayout(self.mt_list)
        v.addStretch(1)
        self.mt_status = label("", "notice")
        self.mt_status.setObjectName("night-materials-status")
        v.addWidget(self.mt_status)
        self.mt_nav = self._nav(
            v, ("another", lambda: self.n.start(Purpose.MATERIALS), ""), ("done", self.model.reset, "primary")
        )
        return w

    def _lookup_page(self) -> QWidget:
        w = QWidget()
        outer = QHBoxLayout(w)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(70)
        left = QVBoxLayout()
        left.setSpacing(14)
        self.lk_title = label("", "title")
        self.lk_code = label("", "code", wrap=False, align=C)
        self.lk_code.setObjectName("night-lookup-code")
        left.addWidget(self.lk_title)
        left.addWidget(self.lk_code)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.lk_keys = {}
        n = self.n
        for i, k in enumerate(KEYS):
            action = {"back": n.backspace, "clear": n.clear_code}.get(k, partial(n.key, k))
            b = button(k, "key", action)
            b.setObjectName(f"night-key-{k}")
            self.lk_keys[k] = b
            grid.addWidget(b, i // 3, i % 3)
        left.addLayout(grid)
        self.lk_ok = button("", "primary", n.submit_code)
        self.lk_ok.setObjectName("night-lookup-ok")
        left.addWidget(self.lk_ok)
        left.addStretch(1)
        right = QVBoxLayout()
        self.lk_prompt = label("", "big")
        self.lk_notice = label("", "notice")
        right.addWidget(self.lk_prompt)
        right.addWidget(self.lk_notice)
        right.addStretch(1)
        outer.addLayout(left, 1)
        outer.addLayout(right, 1)
        return w

    def _result_page(self) -> QWidget:
        w, v = self._page()
        self.rs_title = label("", "title")
        self.rs_status = label("", "good")
        self.rs_status.setObjectName("night-result")
        self.rs_detail = label("", "big")
        for x in (self.rs_title, self.rs_status, self.rs_detail):
            v.addWidget(x)
        v.addStretch(1)
        self.rs_nav = self._nav(v, ("again", self.n.start_lookup, ""), ("done", self.model.reset, "primary"))
        return w

    def _refusal_page(self) -> QWidget:
        w, v = self._page()
        self.rf_message = label("", "title")
        self.rf_message.setObjectName("night-refusal")
        self.rf_guide = label("", "body")
        v.addWidget(self.rf_message)
        v.addWidget(self.rf_guide)
        v.addStretch(1)
        self.rf_nav = self._nav(
            v,
            ("book-free", self.n.book_next_free, "primary"),
            ("retry", self.n.retry, "primary"),
            ("back", self._back, ""),
            ("home", self.model.go_home, ""),
        )
        return w

    def _card_page(self) -> QWidget:
        w, v = self._page()
        self.cd_title = label("", "title")
        self.cd_hint = label("", "big")
        self.cd_notice = label("", "notice")
        self.cd_notice.setObjectName("night-card-notice")
        for x in (self.cd_title, self.cd_hint, self.cd_notice):
            v.addWidget(x)
        v.addStretch(1)
        self.cd_nav = self._nav(v, ("back", self._back, ""), ("home", self.model.go_home, ""))
        return w

    def _r_card(self) -> None:
        m, n = self.model, self.n
        svc = m.hall.service(n.service or "")
        self.cd_title.setText(m.t("night.card", service=m.p(svc.name) if svc else ""))
        self.cd_hint.setText("▤  " + m.t("night.card_hint"))
        self.cd_notice.setText(n.notice)
        self.cd_notice.setVisible(bool(n.notice))
        self.cd_nav["back"].setText(m.t("night.back"))
        self.cd_nav["home"].setText(m.t("night.home"))
        self._sizes(self.cd_nav)

    def _back(self) -> None:
        n = self.n
        if n.purpose is not None:
            n.start(n.purpose)
        else:
            n.start_lookup()

    # ------------------------------------------------------------------ render
    def refresh(self) -> None:
        n = self.n
        self.stack.setCurrentWidget(self.pages[n.page])
        {
            Page.SERVICES: self._r_services,
            Page.SLOTS: self._r_slots,
            Page.SLIP: self._r_slip,
            Page.MATERIALS: self._r_materials,
            Page.LOOKUP: self._r_lookup,
            Page.RESULT: self._r_result,
            Page.REFUSAL: self._r_refusal,
            Page.CARD: self._r_card,
        }[n.page]()

    def _sizes(self, buttons: dict[str, QPushButton]) -> None:
        """Whole touch targets: at least the theme's height, and never below what the text and the
        style's padding need (a long page would squeeze them otherwise)."""
        for b in buttons.values():
            b.setMinimumHeight(max(self.theme.button_h, b.sizeHint().height()))

    def _r_services(self) -> None:
        m, n = self.model, self.n
        key = {Purpose.NEXT_OPENING: "night.pick_next", Purpose.BOOK: "night.pick_book"}.get(
            n.purpose or Purpose.MATERIALS, "night.pick_materials"
        )
        self.sv_title.setText(m.t(key, when=n.when(m.next_open)))
        state = (m.lang, m.large, n.purpose)
        if self._built.get(Page.SERVICES) != state:
            self._built[Page.SERVICES] = state
            clear_layout(self.sv_grid)
            self.sv_tiles = {}
            cols = 2 if m.large else 4
            for i, svc in enumerate(n.offered()):
                t = Tile("tile", partial(n.pick_service, svc.id))
                t.setObjectName(f"night-service-{svc.id}")
                t.set_text(m.p(svc.name), m.p(svc.group) if svc.group else "")
                t.setMinimumHeight(self.theme.tile_h if not m.large else self.theme.tile_h - 20)
                self.sv_tiles[svc.id] = t
                self.sv_grid.addWidget(t, i // cols, i % cols)
        for t in self.sv_tiles.values():
            t.setEnabled(not n.busy)
        self.sv_nav["home"].setText(m.t("night.home"))
        self._sizes(self.sv_nav)

    def _r_slots(self) -> None:
        m, n = self.model, self.n
        svc = m.hall.service(n.service or "")
        day = n.slot_day
        day_text = n.when(datetime(day.year, day.month, day.day, tzinfo=n.tz)).rsplit(" ", 1)[0] if day else ""
        self.sl_title.setText(m.t("night.slots_title", service=m.p(svc.name) if svc else "", day=day_text))
        free = [s for s in n.slots if s.free]
        self.sl_empty.setText(m.t("night.no_slots_day"))
        self.sl_empty.setVisible(not free)
        state = (m.lang, m.large, tuple((s.start, s.free) for s in n.slots))
        if self._built.get(Page.SLOTS) != state:
            self._built[Page.SLOTS] = state
            clear_layout(self.sl_grid)
            self.sl_buttons = {}
            cols = 3 if m.large else 5
            for i, s in enumerate(n.slots):
                at = s.start.astimezone(n.tz)
                tag = m.t("night.slot_free", n=s.free) if s.free else m.t("night.slot_full")
                b = button(f"{at:%H:%M}  {tag}", "primary" if s.free else "tile", partial(n.pick_slot, s.start))
                b.setObjectName(f"night-slot-{at:%H%M}")
                b.setEnabled(bool(s.free))  # a full slot greys out (tile:disabled), its text says 已满
                b.setMinimumHeight(max(self.theme.button_h, b.sizeHint().height()))
                self.sl_buttons[f"{at:%H%M}"] = b
                self.sl_grid.addWidget(b, i // cols, i % cols)
        for b in self.sl_buttons.values():
            b.setEnabled(not n.busy and b.text().split()[-1] != m.t("night.slot_full"))
        now = n.now()
        if day and now:  # page only within today .. today + book_days (the controller's window)
            today = now.astimezone(n.tz).date()
            self.sl_nav["prev"].setEnabled(not n.busy and day > today)
            self.sl_nav["next"].setEnabled(not n.busy and (day - today).days < m.hall.rules.book_days)
        self.sl_nav["prev"].setText(m.t("night.prev_day"))
        self.sl_nav["next"].setText(m.t("night.next_day"))
        self.sl_nav["back"].setText(m.t("night.back"))
        self._sizes(self.sl_nav)

    def _print_status(self, lb: QLabel, printing: str, printed: str, failed: str, none: str) -> None:
        n, m = self.n, self.model
        role, text = {
            PrintState.PRINTING: ("notice", m.t(printing)),
            PrintState.PRINTED: ("good", m.t(printed)),
            PrintState.FAILED: ("error", m.t(failed)),
            PrintState.NO_PRINTER: ("notice", m.t(none)),
        }[n.print_state]
        set_role(lb, role)
        lb.setText(text)

    def _r_slip(self) -> None:
        m, n, a = self.model, self.n, self.n.booked
        if a is None:
            return
        svc = m.hall.service(a.service)
        start = a.start.astimezone(n.tz)
        opens = start.timestamp() - m.hall.rules.checkin_early_min * 60
        self.sp_title.setText(m.t("night.booked"))
        self.sp_slot.setText(m.t("night.booked_slot", service=m.p(svc.name) if svc else a.service, when=n.when(start)))
        self.sp_caption.setText(m.t("night.code"))
        self.sp_code.setText(a.code)
        self.sp_hint.setText(m.t("night.checkin_hint", opens=f"{datetime.fromtimestamp(opens, n.tz):%H:%M}"))
        size = 280 if not m.large else 300
        data = f"tideq-appt:{a.code}"
        if self._qr_for != (data, size):
            self.sp_qr.setPixmap(qr_pixmap(data, size))
            self._qr_for = (data, size)
        self._print_status(self.sp_status, "night.printing", "night.printed", "night.print_failed", "night.no_printer")
        self.sp_done.setText(m.t("ticket.done"))
        self.sp_done.setMinimumHeight(self.theme.button_h)

    def _r_materials(self) -> None:
        m, n = self.model, self.n
        svc = m.hall.service(n.service or "")
        if svc is None:
            return
        self.mt_title.setText(m.t("night.materials_title", service=m.p(svc.name)))
        state = (m.lang, m.large, svc.id)
        if self._built.get(Page.MATERIALS) != state:
            self._built[Page.MATERIALS] = state
            clear_layout(self.mt_list)
            items = [f"{i}. {m.p(x)}" for i, x in enumerate(svc.guide.materials, 1)] or [m.t("night.materials_none")]
            for text in items:
                self.mt_list.addWidget(label(text, "info"))
            if svc.guide.where:
                self.mt_list.addWidget(label(m.t("night.where", where=m.p(svc.guide.where)), "body"))
        self._print_status(
            self.mt_status,
            "night.materials_printing",
            "night.materials_printed",
            "night.materials_failed",
            "night.materials_failed",
        )
        self.mt_nav["another"].setText(m.t("night.back"))
        self.mt_nav["done"].setText(m.t("ticket.done"))
        self._sizes(self.mt_nav)

    def _r_lookup(self) -> None:
        m, n = self.model, self.n
        self.lk_title.setText(m.t("night.lookup_title"))
        self.lk_code.setText(n.code or " ")
        self.lk_keys["back"].setText(m.t("checkin.back"))
        self.lk_keys["clear"].setText(m.t("checkin.clear"))
        for b in self.lk_keys.values():
            b.setMinimumHeight(self.theme.button_h)
        self.lk_ok.setText(m.t("night.lookup_ok"))
        self.lk_ok.setEnabled(not n.busy)
        self.lk_prompt.setText(m.t("night.lookup_enter"))
        self.lk_notice.setText(n.notice)
        self.lk_notice.setVisible(bool(n.notice))

    def _r_result(self) -> None:
        m, n = self.model, self.n
        self.rs_title.setText(m.t("night.lookup_title"))
        if n.booking is not None:
            b = n.booking
            svc = m.hall.service(b.service)
            self.rs_status.setText(m.t(f"night.status.{b.status.value}", ticket=b.ticket or ""))
            self.rs_detail.setText(
                m.t("night.booked_slot", service=m.p(svc.name) if svc else b.service, when=n.when(b.start))
            )
        elif n.found_ticket is not None:
            t = n.found_ticket
            status = m.t(f"night.ticket.{t.status.value}", n=t.ahead, window=t.window or "")
            self.rs_status.setText(m.t("night.ticket_status", number=t.number, status=status))
            svc = m.hall.service(t.service)
            self.rs_detail.setText(m.p(svc.name) if svc else t.service)
        self.rs_nav["again"].setText(m.t("night.lookup"))
        self.rs_nav["done"].setText(m.t("ticket.done"))
        self._sizes(self.rs_nav)

    def _r_refusal(self) -> None:
        m, n, e = self.model, self.n, self.n.error
        if e is None:
            return
        self.rf_message.setText(m.p(e.message))
        self.rf_guide.setText(m.p(e.guide))
        nxt = e.extra("next_free")
        free = self.rf_nav["book-free"]
        if isinstance(nxt, dict):
            free.setText(m.t("night.book_free", when=n.when(datetime.fromisoformat(nxt["start"]))))
        free.setVisible(isinstance(nxt, dict))
        retry = self.rf_nav["retry"]
        retry.setText(m.t("night.retry"))
        retry.setVisible(e.code is ErrorCode.CONTROLLER_UNREACHABLE)
        self.rf_nav["back"].setText(m.t("night.back"))
        self.rf_nav["home"].setText(m.t("night.home"))
        self._sizes(self.rf_nav)
