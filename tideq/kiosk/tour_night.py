"""The 24-hour self-service pages (night.py) in representative states, as tour.py has the day
screens: driven through the models with the contract's typed replies, no broker. tour.py
appends these steps, so the layout test and the screenshots cover them in every language and
mode; scripts/screenshots_kiosk_night.py grabs them as docs/screenshots/kiosk-night-*.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tideq.contract import (
    AppointmentInfo,
    BiText,
    BookingInfo,
    BookingStatus,
    ErrorCode,
    ErrorInfo,
    Reply,
    SlotInfo,
)

from .model import KioskModel, Screen
from .night import Purpose

Action = Callable[[KioskModel], None]


def _closed(model: KioskModel) -> None:
    from .tour import online

    online(model, closed=True)


def _tomorrow(model: KioskModel, h: int, m: int = 0) -> datetime:
    from .tour import NOW

    return (NOW + timedelta(days=1)).replace(hour=h, minute=m)


def _answer(model: KioskModel, **result: object) -> None:
    r = model.night.request
    assert r is not None, "the step sends a request first"
    model.night.handle_reply(r.cid, Reply(id=r.cid, ok=result.pop("ok", True), **result))  # type: ignore[arg-type]


def _printed(model: KioskModel) -> None:
    n = model.night
    if n.print_job:
        n.handle_print(n.print_job, True)


def _slots(model: KioskModel) -> None:
    n = model.night
    n.start(Purpose.BOOK)
    n.pick_service("tax")
    day = _tomorrow(model, 9)
    slots = []
    for i in range(15):
        start = day + timedelta(minutes=30 * i + (60 if i >= 6 else 0))  # lunch 12:00-13:00
        slots.append(
            SlotInfo(
                start=start, end=start + timedelta(minutes=30), free=(0 if i in (0, 1) else 12 - i % 5), capacity=12
            )
        )
    _answer(model, slots=slots, day=day.date())


def _slip(model: KioskModel) -> None:
    n = model.night
    n.start(Purpose.NEXT_OPENING)
    n.pick_service("tax")
    start = _tomorrow(model, 9)
    appt = AppointmentInfo(code="40718263", service="tax", start=start, end=start + timedelta(minutes=30))
    _answer(model, appointment=appt)
    _printed(model)


def _materials(model: KioskModel) -> None:
    n = model.night
    n.start(Purpose.MATERIALS)
    n.pick_service("business-setup")
    _printed(model)


def _lookup(model: KioskModel) -> None:
    n = model.night
    n.start_lookup()
    for ch in "40718263":
        n.key(ch)


def _result(model: KioskModel) -> None:
    _lookup(model)
    model.night.submit_code()
    start = _tomorrow(model, 9)
    b = BookingInfo(
        code="40718263", service="tax", start=start, end=start + timedelta(minutes=30), status=BookingStatus.PENDING
    )
    _answer(model, booking=b)


def _refusal(model: KioskModel) -> None:
    n = model.night
    n.start(Purpose.NEXT_OPENING)
    n.pick_service("engineering-permit")
    nxt = _tomorrow(model, 9, 30)
    err = ErrorInfo(
        code=ErrorCode.SLOT_FULL,
        message=BiText(
            zh="11月27日 09:00的工程建设审批预约已满",
            en="The Construction Permits slot at Fri 27 Nov 09:00 is fully booked",
        ),
        guide=BiText(
            zh="最近可预约的时段是11月27日 09:30，可直接预约该时段",
            en="The next free slot is Fri 27 Nov 09:30: book that one",
        ),
        next_free={"start": nxt.isoformat(), "end": (nxt + timedelta(minutes=30)).isoformat()},
    )
    _answer(model, ok=False, error=err)


def _then(*actions: Action) -> Action:
    def run(model: KioskModel) -> None:
        for a in actions:
            a(model)

    return run


NIGHT_STEPS: list[tuple[str, Action]] = [
    ("night-home", _then(_closed, lambda m: m.go(Screen.HOME))),
    ("night-services", _then(_closed, lambda m: m.night.start(Purpose.NEXT_OPENING))),
    ("night-slots", _then(_closed, _slots)),
    ("night-slip", _then(_closed, _slip)),
    ("night-materials", _then(_closed, _materials)),
    ("night-lookup", _then(_closed, _lookup)),
    ("night-result", _then(_closed, _result)),
    ("night-refusal", _then(_closed, _refusal)),
    (
        "night-card",
        _then(
            _closed, lambda m: m.night.start(Purpose.NEXT_OPENING), lambda m: m.night.pick_service("social-insurance")
        ),
    ),
]
