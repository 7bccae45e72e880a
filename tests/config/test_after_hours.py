"""`after_hours` of a kiosk (24-hour self-service) and the slot capacity of a service: a wrong
hall file fails on load, naming the kiosk and the fix."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tideq.config.schema import HallConfig


def with_kiosk(hall, **kiosk) -> dict:
    """The example hall's fields (as models) with one kiosk instead of its own, as a raw mapping
    whose kiosk is validated with the hall."""
    raw = dict(hall.hall)
    devices = dict(hall.hall.devices)
    devices["kiosks"] = [{"id": "kiosk-9", "printer": "printer-1", **kiosk}]
    raw["devices"] = devices
    return raw


def test_the_example_hall_offers_every_function_on_kiosk_1(hall):
    k1, k2 = hall.hall.devices.kiosks
    assert k1.after_hours == ["next_opening", "book", "materials", "lookup"]
    assert k2.after_hours == ["materials", "lookup"]


@pytest.mark.parametrize(
    ("kiosk", "says"),
    [
        ({"after_hours": ["book", "book"]}, "lists a function twice"),
        ({"after_hours": ["sleep"]}, "next_opening"),
        ({"after_hours": ["materials"], "printer": None}, "give the kiosk a printer"),
        ({"after_hours": ["book"], "services": ["general-consult"]}, "slot_capacity above 0"),
    ],
)
def test_bad_after_hours_are_refused_with_the_fix(hall, kiosk, says):
    raw = with_kiosk(hall, **kiosk)
    if kiosk.get("services") == ["general-consult"]:
        raw["services"] = [
            s.model_copy(update={"slot_capacity": 0}) if s.id == "general-consult" else s for s in raw["services"]
        ]
    with pytest.raises(ValidationError) as err:
        HallConfig.model_validate(raw)
    assert says in str(err.value)


def test_lookup_alone_needs_no_printer(hall):
    cfg = HallConfig.model_validate(with_kiosk(hall, after_hours=["lookup"], printer=None))
    assert cfg.devices.kiosks[0].after_hours == ["lookup"]
