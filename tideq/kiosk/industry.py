"""一业一证 (one industry, one permit): an industry's permits combined into one list, from the
hall file alone (no Qt, no I/O): the permits in order, the materials de-duplicated across
permits (each with the permits that need it), the services and windows involved, the online
route; and the same list as ESC/POS bytes for the ticket printer."""

from __future__ import annotations

from dataclasses import dataclass

from tideq.config.schema import HallConfig, Industry, Permit, Service, Text, Window
from tideq.drivers.printer.escpos_ticket import (
    CENTER,
    CHINESE_OFF,
    CHINESE_ON,
    INIT,
    LEFT,
    Geometry,
    Writer,
    centered,
    qr_bitmap,
)


@dataclass(frozen=True)
class Material:
    text: Text
    permits: tuple[int, ...]  # 1-based numbers of the permits that need it


@dataclass(frozen=True)
class Place:
    """A service involved and where it is handled: its guide's `where` and its windows."""

    service: Service
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class CombinedList:
    industry: Industry
    permits: tuple[Permit, ...]
    materials: tuple[Material, ...]
    places: tuple[Place, ...]

    @property
    def first_service(self) -> str:
        """The queue to take a number for: the first permit's service."""
        return self.permits[0].service


def _key(t: Text) -> str:
    return "".join(t.zh.split())


def combine(hall: HallConfig, industry: Industry) -> CombinedList:
    """Permits in hall-file order; a material named by several permits (same Chinese text,
    spaces ignored) is listed once with every permit that needs it; each service once, with
    the windows that serve it (tidal pool windows are not fixed, so not listed)."""
    seen: dict[str, tuple[Text, list[int]]] = {}
    for n, permit in enumerate(industry.permits, 1):
        for m in permit.materials:
            entry = seen.setdefault(_key(m), (m, []))
            if n not in entry[1]:
                entry[1].append(n)
    places: list[Place] = []
    for sid in dict.fromkeys(p.service for p in industry.permits):
        svc = hall.service(sid)
        if svc is not None:  # the schema refuses unknown services; a copied hall may not
            places.append(Place(svc, tuple(w for w in hall.windows if sid in w.services)))
    return CombinedList(
        industry,
        tuple(industry.permits),
        tuple(Material(t, tuple(ns)) for t, ns in seen.values()),
        tuple(places),
    )


def window_names(place: Place, lang: str) -> str:
    """ "1号窗口、2号窗口" / "Window 1, Window 2"."""
    return ("、" if lang == "zh" else ", ").join(getattr(w.name, lang) for w in place.windows)


def build_list(hall: HallConfig, c: CombinedList, width_mm: int = 80, *, qr_native: bool = True) -> bytes:
    """The combined list on ticket paper, Chinese with English under each line, and the QR of
    the online route. Pure: the same list gives the same bytes."""
    g = Geometry(width_mm)
    cols = g.cols
    ind = c.industry
    w = Writer().raw(INIT).raw(CHINESE_ON).align(CENTER)
    w.bold(True).para(hall.hall.name.zh, cols).bold(False).para(hall.hall.name.en, cols)
    w.line("-" * cols)
    w.size(2, 2).bold(True).para(f"一业一证 · {ind.name.zh}", cols // 2).bold(False).size()
    w.para(f"One industry, one permit: {ind.name.en}", cols)
    w.align(LEFT).feed(1)
    w.bold(True).line("需办理的证照 Permits").bold(False)
    for n, p in enumerate(c.permits, 1):
        w.para(f"{n}. {p.name.zh}", cols).para(f"   {p.name.en}", cols)
    w.feed(1).bold(True).line("所需材料 What to bring").bold(False)
    for n, m in enumerate(c.materials, 1):
        used = ",".join(str(i) for i in m.permits)
        w.para(f"{n}. {m.text.zh}（证照{used}）", cols).para(f"   {m.text.en} (for {used})", cols)
    w.feed(1).bold(True).line("办理窗口 Where").bold(False)
    for place in c.places:
        svc = place.service
        where_zh = svc.guide.where.zh if svc.guide.where else ""
        where_en = svc.guide.where.en if svc.guide.where else ""
        w.para(f"{svc.name.zh}：{where_zh}", cols).para(f"{svc.name.en}: {where_en}", cols)
        if place.windows:
            w.para(window_names(place, "zh"), cols)
    if ind.note:
        w.feed(1).para(ind.note.zh, cols).para(ind.note.en, cols)
    if ind.online_url:
        w.feed(1).align(CENTER).line("网上办理 Online").para(ind.online_url, cols)
        data = ind.online_url.encode("utf-8")
        if qr_native:
            w.qr_native(data, g.qr_module)
        else:
            w.align(LEFT).raster(centered(qr_bitmap(data, g.qr_module), g.dots)).align(CENTER)
    return w.feed(2).cut().raw(CHINESE_OFF).bytes()
